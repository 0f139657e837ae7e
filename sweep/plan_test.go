package sweep

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/internal/dirtest"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

func TestParseTarget(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"vms_rejected<1", "vms_rejected<1", true},
		{" p95_launch_latency_s <= 120 ", "p95_launch_latency_s<=120", true},
		{"mean_util>0.5", "mean_util>0.5", true},
		{"energy_kwh>=-3e2", "energy_kwh>=-300", true},
		{"vms_rejected=1", "", false},
		{"<1", "", false},
		{"x<", "", false},
		{"x<abc", "", false},
		{"x<NaN", "", false},
		{"x<<1", "", false},
	} {
		tg, err := ParseTarget(c.in)
		if (err == nil) != c.ok || (c.ok && tg.String() != c.want) {
			t.Errorf("ParseTarget(%q) = %v, %v; want %q ok=%v", c.in, tg, err, c.want, c.ok)
		}
	}
}

// Each operator judges the end of the interval that bounds the mean on
// its side: mean 10, half-width 1 (interval [9, 11]).
func TestTargetHolds(t *testing.T) {
	s := Stat{N: 5, Mean: 10, H: 1, Low: 9, High: 11}
	for _, c := range []struct {
		target string
		holds  bool
	}{
		{"m<11.5", true}, {"m<11", false}, {"m<=11", true}, {"m<10.5", false},
		{"m>8.5", true}, {"m>9", false}, {"m>=9", true}, {"m>9.5", false},
	} {
		tg, _ := ParseTarget(c.target)
		if got := tg.Holds(s); got != c.holds {
			t.Errorf("%s on [9, 11]: %v", c.target, got)
		}
	}
	if tg, _ := ParseTarget("m<100"); tg.Holds(Summarize([]float64{1})) {
		t.Error("a target held without a confidence interval (one replication)")
	}
}

// stepEval's metric "x" is max(0, k−v) in every one of 3 replications
// (no spread), so "x<1" first holds at v = k. It counts evaluations.
func stepEval(k int, calls map[int]int) Evaluator {
	return func(_ context.Context, v int) (map[string][]float64, error) {
		calls[v]++
		x := float64(max(0, k-v))
		return map[string][]float64{"x": {x, x, x}, "y": {1, 2, 3}}, nil
	}
}

// Bisection finds the threshold exactly wherever it lies in the range,
// evaluates no value twice and at most ⌈log₂(hi−lo)⌉ + 2 of them.
func TestPlanFindsTheStep(t *testing.T) {
	target, _ := ParseTarget("x<1")
	for _, c := range []struct{ lo, hi int }{{1, 64}, {0, 1}, {5, 5}, {-10, 10}, {1, 1000}} {
		for k := c.lo - 1; k <= c.hi+1; k++ {
			calls := map[int]int{}
			res, err := Plan(context.Background(), c.lo, c.hi, []Target{target}, stepEval(k, calls))
			if err != nil {
				t.Fatal(err)
			}
			want := max(k, c.lo)
			switch {
			case k > c.hi:
				if res.Found {
					t.Errorf("[%d, %d], step at %d: found %d", c.lo, c.hi, k, res.Answer)
				}
			case !res.Found || res.Answer != want || res.MetAtLo != (want == c.lo):
				t.Errorf("[%d, %d], step at %d: found %v answer %d at-lo %v", c.lo, c.hi, k, res.Found, res.Answer, res.MetAtLo)
			}
			bound := 2 + int(math.Ceil(math.Log2(float64(max(c.hi-c.lo, 1)))))
			if len(calls) > bound || len(res.Probes) != len(calls) {
				t.Errorf("[%d, %d], step at %d: %d evaluations (bound %d), %d probes", c.lo, c.hi, k, len(calls), bound, len(res.Probes))
			}
			for v, n := range calls {
				if n > 1 {
					t.Errorf("value %d evaluated %d times", v, n)
				}
			}
			if len(res.Warnings) > 0 {
				t.Errorf("monotone step warned: %v", res.Warnings)
			}
			for i := 1; i < len(res.Probes); i++ {
				if res.Probes[i].Value <= res.Probes[i-1].Value {
					t.Fatalf("probes out of order: %+v", res.Probes)
				}
			}
		}
	}
}

