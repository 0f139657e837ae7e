package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/simrun/simrun/model/datacenter"
	"github.com/simrun/simrun/model/host"
	"github.com/simrun/simrun/policies"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

func isInputError(err error) bool {
	var ie inputError
	var se *scenarios.InputError
	return errors.As(err, &ie) || errors.As(err, &se)
}

// load resolves and validates a scenario, model checks included.
func load(name string, sets []string, seed *uint64) (*scenarios.Scenario, error) {
	sc, err := scenarios.Resolve(name, datacenter.LoadOptions(sets, seed))
	if err != nil {
		return nil, err
	}
	if err := datacenter.Check(sc); err != nil {
		return nil, inputError{err}
	}
	return sc, nil
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output directory (default out/NAME-seedN)")
	seedStr := fs.String("seed", "", "master seed (default: the scenario's)")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	var sets multiFlag
	fs.Var(&sets, "set", "key=value override (repeatable)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("run takes one scenario name or file, got %d (try: simrun run quickstart)", len(pos))
	}
	seed, err := parseSeed(*seedStr)
	if err != nil {
		return err
	}
	sc, err := load(pos[0], sets, seed)
	if err != nil {
		return err
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", fmt.Sprintf("%s-seed%d", sc.Name, sc.Seed))
	}

	rec := &results.Recorder{}
	if datacenter.IsStudy(sc) {
		return runStudy(sc, rec, dir, *quiet, stdout)
	}
	m, err := datacenter.New(sc, rec)
	if err != nil {
		return inputError{err}
	}
	showBar := !*quiet && isTerminal(stderr)
	started := time.Now()
	var bar *progressbar.ProgressBar
	for !m.StepN(1 << 15) {
		if showBar && bar == nil && time.Since(started) > time.Second {
			bar = progressbar.NewOptions(1000, progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(sc.Name), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionClearOnFinish())
		}
		if bar != nil {
			_ = bar.Set(int(m.Progress() * 1000))
		}
	}
	m.Finish()
	if bar != nil {
		_ = bar.Finish()
	}
	rec.Summary.Revision = revision()
	if sc.Output.Cloudlets != nil && !*sc.Output.Cloudlets {
		rec.Cloudlets = nil
	}
	files, err := results.WriteDir(dir, rec, results.WriteOptions{Plots: plotsOn(sc), Title: sc.Name})
	if err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	if err := writeScenario(dir, sc); err != nil {
		return err
	}
	if !*quiet {
		printSummary(stdout, &rec.Summary, dir, append(files, "scenario.toml"))
	}
	return nil
}

// parseSeed reads --seed: nil when not given.
func parseSeed(s string) (*uint64, error) {
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return nil, badInput("--seed: want a non-negative integer, got %q", s)
	}
	return &v, nil
}

