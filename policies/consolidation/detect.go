package consolidation

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// OverloadDetector decides from a host's CPU utilization history (oldest
// first, the current value last, each in [0, 1]) whether the host is
// overloaded.
type OverloadDetector interface {
	Name() string
	Overloaded(history []float64) bool
}

// THR is a static threshold: overloaded when the current utilization
// exceeds Threshold (0.8 in Beloglazov & Buyya 2012).
type THR struct{ Threshold float64 }

// Name implements OverloadDetector.
func (d THR) Name() string { return fmt.Sprintf("thr-%g", d.Threshold) }

// Overloaded implements OverloadDetector.
func (d THR) Overloaded(h []float64) bool { return len(h) > 0 && h[len(h)-1] > d.Threshold }

// MinHistory is how many values the adaptive detectors need before they
// trust their statistics; with fewer they fall back to a static threshold.
// The paper's detectors use about 10-12 values; we use 12 for IQR and MAD
// and the regression window (10) for LR and LRR.
const MinHistory = 12

// IQR sets an adaptive upper threshold 1 − S·IQR(history), S = 1.5: the
// more a host's load varies, the earlier it counts as overloaded. The
// quartiles are gonum's empirical (inverse-CDF) quantiles of the history.
type IQR struct {
	S        float64
	Fallback THR
}

// Name implements OverloadDetector.
func (d IQR) Name() string { return fmt.Sprintf("iqr-%g", d.S) }

// Threshold is the adaptive threshold for h, and whether h was long enough.
func (d IQR) Threshold(h []float64) (float64, bool) { return d.threshold(h, &Scratch{}) }

func (d IQR) threshold(h []float64, sc *Scratch) (float64, bool) {
	if len(h) < MinHistory {
		return d.Fallback.Threshold, false
	}
	s := append(sc.a[:0], h...)
	sc.a = s
	return d.thresholdOf(quartiles(s)), true
}

// thresholdOf is the threshold for the quartiles q25 and q75.
//
// The product is rounded on its own (no fused multiply-add), so that
// OverloadedShifted's count, which evaluates the same expression, agrees
// with it bit for bit.
func (d IQR) thresholdOf(q25, q75 float64) float64 { return 1 - float64(d.S*(q75-q25)) }

// quartiles are the empirical quartiles of s, which it reorders. Selecting
// the lower one leaves everything above it in s[k25+1:], where the upper
// one is then found.
func quartiles(s []float64) (q25, q75 float64) {
	k25, k75 := rank(0.25, len(s)), rank(0.75, len(s))
	q25 = selectRank(s, k25)
	q75 = q25
	if k75 > k25 {
		q75 = selectRank(s[k25+1:], k75-k25-1)
	}
	return q25, q75
}

// Overloaded implements OverloadDetector.
func (d IQR) Overloaded(h []float64) bool { return d.overloaded(h, &Scratch{}) }

func (d IQR) overloaded(h []float64, sc *Scratch) bool {
	t, _ := d.threshold(h, sc)
	return len(h) > 0 && h[len(h)-1] > t
}

// MAD sets an adaptive upper threshold 1 − S·MAD(history), S = 2.5, with
// MAD the median of the absolute deviations from the median (empirical
// medians, as for IQR).
type MAD struct {
	S        float64
	Fallback THR
}

// Name implements OverloadDetector.
func (d MAD) Name() string { return fmt.Sprintf("mad-%g", d.S) }

// Threshold is the adaptive threshold for h, and whether h was long enough.
func (d MAD) Threshold(h []float64) (float64, bool) { return d.threshold(h, &Scratch{}) }

func (d MAD) threshold(h []float64, sc *Scratch) (float64, bool) {
	if len(h) < MinHistory {
		return d.Fallback.Threshold, false
	}
	s := append(sc.a[:0], h...)
	sc.a = s
	med := quantile(0.5, s)
	dev := sc.b[:0]
	for _, x := range h {
		dev = append(dev, math.Abs(x-med))
	}
	sc.b = dev
	return 1 - d.S*quantile(0.5, dev), true
}

// Overloaded implements OverloadDetector.
func (d MAD) Overloaded(h []float64) bool { return d.overloaded(h, &Scratch{}) }

func (d MAD) overloaded(h []float64, sc *Scratch) bool {
	if len(h) < MinHistory || d.S < 0 {
		t, _ := d.threshold(h, sc)
		return len(h) > 0 && h[len(h)-1] > t
	}
	// Overloaded means last > 1 − S·MAD, with MAD the deviation of rank k.
	// For S ≥ 0 the test holds for every deviation from some value up (in
	// floating point too: products and differences round monotonically),
	// so it holds for the deviation of rank k exactly when at most k
	// deviations fail it: a count replaces the second selection.
	s := append(sc.a[:0], h...)
	sc.a = s
	return d.overloadedAt(h, quantile(0.5, s))
}

// overloadedAt is MAD's answer for h (at least MinHistory values, S ≥ 0)
// given its median.
func (d MAD) overloadedAt(h []float64, med float64) bool {
	last := h[len(h)-1]
	fail := 0
	for _, x := range h {
		if !(last > 1-d.S*math.Abs(x-med)) {
			fail++
		}
	}
	return fail <= rank(0.5, len(h))
}

// Window is the number of recent values the regression detectors fit.
const Window = 10

// LR predicts the next utilization with a local linear regression (Loess)
// over the last Window values, tricube-weighted by distance from the
// newest, and reports overload when S·prediction ≥ 1 (S = 1.2).
type LR struct {
	S        float64
	Fallback THR
	// Robust re-weights the fit with bisquare weights of the residuals
	// (LRR), so that single spikes do not tilt the line.
	Robust bool
}

