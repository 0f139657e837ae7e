package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/simrun/simrun/internal/dirtest"
)

// A real sweep of quickstart: the same bytes with 1 and 2 workers, and
// from the merge of 3 shards.
func TestSweepQuickstart(t *testing.T) {
	tmp := t.TempDir()
	grid := []string{"sweep", "quickstart", "--sweep", "small_hosts=4,8", "--sweep", "placement.policy=first-fit,best-fit", "--replications", "3", "--quiet"}
	one, two := filepath.Join(tmp, "j1"), filepath.Join(tmp, "j2")
	if code, _, e := runCLI(t, append(grid, "-j", "1", "-o", one)...); code != 0 {
		t.Fatalf("-j 1: %d %s", code, e)
	}
	if code, _, e := runCLI(t, append(grid, "-j", "2", "-o", two)...); code != 0 {
		t.Fatalf("-j 2: %d %s", code, e)
	}
	dirtest.Same(t, one, two)
	var shards []string
	for i := range 3 {
		d := filepath.Join(tmp, "shard"+string(rune('0'+i)))
		if code, _, e := runCLI(t, append(grid, "--shard", string(rune('0'+i))+"/3", "-o", d)...); code != 0 {
			t.Fatalf("shard %d: %d %s", i, code, e)
		}
		shards = append(shards, d)
	}
	merged := filepath.Join(tmp, "merged")
	if code, _, e := runCLI(t, append([]string{"merge", "-o", merged, "--quiet"}, shards...)...); code != 0 {
		t.Fatalf("merge: %d %s", code, e)
	}
	dirtest.Same(t, one, merged)
	// 4 points × 3 replications, and the statistics of every metric.
	runs, _ := os.ReadFile(filepath.Join(one, "runs.csv"))
	if n := strings.Count(string(runs), "\n"); n != 13 {
		t.Errorf("runs.csv has %d lines", n)
	}
	stats, _ := os.ReadFile(filepath.Join(one, "stats.csv"))
	if !strings.Contains(string(stats), "\n3,8,best-fit,energy_kwh,3,") {
		t.Errorf("stats.csv lacks point 3's energy:\n%.400s", stats)
	}
	// Printed table, and a second run reuses every result.
	code, out, e := runCLI(t, append(grid[:len(grid)-1], "-o", one)...)
	if code != 0 || !strings.Contains(out, "ran 0, 12 already done") || !strings.Contains(out, "energy_kwh (95% CI)") {
		t.Errorf("re-run: %d %s %s", code, out, e)
	}
}

func TestSweepBadInput(t *testing.T) {
	tmp := t.TempDir()
	for i, c := range []struct {
		args []string
		want string
	}{
		{[]string{"sweep", "quickstart", "--sweep", "small_hosts"}, "want key=v1,v2"},
		{[]string{"sweep", "quickstart", "--sweep", "no_such.key=1,2"}, "no_such"},
		{[]string{"sweep", "quickstart", "--sweep", "small_hosts=-1,2"}, "grid point small_hosts=-1"},
		{[]string{"sweep", "quickstart", "--shard", "3/3"}, "--shard"},
		{[]string{"sweep", "quickstart", "-j", "0"}, "-j 0"},
		{[]string{"merge", tmp}, "not a sweep directory"},
		// The seed is each run's replication's: sweeping or planning it does nothing.
		{[]string{"sweep", "quickstart", "--sweep", "seed=1,2,3"}, "--sweep seed: every run's seed is its replication's"},
		{[]string{"plan", "sizing", "--target", "vms_rejected<1", "--vary", "seed", "--range", "1:8"}, "--vary seed: every run's seed is its replication's"},
		// More runs than a sweep holds: refused before any allocation for them.
		{[]string{"sweep", "quickstart", "--replications", "100000000000"}, "100000000000 replications of every point of the single point: more than 1000000 runs"},
		{[]string{"plan", "sizing", "--target", "vms_rejected<1", "--vary", "hosts", "--range", "1:8", "--replications", "100000000000"}, "more than 1000000 runs"},
	} {
		code, _, e := runCLI(t, append(c.args, "-o", filepath.Join(tmp, "x"+strconv.Itoa(i)))...)
		if code != 2 || !strings.Contains(e, c.want) {
			t.Errorf("%v: exit %d, stderr %q (want %q)", c.args, code, e, c.want)
		}
	}
	// A [sweep] table with a bad value names the key and line.
	p := writeFile(t, tmp, "s.toml", okScenario+"\n[sweep]\nreplications = 2\n[[sweep.vary]]\nkey = \"host_group.0.count\"\nvalues = [1, {a = 1}]\n")
	code, _, e := runCLI(t, "sweep", p, "-o", filepath.Join(tmp, "y"))
	if code != 2 || !strings.Contains(e, "sweep.vary[0].values[1]") {
		t.Errorf("bad [sweep]: exit %d, %s", code, e)
	}
}

