package sweep

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/internal/dirtest"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// fakeLoad stands for loading a scenario: its hash covers the overrides,
// as the real loader's does.
func fakeLoad(sets []string, seed uint64) (*scenarios.Scenario, error) {
	for _, s := range sets {
		if strings.HasPrefix(s, "bad=") {
			return nil, &scenarios.InputError{Problems: []error{fmt.Errorf("--set bad: no such key")}}
		}
	}
	h := sha256.Sum256([]byte(strings.Join(sets, "\n")))
	return &scenarios.Scenario{Name: "fake", Seed: seed, SHA256: hex.EncodeToString(h[:])}, nil
}

// normalExec's metric "draw" is a normal(10, 2) draw from the run's seed
// and scenario, and "twice" is twice the swept value "x".
func normalExec(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
	r := sim.NewStream(sc.Seed, sc.SHA256)
	d := distuv.Normal{Mu: 10, Sigma: 2, Src: r}
	return &results.Summary{Scenario: sc.Name, Seed: sc.Seed, ScenarioSHA256: sc.SHA256,
		Metrics: map[string]float64{"draw": d.Rand()}}, nil
}

func grid(points, reps int) *Grid {
	ax := Axis{Key: "x"}
	for i := range points {
		ax.Values = append(ax.Values, fmt.Sprint(i+1))
	}
	return &Grid{Scenario: "fake", Sets: []string{"base=1"}, Axes: []Axis{ax}, Replications: reps, MasterSeed: 7, Plots: []string{"draw"}}
}

func TestGridRuns(t *testing.T) {
	g := &Grid{Axes: []Axis{{"a", []string{"1", "2"}}, {"b", []string{"x", "y", "z"}}}, Replications: 2, MasterSeed: 1}
	runs := g.Runs()
	if len(runs) != 12 || g.Points() != 6 {
		t.Fatalf("%d runs, %d points", len(runs), g.Points())
	}
	// The first axis varies slowest; replications innermost.
	r := runs[7] // point 3, replication 1
	if r.Point != 3 || r.Replication != 1 || strings.Join(r.Values, ",") != "2,x" {
		t.Errorf("run 7: %+v", r)
	}
	if got := g.RunSets(r); strings.Join(got, " ") != "a=2 b=x" {
		t.Errorf("sets %v", got)
	}
	// Replication r has the same seed at every point, and replications
	// have distinct seeds.
	if runs[1].Seed != runs[7].Seed || runs[0].Seed == runs[1].Seed {
		t.Errorf("seeds %d %d %d", runs[0].Seed, runs[1].Seed, runs[7].Seed)
	}
	// SplitMix64's published first output for state 0 advanced once
	// (Vigna's reference splitmix64.c: 0xe220a8397b1dcdaf).
	if got := ReplicationSeed(0, 0); got != 0xe220a8397b1dcdaf {
		t.Errorf("ReplicationSeed(0, 0) = %#x", got)
	}
}

// The statistics of a hand-computed sample: 1, 2, 3, 4 has mean 2.5,
// sd √(5/3) = 1.2909944, and t(0.975; 3) = 3.1824463 (tables), so the
// half-width is 3.1824463·1.2909944/2 = 2.0542603.
func TestSummarizeByHand(t *testing.T) {
	for _, c := range []struct {
		xs            []float64
		n             int
		mean, sd, h   float64
		spreadUnknown bool
	}{
		{[]float64{1, 2, 3, 4}, 4, 2.5, math.Sqrt(5.0 / 3), 3.1824463052842638 * math.Sqrt(5.0/3) / 2, false},
		{[]float64{5, 5, math.NaN()}, 2, 5, 0, 0, false},
		{[]float64{7}, 1, 7, 0, 0, true},
	} {
		s := Summarize(c.xs)
		if s.N != c.n || math.Abs(s.Mean-c.mean) > 1e-12 {
			t.Errorf("%v: n %d mean %v", c.xs, s.N, s.Mean)
		}
		if c.spreadUnknown {
			if !math.IsNaN(s.SD) || !math.IsNaN(s.Low) {
				t.Errorf("%v: sd %v low %v, want NaN", c.xs, s.SD, s.Low)
			}
			continue
		}
		if math.Abs(s.SD-c.sd) > 1e-12 || math.Abs(s.H-c.h) > 1e-9 || math.Abs(s.High-s.Low-2*c.h) > 1e-9 {
			t.Errorf("%v: sd %v h %v [%v, %v], want sd %v h %v", c.xs, s.SD, s.H, s.Low, s.High, c.sd, c.h)
		}
	}
}