// runStudy runs a virtualization study and writes its records and plots.
func runStudy(sc *scenarios.Scenario, rec *results.Recorder, dir string, quiet bool, stdout io.Writer) error {
	if err := datacenter.RunStudy(sc, rec); err != nil {
		return inputError{err}
	}
	rec.Summary.Revision = revision()
	files, err := results.WriteDir(dir, rec, results.WriteOptions{Plots: plotsOn(sc), Title: sc.Name})
	if err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	if err := writeScenario(dir, sc); err != nil {
		return err
	}
	if quiet {
		return nil
	}
	// A table of runs, its warnings and the files.
	table := func(head string, write func(io.Writer) error) error {
		fmt.Fprintf(stdout, "%s (seed %d): %s\n\n", sc.Name, sc.Seed, head)
		if err := write(stdout); err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		for _, warn := range rec.Summary.Warnings {
			fmt.Fprintf(stdout, "  warning: %s\n", warn)
		}
		fmt.Fprintf(stdout, "  results in %s: %s\n", dir, strings.Join(append(files, "scenario.toml"), ", "))
		return nil
	}
	if len(rec.Comparison) > 0 {
		return table(fmt.Sprintf("consolidation study, %d policies", len(rec.Comparison)),
			func(w io.Writer) error { return results.WriteComparisonMarkdown(w, rec.Comparison) })
	}
	if len(rec.MemPlacement) > 0 {
		return table(fmt.Sprintf("memory-placement study, %d runs of %v", len(rec.MemPlacement), sc.Duration),
			func(w io.Writer) error { return results.WriteMemPlacementMarkdown(w, rec.MemPlacement) })
	}
	if len(rec.CloudRows) > 0 {
		return table(fmt.Sprintf("control-plane study, %d variants", len(rec.CloudRows)),
			func(w io.Writer) error { return results.WriteCloudMarkdown(w, rec.CloudRows) })
	}
	if len(rec.Memory) > 0 {
		fmt.Fprintf(stdout, "%s (seed %d): memory study, %d hosts (means after the %v warm-up)\n\n", sc.Name, sc.Seed, len(rec.Memory), sc.Study.Warmup)
		if err := results.WriteMemoryMarkdown(stdout, rec.Memory); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "\n  results in %s: %s\n", dir, strings.Join(append(files, "scenario.toml"), ", "))
		return nil
	}
	fmt.Fprintf(stdout, "%s (seed %d): %s study, %g configurations\n", sc.Name, sc.Seed, sc.Study.Kind, rec.Summary.Metrics["configurations"])
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	switch {
	case len(rec.Overheads) > 0:
		fmt.Fprintln(tw, "  profile\tconfiguration\tslowdown\thost backend (% of native)\t")
		for _, r := range rec.Overheads {
			fmt.Fprintf(tw, "  %s\t%s\t%.3f\t%.1f\t\n", r.Profile, r.Config, r.Slowdown, 100*r.HostCycles/r.NativeCycles)
		}
	case len(rec.IOPoints) > 0:
		fmt.Fprintln(tw, "  configuration\tVMs\tGb/s\tdropped\tp50 µs\tp99 µs\thost cores\t")
		for _, p := range rec.IOPoints {
			fmt.Fprintf(tw, "  %s\t%d\t%.3g\t%.1f%%\t%.4g\t%.4g\t%.3g\t\n", p.Config, p.VMs, p.ThroughputGbps, 100*p.DropFraction, p.P50Us, p.P99Us, p.GuestCores+p.BackendCores)
		}
	case len(rec.Capacity) > 0:
		fmt.Fprintln(tw, "  configuration\tslowdown\tVMs per host\tlimited by\tCPU util\tlatency µs\tbare metal\t")
		for _, c := range rec.Capacity {
			fmt.Fprintf(tw, "  %s\t%.3f\t%d\t%s\t%.0f%%\t%.4g\t%d\t\n", c.Config, c.Slowdown, c.MaxVMs, c.LimitedBy, 100*c.CPUUtil, c.LatencyUs, c.NativeMaxVMs)
		}
	}
	tw.Flush()
	fmt.Fprintf(stdout, "  results in %s: %s\n", dir, strings.Join(append(files, "scenario.toml"), ", "))
	return nil
}

