package consolidation

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestSelectors(t *testing.T) {
	cs := []Candidate{
		{ID: 7, RAMMiB: 1740, DemandMIPS: 900},
		{ID: 3, RAMMiB: 613, DemandMIPS: 250},
		{ID: 5, RAMMiB: 613, DemandMIPS: 100},
		{ID: 9, RAMMiB: 870, DemandMIPS: 100},
	}
	// MMT: least RAM, ties to the lower ID (3 before 5); MU: least demand,
	// ties to the lower ID (5 before 9).
	if got := (MMT{}).Select(cs); got != 1 {
		t.Errorf("MMT chose %d, want 1 (VM 3)", got)
	}
	if got := (MU{}).Select(cs); got != 2 {
		t.Errorf("MU chose %d, want 2 (VM 5)", got)
	}
	// RS draws from its stream: same seed, same choice; all indices occur.
	seen := map[int]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		seen[RS{Rand: r}.Select(cs)] = true
	}
	if len(seen) != 4 {
		t.Errorf("RS chose only %v", seen)
	}
	a, b := RS{rand.New(rand.NewPCG(9, 9))}.Select(cs), RS{rand.New(rand.NewPCG(9, 9))}.Select(cs)
	if a != b {
		t.Error("RS is not reproducible")
	}
	for _, s := range []VMSelector{MMT{}, MU{}, RS{r}, MC{}} {
		if s.Select(nil) != -1 {
			t.Errorf("%s on no VMs", s.Name())
		}
	}
}

// VM 0's utilization is exactly twice VM 1's, so each explains the other
// (R² = 1); VM 2 is unrelated. MC picks one of the pair, VM 0 by ID.
func TestMC(t *testing.T) {
	u1 := []float64{0.1, 0.3, 0.2, 0.4, 0.25, 0.15, 0.35, 0.3}
	u0 := make([]float64, len(u1))
	for i, v := range u1 {
		u0[i] = 2 * v
	}
	u2 := []float64{0.5, 0.1, 0.4, 0.3, 0.1, 0.6, 0.2, 0.45}
	cs := []Candidate{{ID: 0, RAMMiB: 900, Util: u0}, {ID: 1, RAMMiB: 800, Util: u1}, {ID: 2, RAMMiB: 100, Util: u2}}
	if got := (MC{}).Select(cs); got != 0 {
		t.Errorf("MC chose %d, want 0", got)
	}
	if r2 := multipleR2(cs, 2, len(u1)); r2 >= 0.99 {
		t.Errorf("the unrelated VM has R² %v", r2)
	}
	// Too short a history: MMT's choice (least RAM, VM 2).
	short := []Candidate{{ID: 0, RAMMiB: 900, Util: u0[:2]}, {ID: 1, RAMMiB: 800, Util: u1[:2]}, {ID: 2, RAMMiB: 100, Util: u2[:2]}}
	if got := (MC{}).Select(short); got != 2 {
		t.Errorf("MC with 2 values chose %d, want MMT's 2", got)
	}
}

// The one-factorization R² agrees with k separate least-squares fits on
// histories that are not collinear.
func TestAllR2MatchesRegressions(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for k := 2; k <= 12; k++ {
		cs := make([]Candidate, k)
		for j := range cs {
			cs[j].ID = j
			for range 30 {
				cs[j].Util = append(cs[j].Util, r.Float64())
			}
		}
		cs[0].Util = slices.Repeat([]float64{0.4}, 30) // a constant one: R² 1
		all := allR2(cs, 30)
		if all == nil {
			t.Fatalf("k=%d: singular", k)
		}
		for j := range cs {
			if want := multipleR2(cs, j, 30); math.Abs(all[j]-want) > 1e-9 {
				t.Errorf("k=%d VM %d: R² %v, regression %v", k, j, all[j], want)
			}
		}
	}
}
