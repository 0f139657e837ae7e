package mem

import "math"

// snapshot is the part of a VM's state that an epoch can change.
type snapshot struct {
	resident, shared, compressed, swapped, balloon, slowdown float64
	blocked                                                  bool
}

func snapOf(v *VM) snapshot {
	return snapshot{v.Resident, v.Shared, v.Compressed, v.Swapped, v.Balloon, v.Slowdown, v.Blocked}
}

// StepQuiet is Step, and reports whether the host is at a fixed point:
// the epoch changed no page, balloon, blocked flag or slowdown, nor the
// host's free memory or state, and the state is above soft, where no
// reclamation target depends on the sampled active fractions. Step is a
// function of exactly that state and the VMs' inputs (ActiveMiB,
// TouchRate), so while the inputs stay as they are every further epoch
// changes nothing either, and Skip may stand in for Step.
func (h *Host) StepQuiet() bool {
	free, state := h.Free, h.State
	h.snap = h.snap[:0]
	for _, v := range h.VMs {
		h.snap = append(h.snap, snapOf(v))
	}
	h.Step()
	quiet := h.State < Soft && h.State == state && same(h.Free, free)
	for i, v := range h.VMs {
		if !quiet {
			break
		}
		quiet = snapOf(v).equal(h.snap[i])
	}
	return quiet
}

// same compares bit patterns (so that NaN equals itself and 0 ≠ −0 is
// a change).
func same(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func (a snapshot) equal(b snapshot) bool {
	return same(a.resident, b.resident) && same(a.shared, b.shared) && same(a.compressed, b.compressed) &&
		same(a.swapped, b.swapped) && same(a.balloon, b.balloon) && same(a.slowdown, b.slowdown) && a.blocked == b.blocked
}

// Skip advances a host at a fixed point (StepQuiet reported it, and no
// input changed since) by n epochs without stepping them: the pages stay
// as they are, and the working-set sampling those epochs would have done
// is done, with the same random draws in the same order, so that the host
// continues exactly as if it had been stepped. Totals grow by n times the
// last epoch's state time, blocked time and host CPU (equal to stepping
// up to rounding). The cost is one pass over the VMs per sampling instant,
// not per epoch.
func (h *Host) Skip(n int64) {
	if n <= 0 {
		return
	}
	c := &h.Cfg
	end := h.epoch + n
	if c.SamplePages > 0 {
		for {
			next := end + 1
			for _, v := range h.VMs {
				next = min(next, h.nextSample(v))
			}
			if next > end {
				break
			}
			h.epoch = next
			h.now = float64(next) * c.EpochS
			h.estimate(c.EpochS) // samples exactly the VMs due at this epoch
		}
	}
	h.epoch = end
	h.now = float64(end) * c.EpochS
	span := float64(n) * c.EpochS
	h.Totals.StateS[h.State] += span
	h.Totals.HostCPUS += float64(n) * h.EpochCPUS
	for _, v := range h.VMs {
		if v.Blocked {
			h.Totals.BlockedS += span
		}
	}
}

// nextSample is the first epoch after the current one at which estimate
// samples v: the first e with e·EpochS − v.sampleAt ≥ SamplePeriodS,
// evaluated in the same floating-point operations as estimate.
func (h *Host) nextSample(v *VM) int64 {
	dt, p := h.Cfg.EpochS, h.Cfg.SamplePeriodS
	due := func(e int64) bool { return !(float64(e)*dt-v.sampleAt < p) }
	e := max(h.epoch+1, int64(math.Ceil((v.sampleAt+p)/dt))-1)
	for !due(e) {
		e++
	}
	for e > h.epoch+1 && due(e-1) {
		e--
	}
	return e
}