// The interval covers the true mean at the nominal rate: 4000 samples of 5
// normal draws; the coverage's standard error is √(0.95·0.05/4000) =
// 0.0034, so it must land within 0.95 ± 0.012 (3.5 standard errors).
func TestCICoverage(t *testing.T) {
	r := sim.NewStream(42, "coverage")
	d := distuv.Normal{Mu: 10, Sigma: 2, Src: r}
	for _, n := range []int{2, 5, 30} {
		hit := 0
		const trials = 4000
		xs := make([]float64, n)
		for range trials {
			for i := range xs {
				xs[i] = d.Rand()
			}
			if s := Summarize(xs); s.Low <= 10 && 10 <= s.High {
				hit++
			}
		}
		if cov := float64(hit) / trials; math.Abs(cov-0.95) > 0.012 {
			t.Errorf("n = %d: coverage %.4f", n, cov)
		}
	}
}

// The whole pipeline (runs, files, stats.json) on runs whose metric is a
// seeded normal draw: 200 points × 5 replications; the 95 % intervals
// must cover the true mean 10 at 0.95 ± 0.05 (3.2 standard errors).
func TestSweepCIPipeline(t *testing.T) {
	dir := t.TempDir()
	g := grid(200, 5)
	o, err := Execute(context.Background(), dir, g, fakeLoad, normalExec, Options{Workers: 2})
	if err != nil || !o.Complete || o.Ran != 1000 {
		t.Fatalf("%+v %v", o, err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "stats.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Points []struct {
			Metrics []struct {
				Name     string
				N        int
				Mean     float64
				CI95Low  float64 `json:"ci95_low"`
				CI95High float64 `json:"ci95_high"`
			}
		}
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	hit := 0
	for _, p := range st.Points {
		for _, m := range p.Metrics {
			if m.Name == "draw" {
				if m.N != 5 {
					t.Fatalf("n = %d", m.N)
				}
				if m.CI95Low <= 10 && 10 <= m.CI95High {
					hit++
				}
			}
		}
	}
	if cov := float64(hit) / 200; math.Abs(cov-0.95) > 0.05 {
		t.Errorf("coverage %.3f over 200 points", cov)
	}
}

// Outputs do not depend on the number of workers, and the merge of three
// shards writes the same files as one sweep.
func TestSweepWorkersAndShards(t *testing.T) {
	g := grid(4, 3)
	one, two := t.TempDir(), t.TempDir()
	for _, c := range []struct {
		dir string
		j   int
	}{{one, 1}, {two, 2}} {
		if _, err := Execute(context.Background(), c.dir, g, fakeLoad, normalExec, Options{Workers: c.j}); err != nil {
			t.Fatal(err)
		}
	}
	dirtest.Same(t, one, two)
	var shards []string
	for i := range 3 {
		d := t.TempDir()
		o, err := Execute(context.Background(), d, g, fakeLoad, normalExec, Options{Workers: 2, Shard: i, Shards: 3})
		if err != nil || o.Complete || o.Mine != 4 {
			t.Fatalf("shard %d: %+v %v", i, o, err)
		}
		shards = append(shards, d)
	}
	merged := t.TempDir()
	o, err := Merge(merged, 2, shards...)
	if err != nil || !o.Complete {
		t.Fatalf("merge: %+v %v", o, err)
	}
	dirtest.Same(t, one, merged)
	// Two shards only: incomplete, nothing aggregated.
	part := t.TempDir()
	if o, err := Merge(part, 2, shards[:2]...); err != nil || o.Complete {
		t.Errorf("partial merge: %+v %v", o, err)
	}
}

// A sweep stopped mid-way and run again finishes without redoing the runs
// already done.
func TestSweepResume(t *testing.T) {
	dir := t.TempDir()
	g := grid(5, 4)
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	stopping := func(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
		if n.Add(1) == 7 {
			cancel()
		}
		return normalExec(ctx, sc)
	}
	o, err := Execute(ctx, dir, g, fakeLoad, stopping, Options{Workers: 1})
	if err != context.Canceled || o.Complete {
		t.Fatalf("first: %+v %v", o, err)
	}
	done := o.Ran
	if done < 7 || done > 8 {
		t.Fatalf("%d runs done before the stop", done)
	}
	var again atomic.Int32
	counting := func(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
		again.Add(1)
		return normalExec(ctx, sc)
	}
	o, err = Execute(context.Background(), dir, g, fakeLoad, counting, Options{Workers: 2})
	if err != nil || !o.Complete || o.Skipped != done || int(again.Load()) != 20-done {
		t.Fatalf("second: %+v %v, ran %d", o, err, again.Load())
	}
	// The result equals an uninterrupted sweep's.
	ref := t.TempDir()
	if _, err := Execute(context.Background(), ref, g, fakeLoad, normalExec, Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	dirtest.Same(t, ref, dir)
	// A leftover temporary file (a kill during a write) is ignored.
	os.WriteFile(filepath.Join(dir, "runs", ".p0000-r0000.json.tmp123"), []byte("{"), 0o644)
	if o, err := Execute(context.Background(), dir, g, fakeLoad, counting, Options{}); err != nil || o.Ran != 0 {
		t.Errorf("third: %+v %v", o, err)
	}
}

// Bad input stops a sweep before any run; another sweep in the same
// directory is refused.
func TestSweepBadInput(t *testing.T) {
	dir := t.TempDir()
	g := grid(2, 2)
	g.Axes = append(g.Axes, Axis{Key: "bad", Values: []string{"1"}})
	ran := false
	exec := func(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
		ran = true
		return normalExec(ctx, sc)
	}
	_, err := Execute(context.Background(), dir, g, fakeLoad, exec, Options{})
	if err == nil || ran || !strings.Contains(err.Error(), "no such key") {
		t.Errorf("err %v, ran %v", err, ran)
	}
	// One bad point of four, in a new directory: the runs of the others
	// that started while it loaded are stopped, and nothing is written.
	for _, workers := range []int{1, 2, 4} {
		fresh := filepath.Join(t.TempDir(), "out")
		var started atomic.Int32
		stopped := func(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
			started.Add(1)
			<-ctx.Done() // a long run, stopped only by the failed load
			return nil, ctx.Err()
		}
		g3 := grid(4, 3) // x = 1..4, x=4 bad
		load := func(sets []string, seed uint64) (*scenarios.Scenario, error) {
			if slices.Contains(sets, "x=4") {
				return fakeLoad(append(sets, "bad=1"), seed)
			}
			return fakeLoad(sets, seed)
		}
		_, err := Execute(context.Background(), fresh, g3, load, stopped, Options{Workers: workers})
		if err == nil || !strings.Contains(err.Error(), "grid point x=4: --set bad: no such key") {
			t.Errorf("-j %d: err %v", workers, err)
		}
		if n := int(started.Load()); n > workers-1 {
			t.Errorf("-j %d: %d runs started before the bad point's load failed", workers, n)
		}
		if _, err := os.Stat(fresh); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("-j %d: the output directory was made (%v)", workers, err)
		}
	}

	g = grid(2, 2)
	if _, err := Execute(context.Background(), dir, g, fakeLoad, normalExec, Options{}); err != nil {
		t.Fatal(err)
	}
	g.MasterSeed++
	if _, err := Execute(context.Background(), dir, g, fakeLoad, normalExec, Options{}); err == nil || !strings.Contains(err.Error(), "different sweep") {
		t.Errorf("other sweep in the same directory: %v", err)
	}
}

// metricsByJSON is how Metrics used to flatten a summary: through its
// JSON encoding. Metrics must give the same names and values.
func metricsByJSON(s *results.Summary) map[string]float64 {
	b, _ := json.Marshal(s)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	out := map[string]float64{}
	for k, v := range m {
		if f, ok := v.(float64); ok && k != "seed" {
			out[k] = f
		}
	}
	for k, v := range s.Metrics {
		if _, clash := out[k]; clash {
			k = "metrics." + k
		}
		out[k] = v
	}
	return out
}

func TestMetricsAsJSON(t *testing.T) {
	r := sim.NewStream(3, "summaries")
	for i := range 50 {
		s := &results.Summary{Scenario: "x", Seed: r.Uint64(), Events: r.Uint64() >> (r.IntN(64)), Hosts: r.IntN(1 << 20),
			VMsRejected: -r.IntN(3), EnergyKWh: r.NormFloat64() * 1e3, MeanUtil: r.Float64(), LastCompletionS: float64(i),
			Consolidation: []string{"", "thr"}[i%2],
			Metrics:       map[string]float64{"slav": r.ExpFloat64(), "energy_kwh": 1.5, "tiny": 5e-324}}
		s.Sanitize()
		got, want := Metrics(s), metricsByJSON(s)
		if len(got) != len(want) {
			t.Fatalf("%d metrics, want %d: %v vs %v", len(got), len(want), got, want)
		}
		for k, v := range want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("summary %d: %s = %v, want %v", i, k, g, v)
			}
		}
	}
}

