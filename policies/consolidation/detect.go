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
func (d IQR) Threshold(h []float64) (float64, bool) {
	if len(h) < MinHistory {
		return d.Fallback.Threshold, false
	}
	s := sorted(h)
	iqr := stat.Quantile(0.75, stat.Empirical, s, nil) - stat.Quantile(0.25, stat.Empirical, s, nil)
	return 1 - d.S*iqr, true
}

// Overloaded implements OverloadDetector.
func (d IQR) Overloaded(h []float64) bool {
	t, _ := d.Threshold(h)
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
func (d MAD) Threshold(h []float64) (float64, bool) {
	if len(h) < MinHistory {
		return d.Fallback.Threshold, false
	}
	med := stat.Quantile(0.5, stat.Empirical, sorted(h), nil)
	dev := make([]float64, len(h))
	for i, x := range h {
		dev[i] = math.Abs(x - med)
	}
	slices.Sort(dev)
	return 1 - d.S*stat.Quantile(0.5, stat.Empirical, dev, nil), true
}

// Overloaded implements OverloadDetector.
func (d MAD) Overloaded(h []float64) bool {
	t, _ := d.Threshold(h)
	return len(h) > 0 && h[len(h)-1] > t
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
func (d LR) Predict(h []float64) (float64, bool) {
	if len(h) < Window {
		return 0, false
	}
	y := h[len(h)-Window:]
	x := make([]float64, Window)
	w := make([]float64, Window)
	for i := range x {
		x[i] = float64(i)
		// Tricube weight of the distance from the newest value, scaled by
		// the window: (1 − (dist/Window)³)³.
		dist := float64(Window-1-i) / Window
		w[i] = math.Pow(1-dist*dist*dist, 3)
	}
	alpha, beta := stat.LinearRegression(x, y, w, false)
	if d.Robust {
		// Two rounds of bisquare re-weighting (Cleveland 1979): residuals
		// beyond six median absolute residuals get weight 0.
		rw := make([]float64, Window)
		for range 2 {
			res := make([]float64, Window)
			for i := range x {
				res[i] = math.Abs(y[i] - (alpha + beta*x[i]))
			}
			r := sorted(res)
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
func (d LR) Overloaded(h []float64) bool {
	p, ok := d.Predict(h)
	if !ok {
		return d.Fallback.Overloaded(h)
	}
	return d.S*p >= 1
}

func sorted(h []float64) []float64 {
	s := slices.Clone(h)
	slices.Sort(s)
	return s
}