// Every target must hold: x<1 from 20 on, y>=5 (y = v/4 exactly) from 20
// on too, but x<3 alone from 18.
func TestPlanEveryTarget(t *testing.T) {
	eval := func(_ context.Context, v int) (map[string][]float64, error) {
		x, y := float64(max(0, 20-v)), float64(v)/4
		return map[string][]float64{"x": {x, x}, "y": {y, y}}, nil
	}
	for _, c := range []struct {
		targets []string
		want    int
	}{{[]string{"x<3"}, 18}, {[]string{"x<3", "y>=5"}, 20}, {[]string{"y>=5", "x<1"}, 20}, {[]string{"y>5"}, 21}} {
		var ts []Target
		for _, s := range c.targets {
			tg, _ := ParseTarget(s)
			ts = append(ts, tg)
		}
		res, err := Plan(context.Background(), 1, 100, ts, eval)
		if err != nil || !res.Found || res.Answer != c.want {
			t.Errorf("%v: %+v %v, want %d", c.targets, res, err, c.want)
		}
	}
}

// A metric that gets worse as the value grows, beyond its intervals, and
// targets met at the low end but not at the high end, are reported.
func TestPlanWarnsWhenNotMonotone(t *testing.T) {
	// x dips below 1 at 3..5 and rises again: met at lo = 4, not at 40.
	eval := func(_ context.Context, v int) (map[string][]float64, error) {
		x := math.Abs(float64(v) - 4)
		return map[string][]float64{"x": {x, x + 0.1, x - 0.1}}, nil
	}
	tg, _ := ParseTarget("x<1")
	res, err := Plan(context.Background(), 4, 40, []Target{tg}, eval)
	if err != nil || !res.Found || res.Answer != 4 || !res.MetAtLo {
		t.Fatalf("%+v %v", res, err)
	}
	w := strings.Join(res.Warnings, "\n")
	if !strings.Contains(w, "hold at 4 but not at 40") || !strings.Contains(w, "x is not monotone") {
		t.Errorf("warnings: %q", w)
	}
	// Noise within the intervals is no warning: x = 10 − v ± 3 around a
	// downward trend, with replications spread 4 wide.
	noisy := func(_ context.Context, v int) (map[string][]float64, error) {
		x := float64(max(0, 10-v)) + 1.5*float64(v%2)
		return map[string][]float64{"x": {x - 2, x, x + 2}}, nil
	}
	tg, _ = ParseTarget("x<100")
	if res, _ := Plan(context.Background(), 1, 30, []Target{tg}, noisy); len(res.Warnings) != 0 {
		t.Errorf("noise warned: %v", res.Warnings)
	}
}

func TestPlanBadInput(t *testing.T) {
	tg, _ := ParseTarget("vms_rejectd<1")
	eval := func(_ context.Context, v int) (map[string][]float64, error) {
		return map[string][]float64{"vms_rejected": {0, 0}, "energy_kwh": {1, 2}}, nil
	}
	_, err := Plan(context.Background(), 1, 10, []Target{tg}, eval)
	var ie *scenarios.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), `did you mean "vms_rejected"?`) {
		t.Errorf("unknown metric: %v", err)
	}
	if _, err := Plan(context.Background(), 10, 1, []Target{tg}, eval); !errors.As(err, &ie) {
		t.Errorf("reversed range: %v", err)
	}
	boom := errors.New("boom")
	fail := func(context.Context, int) (map[string][]float64, error) { return nil, boom }
	if _, err := Plan(context.Background(), 1, 10, []Target{tg}, fail); !errors.Is(err, boom) {
		t.Errorf("evaluator error: %v", err)
	}
}

