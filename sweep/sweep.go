package sweep

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// Axis is one swept key and its values, each written as a --set value
// (a TOML literal, or a bare word).
type Axis struct {
	Key    string   `json:"key"`
	Values []string `json:"values"`
}

// Grid is a sweep: a scenario, the overrides every run shares, the axes
// whose Cartesian product gives the grid points (the first axis varies
// slowest), and the replications of each point.
type Grid struct {
	Scenario     string   `json:"scenario"`
	Sets         []string `json:"sets"`
	Axes         []Axis   `json:"axes"`
	Replications int      `json:"replications"`
	MasterSeed   uint64   `json:"master_seed"`
	// Plots names the metrics drawn against the first axis, and Scatter
	// two metrics drawn against each other (optional).
	Plots   []string `json:"plots,omitempty"`
	Scatter []string `json:"scatter,omitempty"`
}

// Run is one simulation of a sweep.
type Run struct {
	Index, Point, Replication int
	Seed                      uint64
	// Values are the point's axis values, in axis order.
	Values []string
}

// Name is the run's file name under runs/.
func (r Run) Name() string { return fmt.Sprintf("p%04d-r%04d.json", r.Point, r.Replication) }

// MaxRuns bounds a sweep's runs (grid points × replications): each is a
// file under runs/, and a summary in memory while the sweep aggregates.
const MaxRuns = 1_000_000

// check refuses a grid that cannot be run: no replication, a swept key
// without values, or more than MaxRuns runs (counted without overflow).
func (g *Grid) check() error {
	var errs []error
	if g.Replications < 1 {
		errs = append(errs, fmt.Errorf("replications must be at least 1, got %d", g.Replications))
	}
	runs, over := max(g.Replications, 1), g.Replications > MaxRuns
	for _, a := range g.Axes {
		switch {
		case len(a.Values) == 0:
			errs = append(errs, fmt.Errorf("swept key %q has no values", a.Key))
		case runs > MaxRuns/len(a.Values):
			over = true
		default:
			runs *= len(a.Values)
		}
	}
	if over {
		errs = append(errs, fmt.Errorf("%d replications of every point of %s: more than %d runs, more than a sweep holds", g.Replications, describeAxes(g), MaxRuns))
	}
	if len(errs) > 0 {
		return &scenarios.InputError{Problems: errs}
	}
	return nil
}

// describeAxes names the grid's keys and their number of values.
func describeAxes(g *Grid) string {
	if len(g.Axes) == 0 {
		return "the single point"
	}
	parts := make([]string, len(g.Axes))
	for i, a := range g.Axes {
		parts[i] = fmt.Sprintf("%d values of %s", len(a.Values), a.Key)
	}
	return strings.Join(parts, " × ")
}

// Points is the number of grid points.
func (g *Grid) Points() int {
	n := 1
	for _, a := range g.Axes {
		n *= len(a.Values)
	}
	return n
}

// PointValues are the axis values of grid point p.
func (g *Grid) PointValues(p int) []string {
	vals := make([]string, len(g.Axes))
	for i := len(g.Axes) - 1; i >= 0; i-- {
		n := len(g.Axes[i].Values)
		vals[i] = g.Axes[i].Values[p%n]
		p /= n
	}
	return vals
}

// Runs lists the runs in their fixed order: point by point, replication by
// replication. Run i of point p has index p·R + r.
func (g *Grid) Runs() []Run {
	var runs []Run
	for p := range g.Points() {
		vals := g.PointValues(p)
		for r := range g.Replications {
			runs = append(runs, Run{Index: len(runs), Point: p, Replication: r, Seed: ReplicationSeed(g.MasterSeed, r), Values: vals})
		}
	}
	return runs
}

// RunSets are the overrides of a run: the shared ones, then the point's
// axis values.
func (g *Grid) RunSets(r Run) []string {
	sets := append([]string(nil), g.Sets...)
	for i, a := range g.Axes {
		sets = append(sets, a.Key+"="+r.Values[i])
	}
	return sets
}

