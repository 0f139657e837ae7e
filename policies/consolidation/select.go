package consolidation

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Candidate is a VM on an overloaded host, as a selector sees it.
type Candidate struct {
	// ID identifies the VM (ties are broken by the lower ID).
	ID int
	// RAMMiB decides the migration time (RAM over the link).
	RAMMiB float64
	// DemandMIPS is its CPU demand now; Util its utilization history
	// (oldest first), aligned across the host's VMs.
	DemandMIPS float64
	Util       []float64
}

// VMSelector picks which VM to migrate off an overloaded host; it returns
// an index into cs (−1 when cs is empty).
type VMSelector interface {
	Name() string
	Select(cs []Candidate) int
}

// MMT picks the VM with the minimum migration time: on one host every VM
// migrates over the same link, so the least RAM.
type MMT struct{}

// MU picks the VM with the minimum CPU demand.
type MU struct{}

// RS picks a VM uniformly at random from Rand (a named, seeded stream).
type RS struct{ Rand *rand.Rand }

// MC picks the VM whose utilization is most correlated with the other VMs'
// (the largest multiple correlation R² of its history regressed on theirs,
// by least squares with an intercept): the VM most likely to peak when the
// host does. When the histories are too short for the regression (fewer
// values than VMs + 1) it falls back to MMT.
type MC struct{}

func (MMT) Name() string { return "mmt" }
func (MU) Name() string  { return "mu" }
func (RS) Name() string  { return "rs" }
func (MC) Name() string  { return "mc" }

func argmin(cs []Candidate, key func(*Candidate) float64) int {
	best := -1
	for i := range cs {
		if best < 0 || key(&cs[i]) < key(&cs[best]) || (key(&cs[i]) == key(&cs[best]) && cs[i].ID < cs[best].ID) {
			best = i
		}
	}
	return best
}

// Select implements VMSelector.
func (MMT) Select(cs []Candidate) int {
	return argmin(cs, func(c *Candidate) float64 { return c.RAMMiB })
}

// Select implements VMSelector.
func (MU) Select(cs []Candidate) int {
	return argmin(cs, func(c *Candidate) float64 { return c.DemandMIPS })
}

// Select implements VMSelector.
func (s RS) Select(cs []Candidate) int {
	if len(cs) == 0 {
		return -1
	}
	return s.Rand.IntN(len(cs))
}

// Select implements VMSelector.
func (MC) Select(cs []Candidate) int {
	k := len(cs)
	if k < 2 {
		return MMT{}.Select(cs)
	}
	n := len(cs[0].Util)
	for i := range cs {
		n = min(n, len(cs[i].Util))
	}
	if n < k+1 {
		return MMT{}.Select(cs)
	}
	best, bestR2 := -1, math.Inf(-1)
	for j := range cs {
		r2 := multipleR2(cs, j, n)
		if r2 > bestR2+1e-12 || (best >= 0 && math.Abs(r2-bestR2) <= 1e-12 && cs[j].ID < cs[best].ID) {
			best, bestR2 = j, r2
		}
	}
	return best
}

// multipleR2 regresses the last n values of VM j's utilization on the other
// VMs' (with an intercept) and returns R² = 1 − SS_res/SS_tot (1 for a
// constant series, which the others explain trivially; 0 if the fit fails).
func multipleR2(cs []Candidate, j, n int) float64 {
	y := mat.NewVecDense(n, nil)
	x := mat.NewDense(n, len(cs), nil)
	mean := 0.0
	for t := range n {
		v := cs[j].Util[len(cs[j].Util)-n+t]
		y.SetVec(t, v)
		mean += v
		x.Set(t, 0, 1)
		c := 1
		for i := range cs {
			if i == j {
				continue
			}
			x.Set(t, c, cs[i].Util[len(cs[i].Util)-n+t])
			c++
		}
	}
	mean /= float64(n)
	var beta mat.VecDense
	if err := beta.SolveVec(x, y); err != nil {
		return 0
	}
	var fit mat.VecDense
	fit.MulVec(x, &beta)
	ssRes, ssTot := 0.0, 0.0
	for t := range n {
		r := y.AtVec(t) - fit.AtVec(t)
		d := y.AtVec(t) - mean
		ssRes += r * r
		ssTot += d * d
	}
	if ssTot == 0 {
		return 1
	}
	return 1 - ssRes/ssTot
}