// mmc simulates an FCFS M/M/c queue with the event engine: Poisson
// arrivals at rate lambda (stream "arrivals"), exponential service at rate
// mu per server (stream "service"), c servers. Over the customers warm+1
// to warm+n in arrival order it returns the mean wait in the queue (s) and
// the fraction who had to wait.
func mmc(seed uint64, c int, lambda, mu float64, warm, n int) (wq, pw float64) {
	s := sim.New(seed)
	arr, svc := s.Stream("arrivals"), s.Stream("service")
	busy, arrived := 0, 0
	type waiting struct {
		k  int
		at sim.Time
	}
	var queue []waiting
	var waitSum float64
	waited := 0
	record := func(k int, w sim.Time) {
		if k >= warm && k < warm+n {
			waitSum += sim.Seconds(w)
			if w > 0 {
				waited++
			}
		}
	}
	var depart func()
	serve := func() { s.After(sim.FromSeconds(svc.ExpFloat64()/mu), depart) }
	depart = func() {
		if len(queue) == 0 {
			busy--
			return
		}
		q := queue[0]
		queue = queue[1:]
		record(q.k, s.Now()-q.at)
		serve()
	}
	var arrive func()
	arrive = func() {
		k := arrived
		arrived++
		if busy < c {
			busy++
			record(k, 0)
			serve()
		} else {
			queue = append(queue, waiting{k, s.Now()})
		}
		if arrived < warm+n {
			s.After(sim.FromSeconds(arr.ExpFloat64()/lambda), arrive)
		}
	}
	s.At(0, arrive)
	s.Run()
	return waitSum / float64(n), float64(waited) / float64(n)
}

// erlangC is the probability that an arrival waits in an M/M/c queue with
// offered load a = λ/μ < c (Erlang's C formula), from Erlang B by its
// recursion B(0) = 1, B(k) = a·B(k−1) / (k + a·B(k−1)), and
// C = c·B / (c − a·(1 − B)) (Kleinrock, Queueing Systems I, §3.5; Gross &
// Harris, Fundamentals of Queueing Theory, §2.3). The mean wait in the
// queue is Wq = C / (cμ − λ).
func erlangC(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(c) * b / (float64(c) - a*(1-b))
}

// The test: an M/M/c queue (λ = 10/s, μ = 1/s, so a = 10 Erlangs)
// simulated with the event engine, 10 replications of 20,000 customers
// per number of servers c; the plan must find the smallest c that Erlang
// C gives for a target on the mean wait, on the probability of waiting,
// and on both. Erlang C: Wq(13) = 0.0951 s, Wq(14) = 0.0435 s, so
// "wait_s<0.065" first holds at c = 14; C(15) = 0.102, C(16) = 0.0573, so
// "p_wait<0.08" first holds at 16. The targets sit between the
// neighbouring exact values, 25 % or more away from both, so a correct
// bisection over confidence intervals this narrow lands exactly.
func TestPlanMMcErlangC(t *testing.T) {
	const lambda, mu, reps, warm, n = 10.0, 1.0, 10, 2000, 20000
	a := lambda / mu
	wq := func(c int) float64 { return erlangC(c, a) / (float64(c)*mu - lambda) }
	smallest := func(f func(int) float64, bound float64) int {
		c := int(a) + 1
		for f(c) >= bound {
			c++
		}
		return c
	}
	evals := 0
	eval := func(_ context.Context, c int) (map[string][]float64, error) {
		evals++
		out := map[string][]float64{"wait_s": make([]float64, reps), "p_wait": make([]float64, reps)}
		for r := range reps {
			out["wait_s"][r], out["p_wait"][r] = mmc(ReplicationSeed(42, r), c, lambda, mu, warm, n)
		}
		return out, nil
	}
	pwait := func(c int) float64 { return erlangC(c, a) }
	for _, c := range []struct {
		targets []string
		want    int
	}{
		{[]string{"wait_s<0.065"}, smallest(wq, 0.065)},
		{[]string{"p_wait<0.08"}, smallest(pwait, 0.08)},
		{[]string{"wait_s<0.065", "p_wait<0.08"}, max(smallest(wq, 0.065), smallest(pwait, 0.08))},
	} {
		if w := c.want; (w != 14 && w != 16) || wq(13) < 1.25*0.065 || wq(14) > 0.065/1.25 || pwait(15) < 1.25*0.08 || pwait(16) > 0.08/1.25 {
			t.Fatalf("Erlang C: smallest c %d; Wq(13..14) = %.4f, %.4f; C(15..16) = %.4f, %.4f", w, wq(13), wq(14), pwait(15), pwait(16))
		}
		var ts []Target
		for _, s := range c.targets {
			tg, _ := ParseTarget(s)
			ts = append(ts, tg)
		}
		evals = 0
		res, err := Plan(context.Background(), int(a)+1, 40, ts, eval)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Found || res.Answer != c.want {
			t.Errorf("%v: found %v, c = %d; Erlang C says %d", c.targets, res.Found, res.Answer, c.want)
		}
		if len(res.Warnings) > 0 {
			t.Errorf("%v: warnings %v", c.targets, res.Warnings)
		}
		// The simulated means agree with Erlang C where it was probed.
		for _, p := range res.Probes {
			w, pw := p.Stats["wait_s"], p.Stats["p_wait"]
			t.Logf("%v c = %d: Wq %.4f ± %.4f (Erlang C %.4f), P(wait) %.4f ± %.4f (%.4f)", c.targets, p.Value, w.Mean, w.H, wq(p.Value), pw.Mean, pw.H, pwait(p.Value))
			if got, want := p.Stats["p_wait"].Mean, pwait(p.Value); math.Abs(got-want) > 0.02+0.1*want {
				t.Errorf("c = %d: P(wait) %.4f, Erlang C %.4f", p.Value, got, want)
			}
		}
		if evals > 7 {
			t.Errorf("%d evaluations for [11, 40]", evals)
		}
	}
}