// A grid that cannot run — no replication, a key without values, more
// runs than a sweep holds (the product of the axes and the replications
// overflowing, even) — is bad input before anything is allocated for its
// runs; so is a damaged sweep.json of the same kinds, read back by Read or
// Merge.
func TestGridLimits(t *testing.T) {
	var ie *scenarios.InputError
	many := make([]string, 1000)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	for _, c := range []struct {
		g    Grid
		want string
	}{
		{Grid{Replications: 0}, "replications must be at least 1"},
		{Grid{Replications: -3}, "replications must be at least 1"},
		{Grid{Replications: 2, Axes: []Axis{{Key: "x"}}}, `swept key "x" has no values`},
		{Grid{Replications: 1e11}, "more than 1000000 runs"},
		{Grid{Replications: 2, Axes: []Axis{{"a", many}, {"b", many}}}, "more than 1000000 runs"},
		{Grid{Replications: 1 << 62, Axes: []Axis{{"a", many}, {"b", many}, {"c", many}}}, "more than 1000000 runs"},
	} {
		dir := t.TempDir()
		g := c.g
		if _, err := Execute(context.Background(), dir, &g, fakeLoad, normalExec, Options{Workers: 2}); !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v", c.g, err)
		}
		// The same grid in a sweep.json.
		b, _ := json.Marshal(spec{Grid: g, Hashes: []string{}})
		os.WriteFile(filepath.Join(dir, "sweep.json"), b, 0o644)
		if _, err := Read(dir); !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "sweep.json") {
			t.Errorf("read %+v: %v", c.g, err)
		}
		if _, err := Merge(t.TempDir(), 1, dir); !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("merge %+v: %v", c.g, err)
		}
	}
	// A sweep.json whose hashes do not match its points.
	dir := t.TempDir()
	if _, err := Execute(context.Background(), dir, grid(3, 2), fakeLoad, normalExec, Options{}); err != nil {
		t.Fatal(err)
	}
	sp, _ := readSpec(dir)
	sp.Hashes = sp.Hashes[:2]
	b, _ := json.Marshal(sp)
	os.WriteFile(filepath.Join(dir, "sweep.json"), b, 0o644)
	if _, err := Read(dir); !errors.As(err, &ie) || !strings.Contains(err.Error(), "2 scenario hashes for 3 grid points") {
		t.Errorf("hashes: %v", err)
	}
}

