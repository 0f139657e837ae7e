package sweep

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/simrun/simrun/internal/suggest"
	"github.com/simrun/simrun/scenarios"
)

// Target is a condition on the mean of a summary metric that a capacity
// plan must meet at 95 % confidence: for < and <= the upper end of the
// Student-t 95 % confidence interval of the mean must be below (at most)
// Value, for > and >= its lower end above (at least) Value. Each end of the
// two-sided 95 % interval is a one-sided 97.5 % bound.
type Target struct {
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Value  float64 `json:"value"`
}

// ParseTarget reads "metric<value" (also <=, >, >=; spaces allowed).
func ParseTarget(s string) (Target, error) {
	i := strings.IndexAny(s, "<>")
	if i < 0 {
		return Target{}, fmt.Errorf("target %q: want metric<value, metric<=value, metric>value or metric>=value (e.g. 'vms_rejected<1')", s)
	}
	t := Target{Metric: strings.TrimSpace(s[:i]), Op: s[i : i+1]}
	rest := s[i+1:]
	if strings.HasPrefix(rest, "=") {
		t.Op += "="
		rest = rest[1:]
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
	if t.Metric == "" || err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return Target{}, fmt.Errorf("target %q: want metric%svalue with a metric name and a finite number (e.g. 'vms_rejected<1')", s, t.Op)
	}
	t.Value = v
	return t, nil
}

func (t Target) String() string {
	return t.Metric + t.Op + strconv.FormatFloat(t.Value, 'g', -1, 64)
}

// upper reports whether the target bounds the metric from above (< or <=).
func (t Target) upper() bool { return t.Op[0] == '<' }

// Bound is the end of the confidence interval the target is judged on: the
// upper end for < and <=, the lower end for > and >=.
func (t Target) Bound(s Stat) float64 {
	if t.upper() {
		return s.High
	}
	return s.Low
}

// Holds reports whether the metric's statistics meet the target. Without
// an interval (fewer than two replications have the metric) it does not.
func (t Target) Holds(s Stat) bool {
	b := t.Bound(s)
	if math.IsNaN(b) {
		return false
	}
	switch t.Op {
	case "<":
		return b < t.Value
	case "<=":
		return b <= t.Value
	case ">":
		return b > t.Value
	}
	return b >= t.Value
}

// Evaluator runs the replications of one value of the planned key and
// returns each metric's values, one per replication (NaN where a
// replication lacks it).
type Evaluator func(ctx context.Context, value int) (map[string][]float64, error)

// Probe is one value the plan evaluated.
type Probe struct {
	Value int
	// Order is when it was probed (0 first).
	Order int
	// Stats summarizes every metric the evaluator returned.
	Stats map[string]Stat
	// Met says which targets hold, in target order; AllMet whether all do.
	Met    []bool
	AllMet bool
}

// Cell formats target i (t) at the probe: the metric's mean and 95 % CI,
// each number written by num, and ✓ when the target holds, ✗ when not.
func (p Probe) Cell(i int, t Target, num func(float64) string) string {
	s := p.Stats[t.Metric]
	mark := "✗"
	if p.Met[i] {
		mark = "✓"
	}
	return fmt.Sprintf("%s [%s, %s] %s", num(s.Mean), num(s.Low), num(s.High), mark)
}

// PlanResult is what a plan found: the probes in increasing value order,
// and the smallest value meeting every target when Found.
type PlanResult struct {
	Lo, Hi  int
	Targets []Target
	Probes  []Probe
	Found   bool
	Answer  int
	// MetAtLo is true when the targets already hold at Lo (the answer is
	// Lo, and smaller values were not examined).
	MetAtLo bool
	// Warnings note observations that contradict the monotonicity the
	// bisection relies on.
	Warnings []string
}

// Probe returns the probe of value v, if it was evaluated.
func (r *PlanResult) Probe(v int) (Probe, bool) {
	i, ok := slices.BinarySearchFunc(r.Probes, v, func(p Probe, v int) int { return p.Value - v })
	if !ok {
		return Probe{}, false
	}
	return r.Probes[i], true
}

