package sweep

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// PlanSpec is a capacity-planning query: the scenario and its overrides,
// the integer key planned over its range, the targets, and the
// replications of each probed value with their master seed.
type PlanSpec struct {
	Scenario     string   `json:"scenario"`
	Sets         []string `json:"sets"`
	Key          string   `json:"key"`
	Lo           int      `json:"lo"`
	Hi           int      `json:"hi"`
	Targets      []Target `json:"targets"`
	Replications int      `json:"replications"`
	MasterSeed   uint64   `json:"master_seed"`
}

// PointDir is the sweep directory of value v under a plan directory:
// points/KEY=v, holding that value's runs as a one-point sweep.
func (q *PlanSpec) PointDir(dir string, v int) string {
	return filepath.Join(dir, "points", q.Key+"="+strconv.Itoa(v))
}

// PointGrid is the one-point sweep of value v: the query's overrides and
// KEY=v, replicated with the query's master seed.
func (q *PlanSpec) PointGrid(v int) *Grid {
	return &Grid{Scenario: q.Scenario, Sets: append(slices.Clone(q.Sets), q.Key+"="+strconv.Itoa(v)),
		Axes: []Axis{}, Replications: q.Replications, MasterSeed: q.MasterSeed}
}

// PlanEvaluator evaluates a value of the query's key by running its
// replications as a one-point sweep in PointDir (so that runs already
// there are reused, as a sweep's are) and returns each metric's values
// by replication. ran, when set, is told how many runs each call ran and
// reused.
func PlanEvaluator(dir string, q *PlanSpec, load Loader, exec Executor, opt Options, ran func(v, ran, reused int)) Evaluator {
	return func(ctx context.Context, v int) (map[string][]float64, error) {
		o, err := Execute(ctx, q.PointDir(dir, v), q.PointGrid(v), load, exec, opt)
		if err != nil {
			return nil, fmt.Errorf("%s=%d: %w", q.Key, v, err)
		}
		if ran != nil {
			ran(v, o.Ran, o.Skipped)
		}
		if !o.Complete {
			return nil, fmt.Errorf("%s=%d: runs missing from %s", q.Key, v, q.PointDir(dir, v))
		}
		out := make(map[string][]float64, len(o.Metrics))
		for _, m := range o.Metrics {
			xs := make([]float64, len(o.Runs))
			for i, r := range o.Runs {
				x, ok := r[m]
				if !ok {
					x = math.NaN()
				}
				xs[i] = x
			}
			out[m] = xs
		}
		return out, nil
	}
}

// planFile is plan.json.
type planFile struct {
	Query    PlanSpec    `json:"query"`
	Found    bool        `json:"found"`
	Answer   *int        `json:"answer"`
	MetAtLo  bool        `json:"met_at_lo"`
	Warnings []string    `json:"warnings"`
	Probes   []planProbe `json:"probes"`
}

type planProbe struct {
	Value   int          `json:"value"`
	Order   int          `json:"order"`
	AllMet  bool         `json:"all_met"`
	Targets []planTarget `json:"targets"`
}

type planTarget struct {
	Target string `json:"target"`
	Metric string `json:"metric"`
	N      int    `json:"n"`
	Mean   jnum   `json:"mean"`
	SD     jnum   `json:"sd"`
	CILow  jnum   `json:"ci95_low"`
	CIHigh jnum   `json:"ci95_high"`
	Met    bool   `json:"met"`
}

