package vm

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/sim"
)

// Sampler draws durations from a distribution: constant, exponential,
// lognormal or gamma (given by mean and coefficient of variation), or
// uniform (between min and max). Draws come from gonum's distributions
// with an explicit random source and allocate nothing.
//
// Parameters from mean m and cv c: lognormal σ² = ln(1 + c²),
// μ = ln m − σ²/2 (so that E = m and SD = c·m); gamma shape k = 1/c² and
// rate k/m (Law, Simulation Modeling and Analysis, 5th ed., §6.2.2).
type Sampler struct {
	mean float64 // seconds, for constant
	d    distuv.Rander
}

// NewSampler builds a sampler; r is its random stream (unused by constant).
func NewSampler(kind string, mean sim.Time, cv float64, lo, hi sim.Time, r *rand.Rand) (Sampler, error) {
	m := sim.Seconds(mean)
	switch kind {
	case "constant", "":
		return Sampler{mean: m}, nil
	case "exponential":
		if m == 0 {
			return Sampler{}, nil
		}
		return Sampler{d: distuv.Exponential{Rate: 1 / m, Src: r}}, nil
	case "lognormal":
		if m == 0 {
			return Sampler{}, nil
		}
		s2 := math.Log1p(cv * cv)
		return Sampler{d: distuv.LogNormal{Mu: math.Log(m) - s2/2, Sigma: math.Sqrt(s2), Src: r}}, nil
	case "gamma":
		if m == 0 {
			return Sampler{}, nil
		}
		k := 1 / (cv * cv)
		return Sampler{d: distuv.Gamma{Alpha: k, Beta: k / m, Src: r}}, nil
	case "uniform":
		if hi < lo {
			return Sampler{}, fmt.Errorf("uniform: max %v is below min %v", hi, lo)
		}
		if hi == lo {
			return Sampler{mean: sim.Seconds(lo)}, nil
		}
		return Sampler{d: distuv.Uniform{Min: sim.Seconds(lo), Max: sim.Seconds(hi), Src: r}}, nil
	}
	return Sampler{}, fmt.Errorf("unknown distribution %q", kind)
}

// Draw is the next duration.
func (s *Sampler) Draw() sim.Time {
	if s.d == nil {
		return sim.FromSeconds(s.mean)
	}
	return sim.FromSeconds(s.d.Rand())
}

// Mean is the distribution's mean in seconds.
func (s *Sampler) Mean() float64 {
	switch d := s.d.(type) {
	case nil:
		return s.mean
	case distuv.Exponential:
		return d.Mean()
	case distuv.LogNormal:
		return d.Mean()
	case distuv.Gamma:
		return d.Mean()
	case distuv.Uniform:
		return d.Mean()
	}
	return math.NaN()
}

// Arrivals describes when a group's VMs are requested.
type Arrivals struct {
	// Process is "fixed" (VM i at Start + i×Mean), "burst" (Size at once
	// every Mean), "poisson" (exponential gaps of mean Mean, the first one
	// after Start), "diurnal" (a non-homogeneous Poisson process of rate
	// λ(t) = (1/Mean)(1 + Amplitude·cos(2π(t − PeakAt)/Period)), drawn by
	// thinning: Lewis & Shedler, Naval Res. Logist. Q. 26(3), 1979) or
	// "trace" (Start + Trace[i] seconds).
	Process        string
	Start, Mean    sim.Time
	Size           int
	Amplitude      float64
	PeakAt, Period sim.Time
	Trace          []float64
}

// Times returns the request times of n VMs, in order; random processes
// draw from r.
func (a *Arrivals) Times(n int, r *rand.Rand) ([]sim.Time, error) {
	out := make([]sim.Time, n)
	mean := sim.Seconds(a.Mean)
	switch a.Process {
	case "fixed", "":
		for i := range out {
			out[i] = a.Start + sim.Time(i)*a.Mean
		}
	case "burst":
		size := max(a.Size, 1)
		for i := range out {
			out[i] = a.Start + sim.Time(i/size)*a.Mean
		}
	case "poisson":
		t := sim.Seconds(a.Start)
		for i := range out {
			t += r.ExpFloat64() * mean
			out[i] = sim.FromSeconds(t)
		}
	case "diurnal":
		if a.Amplitude < 0 || a.Amplitude > 1 || a.Period <= 0 || mean <= 0 {
			return nil, fmt.Errorf("diurnal arrivals need 0 ≤ amplitude ≤ 1, a period and a mean gap > 0")
		}
		lmax := (1 + a.Amplitude) / mean
		t := sim.Seconds(a.Start)
		per, peak := sim.Seconds(a.Period), sim.Seconds(a.PeakAt)
		for i := 0; i < n; {
			t += r.ExpFloat64() / lmax
			l := (1 + a.Amplitude*math.Cos(2*math.Pi*(t-peak)/per)) / mean
			if r.Float64()*lmax <= l {
				out[i] = sim.FromSeconds(t)
				i++
			}
		}
	case "trace":
		if len(a.Trace) < n {
			return nil, fmt.Errorf("the arrival trace has %d request times for %d VMs", len(a.Trace), n)
		}
		for i := range out {
			out[i] = a.Start + sim.FromSeconds(a.Trace[i])
		}
	default:
		return nil, fmt.Errorf("unknown arrival process %q", a.Process)
	}
	return out, nil
}

// maxArrivals bounds an arrival trace (16 M request times, 128 MiB).
const maxArrivals = 16 << 20

// ParseArrivals reads request times in seconds, one per line (a first line
// that is not a number is a header; blank lines and # comments are
// skipped; a CSV line's first field is the time). The times are returned
// sorted.
func ParseArrivals(r io.Reader, name string) ([]float64, error) {
	sc := bufio.NewScanner(r)
	var out []float64
	line, first := 0, true
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		if f, _, ok := strings.Cut(s, ","); ok {
			s = strings.TrimSpace(f)
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil && first {
			first = false
			continue // a header
		}
		first = false
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > 1e12 {
			return nil, fmt.Errorf("%s:%d: want a request time in seconds ≥ 0, got %q", name, line, truncate(s, 40))
		}
		if len(out) == maxArrivals {
			return nil, fmt.Errorf("%s:%d: more than %d request times", name, line, maxArrivals)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no request times", name)
	}
	slices.Sort(out)
	return out, nil
}
