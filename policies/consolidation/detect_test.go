package consolidation

import (
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"math"
	"testing"
)

// A fixed history of 12 values; sorted: 0.10 0.15 0.20 0.25 0.30 0.35 0.40
// 0.45 0.50 0.55 0.58 0.60. Empirical quartiles: the 3rd value (0.20) and
// the 9th (0.50), so IQR = 0.30 and the IQR threshold is 1 − 1.5·0.30 =
// 0.55. Median: the 6th value, 0.35; the absolute deviations sorted are
// 0 .05 .05 .10 .10 .15 .15 .20 .20 .23 .25 .25, median 0.15, so the MAD
// threshold is 1 − 2.5·0.15 = 0.625.
var history = []float64{0.30, 0.10, 0.50, 0.20, 0.40, 0.60, 0.35, 0.45, 0.25, 0.55, 0.15, 0.58}

func TestAdaptiveThresholds(t *testing.T) {
	fb := THR{Threshold: 0.8}
	iqr := IQR{S: 1.5, Fallback: fb}
	mad := MAD{S: 2.5, Fallback: fb}
	if th, ok := iqr.Threshold(history); !ok || math.Abs(th-0.55) > 1e-12 {
		t.Errorf("IQR threshold %v (ok %v), want 0.55", th, ok)
	}
	if th, ok := mad.Threshold(history); !ok || math.Abs(th-0.625) > 1e-12 {
		t.Errorf("MAD threshold %v (ok %v), want 0.625", th, ok)
	}
	cases := []struct {
		d    OverloadDetector
		h    []float64
		want bool
	}{
		{THR{0.8}, []float64{0.5, 0.81}, true},
		{THR{0.8}, []float64{0.8}, false},
		{iqr, history, true},  // 0.58 > 0.55
		{mad, history, false}, // 0.58 ≤ 0.625
		// Too short: the 0.8 fallback decides.
		{iqr, []float64{0.1, 0.85}, true},
		{mad, []float64{0.1, 0.75}, false},
		{LR{S: 1.2, Fallback: fb}, []float64{0.9}, true},
	}
	for i, c := range cases {
		if got := c.d.Overloaded(c.h); got != c.want {
			t.Errorf("case %d %s: overloaded %v, want %v", i, c.d.Name(), got, c.want)
		}
	}
}

// Loess on a linear history predicts the line's next value, robust or
// not; with a spike, the robust fit stays closer to the line.
func TestRegressionPrediction(t *testing.T) {
	line := func(a, b float64) []float64 {
		h := make([]float64, 14)
		for i := range h {
			h[i] = a + b*float64(i-4) // the last 10 values are a + b·0..9
		}
		return h
	}
	for _, robust := range []bool{false, true} {
		d := LR{S: 1.2, Fallback: THR{0.8}, Robust: robust}
		for _, c := range []struct {
			a, b, next float64
			over       bool
		}{
			{0.1, 0.05, 0.6, false}, // 1.2 × 0.6 = 0.72 < 1
			{0.5, 0.03, 0.8, false}, // 0.96 < 1
			{0.5, 0.05, 1.0, true},  // 1.2 ≥ 1
		} {
			h := line(c.a, c.b)
			p, ok := d.Predict(h)
			if !ok || math.Abs(p-c.next) > 1e-9 {
				t.Errorf("%s: prediction %v, want %v", d.Name(), p, c.next)
			}
			if d.Overloaded(h) != c.over {
				t.Errorf("%s on %v+%v·i: overloaded %v, want %v", d.Name(), c.a, c.b, !c.over, c.over)
			}
		}
	}
	h := line(0.2, 0.02)
	h[len(h)-4] += 0.5 // a spike three steps ago
	lr, _ := LR{S: 1.2}.Predict(h)
	lrr, _ := LR{S: 1.2, Robust: true}.Predict(h)
	if !(math.Abs(lrr-0.4) < math.Abs(lr-0.4)) {
		t.Errorf("spike: LR %v, LRR %v; the robust fit should stay nearer the line's 0.4", lr, lrr)
	}
}

// The selection-based quantile agrees with gonum's empirical quantile on
// sorted data, for many sizes, ties and probabilities.
func TestQuantileMatchesGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 1; n <= 40; n++ {
		for trial := range 50 {
			x := make([]float64, n)
			for i := range x {
				x[i] = float64(r.IntN(8)) // many ties
				if trial%2 == 0 {
					x[i] = r.Float64()
				}
			}
			s := slices.Clone(x)
			slices.Sort(s)
			for _, p := range []float64{0.01, 0.25, 0.5, 0.75, 0.99, 1} {
				want := stat.Quantile(p, stat.Empirical, s, nil)
				if got := quantile(p, slices.Clone(x)); got != want {
					t.Fatalf("n=%d p=%v: %v, gonum %v (x=%v)", n, p, got, want, x)
				}
			}
		}
	}
}

