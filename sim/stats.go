package sim

import (
	"fmt"
	"math"
)

// Counter counts occurrences and sums amounts.
type Counter struct {
	n   int64
	sum float64
}

// Add records one occurrence of amount x.
func (c *Counter) Add(x float64) { c.n++; c.sum += x }

// Value is the sum of the amounts.
func (c *Counter) Value() float64 { return c.sum }

// Count is the number of Add calls.
func (c *Counter) Count() int64 { return c.n }

// Tally accumulates observations and gives their mean and variance with
// Welford's online algorithm (Welford, Technometrics 4(3), 1962), which stays
// accurate where the naive sum of squares cancels.
type Tally struct {
	n        int64
	mean, m2 float64
	min, max float64
	sum      float64
}

// Add records an observation.
func (t *Tally) Add(x float64) {
	t.n++
	if t.n == 1 {
		t.min, t.max = x, x
	} else {
		t.min, t.max = min(t.min, x), max(t.max, x)
	}
	t.sum += x
	d := x - t.mean
	t.mean += d / float64(t.n)
	t.m2 += d * (x - t.mean)
}

// N is the number of observations.
func (t *Tally) N() int64 { return t.n }

// Mean of the observations (0 when none).
func (t *Tally) Mean() float64 { return t.mean }

// Sum of the observations.
func (t *Tally) Sum() float64 { return t.sum }

// Variance is the sample variance, Σ(x−x̄)²/(n−1); 0 for fewer than two
// observations.
func (t *Tally) Variance() float64 {
	if t.n < 2 {
		return 0
	}
	return t.m2 / float64(t.n-1)
}

// StdDev is the sample standard deviation.
func (t *Tally) StdDev() float64 { return math.Sqrt(t.Variance()) }

// Min is the smallest observation (0 when none).
func (t *Tally) Min() float64 { return t.min }

// Max is the largest observation (0 when none).
func (t *Tally) Max() float64 { return t.max }

// TimeAvg integrates a piecewise-constant signal over simulated time: the
// value set at t holds until the next Set. The integral is exact (a sum of
// value × duration), so energy from power or host-seconds from a host count
// carry no sampling error.
type TimeAvg struct {
	started  bool
	t0, last Time
	v, integ float64
	max      float64
}

// Set records that the signal becomes v at t. Times must not decrease.
func (a *TimeAvg) Set(t Time, v float64) {
	if !a.started {
		a.started, a.t0, a.last, a.v, a.max = true, t, t, v, v
		return
	}
	if t < a.last {
		panic(fmt.Sprintf("sim: TimeAvg.Set: time %v is before the previous %v", t, a.last))
	}
	a.integ += a.v * Seconds(t-a.last)
	a.last, a.v = t, v
	if v > a.max {
		a.max = v
	}
}

// Integral is ∫ v dt in value·seconds from the first Set up to t (t not
// before the last Set).
func (a *TimeAvg) Integral(t Time) float64 {
	if !a.started {
		return 0
	}
	return a.integ + a.v*Seconds(t-a.last)
}

// Mean is the time-weighted mean from the first Set up to t; 0 when no time
// has elapsed.
func (a *TimeAvg) Mean(t Time) float64 {
	if !a.started || t <= a.t0 {
		return 0
	}
	return a.Integral(t) / Seconds(t-a.t0)
}

// Max is the largest value set.
func (a *TimeAvg) Max() float64 { return a.max }

// Current is the value now in force.
func (a *TimeAvg) Current() float64 { return a.v }