// A run file that is not the run it is named after (copied over, left by
// another sweep) or is damaged never enters the statistics: reading,
// aggregating and merging refuse it as bad input, naming the file.
func TestForeignRunFiles(t *testing.T) {
	var ie *scenarios.InputError
	setup := func() string {
		dir := t.TempDir()
		if _, err := Execute(context.Background(), dir, grid(2, 2), fakeLoad, normalExec, Options{}); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	for _, c := range []struct {
		name  string
		spoil func(runs string)
		want  string
	}{
		{"another point's run", func(runs string) {
			copyFile(t, filepath.Join(runs, "p0000-r0000.json"), filepath.Join(runs, "p0001-r0000.json"))
		}, "p0001-r0000.json holds the run of scenario"},
		{"another replication's run", func(runs string) {
			copyFile(t, filepath.Join(runs, "p0001-r0000.json"), filepath.Join(runs, "p0001-r0001.json"))
		}, "p0001-r0001.json holds the run of scenario"},
		{"a damaged run", func(runs string) { os.WriteFile(filepath.Join(runs, "p0000-r0001.json"), []byte("{"), 0o644) }, "p0000-r0001.json: unexpected EOF"},
	} {
		dir := setup()
		c.spoil(filepath.Join(dir, "runs"))
		if _, err := Read(dir); !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: read: %v", c.name, err)
		}
		if _, err := Aggregate(dir, 1); !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: aggregate: %v", c.name, err)
		}
		if _, err := Merge(t.TempDir(), 1, dir); !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: merge: %v", c.name, err)
		}
		// Execute redoes it, and the sweep is whole again.
		if o, err := Execute(context.Background(), dir, grid(2, 2), fakeLoad, normalExec, Options{}); err != nil || o.Ran != 1 || !o.Complete {
			t.Errorf("%s: execute: %+v %v", c.name, o, err)
		}
		dirtest.Same(t, setup(), dir)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// A plotted or scattered metric that no run has (a typo in --plot or in
