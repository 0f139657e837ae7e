package consolidation

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
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
type MC struct{ scratch *mcScratch }

// NewMC is an MC that reuses its working memory between calls (not safe
// for concurrent use); the zero MC allocates on every call.
func NewMC() MC { return MC{scratch: &mcScratch{}} }

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
func (m MC) Select(cs []Candidate) int {
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
	sc := m.scratch
	if sc == nil {
		sc = &mcScratch{}
	}
	all := sc.allR2(cs, n)
	best, bestR2 := -1, math.Inf(-1)
	for j := range cs {
		var r2 float64
		if all != nil {
			r2 = all[j]
		} else {
			r2 = multipleR2(cs, j, n)
		}
		if r2 > bestR2+1e-12 || (best >= 0 && math.Abs(r2-bestR2) <= 1e-12 && cs[j].ID < cs[best].ID) {
			best, bestR2 = j, r2
		}
	}
	return best
}

// allR2 computes every VM's R² at once from the inverse of the
// correlation matrix of the last n values: R²_j = 1 − 1/(C⁻¹)_jj, which
// is the R² of regressing VM j on all the others with an intercept
// (e.g. Rencher & Christensen, Methods of Multivariate Analysis, 3rd ed.,
// §10.6). One Cholesky factorization replaces k least-squares solves.
// A constant series gets 1, as in multipleR2. It returns nil when the
// matrix is singular or badly conditioned; then each R² is solved for.
func allR2(cs []Candidate, n int) []float64 { return (&mcScratch{}).allR2(cs, n) }

// mcScratch is MC's reusable working memory.
type mcScratch struct {
	out  []float64
	cols []int
	buf  []float64
	xtx  mat.SymDense
	ch   mat.Cholesky
	inv  mat.SymDense
}

func (sc *mcScratch) allR2(cs []Candidate, n int) []float64 {
	k := len(cs)
	out := slices.Grow(sc.out[:0], k)[:k]
	clear(out)
	sc.out = out
	cols := sc.cols[:0]
	for j := range cs {
		u := cs[j].Util[len(cs[j].Util)-n:]
		if slices.Min(u) == slices.Max(u) {
			out[j] = 1
			continue
		}
		cols = append(cols, j)
	}
	sc.cols = cols
	if len(cols) < 2 {
		return out // a lone varying series: the constants explain none of it
	}
	// Centred, unit-length columns: their cross-product matrix is the
	// correlation matrix.
	m := len(cols)
	sc.buf = slices.Grow(sc.buf[:0], n*m)[:n*m]
	for c, j := range cols {
		u := cs[j].Util[len(cs[j].Util)-n:]
		mean := stat.Mean(u, nil)
		ss := 0.0
		for _, v := range u {
			ss += (v - mean) * (v - mean)
		}
		norm := math.Sqrt(ss)
		for t := range n {
			sc.buf[t*m+c] = (u[t] - mean) / norm
		}
	}
	x := mat.NewDense(n, m, sc.buf)
	sc.xtx.Reset()
	sc.xtx.SymOuterK(1, x.T())
	if !sc.ch.Factorize(&sc.xtx) || sc.ch.Cond() > 1e10 {
		return nil
	}
	sc.inv.Reset()
	if err := sc.ch.InverseTo(&sc.inv); err != nil {
		return nil
	}
	for c, j := range cols {
		out[j] = 1 - 1/sc.inv.At(c, c)
	}
	return out
}

// multipleR2 regresses the last n values of VM j's utilization on the other
// VMs' (with an intercept) and returns R² = 1 − SS_res/SS_tot (1 for a
// constant series, which the intercept explains; constant regressors are
// left out; 0 if the fit fails).
func multipleR2(cs []Candidate, j, n int) float64 {
	tail := func(i int) []float64 { return cs[i].Util[len(cs[i].Util)-n:] }
	if yv := tail(j); slices.Min(yv) == slices.Max(yv) {
		return 1 // a constant series: the intercept explains it
	}
	// Constant regressors duplicate the intercept: leave them out.
	var regs []int
	for i := range cs {
		if u := tail(i); i != j && slices.Min(u) != slices.Max(u) {
			regs = append(regs, i)
		}
	}
	y := mat.NewVecDense(n, slices.Clone(tail(j)))
	x := mat.NewDense(n, len(regs)+1, nil)
	mean := 0.0
	for t := range n {
		mean += y.AtVec(t)
		x.Set(t, 0, 1)
		for c, i := range regs {
			x.Set(t, c+1, tail(i)[t])
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
	return 1 - ssRes/ssTot
}
