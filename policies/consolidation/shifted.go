package consolidation

// Base holds the order statistics of a host's utilization history that
// OverloadedShifted starts from: its median (MAD) or quartiles (IQR).
// Compute it once with BaseStats and reuse it while the history is
// unchanged.
type Base struct {
	n             int
	ok            bool
	med, q25, q75 float64
}

// BaseStats prepares the Base of history b for detector d. Only IQR and
// MAD use one; for the other detectors the Base is empty and
// OverloadedShifted asks the detector directly.
func (sc *Scratch) BaseStats(d OverloadDetector, b []float64) Base {
	bs := Base{n: len(b)}
	if len(b) < MinHistory {
		return bs
	}
	switch d.(type) {
	case MAD:
		s := append(sc.a[:0], b...)
		sc.a = s
		bs.med, bs.ok = quantile(0.5, s), true
	case IQR:
		s := append(sc.a[:0], b...)
		sc.a = s
		bs.q25, bs.q75 = quartiles(s)
		bs.ok = true
	}
	return bs
}

// OverloadedShifted answers d.Overloaded(w) for a history w that is a base
// history b (summarized by bs) plus, at every position, an addition
// between lo and hi: w[i] = b[i] + c[i] rounded, lo ≤ c[i] ≤ hi. This is
// what a host's history looks like with one more VM, and PABFD asks it
// about every candidate host.
//
// Rounding is monotone, so each order statistic of w lies between the
// base's plus lo and the base's plus hi. One pass counts the values below
// that bracket and keeps those inside it, and the order statistic is
// selected among the few kept, rather than among all of w. The answer is
// exactly d.Overloaded(w); a test checks it.
func (sc *Scratch) OverloadedShifted(d OverloadDetector, w []float64, bs Base, lo, hi float64) bool {
	if !bs.ok || bs.n != len(w) || !(lo <= hi) {
		return sc.Overloaded(d, w)
	}
	switch d := d.(type) {
	case MAD:
		if d.S < 0 {
			break
		}
		med, ok := sc.bracketRank(w, rank(0.5, len(w)), bs.med+lo, bs.med+hi)
		if !ok {
			break
		}
		return d.overloadedAt(w, med)
	case IQR:
		q25, q75, ok := sc.bracketRanks(w, rank(0.25, len(w)), rank(0.75, len(w)), bs.q25+lo, bs.q25+hi, bs.q75+lo, bs.q75+hi)
		if !ok {
			break
		}
		return w[len(w)-1] > d.thresholdOf(q25, q75)
	}
	return sc.Overloaded(d, w)
}

// bracketRank is the value of rank k in w when it is known to lie in
// [lo, hi]; ok is false if it does not (which the bounds rule out). The
// pass over w and the selection among the few values inside the bracket
// are written without data-dependent branches: which side of the bracket
// a utilization falls is a coin toss the processor cannot predict.
func (sc *Scratch) bracketRank(w []float64, k int, lo, hi float64) (float64, bool) {
	if cap(sc.b) < len(w) {
		sc.b = make([]float64, len(w))
	}
	mid := sc.b[:len(w)]
	below, j := 0, 0
	for _, x := range w {
		mid[j] = x
		j += b2i(x >= lo) & b2i(x <= hi)
		below += b2i(x < lo)
	}
	return rankAmong(mid[:j], k-below)
}

// bracketRanks is bracketRank for two ranks at once, k1 in [lo1, hi1] and
// k2 in [lo2, hi2], in one pass over w.
func (sc *Scratch) bracketRanks(w []float64, k1, k2 int, lo1, hi1, lo2, hi2 float64) (float64, float64, bool) {
	if cap(sc.b) < 2*len(w) {
		sc.b = make([]float64, 2*len(w))
	}
	m1, m2 := sc.b[:len(w)], sc.b[len(w):2*len(w)]
	b1, b2, j1, j2 := 0, 0, 0, 0
	for _, x := range w {
		m1[j1], m2[j2] = x, x
		j1 += b2i(x >= lo1) & b2i(x <= hi1)
		b1 += b2i(x < lo1)
		j2 += b2i(x >= lo2) & b2i(x <= hi2)
		b2 += b2i(x < lo2)
	}
	x1, ok1 := rankAmong(m1[:j1], k1-b1)
	x2, ok2 := rankAmong(m2[:j2], k2-b2)
	return x1, x2, ok1 && ok2
}

// rankAmong is the value of rank r in mid, which it may reorder; ok is
// false if r is out of range.
func rankAmong(mid []float64, r int) (float64, bool) {
	if r < 0 || r >= len(mid) {
		return 0, false
	}
	if len(mid) > 16 {
		return selectRank(mid, r), true
	}
	// The value with r values below it and itself among the next: count
	// for each value how many are smaller and how many are equal.
	for _, x := range mid {
		less, eq := 0, 0
		for _, y := range mid {
			less += b2i(y < x)
			eq += b2i(y == x)
		}
		if less <= r && r < less+eq {
			return x, true
		}
	}
	return 0, false // unreachable for comparable values
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
