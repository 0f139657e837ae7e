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

// Valid reports whether b holds order statistics (a history long enough
// for IQR or MAD), rather than being empty.
func (b Base) Valid() bool { return b.ok }

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
// selected among the few kept, rather than among all of w. IQR selects
// only its lower quartile this way: with q25 known, "last > 1 − S·(y −
// q25)" holds for every y from some value up, so it holds for the upper
// quartile exactly when at most rank(0.75) values fail it, and a count
// replaces the second selection (as for MAD's deviations). The answer is
// exactly d.Overloaded(w); a test checks it.
//
// When w is not overloaded and the bracket answered, next is w's own
// Base (next.ok), so that a caller that goes on to add the VM can keep it
// as the host's new base instead of computing it again.
func (sc *Scratch) OverloadedShifted(d OverloadDetector, w []float64, bs Base, lo, hi float64) (over bool, next Base) {
	over, next = sc.shifted(d, w, bs, lo, hi, false)
	if over {
		next = Base{}
	}
	return over, next
}

// OverloadedShiftedBase answers as OverloadedShifted does and also
// returns w's own Base whenever the bracket answered (next.Valid()),
// overloaded or not, for a caller that goes on changing w: an overloaded
// host giving up one VM after another, where each w is the previous one
// less a VM's values (an addition between −max and −min of them).
func (sc *Scratch) OverloadedShiftedBase(d OverloadDetector, w []float64, bs Base, lo, hi float64) (over bool, next Base) {
	return sc.shifted(d, w, bs, lo, hi, true)
}

// shifted answers for OverloadedShifted and OverloadedShiftedBase. IQR
// selects its upper quartile too when both needs a Base, or when w is not
// overloaded; otherwise the count decides.
func (sc *Scratch) shifted(d OverloadDetector, w []float64, bs Base, lo, hi float64, both bool) (bool, Base) {
	if !bs.ok || bs.n != len(w) || !(lo <= hi) {
		return sc.Overloaded(d, w), Base{}
	}
	n := len(w)
	switch d := d.(type) {
	case MAD:
		if d.S < 0 {
			break
		}
		med, ok := sc.bracketRank(w, rank(0.5, n), bs.med+lo, bs.med+hi)
		if !ok {
			break
		}
		return d.overloadedAt(w, med), Base{n: n, ok: true, med: med}
	case IQR:
		if d.S < 0 {
			break
		}
		q25, ok := sc.bracketRank(w, rank(0.25, n), bs.q25+lo, bs.q25+hi)
		if !ok {
			break
		}
		if !both {
			last, fail := w[n-1], 0
			for _, x := range w {
				fail += b2i(!(last > d.thresholdOf(q25, x)))
			}
			if fail <= rank(0.75, n) {
				return true, Base{}
			}
		}
		q75, ok := sc.bracketRank(w, rank(0.75, n), bs.q75+lo, bs.q75+hi)
		if !ok {
			break
		}
		return w[n-1] > d.thresholdOf(q25, q75), Base{n: n, ok: true, q25: q25, q75: q75}
	}
	return sc.Overloaded(d, w), Base{}
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