// A metric a value's runs lack (a latency with no launch, a fraction of no
// demand) does not meet its target there; the plan goes on. Only a metric
// that no probed value has is bad input. Here "lat" exists from v = 5 on
// and is 10 − v: "lat<3" first holds at 8.
func TestPlanMetricMissingAtSomeValues(t *testing.T) {
	eval := func(_ context.Context, v int) (map[string][]float64, error) {
		out := map[string][]float64{"runs": {1, 1}}
		if v >= 5 {
			x := float64(10 - v)
			out["lat"] = []float64{x, x}
		}
		return out, nil
	}
	tg, _ := ParseTarget("lat<3")
	res, err := Plan(context.Background(), 1, 20, []Target{tg}, eval)
	if err != nil || !res.Found || res.Answer != 8 {
		t.Fatalf("%+v %v, want 8", res, err)
	}
	lo, _ := res.Probe(1)
	if lo.Met[0] || lo.Stats["lat"].N != 0 || !math.IsNaN(lo.Stats["lat"].Mean) {
		t.Errorf("at 1 (no lat): %+v", lo)
	}
	// A metric that no probed value has is a typo: bad input, with the
	// names the runs do have.
	tg, _ = ParseTarget("latt<3")
	var ie *scenarios.InputError
	if _, err := Plan(context.Background(), 1, 20, []Target{tg}, eval); !errors.As(err, &ie) || !strings.Contains(err.Error(), `did you mean "lat"?`) {
		t.Errorf("unknown metric: %v", err)
	}
}

// The whole int range: hi − lo overflows an int, the bisection must not
// (64 halvings, then the exact step).
func TestPlanWholeIntRange(t *testing.T) {
	target, _ := ParseTarget("x<1")
	for _, k := range []int{math.MinInt + 1, -12345, 0, 1 << 40, math.MaxInt} {
		eval := func(_ context.Context, v int) (map[string][]float64, error) {
			x := 0.0
			if v < k {
				x = 1
			}
			return map[string][]float64{"x": {x, x}}, nil
		}
		res, err := Plan(context.Background(), math.MinInt, math.MaxInt, []Target{target}, eval)
		if err != nil || !res.Found || res.Answer != k || len(res.Probes) > 66 {
			t.Errorf("step at %d: found %v answer %d, %d probes, %v", k, res.Found, res.Answer, len(res.Probes), err)
		}
	}
}

// planLoad's scenario hash is its overrides, so that planExec can read the
// planned value back; planExec's "wait" is 10/v plus a normal(0, 0.05)
// draw of the run's seed: "wait<1.2" first holds around v = 9.
func planLoad(sets []string, seed uint64) (*scenarios.Scenario, error) {
	return &scenarios.Scenario{Name: "q", Seed: seed, SHA256: strings.Join(sets, ";"), Source: []byte("name = \"q\"\n")}, nil
}

func planExec(_ context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
	v := 0.0
	for _, s := range strings.Split(sc.SHA256, ";") {
		if x, ok := strings.CutPrefix(s, "c="); ok {
			v, _ = strconv.ParseFloat(x, 64)
		}
	}
	d := distuv.Normal{Mu: 0, Sigma: 0.05, Src: sim.NewStream(sc.Seed, "noise")}
	return &results.Summary{Scenario: "q", Seed: sc.Seed, ScenarioSHA256: sc.SHA256, Metrics: map[string]float64{"wait": 10/v + d.Rand()}}, nil
}

