package sweep_test

import (
	"context"
	"fmt"

	"github.com/simrun/simrun/sweep"
)

// A grid of two keys and its runs: the first key varies slowest, and
// replication r has the same seed at every point.
func ExampleGrid_Runs() {
	g := &sweep.Grid{
		Axes:         []sweep.Axis{{Key: "hosts", Values: []string{"8", "12"}}, {Key: "placement.policy", Values: []string{`"first-fit"`, `"best-fit"`}}},
		Replications: 2,
		MasterSeed:   1,
	}
	for _, r := range g.Runs()[:5] {
		fmt.Println(r.Index, r.Name(), g.RunSets(r), r.Seed == sweep.ReplicationSeed(1, r.Replication))
	}
	// Output:
	// 0 p0000-r0000.json [hosts=8 placement.policy="first-fit"] true
	// 1 p0000-r0001.json [hosts=8 placement.policy="first-fit"] true
	// 2 p0001-r0000.json [hosts=8 placement.policy="best-fit"] true
	// 3 p0001-r0001.json [hosts=8 placement.policy="best-fit"] true
	// 4 p0002-r0000.json [hosts=12 placement.policy="first-fit"] true
}

// The mean and Student-t 95 % confidence interval of five replications.
func ExampleSummarize() {
	s := sweep.Summarize([]float64{10.2, 9.8, 10.5, 9.9, 10.1})
	fmt.Printf("n=%d mean=%.2f sd=%.3f 95%% CI [%.3f, %.3f]\n", s.N, s.Mean, s.SD, s.Low, s.High)
	// Output:
	// n=5 mean=10.10 sd=0.274 95% CI [9.760, 10.440]
}

// ExamplePlan finds the smallest value with no rejections when a value v
// rejects max(0, 50 − 8v) requests (8 per unit: ⌈50/8⌉ = 7 units).
func ExamplePlan() {
	eval := func(_ context.Context, v int) (map[string][]float64, error) {
		x := float64(max(0, 50-8*v))
		return map[string][]float64{"rejected": {x, x, x}}, nil
	}
	target, _ := sweep.ParseTarget("rejected<1")
	res, _ := sweep.Plan(context.Background(), 1, 64, []sweep.Target{target}, eval)
	for _, p := range res.Probes {
		fmt.Println(p.Value, p.Stats["rejected"].Mean, p.AllMet)
	}
	fmt.Println("answer:", res.Answer)
	// Output:
	// 1 42 false
	// 4 18 false
	// 6 2 false
	// 7 0 true
	// 8 0 true
	// 16 0 true
	// 32 0 true
	// 64 0 true
	// answer: 7
}