// Name implements OverloadDetector.
func (d LR) Name() string {
	if d.Robust {
		return fmt.Sprintf("lrr-%g", d.S)
	}
	return fmt.Sprintf("lr-%g", d.S)
}

// Predict is the regression's prediction of the next value, and whether h
// was long enough.
func (d LR) Predict(h []float64) (float64, bool) { return d.predict(h, &Scratch{}) }

// lrX and lrW are the regression's abscissae 0…Window−1 and the tricube
// weights of their distance from the newest value, scaled by the window:
// (1 − (dist/Window)³)³.
var lrX, lrW = func() (x, w []float64) {
	x, w = make([]float64, Window), make([]float64, Window)
	for i := range x {
		x[i] = float64(i)
		dist := float64(Window-1-i) / Window
		w[i] = math.Pow(1-dist*dist*dist, 3)
	}
	return x, w
}()

func (d LR) predict(h []float64, sc *Scratch) (float64, bool) {
	if len(h) < Window {
		return 0, false
	}
	y := h[len(h)-Window:]
	x, w := lrX, lrW
	alpha, beta := stat.LinearRegression(x, y, w, false)
	if d.Robust {
		// Two rounds of bisquare re-weighting (Cleveland 1979): residuals
		// beyond six median absolute residuals get weight 0.
		if cap(sc.c) < 2*Window {
			sc.c = make([]float64, 2*Window)
		}
		rw, res := sc.c[:Window], sc.c[Window:2*Window]
		for range 2 {
			for i := range x {
				res[i] = math.Abs(y[i] - (alpha + beta*x[i]))
			}
			r := sc.sorted(res)
			m := 6 * stat.Quantile(0.5, stat.Empirical, r, nil)
			if m == 0 {
				break // an exact fit: nothing to down-weight
			}
			for i := range rw {
				u := res[i] / m
				rw[i] = 0
				if u < 1 {
					rw[i] = w[i] * (1 - u*u) * (1 - u*u)
				}
			}
			alpha, beta = stat.LinearRegression(x, y, rw, false)
		}
	}
	return alpha + beta*float64(Window), true
}

// Overloaded implements OverloadDetector.
func (d LR) Overloaded(h []float64) bool { return d.overloaded(h, &Scratch{}) }

func (d LR) overloaded(h []float64, sc *Scratch) bool {
	p, ok := d.predict(h, sc)
	if !ok {
		return d.Fallback.Overloaded(h)
	}
	return d.S*p >= 1
}

// quantile is the empirical quantile p of x, as gonum's stat.Quantile with
// stat.Empirical gives it for sorted x — the element of rank ⌈p·n⌉ (at
// least 1) — found by selection in linear time instead of by sorting,
// because the detectors ask for it hundreds of thousands of times per
// run. It reorders x. TestQuantileMatchesGonum checks it against gonum.
func quantile(p float64, x []float64) float64 { return selectRank(x, rank(p, len(x))) }

// rank is the 0-based rank of the empirical quantile p among n values.
func rank(p float64, n int) int { return max(int(math.Ceil(p*float64(n)))-1, 0) }

// selectRank returns the element of 0-based rank k in x (Hoare's
// selection), leaving x partitioned around it: x[:k] ≤ x[k] ≤ x[k+1:].
func selectRank(x []float64, k int) float64 {
	lo, hi := 0, len(x)-1
	for lo < hi {
		if hi-lo < 12 {
			// Few values left: insertion sort is quicker than partitions.
			for i := lo + 1; i <= hi; i++ {
				v, j := x[i], i
				for ; j > lo && x[j-1] > v; j-- {
					x[j] = x[j-1]
				}
				x[j] = v
			}
			return x[k]
		}
		// Median of three as the pivot, moved to x[hi].
		mid := lo + (hi-lo)/2
		a, b, c := x[lo], x[mid], x[hi]
		if (a <= b) == (b <= c) {
			x[mid], x[hi] = x[hi], x[mid]
		} else if (b <= a) == (a <= c) {
			x[lo], x[hi] = x[hi], x[lo]
		}
		pivot := x[hi]
		// Lomuto partition written so that the compiler need not branch
		// on the data: x[lo:store] < pivot ≤ x[store:i].
		store := lo
		for i := lo; i < hi; i++ {
			v := x[i]
			x[i] = x[store]
			x[store] = v
			if v < pivot {
				store++
			}
		}
		x[store], x[hi] = x[hi], x[store]
		switch {
		case k < store:
			hi = store - 1
		case k > store:
			lo = store + 1
		default:
			return x[k]
		}
	}
	return x[k]
}

// Scratch is working memory the detectors reuse between calls, so that a
// simulation asking thousands of times per decision does not allocate. A
// Scratch must not be shared between goroutines.
type Scratch struct{ a, b, c []float64 }

// sorted is a sorted copy of h in the scratch space.
func (sc *Scratch) sorted(h []float64) []float64 {
	s := append(sc.a[:0], h...)
	sc.a = s
	slices.Sort(s)
	return s
}

// Overloaded asks d about h using sc's memory; it answers as
// d.Overloaded(h) does.
func (sc *Scratch) Overloaded(d OverloadDetector, h []float64) bool {
	switch d := d.(type) {
	case IQR:
		return d.overloaded(h, sc)
	case MAD:
		return d.overloaded(h, sc)
	case LR:
		return d.overloaded(h, sc)
	}
	return d.Overloaded(h)
}
