package host

import (
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/sim"
)

// Scheduler is how a host shares its cores among its VMs.
type Scheduler uint8

// VM schedulers.
const (
	// TimeShared: each VM gets its demand while the sum fits the host;
	// beyond that every VM's demand is scaled by capacity/Σdemand
	// (proportional share, as CloudSim's oversubscribing time-shared VM
	// scheduler does).
	TimeShared Scheduler = iota
	// SpaceShared: each vCPU owns a core; placement never overcommits cores,
	// so a VM always gets its demand.
	SpaceShared
)

// Host is one physical machine: capacity, the VMs it runs, how it shares its
// CPU among them, and its power draw and energy.
type Host struct {
	Index int
	Group string
	// GroupIndex is the host group's index in the scenario.
	GroupIndex  int
	Cores       int
	MIPSPerCore float64
	RAMMiB      float64
	DiskMiB     float64
	BWMbps      float64
	Sched       Scheduler
	Power       PowerModel
	// PowerOffIdle: the host is off (0 W) while it holds no VM.
	PowerOffIdle bool

	// VMs placed on the host (booting or running), in no particular order.
	VMs []*vm.VM
	// Reserved is CPU (MIPS) held for VMs migrating in: it counts as demand
	// and is allocated like a VM's, so it shows in utilization and power.
	Reserved float64
	// MemMIPS is host CPU the memory manager spends (page-sharing scans,
	// compression and decompression; model/mem): it counts as demand and
	// is allocated like a VM's, so it shows in utilization and power.
	MemMIPS float64
	// Demand and Alloc are the sums of the VMs' (capped) demand and
	// allocation plus the reservation, in MIPS; recomputed by SumDemand and
	// SumAlloc.
	Demand, Alloc float64
	On            bool

	// ActiveTime is how long the host has been on with VMs (or a
	// reservation), and SaturatedTime how much of it the demand exceeded
	// capacity (the host at 100 %, SLATAH's numerator), both up to the last
	// Record. ShortTime is how much of it some VM got less than it asked
	// for, for any reason (contention or a migration's degradation): the
	// numerator of CloudSim's variant of SLATAH.
	ActiveTime, SaturatedTime, ShortTime sim.Time
	slaLast                              sim.Time
	slaActive, slaSat, slaShort          bool

	energy  EnergyMeter
	alloc   sim.TimeAvg
	watts   float64
	onSince sim.Time
	onTime  sim.Time
}

// Capacity is the host's total MIPS.
func (h *Host) Capacity() float64 { return float64(h.Cores) * h.MIPSPerCore }

// CapFor is the most MIPS a VM of spec s can use on this host: one core per
// vCPU at most, and no vCPU faster than a core.
func (h *Host) CapFor(s *vm.Spec) float64 {
	return float64(min(s.VCPUs, h.Cores)) * min(s.MIPS, h.MIPSPerCore)
}

// Util is the host's CPU utilization in [0, 1].
func (h *Host) Util() float64 {
	c := h.Capacity()
	if c <= 0 {
		return 0
	}
	return min(h.Alloc/c, 1)
}

// Watts is the host's power draw now.
func (h *Host) Watts() float64 {
	if !h.On || h.Power == nil {
		return 0
	}
	return h.Power.Watts(h.Util())
}

// Add puts v on the host (bookkeeping only; the caller reshares).
func (h *Host) Add(v *vm.VM) {
	v.HostSlot = len(h.VMs)
	h.VMs = append(h.VMs, v)
	v.Cap = h.CapFor(v.Spec)
}

// Remove takes v off the host (bookkeeping only; the caller reshares).
func (h *Host) Remove(v *vm.VM) {
	last := len(h.VMs) - 1
	moved := h.VMs[last]
	h.VMs[v.HostSlot] = moved
	moved.HostSlot = v.HostSlot
	h.VMs[last] = nil
	h.VMs = h.VMs[:last]
	v.HostSlot = -1
}

// Factor is the fraction of its demand each VM receives under the host's
// scheduler: 1 while the demand fits, capacity/Σdemand beyond (time-shared).
func (h *Host) Factor() float64 {
	c := h.Capacity()
	if h.Sched == TimeShared && h.Demand > c {
		return c / h.Demand
	}
	return 1
}

// SumDemand recomputes Demand from the VMs (exact sum, in slot order).
func (h *Host) SumDemand() float64 {
	d := h.Reserved + h.MemMIPS
	for _, v := range h.VMs {
		d += v.Demand
	}
	h.Demand = d
	return d
}

// SumAlloc recomputes Alloc from the VMs.
func (h *Host) SumAlloc() float64 {
	a := (h.Reserved + h.MemMIPS) * h.Factor()
	for _, v := range h.VMs {
		a += v.Alloc
	}
	h.Alloc = a
	return a
}

// Record folds the host's current power and allocation into its energy and
// utilization integrals from now on; call it after every change of Alloc or
// On. It returns the change in watts since the previous Record.
func (h *Host) Record(now sim.Time) (deltaW float64) {
	h.settle(now)
	w := h.Watts()
	deltaW, h.watts = w-h.watts, w
	h.energy.Set(now, w)
	h.alloc.Set(now, h.Alloc)
	return deltaW
}

// SetOn switches the host on or off at now and records the change,
// returning the change in watts.
func (h *Host) SetOn(now sim.Time, on bool) (deltaW float64) {
	if on == h.On {
		return 0
	}
	if on {
		h.onSince = now
	} else {
		h.onTime += now - h.onSince
	}
	h.On = on
	return h.Record(now)
}

// settle accrues active and saturated time up to now under the state
// since the previous call, and notes the state from now on.
func (h *Host) settle(now sim.Time) {
	if dt := now - h.slaLast; dt > 0 {
		if h.slaActive {
			h.ActiveTime += dt
		}
		if h.slaSat {
			h.SaturatedTime += dt
		}
		if h.slaShort {
			h.ShortTime += dt
		}
	}
	h.slaLast = now
	c := h.Capacity()
	h.slaActive = h.On && (len(h.VMs) > 0 || h.Reserved > 0)
	h.slaSat = h.slaActive && h.Demand > c*(1+1e-9)
	h.slaShort = h.slaActive && h.Alloc < h.Demand*(1-1e-9)
}

// EnergyJoules is the energy used from the start up to now.
func (h *Host) EnergyJoules(now sim.Time) float64 { return h.energy.Joules(now) }

// AllocIntegral is ∫ Alloc dt (MIPS·s, i.e. million instructions) up to now.
func (h *Host) AllocIntegral(now sim.Time) float64 { return h.alloc.Integral(now) }

// OnTime is how long the host has been on up to now.
func (h *Host) OnTime(now sim.Time) sim.Time {
	if h.On {
		return h.onTime + now - h.onSince
	}
	return h.onTime
}
