package mem

import "slices"

// Step advances the host by one epoch of Cfg.EpochS seconds: the guests
// touch their pages, the sharing scanner runs, accesses fault swapped and
// compressed pages back in, the free-memory state is updated and memory
// is reclaimed (or given back) accordingly; then each VM's slowdown for
// the epoch is computed. Callers set each VM's ActiveMiB before the call.
func (h *Host) Step() {
	c := &h.Cfg
	dt := c.EpochS
	h.epoch++
	h.now = float64(h.epoch) * dt
	h.estimate(dt)
	cpu := 0.0 // this epoch's host CPU, beside the totals

	// 1. Guests back the pages they touch, as long as the host has them.
	for _, v := range h.VMs {
		// The guest fills its memory up to its touched fraction, but no
		// further than the balloon leaves it.
		want := min(v.TouchedFrac*v.ConfigMiB, v.ConfigMiB-v.Balloon) - (v.Resident + v.Shared + v.Compressed + v.Swapped)
		grow := min(max(0, want), v.GrowMiBps*dt, max(0, h.Free))
		v.Resident += grow
		h.Free -= grow
	}

	// 2. Page sharing: the scanner visits resident pages, spread over the
	// VMs by their resident memory, and merges the duplicates it finds.
	if c.Mech.Share && c.ScanPagesPerS > 0 {
		total := 0.0
		for _, v := range h.VMs {
			total += v.Resident
		}
		scan := c.ScanPagesPerS * PageMiB * dt
		h.Totals.HostCPUS += c.ScanPagesPerS * dt * c.ScanCostUs * 1e-6
		cpu += c.ScanPagesPerS * dt * c.ScanCostUs * 1e-6
		for _, v := range h.VMs {
			if total <= 0 || v.Resident <= 0 {
				break
			}
			sigma := v.SharedIntra
			if v.kImage >= 2 {
				sigma += v.SharedInter
			}
			if v.LargePages && h.State < Clear {
				sigma = 0 // 2 MiB pages are not shared until broken
			}
			room := sigma*(v.Resident+v.Shared) - v.Shared
			if room <= 0 {
				continue
			}
			seen := scan * v.Resident / total
			x := min(room, seen*room/v.Resident, v.Resident)
			v.Resident -= x
			v.Shared += x
			h.Free += x * (1 - v.frame)
			h.Totals.Shared += x
		}
	}

	// 3. Accesses: writes break shared pages; touches of swapped or
	// compressed pages bring them back while there is free memory (the
	// faults are paid either way); a working set larger than what the
	// balloon leaves the guest pages inside the guest.
	for _, v := range h.VMs {
		v.CowBreaks = c.CowRate * v.Shared / PageMiB
		cow := min(v.Shared, c.CowRate*v.Shared*dt)
		cost := cow * (1 - v.frame)
		if cost > h.Free {
			cow *= max(0, h.Free) / cost
			cost = cow * (1 - v.frame)
		}
		v.Shared -= cow
		v.Resident += cow
		h.Free -= cost
		h.Totals.Unshared += cow

		visible := v.ConfigMiB - v.Balloon
		v.SwapIns, v.Decompressions, v.GuestFaults = 0, 0, 0
		if visible <= 0 {
			continue
		}
		touch := v.TouchRate
		if v.Blocked {
			touch = 0
		}
		v.SwapIns = touch * v.Swapped / visible
		v.Decompressions = touch * v.Compressed / visible
		if v.ActiveMiB > visible {
			v.GuestFaults = touch * (v.ActiveMiB - visible) / v.ActiveMiB
		}
		in := min(v.Swapped, v.SwapIns*PageMiB*dt, max(0, h.Free))
		v.Swapped -= in
		v.Resident += in
		h.Free -= in
		h.Totals.SwappedIn += in
		z := min(v.Compressed, v.Decompressions*PageMiB*dt)
		if need := z * (1 - c.CompressedFrac); need > max(0, h.Free) {
			z = max(0, h.Free) / (1 - c.CompressedFrac)
		}
		v.Compressed -= z
		v.Resident += z
		h.Free -= z * (1 - c.CompressedFrac)
		h.Totals.Decompressed += z
		h.Totals.HostCPUS += v.Decompressions * dt * c.DecompressS
		cpu += v.Decompressions * dt * c.DecompressS
	}

	// 4. The state, then reclamation or its reverse. State stays the one
	// the epoch reclaimed in.
	h.State = h.stateFor(h.Free, h.State)
	cpu += h.reclaim(dt)
	h.EpochCPUS = cpu

	// 5. Slowdown: S = 1 + Σ λ·t (calibration note §5).
	for _, v := range h.VMs {
		v.Slowdown = 1 + v.GuestFaults*c.GuestPageInS + v.SwapIns*c.SwapInS +
			v.Decompressions*c.DecompressS + v.CowBreaks*c.CowS
		v.Progress = 1 / v.Slowdown
		if v.Blocked {
			v.Progress = 0
			h.Totals.BlockedS += dt
		}
	}
	h.Totals.StateS[h.State] += dt
}