// writeScenario keeps the scenario text that was run beside its results.
func writeScenario(dir string, sc *scenarios.Scenario) error {
	if err := results.WriteFileAtomic(filepath.Join(dir, "scenario.toml"), func(w io.Writer) error {
		_, err := w.Write(sc.Source)
		return err
	}); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

func plotsOn(sc *scenarios.Scenario) bool { return sc.Output.Plots == nil || *sc.Output.Plots }

func printSummary(w io.Writer, s *results.Summary, dir string, files []string) {
	fmt.Fprintf(w, "%s (seed %d, policy %s): %g s simulated, %d events\n", s.Scenario, s.Seed, s.Policy, s.SimulatedS, s.Events)
	fmt.Fprintf(w, "  VMs: %d requested, %d placed, %d rejected, %d finished, %d still running at the end\n",
		s.VMsRequested, s.VMsPlaced, s.VMsRejected, s.VMsFinished, s.VMsRunningAtEnd)
	if s.Cloudlets > 0 {
		fmt.Fprintf(w, "  cloudlets: %d of %d finished, last completion at %g s\n", s.CloudletsFinished, s.Cloudlets, s.LastCompletionS)
	}
	fmt.Fprintf(w, "  hosts: %d, mean active %.4g, mean utilization of hosts that are on %.1f %%\n", s.Hosts, s.MeanActiveHosts, 100*s.MeanUtil)
	fmt.Fprintf(w, "  energy: %.6g kWh, peak power %.6g W\n", s.EnergyKWh, s.PeakPowerW)
	if s.Consolidation != "" {
		m := s.Metrics
		fmt.Fprintf(w, "  consolidation %s: %g migrations, %g host shutdowns; SLATAH %.4g %%, PDM %.4g %%, SLAV %.4g, ESV %.4g; unmet demand %.4g %%\n",
			s.Consolidation, m["migrations"], m["host_shutdowns"], 100*m["slatah"], 100*m["pdm"], m["slav"], m["esv"], 100*m["sla_violation"])
	}
	if sd, ok := s.Metrics["mem_slowdown"]; ok {
		m := s.Metrics
		fmt.Fprintf(w, "  memory: guest slowdown %.4g (worst %.3g); given back %.0f MiB (sharing %.0f, balloon %.0f, compression %.0f, swap %.0f); reclamation CPU %.3g cores\n",
			sd, m["mem_slowdown_max"], m["mem_reclaimed_mib"], m["mem_shared_saved_mib"], m["mem_balloon_mib"], m["mem_compressed_saved_mib"], m["mem_swapped_mib"], m["mem_reclaim_cpu_cores"])
	}
	if m := s.Metrics; m["launches"] > 0 {
		lat := "no instance came up"
		if m["launches_running"] > 0 {
			lat = fmt.Sprintf("latency mean %.4g s, p50 %.4g s, p95 %.4g s, p99 %.4g s",
				m["mean_launch_latency_s"], m["p50_launch_latency_s"], m["p95_launch_latency_s"], m["p99_launch_latency_s"])
		}
		fmt.Fprintf(w, "  launches: %g requested, %g running, %g rejected, %g pending; %s\n",
			m["launches"], m["launches_running"], m["launches_rejected"], m["launches_pending"], lat)
		fmt.Fprintf(w, "  control plane: %g NC refusals, %g cluster retries; image cache hits %.1f %%, Walrus %.4g GiB; %g node wake-ups, %g power-downs; waits CLC %.3g s, CC %.3g s, NC %.3g s (means)\n",
			m["nc_refusals"], m["cluster_retries"], 100*m["cache_hit_rate"], m["walrus_gib"], m["node_wakeups"], m["node_powerdowns"],
			m["clc_wait_mean_s"], m["cc_wait_mean_s"], m["nc_wait_mean_s"])
	}
	for _, warn := range s.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	fmt.Fprintf(w, "  results in %s: %s\n", dir, strings.Join(files, ", "))
}

func cmdValidate(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sets multiFlag
	fs.Var(&sets, "set", "key=value override (repeatable)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return badInput("validate takes one or more scenario names or files")
	}
	var errs []error
	for _, p := range pos {
		sc, err := load(p, sets, nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok (%s, sha256 %s)\n", p, sc.Name, sc.SHA256[:12])
	}
	if len(errs) > 0 {
		return inputError{errors.Join(errs...)}
	}
	return nil
}

func cmdList(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		return badInput("list takes no arguments")
	}
	fmt.Fprintln(stdout, "Scenarios (simrun run NAME):")
	for _, e := range scenarios.Embedded() {
		fmt.Fprintf(stdout, "  %-16s %s\n", e.Name, e.Description)
	}
	fmt.Fprintln(stdout, "\nPlacement policies (placement.policy):")
	for _, n := range policies.Names() {
		fmt.Fprintf(stdout, "  %-16s %s\n", n, policies.Describe(n))
	}
	fmt.Fprintln(stdout, "\nPower models (host_group.power.model): linear, table, and the SPECpower_ssj2008 tables:")
	for _, n := range host.SpecPowerNames() {
		t, _ := host.SpecPower(n)
		fmt.Fprintf(stdout, "  %-16s %v W at 0..100 %% load\n", n, t.W)
	}
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// revision is the VCS revision stamped into the binary ("unknown" under go
// run, which does not stamp one), with "-dirty" for a modified tree. It is
// read once: a sweep stamps every run with it.
var revision = sync.OnceValue(func() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown"
	}
	if dirty {
		rev += "-dirty"
	}
	return rev
})