// A plan stopped mid-way (Ctrl-C, kill) and run again finishes without
// redoing a finished run, and writes the same files as an uninterrupted
// plan; and the files do not depend on the number of workers.
func TestPlanResumeAndWorkers(t *testing.T) {
	q := &PlanSpec{Scenario: "q", Sets: []string{}, Key: "c", Lo: 1, Hi: 64, Replications: 4, MasterSeed: 11}
	tg, _ := ParseTarget("wait<1.2")
	q.Targets = []Target{tg}
	plan := func(dir string, ctx context.Context, exec Executor, workers int) (*PlanResult, error) {
		res, err := Plan(ctx, q.Lo, q.Hi, q.Targets, PlanEvaluator(dir, q, planLoad, exec, Options{Workers: workers}, nil))
		if err != nil {
			return nil, err
		}
		_, err = WritePlan(dir, q, res, []byte("name = \"q\"\n"), workers)
		return res, err
	}
	ref := t.TempDir()
	res, err := plan(ref, context.Background(), planExec, 1)
	if err != nil || !res.Found {
		t.Fatalf("%+v %v", res, err)
	}
	total := len(res.Probes) * q.Replications
	two := t.TempDir()
	if _, err := plan(two, context.Background(), planExec, 2); err != nil {
		t.Fatal(err)
	}
	dirtest.Same(t, ref, two)

	// Stopped after 9 runs (the third value's first), then run again.
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int32
	stopping := func(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
		if n.Add(1) == 9 {
			cancel()
		}
		return planExec(ctx, sc)
	}
	if _, err := plan(dir, ctx, stopping, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped plan: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "plan.json")); err == nil {
		t.Error("a stopped plan wrote plan.json")
	}
	var again atomic.Int32
	counting := func(ctx context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
		again.Add(1)
		return planExec(ctx, sc)
	}
	if _, err := plan(dir, context.Background(), counting, 2); err != nil {
		t.Fatal(err)
	}
	if done := int(n.Load()); int(again.Load()) != total-done {
		t.Errorf("the second plan ran %d runs; %d of %d were done", again.Load(), done, total)
	}
	dirtest.Same(t, ref, dir)
}

// The rule is sound: a target whose true mean sits exactly on its value is
// judged met in 2.5 % of plans (the interval's end is a one-sided 97.5 %
// bound), below the 5 % that 95 % confidence allows; with a second target
// that surely holds, still 2.5 % (the claim "every target holds" is wrong
// only if a target that fails is judged met: an intersection–union test,
// Berger, Technometrics 24(4), 1982, so no Bonferroni correction is due);
// and with two targets both on their values, 0.025² (independent draws).
// 20,000 trials of 5 normal replications; the binomial standard error of
// 2.5 % is √(0.025·0.975/20000) = 0.0011, the bands are 4 of them.
func TestTargetRuleErrorRate(t *testing.T) {
	r := sim.NewStream(5, "rule")
	d := distuv.Normal{Mu: 3, Sigma: 1, Src: r}
	on, _ := ParseTarget("x<3")    // the true mean is 3: the target fails
	above, _ := ParseTarget("y>3") // the mean of y is 3 as well
	sure, _ := ParseTarget("z<100")
	const trials = 20000
	var one, withSure, both int
	xs, ys, zs := make([]float64, 5), make([]float64, 5), make([]float64, 5)
	for range trials {
		for i := range xs {
			xs[i], ys[i], zs[i] = d.Rand(), d.Rand(), d.Rand()
		}
		x, y, z := Summarize(xs), Summarize(ys), Summarize(zs)
		if on.Holds(x) {
			one++
			if sure.Holds(z) {
				withSure++
			}
			if above.Holds(y) {
				both++
			}
		}
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"one target on its value", float64(one) / trials, 0.025},
		{"and one that surely holds", float64(withSure) / trials, 0.025},
		{"two targets on their values", float64(both) / trials, 0.025 * 0.025},
	} {
		if math.Abs(c.got-c.want) > 4*math.Sqrt(c.want*(1-c.want)/trials) || c.got > 0.05 {
			t.Errorf("%s: judged met in %.4f of the trials, want %.4f", c.name, c.got, c.want)
		}
	}
}
