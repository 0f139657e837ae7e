package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/simrun/simrun/model/datacenter"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sweep"
)

// execute runs one scenario (a datacenter run or a study) and returns its
// summary; it gives up between event batches when ctx is cancelled.
func execute(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
	rec := &results.Recorder{}
	if datacenter.IsStudy(sc) {
		if err := datacenter.RunStudy(sc, rec); err != nil {
			return nil, inputError{err}
		}
	} else {
		// A sweep keeps summaries only: no time series are sampled (the
		// totals are exact without; only the event count is lower).
		sc.Output.SampleInterval = scenarios.Duration{}
		m, err := datacenter.New(sc, rec)
		if err != nil {
			return nil, inputError{err}
		}
		for !m.StepN(1 << 14) {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		m.Finish()
	}
	rec.Summary.Revision = revision()
	return &rec.Summary, nil
}

// tomlLiteral writes a [sweep] value as a --set value.
func tomlLiteral(v any) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") {
			s += ".0"
		}
		return s
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// shardFromEnv reads the shard of a Slurm job array task or a Kubernetes
// Indexed Job pod.
func shardFromEnv(shards int) (i, n int, ok bool, err error) {
	if id, cnt := os.Getenv("SLURM_ARRAY_TASK_ID"), os.Getenv("SLURM_ARRAY_TASK_COUNT"); id != "" && cnt != "" {
		i, err1 := strconv.Atoi(id)
		n, err2 := strconv.Atoi(cnt)
		lo := 0
		if m := os.Getenv("SLURM_ARRAY_TASK_MIN"); m != "" {
			lo, _ = strconv.Atoi(m)
		}
		if err1 != nil || err2 != nil || n < 1 || i-lo < 0 || i-lo >= n {
			return 0, 0, false, badInput("SLURM_ARRAY_TASK_ID=%s, SLURM_ARRAY_TASK_COUNT=%s: want an index within the count (an array such as --array=0-3)", id, cnt)
		}
		return i - lo, n, true, nil
	}
	if id := os.Getenv("JOB_COMPLETION_INDEX"); id != "" {
		if shards < 1 {
			return 0, 0, false, badInput("JOB_COMPLETION_INDEX is set: give --shards N (the Indexed Job's completions)")
		}
		i, err := strconv.Atoi(id)
		if err != nil || i < 0 || i >= shards {
			return 0, 0, false, badInput("JOB_COMPLETION_INDEX=%s: want 0..%d", id, shards-1)
		}
		return i, shards, true, nil
	}
	return 0, 0, false, nil
}

// loadBase checks -j and --seed and loads the scenario a sweep or a plan
// varies.
func loadBase(name string, sets []string, jobs int, seedStr string) (*scenarios.Scenario, error) {
	if jobs < 1 {
		return nil, badInput("-j %d: want at least 1", jobs)
	}
	seed, err := parseSeed(seedStr)
	if err != nil {
		return nil, err
	}
	return load(name, sets, seed)
}

// batchFlags are the flags of the commands that run a scenario many
// times (sweep, plan).
type batchFlags struct {
	out, seed  *string
	jobs, reps *int
	quiet      *bool
	sets       multiFlag
}

// addBatchFlags declares them on fs: cmd names the default output
// directory, per what a replication repeats, reps the default count.
func addBatchFlags(fs *flag.FlagSet, cmd, per string, reps int) *batchFlags {
	b := &batchFlags{
		out:   fs.String("o", "", "output directory (default out/NAME-"+cmd+"-seedN)"),
		jobs:  fs.Int("j", runtime.NumCPU(), "runs at once"),
		reps:  fs.Int("replications", 0, fmt.Sprintf("replications per %s (default: the scenario's [sweep] replications, or %d)", per, reps)),
		seed:  fs.String("seed", "", "master seed (default: the scenario's)"),
		quiet: fs.Bool("quiet", false, "print nothing but errors"),
	}
	fs.Var(&b.sets, "set", "key=value override for every run (repeatable)")
	return b
}

// errSeedKey refuses to sweep or plan the seed: every run's seed is its
// replication's, so the key would change nothing but the scenario hash.
func errSeedKey(what string) error {
	return badInput("%s seed: every run's seed is its replication's (SplitMix64 of the master seed), so varying the seed key changes nothing; give --seed for the master seed and --replications for more seeds", what)
}

// loaderFor loads the runs of a sweep or a plan of scenario name.
func loaderFor(name string) sweep.Loader {
	return func(s []string, seed uint64) (*scenarios.Scenario, error) { return load(name, s, &seed) }
}

// interruptible is a context that Ctrl-C or SIGTERM cancels.
func interruptible() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

func parseShard(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, badInput("--shard %q: want i/n with 0 ≤ i < n, e.g. 0/4", s)
	}
	return i, n, nil
}