// ReplicationSeed is the master seed of replication r: SplitMix64 (Steele,
// Lea & Flood, OOPSLA 2014) of the master seed and r, so that every
// replication has an unrelated seed and replication r uses the same seed
// at every grid point (common random numbers across the grid).
func ReplicationSeed(master uint64, r int) uint64 {
	z := master + uint64(r+1)*0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Loader loads the scenario of a run with these overrides and seed.
// Execute calls it once per grid point and gives each replication a
// shallow copy with its own Seed: the scenario must depend on the seed
// through its Seed field only (as scenarios.Load's does), and an Executor
// may change the copy's own fields but not what the copies share (slices,
// maps).
type Loader func(sets []string, seed uint64) (*scenarios.Scenario, error)

// Executor runs a loaded scenario and returns its summary.
type Executor func(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error)

// Options control Execute.
type Options struct {
	// Workers simulations run at once (default 1), and as many chart and
	// table files are written at once; one more goroutine writes the run
	// files (it mostly waits for the file system).
	Workers int
	// Shard and Shards select the runs whose index ≡ Shard (mod Shards)
	// (Shards 0 or 1: all).
	Shard, Shards int
	// Progress, when set, is called after each run with the runs done and
	// the runs this call has to do.
	Progress func(done, total int)
}

// Outcome says what Execute did.
type Outcome struct {
	Total, Mine, Skipped, Ran int
	// Complete is true when every run of the grid has its result in the
	// directory, and the aggregate files were written.
	Complete bool
	Files    []string
	// Points and Metrics are the statistics written, when complete, and
	// Runs the metrics of every run (by run index).
	Points  []PointStats
	Metrics []string
	Runs    []map[string]float64
}

// spec is sweep.json: the grid and the scenario hash of every point, so
// that shards and resumed sweeps can check they run the same thing.
type spec struct {
	Grid   Grid     `json:"grid"`
	Hashes []string `json:"scenario_sha256"`
}

// Execute runs the grid's runs (those of the shard) that have no result in
// dir yet, Workers at a time, each result written atomically to
// dir/runs/NAME. A result is reused when its scenario hash and seed match
// the run's. When ctx is cancelled no new run starts; a run in flight
// whose Executor returns a result is still written, one that gives up
// (the CLI's does, between event batches) is lost and Execute returns the
// context's error. When every run of the grid has a result, the aggregate
// files are written (see Aggregate). A grid that cannot run (see check)
// is a *scenarios.InputError.
func Execute(ctx context.Context, dir string, g *Grid, load Loader, exec Executor, opt Options) (Outcome, error) {
	if err := g.check(); err != nil {
		return Outcome{}, fmt.Errorf("sweep: %w", err)
	}
	runs := g.Runs()
	out := Outcome{Total: len(runs)}
	workers := max(opt.Workers, 1)
	// Every point's scenario is loaded before anything is written: bad
	// input stops the sweep with nothing written. Replications differ only
	// by their seed, so each run gets a copy of its point's scenario, made
	// when it starts, rather than a load of its own.
	points := g.Points()
	pointSC := make([]*scenarios.Scenario, points)
	loadErrs := make([]error, points)
	loadPoint := func(p int) {
		pointSC[p], loadErrs[p] = load(g.RunSets(Run{Point: p, Values: g.PointValues(p)}), ReplicationSeed(g.MasterSeed, 0))
	}
	// A new sweep (no sweep.json, no runs/) has every run of its shard to
	// do, and need not know the points' scenario hashes to choose them: its
	// loads go first in the workers' queue, and a run starts as soon as its
	// point is loaded, while the other points load. A sweep that resumes
	// loads every point first, to tell which run files it can reuse.
	_, specErr := os.Lstat(filepath.Join(dir, "sweep.json"))
	_, runsErr := os.Lstat(filepath.Join(dir, "runs"))
	fresh := errors.Is(specErr, os.ErrNotExist) && errors.Is(runsErr, os.ErrNotExist)
	if !fresh {
		parallel(points, workers, loadPoint)
	}
	sp := spec{Grid: *g, Hashes: make([]string, points)}
	// sums holds the summaries at hand (reused or run here), so that the
	// aggregation need not read them back, and vals the metrics of those
	// run here, flattened by the workers.
	sums := make([]*results.Summary, len(runs))
	vals := make([]map[string]float64, len(runs))

	// prepare checks the loads and readies the directory: once every point
	// is loaded (a worker calls it after the last load of a new sweep).
	// sweep.json and scenario.toml are then written while the runs go: a
	// run's file is valid on its own (its scenario hash and seed say which
	// run it is), so a sweep stopped before them loses nothing. They are
	// synced at the end, with the aggregate files (final): a machine crash
	// before that may leave them empty, and the next run of the sweep,
	// which reads them as no sweep, writes them again.
	var final results.Batch
	described := make(chan error, 1)
	prepared := make(chan struct{}) // closed when prepare has run
	var prepErr error
	prepare := func() error {
		var errs []error
		for p, err := range loadErrs {
			if err != nil {
				errs = append(errs, fmt.Errorf("grid point %s: %w", describePoint(g, g.PointValues(p)), err))
				continue
			}
			sp.Hashes[p] = pointSC[p].SHA256
		}
		if len(errs) > 0 {
			return &scenarios.InputError{Problems: errs}
		}
		if err := os.MkdirAll(filepath.Join(dir, "runs"), 0o755); err != nil {
			return err
		}
		writeSpecFile, err := checkSpec(dir, sp)
		if err != nil {
			return err
		}
		go func() {
			err := writeSpecFile(&final)
			if err == nil && len(pointSC) > 0 {
				err = writeUnlessSame(filepath.Join(dir, "scenario.toml"), pointSC[0].Source, &final)
			}
			described <- err
		}()
		return nil
	}
	var mu sync.Mutex
	var firstErr error
	var failed atomic.Bool
	// waitStopped is closed when a run fails: a worker waiting for a load
	// that no worker will now take gives up.
	waitStopped := make(chan struct{})
	stopWaiting := sync.OnceFunc(func() { close(waitStopped) })
	fail := func(i int, err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil {
			firstErr = fmt.Errorf("run %d (point %s, seed %d): %w", runs[i].Index, describePoint(g, runs[i].Values), runs[i].Seed, err)
		}
		failed.Store(true)
		stopWaiting()
	}
	// A new sweep's workers load its points (see task).
	nLoads := 0
	if fresh {
		nLoads = points
	}
	loaded := make([]chan struct{}, nLoads)
	for p := range loaded {
		loaded[p] = make(chan struct{})
	}
	var loadsLeft atomic.Int64
	loadsLeft.Store(int64(nLoads))
	// The runs of a new sweep may start before its last point is loaded:
	// if a load fails, runCtx stops them, and nothing is written.
	runCtx, stopRuns := context.WithCancel(ctx)
	defer stopRuns()
	settle := sync.OnceFunc(func() {
		if loadsLeft.Load() > 0 {
			// Stopped (cancelled, or a run failed) before every point was
			// loaded: nothing is written.
			prepErr = errUnprepared
		} else {
			prepErr = prepare()
		}
		if prepErr != nil {
			failed.Store(true)
			stopRuns()
		}
		close(prepared)
	})
	// One listing of runs/ says which run files to read back (a new sweep
	// has none).
	present := map[string]bool{}
	if !fresh {
		if settle(); prepErr != nil {
			return out, prepErr
		}
		if entries, err := os.ReadDir(filepath.Join(dir, "runs")); err == nil {
			for _, e := range entries {
				present[e.Name()] = true
			}
		}
	}
	var todo []int
	for i, r := range runs {
		if opt.Shards > 1 && r.Index%opt.Shards != opt.Shard {
			continue
		}
		out.Mine++
		if !present[r.Name()] {
			todo = append(todo, i)
			continue
		}
		if s, err := readRun(filepath.Join(dir, "runs", r.Name())); err == nil && s.ScenarioSHA256 == sp.Hashes[r.Point] && s.Seed == r.Seed {
			out.Skipped++
			sums[i] = s
			continue
		}
		todo = append(todo, i)
	}
	// The workers simulate; one goroutine writes their results, once the
	// directory is prepared, so that the file system's latency (creating
	// files in one directory does not go faster in parallel) overlaps the
	// simulations instead of stalling a worker. A run is done when its
	// file is written. The workers take the tasks in order from a shared
	// counter, and never wait for the writer (finished holds every
	// result), so that on a small run they are not held by goroutine
	// handoffs.
	type result struct {
		i int
		s *results.Summary
	}
	finished := make(chan result, len(todo))
	written := make(chan struct{})
	go func() {
		defer close(written)
		<-prepared
		if prepErr != nil {
			return
		}
		done := 0
		for r := range finished {
			// Without fsync: a run file is whole or absent to any reader;
			// one a machine crash left empty fails to parse and is simply
			// run again.
			err := results.WriteFileAtomicNoSync(filepath.Join(dir, "runs", runs[r.i].Name()), func(w io.Writer) error {
				return results.WriteSummaryJSON(w, r.s)
			})
			if err != nil {
				fail(r.i, err)
				continue
			}
			done++
			out.Ran++
			if opt.Progress != nil {
				opt.Progress(done, len(todo))
			}
		}
	}()
	// The queue of a new sweep: the first point's load, the first runs
	// (one fewer than the workers), the other points' loads, the other
	// runs; so that the runs start as soon as there is a scenario, and
	// every load is over before most runs start. loaded[p] is closed when
	// point p is loaded; the worker that does the last load prepares.
	early := 0
	if fresh {
		early = min(workers-1, len(todo))
	}
	// task says what the k-th task of the queue is: a load (of point idx)
	// or a run (todo[idx]).
	task := func(k int) (isLoad bool, idx int) {
		switch {
		case nLoads == 0:
			return false, k
		case k == 0:
			return true, 0
		case k <= early:
			return false, k - 1
		case k < nLoads+early:
			return true, k - early
		}
		return false, k - nLoads
	}
	// The workers take the queue's tasks in order (pool.run: this
	// goroutine is one of them), and none once a run has failed or the
	// sweep is cancelled.
	newPool(workers).run(nLoads+len(todo), func(k int) {
		if failed.Load() || ctx.Err() != nil {
			return
		}
		isLoad, idx := task(k)
		if isLoad {
			loadPoint(idx)
			close(loaded[idx])
			if loadsLeft.Add(-1) == 0 {
				settle()
			}
			return
		}
		i := todo[idx]
		p := runs[i].Point
		if fresh {
			select {
			case <-loaded[p]:
			case <-runCtx.Done():
				return
			case <-waitStopped:
				return
			}
			if loadErrs[p] != nil {
				return // prepare reports it
			}
		}
		sc := *pointSC[p]
		sc.Seed = runs[i].Seed
		s, err := exec(runCtx, &sc)
		if err != nil {
			fail(i, err)
			return
		}
		// Sanitized here, so that the writer (which sanitizes what it
		// writes) and the aggregate only read it.
		s.Sanitize()
		sums[i], vals[i] = s, Metrics(s)
		finished <- result{i, s}
	})
	close(finished)
	settle() // when stopped before the last load
	if prepErr != nil {
		<-written
		if prepErr == errUnprepared {
			if firstErr != nil {
				return out, firstErr
			}
			return out, ctx.Err()
		}
		return out, prepErr
	}
	if err := <-described; err != nil {
		<-written
		return out, err
	}
	if failed.Load() || ctx.Err() != nil {
		<-written
		if firstErr != nil {
			return out, commit(&final, firstErr)
		}
		return out, ctx.Err()
	}
	// The aggregate needs the summaries, not their files: it is computed
	// while the writer finishes the last run files, and committed once
	// they are all written.
	a, err := aggregate(dir, workers, &atHand{&sp, sums, vals}, &final)
	<-written
	if firstErr != nil {
		final.Abort()
		return out, firstErr
	}
	if err = commit(&final, err); err == nil && a != nil {
		out.Complete, out.Files, out.Points, out.Metrics, out.Runs = true, a.Files, a.Points, a.Metrics, a.Runs
	}
	return out, err
}

// errUnprepared: a new sweep stopped before its points were all loaded.
var errUnprepared = errors.New("sweep: stopped before every grid point was loaded")

func describePoint(g *Grid, vals []string) string {
	if len(g.Axes) == 0 {
		return "(single point)"
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		parts[i] = g.Axes[i].Key + "=" + v
	}
	return strings.Join(parts, " ")
}

// writeUnlessSame writes b to path atomically, unless path holds b, and
// has the batch sync it.
func writeUnlessSame(path string, b []byte, batch *results.Batch) error {
	if old, err := os.ReadFile(path); err == nil && string(old) == string(b) {
		return nil
	}
	return writeUnsynced(path, b, batch)
}

// writeUnsynced writes b to path atomically, without a sync, and has the
// batch sync it.
func writeUnsynced(path string, b []byte, batch *results.Batch) error {
	if err := results.WriteFileAtomicNoSync(path, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return err
	}
	batch.Sync(path)
	return nil
}

func writeSpec(dir string, s spec, batch *results.Batch) error {
	write, err := checkSpec(dir, s)
	if err != nil {
		return err
	}
	return write(batch)
}

// checkSpec refuses a directory holding another sweep, and returns what
// writes sweep.json (nothing when it already holds these bytes), leaving
// its sync to a batch.
func checkSpec(dir string, s spec) (write func(*results.Batch) error, err error) {
	path := filepath.Join(dir, "sweep.json")
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	b = append(b, '\n')
	if old, err := os.ReadFile(path); err == nil {
		if string(old) == string(b) {
			return func(*results.Batch) error { return nil }, nil
		}
		var prev spec
		if json.Unmarshal(old, &prev) == nil && !sameSweep(prev, s) {
			return nil, &scenarios.InputError{Problems: []error{fmt.Errorf("%s holds a different sweep (other scenario, axes, replications or seed); use another -o directory or remove it", dir)}}
		}
	}
	return func(batch *results.Batch) error { return writeUnsynced(path, b, batch) }, nil
}

// sameSweep: the same runs (plots may differ).
func sameSweep(a, b spec) bool {
	ga, gb := a.Grid, b.Grid
	ga.Plots, gb.Plots, ga.Scatter, gb.Scatter = nil, nil, nil, nil
	ja, _ := json.Marshal(spec{ga, a.Hashes})
	jb, _ := json.Marshal(spec{gb, b.Hashes})
	return string(ja) == string(jb)
}

func readSpec(dir string) (spec, error) {
	var s spec
	b, err := os.ReadFile(filepath.Join(dir, "sweep.json"))
	if err != nil {
		return s, err
	}
	path := filepath.Join(dir, "sweep.json")
	if err := json.Unmarshal(b, &s); err != nil {
		return s, &scenarios.InputError{Problems: []error{fmt.Errorf("%s: %w", path, err)}}
	}
	if err := s.Grid.check(); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	if len(s.Hashes) != s.Grid.Points() {
		return s, &scenarios.InputError{Problems: []error{fmt.Errorf("%s: %d scenario hashes for %d grid points", path, len(s.Hashes), s.Grid.Points())}}
	}
	return s, nil
}

func readRun(path string) (*results.Summary, error) {
	_, s, err := loadRun(path)
	return s, err
}

// loadRun reads a run file: its bytes and its summary. A file that does
// not parse is a *scenarios.InputError naming it.
func loadRun(path string) ([]byte, *results.Summary, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	s, err := results.ReadSummaryJSON(bytes.NewReader(b))
	if err != nil {
		return nil, nil, &scenarios.InputError{Problems: []error{fmt.Errorf("%s: %w (remove it and run the sweep again to redo that run)", path, err)}}
	}
	return b, s, nil
}

// loadRunOf is loadRun for run r, whose point's scenario hash is hash: a
// file holding another run (another scenario or seed) is a
// *scenarios.InputError, so that it never enters the statistics.
func loadRunOf(path string, r Run, hash string) ([]byte, *results.Summary, error) {
	b, s, err := loadRun(path)
	if err != nil {
		return nil, nil, err
	}
	if s.ScenarioSHA256 != hash || s.Seed != r.Seed {
		return nil, nil, &scenarios.InputError{Problems: []error{fmt.Errorf("%s holds the run of scenario %s with seed %d, not replication %d (seed %d) of point %d (scenario %s): remove it and run the sweep again to redo that run",
			path, s.ScenarioSHA256, s.Seed, r.Replication, r.Seed, r.Point, hash)}}
	}
	return b, s, nil
}

// Merge combines the run results of shard directories (each written by
// Execute with the same grid) into out and aggregates them with up to
// workers charts drawn at once: out then holds the same files a
// single-machine sweep writes.
func Merge(out string, workers int, dirs ...string) (Outcome, error) {
	if len(dirs) == 0 {
		return Outcome{}, errors.New("merge: no directory given")
	}
	first, err := readSpec(dirs[0])
	if err != nil {
		return Outcome{}, &scenarios.InputError{Problems: []error{fmt.Errorf("merge: %s is not a sweep directory: %w", dirs[0], err)}}
	}
	for _, d := range dirs[1:] {
		s, err := readSpec(d)
		if err != nil {
			return Outcome{}, &scenarios.InputError{Problems: []error{fmt.Errorf("merge: %s is not a sweep directory: %w", d, err)}}
		}
		if !sameSweep(first, s) {
			return Outcome{}, &scenarios.InputError{Problems: []error{fmt.Errorf("merge: %s and %s hold different sweeps", dirs[0], d)}}
		}
	}
	if err := os.MkdirAll(filepath.Join(out, "runs"), 0o755); err != nil {
		return Outcome{}, err
	}
	// Every file is synced at the end, together (final).
	var final results.Batch
	if err := writeSpec(out, first, &final); err != nil {
		return Outcome{}, err
	}
	for _, d := range dirs {
		if b, err := os.ReadFile(filepath.Join(d, "scenario.toml")); err == nil {
			if err := writeUnlessSame(filepath.Join(out, "scenario.toml"), b, &final); err != nil {
				return Outcome{}, err
			}
			break
		}
	}
	runs := first.Grid.Runs()
	o := Outcome{Total: len(runs)}
	for _, r := range runs {
		dst := filepath.Join(out, "runs", r.Name())
		for _, d := range dirs {
			src := filepath.Join(d, "runs", r.Name())
			if filepath.Clean(src) == filepath.Clean(dst) {
				break
			}
			b, _, err := loadRunOf(src, r, first.Hashes[r.Point])
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return o, err
			}
			if err := writeUnsynced(dst, b, &final); err != nil {
				return o, err
			}
			break
		}
	}
	a, err := aggregate(out, workers, nil, &final)
	if err = commit(&final, err); err != nil {
		a = nil
	}
	if a != nil {
		o.Complete, o.Files, o.Points, o.Metrics, o.Runs = true, a.Files, a.Points, a.Metrics, a.Runs
	}
	return o, err
}