// Shards from a Slurm job array's variables.
func TestShardFromEnv(t *testing.T) {
	t.Setenv("SLURM_ARRAY_TASK_ID", "5")
	t.Setenv("SLURM_ARRAY_TASK_COUNT", "4")
	t.Setenv("SLURM_ARRAY_TASK_MIN", "3")
	if i, n, ok, err := shardFromEnv(0); !ok || err != nil || i != 2 || n != 4 {
		t.Errorf("slurm: %d/%d %v %v", i, n, ok, err)
	}
	t.Setenv("SLURM_ARRAY_TASK_ID", "")
	t.Setenv("JOB_COMPLETION_INDEX", "1")
	if i, n, ok, err := shardFromEnv(3); !ok || err != nil || i != 1 || n != 3 {
		t.Errorf("k8s: %d/%d %v %v", i, n, ok, err)
	}
	if _, _, _, err := shardFromEnv(0); err == nil {
		t.Error("JOB_COMPLETION_INDEX without --shards accepted")
	}
}

// BenchmarkSweepQuickstart runs a 40-run sweep of quickstart (4 points ×
// 10 replications) with 1 and 2 workers, result files included:
//
//	go test -run '^$' -bench SweepQuickstart -count 6 ./cmd/simrun/
func BenchmarkSweepQuickstart(b *testing.B) {
	for _, j := range []string{"1", "2"} {
		b.Run("j"+j, func(b *testing.B) {
			for b.Loop() {
				dir := benchDir(b)
				var o, e strings.Builder
				code := realMain([]string{"sweep", "quickstart", "--sweep", "small_hosts=2,4,6,8", "--replications", "10", "-j", j, "--quiet", "-o", dir}, &o, &e)
				if code != 0 {
					b.Fatal(e.String())
				}
			}
		})
	}
}

// BenchmarkSweepQuickstartPaired runs the same sweep with 1 and 2 workers
// in turn in every iteration (which goes first alternates), so that both
// see the same state of a shared machine, and reports the mean time of
// each and their ratio (speedup, the time of -j 1 over that of -j 2):
//
//	go test -run '^$' -bench SweepQuickstartPaired -count 10 ./cmd/simrun/
func BenchmarkSweepQuickstartPaired(b *testing.B) {
	var took [2]time.Duration
	n := 0
	for b.Loop() {
		for k := range 2 {
			j := (n + k) % 2
			dir := benchDir(b)
			var o, e strings.Builder
			start := time.Now()
			code := realMain([]string{"sweep", "quickstart", "--sweep", "small_hosts=2,4,6,8", "--replications", "10", "-j", strconv.Itoa(j + 1), "--quiet", "-o", dir}, &o, &e)
			took[j] += time.Since(start)
			if code != 0 {
				b.Fatal(e.String())
			}
		}
		n++
	}
	b.ReportMetric(float64(took[0].Microseconds())/1e3/float64(n), "j1-ms")
	b.ReportMetric(float64(took[1].Microseconds())/1e3/float64(n), "j2-ms")
	b.ReportMetric(float64(took[0])/float64(took[1]), "speedup")
}

// BenchmarkSweepPlanetLab runs an 8-run sweep of the planetlab scenario
// (THR with the four selection policies, 2 replications; about 0.4 s per
// run) with 1 and 2 workers:
//
//	go test -run '^$' -bench SweepPlanetLab -count 6 ./cmd/simrun/
func BenchmarkSweepPlanetLab(b *testing.B) {
	for _, j := range []string{"1", "2"} {
		b.Run("j"+j, func(b *testing.B) {
			for b.Loop() {
				var o, e strings.Builder
				code := realMain([]string{"sweep", "planetlab", "--sweep", "consolidation.selection=mmt,mc,rs,mu", "--replications", "2", "-j", j, "--quiet", "-o", benchDir(b)}, &o, &e)
				if code != 0 {
					b.Fatal(e.String())
				}
			}
		})
	}
}