// estimate updates each VM's estimated active fraction f: the share of
// SamplePages random pages touched in a sampling period, smoothed by a
// fast and a slow moving average and taken at the larger (Waldspurger
// §5.3; the smoothing weights 0.5 and 0.1 are assumptions).
func (h *Host) estimate(dt float64) {
	for _, v := range h.VMs {
		held := v.Resident + v.Shared + v.Compressed + v.Swapped
		f := 1.0
		if held > 0 {
			f = min(1, v.ActiveMiB/held)
		}
		if h.Cfg.SamplePages == 0 {
			v.fEst = f
			continue
		}
		if h.now-v.sampleAt < h.Cfg.SamplePeriodS {
			continue
		}
		v.sampleAt = h.now
		hits := 0
		for range h.Cfg.SamplePages {
			if h.rng.Float64() < f {
				hits++
			}
		}
		s := float64(hits) / float64(h.Cfg.SamplePages)
		v.fFast += 0.5 * (s - v.fFast)
		v.fSlow += 0.1 * (s - v.fSlow)
		v.fEst = max(v.fFast, v.fSlow)
	}
}

// held is the machine memory VM i takes.
func (h *Host) held(i int) float64 {
	v := h.VMs[i]
	return v.Resident + v.Shared*v.frame + v.Compressed*h.Cfg.CompressedFrac
}

// Targets is the memory each VM should hold so that free memory is back
// at minFree (the high threshold) — need is how much must be taken — with
// no VM below its reservation or above its limit. Under SharesTax and
// Proportional it water-fills ρ = S/(P·(f + k(1−f))): the VMs that give
// memory end with equal ρ, which for a fixed estimate f means
// P = λ·S/(f + k(1−f)). Under FirstCome the newest VMs give first.
func (h *Host) Targets(need float64) []float64 {
	return slices.Clone(h.targets(need))
}

// targetBufs are targets' work slices, reused from epoch to epoch.
type targetBufs struct{ p, cap, floor, t, cost, shares []float64 }

func grow(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}

// targets is Targets in the host's reused buffers (valid until the next
// call).
func (h *Host) targets(need float64) []float64 {
	if h.Cfg.SamplePages == 0 {
		h.estimate(0) // the true active fractions, now
	}
	n := len(h.VMs)
	b := &h.buf
	b.p, b.cap, b.floor, b.t, b.cost = grow(b.p, n), grow(b.cap, n), grow(b.floor, n), grow(b.t, n), grow(b.cost, n)
	p, cap, floor := b.p, b.cap, b.floor // cap: held, and no more than the limit
	for i, v := range h.VMs {
		p[i] = h.held(i)
		cap[i] = min(p[i], v.limit())
		// Only resident private memory can be reclaimed.
		floor[i] = min(cap[i], max(v.ReservationMiB, p[i]-v.Resident))
	}
	t := b.t
	if h.Cfg.Allocation == FirstCome {
		copy(t, cap)
		left := need
		for i, x := range p {
			left -= x - cap[i] // what the limits take already counts
		}
		for i := n - 1; i >= 0 && left > 0; i-- {
			take := min(left, t[i]-floor[i])
			t[i] -= take
			left -= take
		}
		return t
	}
	k := 1.0
	if h.Cfg.Allocation == SharesTax {
		k = 1 / (1 - h.Cfg.Tax)
	}
	cost := b.cost // f + k(1−f)
	for i, v := range h.VMs {
		cost[i] = v.fEst + k*(1-v.fEst)
	}
	b.shares = grow(b.shares, n)
	shares := b.shares
	for i, v := range h.VMs {
		shares[i] = v.Shares
	}
	// at is min(max(λ·S/cost, floor), cap) per VM, written out: the same
	// values (no operand is NaN or −0 here), and the bisection's inner
	// loop.
	at := func(lambda float64) float64 {
		r := 0.0
		for i := range t {
			x := lambda * shares[i] / cost[i]
			if x < floor[i] {
				x = floor[i]
			}
			if x > cap[i] {
				x = cap[i]
			}
			t[i] = x
			r += p[i] - x
		}
		return r
	}
	hi := 0.0
	for i, v := range h.VMs {
		hi = max(hi, p[i]*cost[i]/v.Shares)
	}
	if at(hi) >= need {
		return t
	}
	lo := 0.0
	if at(lo) <= need {
		return t // everything reclaimable is not enough
	}
	for range 200 {
		mid := (lo + hi) / 2
		l0, h0 := lo, hi
		if at(mid) > need {
			lo = mid
		} else {
			hi = mid
		}
		if lo == l0 && hi == h0 {
			break // converged: every further iteration repeats this one
		}
	}
	at(hi)
	return t
}

