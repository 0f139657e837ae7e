package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/simrun/simrun/sweep"
)

// errNoAnswer is a plan whose targets no value in the range meets (exit
// code 1: the query ran, and its answer is "none in this range").
var errNoAnswer = errors.New("no value in range meets every target")

func parseRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, ":")
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, badInput("--range %q: want LO:HI, two whole numbers (e.g. 1:64)", s)
	}
	if lo > hi {
		return 0, 0, badInput("--range %q: the low end is above the high end", s)
	}
	return lo, hi, nil
}

func cmdPlan(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	bf := addBatchFlags(fs, "plan", "probed value", 5)
	out, jobs, reps, seedStr, quiet := bf.out, bf.jobs, bf.reps, bf.seed, bf.quiet
	key := fs.String("vary", "", "the integer key to plan: a declared parameter (hosts) or a key path (host_group.0.count)")
	rng := fs.String("range", "", "LO:HI, the values of the key to search")
	var targets multiFlag
	fs.Var(&targets, "target", "metric<value, <=, > or >=: a condition on the metric's mean at 95 % confidence (repeatable; all must hold)")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return badInput("plan takes one scenario name or file, got %d (try: simrun plan sizing --target 'vms_rejected<1' --vary hosts --range 1:64)", len(pos))
	}
	sets := bf.sets
	if len(targets) == 0 {
		return badInput("plan needs at least one --target metric<value (e.g. --target 'vms_rejected<1')")
	}
	var ts []sweep.Target
	for _, s := range targets {
		t, err := sweep.ParseTarget(s)
		if err != nil {
			return inputError{err}
		}
		ts = append(ts, t)
	}
	k := strings.TrimSpace(*key)
	if k == "" {
		return badInput("plan needs --vary KEY, the integer key to plan (e.g. --vary hosts or --vary host_group.0.count)")
	}
	if k == "seed" {
		return errSeedKey("--vary")
	}
	if *rng == "" {
		return badInput("plan needs --range LO:HI, the values of %s to search (e.g. --range 1:64)", k)
	}
	lo, hi, err := parseRange(*rng)
	if err != nil {
		return err
	}
	base, err := loadBase(pos[0], sets, *jobs, *seedStr)
	if err != nil {
		return err
	}
	seed := &base.Seed
	// The key must take integers at both ends of the range.
	for _, v := range []int{lo, hi} {
		if _, err := load(pos[0], append(append([]string(nil), sets...), k+"="+strconv.Itoa(v)), seed); err != nil {
			return fmt.Errorf("--vary %s at %d: %w", k, v, err)
		}
	}
	q := &sweep.PlanSpec{Scenario: pos[0], Sets: append([]string{}, sets...), Key: k, Lo: lo, Hi: hi, Targets: ts,
		Replications: base.Sweep.Replications, MasterSeed: base.Seed}
	if q.Replications == 0 {
		q.Replications = 5
	}
	if *reps != 0 {
		q.Replications = *reps
	}
	if q.Replications < 2 {
		if *reps == 0 {
			return badInput("the scenario's [sweep] replications = %d: a plan needs at least 2 replications per value for a confidence interval (give --replications)", q.Replications)
		}
		return badInput("--replications %d: a plan needs at least 2 replications per value for a confidence interval", q.Replications)
	}
	dir := *out
	if dir == "" {
		dir = filepath.Join("out", fmt.Sprintf("%s-plan-seed%d", base.Name, base.Seed))
	}
	if err := sweep.CheckPlanDir(dir, q); err != nil {
		return err
	}

	ctx, stop := interruptible()
	defer stop()
	loader := loaderFor(pos[0])
	showProgress := !*quiet && isTerminal(stderr)
	ran, reused := 0, 0
	eval := sweep.PlanEvaluator(dir, q, loader, execute, sweep.Options{Workers: *jobs}, func(v, r, s int) {
		ran += r
		reused += s
		if showProgress {
			fmt.Fprintf(stderr, "  %s=%d: %d runs done (%d reused)\n", k, v, r+s, s)
		}
	})
	started := time.Now()
	res, err := sweep.Plan(ctx, lo, hi, ts, eval)
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted: the runs done are kept in %s/points; run the same command again to go on", dir)
	}
	if err != nil {
		return err
	}
	files, err := sweep.WritePlan(dir, q, res, base.Source, *jobs)
	if err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	if !*quiet {
		names := make([]string, len(ts))
		for i, t := range ts {
			names[i] = t.String()
		}
		fmt.Fprintf(stdout, "%s plan (master seed %d, %d replications per value): the smallest %s in [%d, %d] with %s at 95 %% confidence\n",
			base.Name, q.MasterSeed, q.Replications, k, lo, hi, strings.Join(names, " and "))
		if err := printPlanTable(stdout, q, res); err != nil {
			return err
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(stdout, "  warning: %s\n", w)
		}
		how := fmt.Sprintf("%d values probed, %d runs run and %d reused in %s on %s", len(res.Probes), ran, reused, took(time.Since(started)), workersText(*jobs))
		switch {
		case res.MetAtLo:
			fmt.Fprintf(stdout, "  answer: %s = %d, the low end of the range: smaller values were not examined (lower --range to look at them); %s\n", k, res.Answer, how)
		case res.Found:
			fmt.Fprintf(stdout, "  answer: %s = %d (%s = %d does not meet every target); %s\n", k, res.Answer, k, res.Answer-1, how)
		default:
			fmt.Fprintf(stdout, "  answer: none in [%d, %d]; %s\n", lo, hi, how)
		}
		fmt.Fprintf(stdout, "  results in %s: %s, points/\n", dir, strings.Join(files, ", "))
	}
	if !res.Found {
		p, _ := res.Probe(hi)
		var why []string
		for i, t := range ts {
			if !p.Met[i] {
				s := p.Stats[t.Metric]
				why = append(why, fmt.Sprintf("%s = %s [%s, %s], target %s", t.Metric, g4(s.Mean), g4(s.Low), g4(s.High), t))
			}
		}
		return fmt.Errorf("%w: at %s = %d, %s; widen --range, or add --replications where a mean meets its target but its interval does not", errNoAnswer, k, hi, strings.Join(why, "; "))
	}
	return nil
}

func g4(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return strconv.FormatFloat(x, 'g', 4, 64)
}

// printPlanTable prints each probed value's targets: the mean and 95 % CI
// of the metric, and whether the target holds.
func printPlanTable(w io.Writer, q *sweep.PlanSpec, res *sweep.PlanResult) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  %s\t", q.Key)
	for _, t := range res.Targets {
		fmt.Fprintf(tw, "%s: mean [95%% CI]\t", t)
	}
	fmt.Fprintln(tw, "all met")
	for _, p := range res.Probes {
		fmt.Fprintf(tw, "  %d\t", p.Value)
		for i, t := range res.Targets {
			fmt.Fprintf(tw, "%s\t", p.Cell(i, t, g4))
		}
		all := "no"
		if p.AllMet {
			all = "yes"
		}
		fmt.Fprintln(tw, all)
	}
	return tw.Flush()
}