// The fast paths (IQR's second quartile selected above the first; MAD's
// count in place of a second selection) answer exactly as the definitions
// computed with gonum on sorted copies, also at the boundary where the
// current value equals the threshold.
func TestFastDetectorsMatchDefinitions(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	gonumMedian := func(x []float64) float64 {
		s := slices.Clone(x)
		slices.Sort(s)
		return stat.Quantile(0.5, stat.Empirical, s, nil)
	}
	var sc Scratch
	for trial := range 20000 {
		n := MinHistory + r.IntN(30)
		h := make([]float64, n)
		for i := range h {
			if trial%3 == 0 {
				h[i] = float64(r.IntN(10)) / 10 // ties
			} else {
				h[i] = r.Float64()
			}
		}
		for _, s := range []float64{0, 1.5, 2.5, 5} {
			med := gonumMedian(h)
			dev := make([]float64, n)
			for i, x := range h {
				dev[i] = math.Abs(x - med)
			}
			madT := 1 - s*gonumMedian(dev)
			s25 := slices.Clone(h)
			slices.Sort(s25)
			iqrT := 1 - s*(stat.Quantile(0.75, stat.Empirical, s25, nil)-stat.Quantile(0.25, stat.Empirical, s25, nil))
			for _, last := range []float64{h[n-1], madT, iqrT} {
				h[n-1] = last
				// Recompute with the new last value.
				med = gonumMedian(h)
				for i, x := range h {
					dev[i] = math.Abs(x - med)
				}
				madT = 1 - s*gonumMedian(dev)
				if got, want := (MAD{S: s}).overloaded(h, &sc), last > madT; got != want {
					t.Fatalf("MAD s=%v h=%v: %v, want %v (threshold %v)", s, h, got, want, madT)
				}
				s25 = slices.Clone(h)
				slices.Sort(s25)
				iqrT = 1 - s*(stat.Quantile(0.75, stat.Empirical, s25, nil)-stat.Quantile(0.25, stat.Empirical, s25, nil))
				if got, _ := (IQR{S: s}).threshold(h, &sc); got != iqrT {
					t.Fatalf("IQR s=%v h=%v: %v, want %v", s, h, got, iqrT)
				}
			}
		}
	}
}

// OverloadedShifted always answers as the detector does on the shifted
// history, whether the bounds settle it or not; and on histories shaped
// like the simulator's (a host plus a small VM) the bounds settle most.
func TestOverloadedShiftedIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	var sc Scratch
	for _, d := range []OverloadDetector{MAD{S: 2.5}, IQR{S: 1.5}, MAD{S: 0}, IQR{S: 4}, THR{Threshold: 0.8}, LR{S: 1.2}} {
		settled, total := 0, 0 // histories with a bracket; the bracket held
		handed := 0            // accepted histories whose Base came back
		handedBack := 0        // histories a VM was taken off, with their Base
		for trial := range 20000 {
			n := 1 + r.IntN(35)
			b := make([]float64, n)
			level, spread := r.Float64(), r.Float64()*0.3
			for i := range b {
				b[i] = level + spread*(r.Float64()-0.5)
				if trial%4 == 0 {
					b[i] = float64(r.IntN(6)) / 10 // ties
				}
			}
			bs := sc.BaseStats(d, b)
			size := r.Float64() * 0.2
			w := make([]float64, n)
			cs := make([]float64, n) // what was added
			lo, hi := math.Inf(1), math.Inf(-1)
			for i := range w {
				c := size * r.Float64()
				if trial%5 == 0 && i < n/2 {
					c = 0 // a VM with a shorter history than the host
				}
				lo, hi = min(lo, c), max(hi, c)
				w[i], cs[i] = b[i]+c, c
			}
			want := d.Overloaded(w)
			got, next := sc.OverloadedShifted(d, w, bs, lo, hi)
			if got != want {
				t.Fatalf("%s: b=%v w=%v: %v, want %v", d.Name(), b, w, got, want)
			}
			// The Base it hands back for a history it accepted is w's own.
			if next.ok {
				if got || !bs.ok {
					t.Fatalf("%s: a Base for an overloaded or unbracketed history", d.Name())
				}
				if wb := sc.BaseStats(d, w); next != wb {
					t.Fatalf("%s: w=%v: next base %+v, want %+v", d.Name(), w, next, wb)
				}
				handed++
			}
			// Taking the VM off again (w less its values, an addition
			// between −hi and −lo) answers as the detector does on b, and
			// hands back b's own Base.
			back := slices.Clone(w)
			for i := range back {
				back[i] -= cs[i]
			}
			if got2, next2 := sc.OverloadedShiftedBase(d, back, sc.BaseStats(d, w), -hi, -lo); got2 != d.Overloaded(back) {
				t.Fatalf("%s: taking off: %v, want %v", d.Name(), got2, d.Overloaded(back))
			} else if next2.Valid() && next2 != sc.BaseStats(d, back) {
				t.Fatalf("%s: taking off: base %+v, want %+v", d.Name(), next2, sc.BaseStats(d, back))
			} else if next2.Valid() {
				handedBack++
			}
			// Without the bounds (a Base from another length) it still agrees.
			if got, _ := sc.OverloadedShifted(d, w, Base{}, lo, hi); got != want {
				t.Fatalf("%s without bounds: %v, want %v", d.Name(), got, want)
			}
			// The bracket always holds the order statistics.
			if bs.ok {
				total++
				ks := []int{rank(0.5, n)}
				ends := [][2]float64{{bs.med + lo, bs.med + hi}}
				if _, ok := d.(IQR); ok {
					ks = []int{rank(0.25, n), rank(0.75, n)}
					ends = [][2]float64{{bs.q25 + lo, bs.q25 + hi}, {bs.q75 + lo, bs.q75 + hi}}
				}
				all := true
				for i, k := range ks {
					s := slices.Clone(w)
					slices.Sort(s)
					if s[k] < ends[i][0] || s[k] > ends[i][1] {
						t.Fatalf("%s: rank %d value %v outside [%v, %v]", d.Name(), k, s[k], ends[i][0], ends[i][1])
					}
					_, ok := sc.bracketRank(w, k, ends[i][0], ends[i][1])
					all = all && ok
				}
				if all {
					settled++
				}
			}
		}
		if settled != total {
			t.Errorf("%s: the bracket missed %d of %d", d.Name(), total-settled, total)
		}
		switch d.(type) {
		case IQR, MAD:
			if handed == 0 || handedBack == 0 {
				t.Errorf("%s: no history handed its Base back (%d accepted, %d taken off)", d.Name(), handed, handedBack)
			}
		}
	}
}