// [sweep] plots) is bad input with a "did you mean"; the runs are kept,
// so that the sweep run again with the right name runs nothing.
func TestPlotOfAnUnknownMetric(t *testing.T) {
	var ie *scenarios.InputError
	for _, c := range []struct {
		plots, scatter []string
		want           string
	}{
		{[]string{"draww"}, nil, `plot of "draww": no run has this metric (did you mean "draw"?)`},
		{nil, []string{"draw", "drew"}, `scatter of "drew": no run has this metric (did you mean "draw"?)`},
	} {
		dir := t.TempDir()
		g := grid(2, 2)
		g.Plots, g.Scatter = c.plots, c.scatter
		if _, err := Execute(context.Background(), dir, g, fakeLoad, normalExec, Options{}); !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v %v: %v", c.plots, c.scatter, err)
		}
		g.Plots, g.Scatter = []string{"draw"}, nil
		if o, err := Execute(context.Background(), dir, g, fakeLoad, normalExec, Options{}); err != nil || o.Ran != 0 || !o.Complete {
			t.Errorf("again: %+v %v", o, err)
		}
	}
}

// A new sweep's runs start while its points load (see Execute). A run
// that fails, or a cancel, before the last load still ends the sweep,
// with the run's error or the context's, whatever the workers are
// waiting for.
func TestSweepStopsWhileLoading(t *testing.T) {
	boom := errors.New("boom")
	for _, workers := range []int{1, 2, 4, 8} {
		for _, reps := range []int{1, 3} {
			// The first run fails while the second point loads: with one
			// replication, workers wait for the third point's load, which
			// no worker takes once a run has failed.
			slowLoad := func(sets []string, seed uint64) (*scenarios.Scenario, error) {
				if slices.Contains(sets, "x=2") {
					time.Sleep(50 * time.Millisecond)
				}
				return fakeLoad(sets, seed)
			}
			failing := func(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
				time.Sleep(10 * time.Millisecond)
				return nil, boom
			}
			dir := filepath.Join(t.TempDir(), "out")
			o, err := Execute(context.Background(), dir, grid(4, reps), slowLoad, failing, Options{Workers: workers})
			if !errors.Is(err, boom) || o.Complete || o.Ran != 0 {
				t.Errorf("-j %d, %d replications, failing runs: %+v, %v", workers, reps, o, err)
			}
			// Cancelled during the first load.
			ctx, cancel := context.WithCancel(context.Background())
			cancelling := func(sets []string, seed uint64) (*scenarios.Scenario, error) {
				cancel()
				return fakeLoad(sets, seed)
			}
			dir = filepath.Join(t.TempDir(), "out")
			o, err = Execute(ctx, dir, grid(4, reps), cancelling, normalExec, Options{Workers: workers})
			if !errors.Is(err, context.Canceled) || o.Complete {
				t.Errorf("-j %d, %d replications, cancelled: %+v, %v", workers, reps, o, err)
			}
			if _, err := os.Stat(filepath.Join(dir, "runs")); err == nil {
				if es, _ := os.ReadDir(filepath.Join(dir, "runs")); len(es) > 0 {
					t.Errorf("-j %d: a sweep cancelled while loading wrote %d run files", workers, len(es))
				}
			}
		}
	}
}