// Plan finds the smallest value in [lo, hi] at which every target holds,
// by bisection: it evaluates lo and hi, and while the targets fail at a
// and hold at b > a+1, it evaluates the middle. That takes at most
// ⌈log₂(hi−lo)⌉ + 2 evaluations, and finds the answer exactly when the
// targets, once met, stay met as the value grows (the bisection's
// assumption; what contradicts it among the probes is reported in the
// result's warnings). A target whose metric a value's runs lack is not met
// there; one naming a metric that neither end of the range returns is a
// *scenarios.InputError.
func Plan(ctx context.Context, lo, hi int, targets []Target, eval Evaluator) (*PlanResult, error) {
	if lo > hi {
		return nil, &scenarios.InputError{Problems: []error{fmt.Errorf("range %d:%d: the low end is above the high end", lo, hi)}}
	}
	if len(targets) == 0 {
		return nil, &scenarios.InputError{Problems: []error{fmt.Errorf("plan: no target given")}}
	}
	res := &PlanResult{Lo: lo, Hi: hi, Targets: targets}
	probed := map[int]*Probe{}
	seen := map[string]bool{} // the metrics some probe's runs have
	probe := func(v int) (*Probe, error) {
		if p, ok := probed[v]; ok {
			return p, nil
		}
		vals, err := eval(ctx, v)
		if err != nil {
			return nil, err
		}
		p := &Probe{Value: v, Order: len(probed), Stats: make(map[string]Stat, len(vals)), AllMet: true}
		for k, xs := range vals {
			p.Stats[k] = Summarize(xs)
			seen[k] = true
		}
		for _, t := range targets {
			// A metric these runs lack (a latency with no launch) has no
			// interval here: the target is not met at this value.
			st, ok := p.Stats[t.Metric]
			if !ok {
				st = Summarize(nil)
				p.Stats[t.Metric] = st
			}
			ok = t.Holds(st)
			p.Met = append(p.Met, ok)
			p.AllMet = p.AllMet && ok
		}
		probed[v] = p
		return p, nil
	}
	finish := func() *PlanResult {
		for _, p := range probed {
			res.Probes = append(res.Probes, *p)
		}
		slices.SortFunc(res.Probes, func(a, b Probe) int { return a.Value - b.Value })
		res.Warnings = monotonicityWarnings(res.Probes, targets)
		return res
	}

	pl, err := probe(lo)
	if err != nil {
		return nil, err
	}
	ph, err := probe(hi)
	if err != nil {
		return nil, err
	}
	// A metric that neither end of the range has is not a metric of these
	// runs (a typo, most likely), whatever the values in between would say.
	for _, t := range targets {
		if !seen[t.Metric] {
			names := slices.Sorted(maps.Keys(seen))
			return nil, &scenarios.InputError{Problems: []error{fmt.Errorf("target %s: the runs have no metric %q%s (metrics: %s)", t, t.Metric, suggest.DidYouMean(t.Metric, names), strings.Join(names, ", "))}}
		}
	}
	switch {
	case pl.AllMet:
		res.Found, res.Answer, res.MetAtLo = true, lo, true
		return finish(), nil
	case !ph.AllMet:
		return finish(), nil
	}
	a, b := lo, hi // the targets fail at a and hold at b
	// b − a as an unsigned number: it does not overflow, whatever the range.
	for uint(b)-uint(a) > 1 {
		m := a + int((uint(b)-uint(a))/2)
		p, err := probe(m)
		if err != nil {
			return nil, err
		}
		if p.AllMet {
			b = m
		} else {
			a = m
		}
	}
	res.Found, res.Answer = true, b
	return finish(), nil
}

// monotonicityWarnings looks among the probes (sorted by value) for what
// contradicts the bisection's assumption: the targets all met at a value
// and not at a larger one, or a target's metric moving away from its bound
// as the value grows by more than the two confidence intervals' half-widths
// together (the largest such move per target).
func monotonicityWarnings(ps []Probe, targets []Target) []string {
	var warns []string
pairs:
	for i := range ps {
		for j := i + 1; j < len(ps); j++ {
			if ps[i].AllMet && !ps[j].AllMet {
				warns = append(warns, fmt.Sprintf("the targets hold at %d but not at %d: they are not monotone in the planned key, so the answer is the smallest value found, not necessarily the smallest there is", ps[i].Value, ps[j].Value))
				break pairs
			}
		}
	}
	for _, t := range targets {
		worst, wi, wj := 0.0, -1, -1
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				si, sj := ps[i].Stats[t.Metric], ps[j].Stats[t.Metric]
				d := sj.Mean - si.Mean // growth from the smaller value to the larger
				if !t.upper() {
					d = -d
				}
				if d > zeroIfNaN(si.H)+zeroIfNaN(sj.H) && d > worst {
					worst, wi, wj = d, i, j
				}
			}
		}
		if wi >= 0 {
			warns = append(warns, fmt.Sprintf("%s is not monotone in the planned key: its mean goes from %.6g at %d to %.6g at %d, away from the target %s, by more than the 95 %% confidence intervals explain",
				t.Metric, ps[wi].Stats[t.Metric].Mean, ps[wi].Value, ps[wj].Stats[t.Metric].Mean, ps[wj].Value, t))
		}
	}
	return warns
}

func zeroIfNaN(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}
