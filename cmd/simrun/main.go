// Command simrun runs simulations of virtualized datacenters.
//
//	simrun run NAME|FILE [-o DIR] [--seed N] [--set key=value ...] [--quiet]
//	simrun sweep NAME|FILE [-o DIR] [-j N] [--sweep key=v1,v2,...] [--replications R] [--shard i/n] ...
//	simrun merge [-o DIR] SHARD_DIR...
//	simrun plan NAME|FILE --target 'metric<value' ... --vary KEY --range LO:HI [--replications R] [-j N] [-o DIR]
//	simrun report DIR
//	simrun validate NAME|FILE [--set key=value ...]
//	simrun list
//	simrun overhead [--profile NAME|FILE] [--cpu ...] [--mmu ...] [--io ...] [--json] [-o chart.png]
//
// Exit codes: 0 success, 1 the run failed (or a plan found no value in its
// range), 2 bad input.
//
// While a command runs, simrun sets the garbage collector's target from the
// live heap (gctune.go) unless GOGC is set in the environment.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

const usage = `simrun — a deterministic discrete-event simulator of virtualized datacenters

Usage:
  simrun run NAME|FILE [-o DIR] [--seed N] [--set key=value ...] [--quiet]
      Run a scenario (an embedded NAME such as quickstart, or a TOML FILE) and
      write summary.json, CSV files and plots into DIR (default out/NAME-seedN).
  simrun sweep NAME|FILE [-o DIR] [-j N] [--sweep key=v1,v2,...] [--replications R]
               [--seed N] [--set key=value ...] [--plot METRIC ...] [--shard i/n] [--quiet]
      Run a grid of variants (the scenario's [sweep] table and/or --sweep, each
      repeated R times with seeds derived from the master seed) on N workers
      (default: all cores), and write per-run summaries (runs/), runs.csv, and
      per point the mean, sd and 95 % confidence interval of every metric
      (stats.csv, stats.json) with plots. Re-running skips the runs already
      done. --shard i/n (or a Slurm array task's SLURM_ARRAY_TASK_ID/COUNT, or
      JOB_COMPLETION_INDEX with --shards n) runs one shard of the runs.
  simrun merge [-o DIR] [-j N] SHARD_DIR...
      Combine the shards of a sweep into the files a single sweep writes.
  simrun plan NAME|FILE --target 'metric<value' [--target ...] --vary KEY --range LO:HI
              [--replications R] [-j N] [-o DIR] [--seed N] [--set key=value ...] [--quiet]
      Capacity planning: the smallest value of the integer KEY (a declared
      parameter such as hosts, or a key path such as host_group.0.count) in
      LO..HI at which every target holds at 95 % confidence: for < and <= the
      upper end of the Student-t 95 % CI of the metric's mean (over R
      replications, default 5) is below the value, for > and >= the lower
      end above it. Metrics are those of summary.json and stats.csv. It
      bisects (at most log2(HI-LO)+2 values), keeps each value's runs in
      DIR/points/KEY=V (reused on a re-run), prints the values it probed,
      and writes plan.csv, plan.json and a chart per target. It assumes a
      target, once met, stays met as KEY grows, and warns when the
      observations say otherwise. Exit code 1 when no value in range meets
      every target (the files are still written).
  simrun report DIR
      Write DIR/report.html, one self-contained page (inline SVG figures, no
      external resources) for the output of run, sweep or plan: the summary,
      statistics or probe tables, the figures, the scenario text, the seeds
      and the build revisions.
  simrun validate NAME|FILE [--set key=value ...]
      Check a scenario and report every problem, without running it.
  simrun list
      List the embedded scenarios, placement policies and power models.
  simrun overhead [--profile NAME|FILE] [--cpu bt|trap|pv|hw] [--mmu shadow|nested|direct]
                  [--io emulated|paravirtual|passthrough|passthrough-posted]
                  [--large-pages guest,host] [--json] [-o chart.png]
      Price a workload profile under hypervisor configurations: slowdown and where
      the cycles go (simrun overhead -h for details, --list for the profiles).
  simrun version
      Print the build revision.

--set key=value changes a declared scenario parameter (--set hosts=100) or any
key path (--set placement.policy=best-fit --set host_group.0.count=20).

Exit codes: 0 success, 1 the run failed (or a plan found no value in its
range that meets the targets), 2 bad input.
`

// inputError marks problems with what the user gave us (exit code 2).
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

func badInput(format string, a ...any) error { return inputError{fmt.Errorf(format, a...)} }

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// realMain runs the CLI and returns its exit code.
func realMain(args []string, stdout, stderr io.Writer) int {
	stopGCTune := tuneGC()
	err := dispatch(args, stdout, stderr)
	stopGCTune()
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "simrun:", err)
	if isInputError(err) {
		return 2
	}
	return 1
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return badInput("no command given")
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "validate":
		return cmdValidate(args[1:], stdout, stderr)
	case "sweep":
		return cmdSweep(args[1:], stdout, stderr)
	case "merge":
		return cmdMerge(args[1:], stdout, stderr)
	case "plan":
		return cmdPlan(args[1:], stdout, stderr)
	case "report":
		return cmdReport(args[1:], stdout, stderr)
	case "list":
		return cmdList(args[1:], stdout)
	case "overhead":
		return cmdOverhead(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "simrun", revision())
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return badInput("unknown command %q (commands: run, sweep, merge, plan, report, validate, list, overhead, version)", args[0])
}

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return fmt.Sprint([]string(*m)) }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// took says how long a command took, readably at any scale: "under 1 ms",
// "37 ms", "2.4 s".
func took(d time.Duration) string {
	if d < time.Millisecond {
		return "under 1 ms"
	}
	if ms := d.Round(time.Millisecond); ms < time.Second {
		return fmt.Sprintf("%d ms", ms/time.Millisecond)
	}
	return fmt.Sprintf("%.1f s", d.Seconds())
}

// workersText is "1 worker" or "N workers".
func workersText(n int) string {
	if n == 1 {
		return "1 worker"
	}
	return fmt.Sprintf("%d workers", n)
}

// parseInterleaved parses flags that may come before or after positional
// arguments, returning the positionals.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, inputError{err}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