// check refuses a query that WritePlan would not have written: no key or
// one that is not a key path (a path separator would take PointDir out of
// the plan directory), a reversed range, no replication, no target, or a
// target with another operator or no metric.
func (q *PlanSpec) check() error {
	var errs []error
	if q.Key == "" || strings.ContainsAny(q.Key, `/\`) {
		errs = append(errs, fmt.Errorf("key %q: not a scenario key", q.Key))
	}
	if q.Lo > q.Hi {
		errs = append(errs, fmt.Errorf("range %d:%d: the low end is above the high end", q.Lo, q.Hi))
	}
	if q.Replications < 1 {
		errs = append(errs, fmt.Errorf("replications %d: want at least 1", q.Replications))
	}
	if len(q.Targets) == 0 {
		errs = append(errs, errors.New("no target"))
	}
	for i, t := range q.Targets {
		if t.Metric == "" {
			errs = append(errs, fmt.Errorf("target %d: no metric", i+1))
		}
		if !slices.Contains([]string{"<", "<=", ">", ">="}, t.Op) {
			errs = append(errs, fmt.Errorf("target %d: operator %q, want <, <=, > or >=", i+1, t.Op))
		}
	}
	return errors.Join(errs...)
}

// ReadPlan reads a plan directory's plan.json back: the query, and the
// result with each probe's statistics of the targets' metrics. A file
// that does not parse, or holds a query or probes a plan cannot have, is a
// *scenarios.InputError naming it.
func ReadPlan(dir string) (*PlanSpec, *PlanResult, error) {
	path := filepath.Join(dir, "plan.json")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	damaged := func(err error) error {
		return &scenarios.InputError{Problems: []error{fmt.Errorf("%s: %w", path, err)}}
	}
	var pf planFile
	if err := json.Unmarshal(b, &pf); err != nil {
		return nil, nil, damaged(err)
	}
	q := pf.Query
	if err := q.check(); err != nil {
		return nil, nil, damaged(err)
	}
	res := &PlanResult{Lo: q.Lo, Hi: q.Hi, Targets: q.Targets, Found: pf.Found, MetAtLo: pf.MetAtLo, Warnings: pf.Warnings}
	if pf.Answer != nil {
		res.Answer = *pf.Answer
	}
	for _, jp := range pf.Probes {
		if len(jp.Targets) != len(q.Targets) {
			return nil, nil, damaged(fmt.Errorf("probe %d has %d targets, the query %d", jp.Value, len(jp.Targets), len(q.Targets)))
		}
		p := Probe{Value: jp.Value, Order: jp.Order, AllMet: jp.AllMet, Stats: map[string]Stat{}}
		for _, t := range jp.Targets {
			lo, hi := float64(t.CILow), float64(t.CIHigh)
			p.Stats[t.Metric] = Stat{N: t.N, Mean: float64(t.Mean), SD: float64(t.SD), Low: lo, High: hi, H: (hi - lo) / 2}
			p.Met = append(p.Met, t.Met)
		}
		res.Probes = append(res.Probes, p)
	}
	return &q, res, nil
}

// CheckPlanDir refuses a directory whose plan.json holds a query of
// another scenario, overrides, replications or seed (its runs would not
// be this query's); another key, range or targets may share it.
func CheckPlanDir(dir string, q *PlanSpec) error {
	b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		return nil
	}
	var old planFile
	if json.Unmarshal(b, &old) != nil {
		return nil
	}
	o := old.Query
	if o.Scenario != q.Scenario || !slices.Equal(o.Sets, q.Sets) || o.Replications != q.Replications || o.MasterSeed != q.MasterSeed {
		return &scenarios.InputError{Problems: []error{fmt.Errorf("%s holds a plan of another scenario, overrides, replications or seed; use another -o directory or remove it", dir)}}
	}
	return nil
}

// WritePlan writes a plan's files into dir: plan.csv (one row per probed
// value and target: the metric's n, mean, sd and 95 % CI, and whether the
// target and all targets hold), plan.json (the query, the answer, the
// warnings and the probes), scenario.toml (src, the scenario text), and
// per target plan_METRIC.png/.svg (the metric's mean and CI against the
// key, with the target line), up to workers files at once. It returns the
// files' names.
func WritePlan(dir string, q *PlanSpec, res *PlanResult, src []byte, workers int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	pf := planFile{Query: *q, Found: res.Found, MetAtLo: res.MetAtLo, Warnings: res.Warnings}
	if pf.Query.Sets == nil {
		pf.Query.Sets = []string{}
	}
	if pf.Warnings == nil {
		pf.Warnings = []string{}
	}
	if res.Found {
		a := res.Answer
		pf.Answer = &a
	}
	for _, p := range res.Probes {
		jp := planProbe{Value: p.Value, Order: p.Order, AllMet: p.AllMet}
		for i, t := range res.Targets {
			s := p.Stats[t.Metric]
			jp.Targets = append(jp.Targets, planTarget{t.String(), t.Metric, s.N, jnum(s.Mean), jnum(s.SD), jnum(s.Low), jnum(s.High), p.Met[i]})
		}
		pf.Probes = append(pf.Probes, jp)
	}
	files := []outFile{
		tableFile(dir, "plan.csv", func(w io.Writer) error {
			writeRow(w, []string{q.Key, "probe", "target", "metric", "n", "mean", "sd", "ci95_low", "ci95_high", "met", "all_met"})
			for _, p := range pf.Probes {
				for _, t := range p.Targets {
					writeRow(w, []string{strconv.Itoa(p.Value), strconv.Itoa(p.Order), t.Target, t.Metric, strconv.Itoa(t.N),
						fnum(float64(t.Mean)), fnum(float64(t.SD)), fnum(float64(t.CILow)), fnum(float64(t.CIHigh)),
						strconv.FormatBool(t.Met), strconv.FormatBool(p.AllMet)})
				}
			}
			return nil
		}),
		tableFile(dir, "plan.json", func(w io.Writer) error { return writeJSON(w, pf) }),
		tableFile(dir, "scenario.toml", func(w io.Writer) error { _, err := w.Write(src); return err }),
	}
	work := newPool(workers)
	var draws []func()
	for _, c := range planCharts(q, res) {
		draw, png, svg := chartFiles(dir, c)
		draws, files = append(draws, draw), append(files, png, svg)
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	var b results.Batch
	return names, commit(&b, writeFiles(work, &b, draws, files))
}

// planCharts draws each target's metric against the key: the mean at
// every probed value with its 95 % CI, and the target as a dashed line.
func planCharts(q *PlanSpec, res *PlanResult) []chartJob {
	x := make([]float64, len(res.Probes))
	for i, p := range res.Probes {
		x[i] = float64(p.Value)
	}
	answer := "no value in range meets every target"
	if res.Found {
		answer = fmt.Sprintf("smallest meeting every target: %d", res.Answer)
	}
	var jobs []chartJob
	seen := map[string]int{}
	for _, t := range res.Targets {
		s := results.Series{Label: "mean (95 % CI)", Values: make([]float64, len(x)), Err: make([]float64, len(x))}
		for i, p := range res.Probes {
			st := p.Stats[t.Metric]
			s.Values[i], s.Err[i] = st.Mean, st.H
		}
		base := "plan_" + sanitize(t.Metric)
		if seen[t.Metric]++; seen[t.Metric] > 1 {
			base += "_" + strconv.Itoa(seen[t.Metric])
		}
		jobs = append(jobs, chartJob{base, &results.Lines{
			Title:  fmt.Sprintf("%s: %s against %s (%s)", q.Scenario, t.Metric, q.Key, answer),
			XLabel: q.Key, YLabel: t.Metric + " (mean, 95 % CI)", X: x, Series: []results.Series{s},
			HLine: t.Value, HLineLabel: "target " + t.String(),
		}})
	}
	return jobs
}