func cmdSweep(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bf := addBatchFlags(fs, "sweep", "grid point", 1)
	out, jobs, reps, seedStr, quiet := bf.out, bf.jobs, bf.reps, bf.seed, bf.quiet
	shardStr := fs.String("shard", "", "run only shard i of n (i/n): the runs whose index ≡ i (mod n)")
	shards := fs.Int("shards", 0, "number of shards when the index comes from JOB_COMPLETION_INDEX (Kubernetes Indexed Job)")
	var axes, plots multiFlag
	fs.Var(&axes, "sweep", "key=v1,v2,... a swept key and its values (repeatable)")
	fs.Var(&plots, "plot", "metric to plot against the first swept key (repeatable)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("sweep takes one scenario name or file, got %d (try: simrun sweep quickstart --sweep hosts=8,10,12 --replications 5)", len(pos))
	}
	sets := bf.sets
	base, err := loadBase(pos[0], sets, *jobs, *seedStr)
	if err != nil {
		return err
	}
	g := &sweep.Grid{Scenario: pos[0], Sets: sets, Replications: base.Sweep.Replications, MasterSeed: base.Seed,
		Plots: base.Sweep.Plots, Scatter: base.Sweep.Scatter}
	if g.Sets == nil {
		g.Sets = []string{}
	}
	for _, a := range base.Sweep.Vary {
		if a.Key == "seed" {
			return errSeedKey("[sweep] vary")
		}
		ax := sweep.Axis{Key: a.Key}
		for _, v := range a.Values {
			ax.Values = append(ax.Values, tomlLiteral(v))
		}
		g.Axes = append(g.Axes, ax)
	}
	for _, s := range axes {
		k, vs, ok := strings.Cut(s, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" || strings.TrimSpace(vs) == "" {
			return badInput("--sweep %q: want key=v1,v2,...", s)
		}
		if k == "seed" {
			return errSeedKey("--sweep")
		}
		ax := sweep.Axis{Key: k}
		for _, v := range strings.Split(vs, ",") {
			ax.Values = append(ax.Values, strings.TrimSpace(v))
		}
		replaced := false
		for i := range g.Axes {
			if g.Axes[i].Key == k {
				g.Axes[i], replaced = ax, true
			}
		}
		if !replaced {
			g.Axes = append(g.Axes, ax)
		}
	}
	if *reps != 0 {
		g.Replications = *reps
	}
	if g.Replications == 0 {
		g.Replications = 1
	}
	if g.Replications < 0 {
		return badInput("--replications %d: want at least 1", g.Replications)
	}
	if len(plots) > 0 {
		g.Plots = plots
	}
	opt := sweep.Options{Workers: *jobs}
	if *shardStr != "" {
		opt.Shard, opt.Shards, err = parseShard(*shardStr)
	} else {
		opt.Shard, opt.Shards, _, err = shardFromEnv(*shards)
	}
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", fmt.Sprintf("%s-sweep-seed%d", base.Name, base.Seed))
	}
	loader := loaderFor(pos[0])
	ctx, stop := interruptible()
	defer stop()
	var bar *progressbar.ProgressBar
	if !*quiet && isTerminal(stderr) {
		opt.Progress = func(done, total int) {
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr),
					progressbar.OptionSetDescription(base.Name+" sweep"), progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
					progressbar.OptionClearOnFinish())
			}
			_ = bar.Set(done)
		}
	}
	started := time.Now()
	o, err := sweep.Execute(ctx, dir, g, loader, execute, opt)
	if bar != nil {
		_ = bar.Finish()
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: %d runs done and kept in %s; run the same command again to finish the others", o.Skipped+o.Ran, dir)
	}
	if err != nil {
		return err
	}
	if *quiet {
		return nil
	}
	fmt.Fprintf(stdout, "%s sweep (master seed %d): %d grid points × %d replications = %d runs", base.Name, g.MasterSeed, g.Points(), g.Replications, o.Total)
	if opt.Shards > 1 {
		fmt.Fprintf(stdout, "; shard %d/%d has %d", opt.Shard, opt.Shards, o.Mine)
	}
	fmt.Fprintf(stdout, "; ran %d, %d already done, in %s on %s\n", o.Ran, o.Skipped, took(time.Since(started)), workersText(*jobs))
	if !o.Complete {
		fmt.Fprintf(stdout, "  runs in %s/runs; when every shard is done: simrun merge -o DIR %s ...\n", dir, dir)
		return nil
	}
	if err := printSweepTable(stdout, g, o); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  results in %s: %s, runs/\n", dir, strings.Join(o.Files, ", "))
	return nil
}

// printSweepTable prints the plotted metrics' means and 95 % CI
// half-widths per point.
func printSweepTable(w io.Writer, g *sweep.Grid, o sweep.Outcome) error {
	show := g.PlotMetrics(o.Metrics)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "  ")
	for _, a := range g.Axes {
		fmt.Fprintf(tw, "%s\t", a.Key)
	}
	for _, m := range show {
		fmt.Fprintf(tw, "%s (95%% CI)\t", m)
	}
	fmt.Fprintln(tw)
	for _, p := range o.Points {
		fmt.Fprint(tw, "  ")
		for _, v := range p.Values {
			fmt.Fprintf(tw, "%s\t", strings.Trim(v, `"`))
		}
		for _, m := range show {
			st := p.Stats[m]
			switch {
			case math.IsNaN(st.Mean):
				fmt.Fprint(tw, "–\t")
			case math.IsNaN(st.H):
				fmt.Fprintf(tw, "%.4g\t", st.Mean)
			default:
				fmt.Fprintf(tw, "%.4g ± %.2g\t", st.Mean, st.H)
			}
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

func cmdMerge(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output directory (default: the first DIR)")
	jobs := fs.Int("j", runtime.NumCPU(), "charts drawn at once")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return badInput("merge takes the sweep directories of the shards (simrun merge -o DIR SHARD_DIR...)")
	}
	dir := *out
	if dir == "" {
		dir = pos[0]
	}
	o, err := sweep.Merge(dir, max(*jobs, 1), pos...)
	if err != nil {
		return err
	}
	if !o.Complete {
		return fmt.Errorf("merge: runs are missing from %s (a shard has not finished?); the runs found were copied to %s/runs", strings.Join(pos, ", "), dir)
	}
	if *quiet {
		return nil
	}
	fmt.Fprintf(stdout, "merged %d runs from %d directories into %s: %s, runs/\n", o.Total, len(pos), dir, strings.Join(o.Files, ", "))
	return nil
}