// reclaim takes memory from the VMs as the state allows, or gives balloon
// memory back when free memory is well above minFree. It returns the host
// CPU (seconds) compression took.
func (h *Host) reclaim(dt float64) (cpu float64) {
	c := &h.Cfg
	high, _, _, low := h.Thresholds()
	delta := c.Hysteresis * c.MemoryMiB
	need := 0.0
	if h.State >= Soft {
		need = high - h.Free
	}
	t := h.targets(max(0, need))
	for i, v := range h.VMs {
		red := min(h.held(i)-t[i], v.Resident)
		if red <= 1e-9 {
			continue
		}
		if h.State < Soft && h.held(i) <= v.limit() {
			continue
		}
		// The balloon first: as fast as it inflates, up to its cap and
		// the guest's minimum. The guest hands it free pages first, which
		// were never backed and free nothing on the host; then its idle
		// pages, each of which frees a host page.
		if c.Mech.Balloon {
			room := min(c.BalloonMaxFrac*v.ConfigMiB, v.ConfigMiB-v.GuestMinMiB) - v.Balloon
			free := max(0, v.untouched())
			y := max(0, min(free+red, c.BalloonMiBps*dt, room))
			x := min(max(0, y-free), v.Resident)
			v.Balloon += y
			v.Resident -= x
			h.Free += x
			h.Totals.Ballooned += x
			red -= x
		}
		if red <= 1e-9 {
			continue
		}
		// What the balloon could not free in time: compressed when the
		// host is at hard or below, swapped otherwise or beyond the cache.
		if c.Mech.Compress && h.State >= Hard {
			q, cs := c.CompressibleFrac, c.CompressedFrac
			// n candidates free n·(1 − q·cs): q·n compress, the rest swap.
			n := red / (1 - q*cs)
			cacheRoom := max(0, c.CacheFrac*v.ConfigMiB-v.Compressed*cs) / cs
			z := min(q*n, cacheRoom)
			if !c.Mech.Swap {
				z = min(z, red/(1-cs))
			}
			v.Resident -= z
			v.Compressed += z
			h.Free += z * (1 - cs)
			h.Totals.Compressed += z
			h.Totals.HostCPUS += z / PageMiB * c.CompressS
			cpu += z / PageMiB * c.CompressS
			red -= z * (1 - cs)
		}
		if c.Mech.Swap && red > 1e-9 {
			room := v.ConfigMiB - v.ReservationMiB - v.Swapped
			x := max(0, min(red, room, v.Resident))
			v.Resident -= x
			v.Swapped += x
			h.Free += x
			h.Totals.Swapped += x
		}
	}
	// Low: VMs still above their target stop until free memory recovers.
	for i, v := range h.VMs {
		switch {
		case h.State == Low && h.held(i) > t[i]+1e-6:
			v.Blocked = true
		case v.Blocked && h.Free > low+delta:
			v.Blocked = false
		}
	}
	// Plenty free again: balloons deflate (the guest then touches its
	// pages again as it needs them).
	// Deflation frees no host memory, but the guests will back what they
	// get back, so all of them together get no more than the margin above
	// minFree + δ.
	if h.State == High && h.Free >= high+delta {
		budget := h.Free - high - delta
		for _, v := range h.VMs {
			x := min(v.Balloon, c.BalloonMiBps*dt, budget)
			v.Balloon -= x
			budget -= x
			h.Totals.Deflated += x
		}
	}
	return cpu
}
