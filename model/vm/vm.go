package vm

import (
	"github.com/simrun/simrun/sim"
)

// State is a step of a VM's lifecycle.
type State uint8

// Lifecycle: Requested → (Rejected | Booting → Running → Finished). A VM
// that is still booting or running when the run ends keeps that state.
// Failed is for VMs whose start was abandoned after placement (used by the
// control-plane model, where a node can refuse a launch).
const (
	Requested State = iota
	Booting
	Running
	Finished
	Rejected
	Failed
)

var stateNames = [...]string{"requested", "booting", "running", "finished", "rejected", "failed"}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Ended reports whether the VM's life is over (finished, rejected or failed).
func (s State) Ended() bool { return s == Finished || s == Rejected || s == Failed }

// Spec is what the VMs of one group ask for; VMs of a group share one Spec.
type Spec struct {
	Group    string
	VCPUs    int
	MIPS     float64 // per vCPU
	RAMMiB   float64
	DiskMiB  float64
	BWMbps   float64
	BootTime sim.Time
	Lifetime sim.Time // 0: no limit
	// SpaceShared selects the space-shared cloudlet scheduler.
	SpaceShared bool
}

// FullMIPS is the VM's nominal capacity, vCPUs × MIPS.
func (s *Spec) FullMIPS() float64 { return float64(s.VCPUs) * s.MIPS }

// VM is one virtual machine. Its CPU progress is a fluid: between events it
// executes Alloc MIPS; Advance folds the elapsed time into WorkMI (and into
// its cloudlets) before any rate changes.
type VM struct {
	ID   int
	Spec *Spec

	State State
	// Host is the host index, -1 until placed.
	Host int
	// HostSlot is the VM's position in its host's VM list (maintained by
	// the host).
	HostSlot int

	Requested, Placed, Started, Ended sim.Time
	Reason                            string
	// Lifetime ends the VM this long after it starts running (0: no
	// limit): its group's, or drawn from the group's distribution.
	Lifetime sim.Time

	// Cap is the most MIPS the VM can use on its host: min(vCPUs, host
	// cores) × min(MIPS, host MIPS per core).
	Cap float64
	// Demand is the MIPS the VM asks for now (≤ Cap); Alloc what it gets.
	Demand, Alloc float64
	// Want is the uncapped demand from the workload (for SLA accounting).
	Want float64

	// WorkMI is the work executed so far, in million instructions; WantMI
	// the work the workload asked for (∫ Want dt), so WantMI − WorkMI is
	// demand that went unserved.
	WorkMI, WantMI float64
	last           sim.Time

	// Degrade is the fraction of its share a migrating VM loses (0.1 on
	// the source under the reference model, 1 during a stop-and-copy);
	// LossRate is the MIPS it loses so (set with the allocation), and
	// MigLostMI their integral: the CPU lost to migrations (PDM's
	// numerator).
	Degrade, LossRate float64
	MigLostMI         float64

	// Slowdown (S) and HostFactor (h) are the virtualization overhead of
	// the VM's profile on its host's hypervisor (zero: none): its work
	// takes S times the native cycles on its vCPUs, and h native-cycle
	// units of host-side backend CPU per unit of work. Set by SetOverhead.
	Slowdown, HostFactor float64
	eff                  float64 // 1/(S+h); 0 when there is no overhead

	// memP is the fraction of their time the vCPUs make progress while
	// memory faults stall them (1/S for the memory model's slowdown S, 0
	// while the host blocks the VM); memOn marks memP ≠ 1. Set by
	// SetMemProgress.
	memP  float64
	memOn bool

	// Util drives the demand of a VM without cloudlets; nil otherwise.
	Util Utilization
	// Cloudlets is the VM's cloudlet scheduler; nil for utilization VMs.
	Cloudlets *CloudletScheduler

	// Event handles owned by the orchestrator.
	NextEvent sim.EventID
	EndEvent  sim.EventID
}

// Advance accounts the work done at the current allocation from the last
// update up to now.
func (v *VM) Advance(now sim.Time, cls []Cloudlet) {
	if now <= v.last {
		return
	}
	dt := sim.Seconds(now - v.last)
	v.last = now
	v.WantMI += v.Want * dt
	v.MigLostMI += v.LossRate * dt
	if v.Alloc == 0 {
		return
	}
	r := v.Rate()
	v.WorkMI += r * dt
	if v.Cloudlets != nil {
		v.Cloudlets.advance(r, dt)
	}
}

// SetOverhead sets the VM's virtualization overhead on its host (call it
// while the VM has no allocation, at placement). S = 1, h = 0 is none.
func (v *VM) SetOverhead(s, h float64) {
	if s == 1 && h == 0 {
		v.Slowdown, v.HostFactor, v.eff = 0, 0, 0
		return
	}
	v.Slowdown, v.HostFactor, v.eff = s, h, 1/(s+h)
}

// Rate is the native work the VM completes per second (MIPS): its
// allocation, which pays for the guest's work, its overhead on the vCPUs
// and its host-side backend, divided by S + h.
func (v *VM) Rate() float64 {
	if v.eff == 0 {
		return v.Alloc
	}
	return v.Alloc * v.eff
}

// HostDemand is the host CPU (MIPS) the VM asks for when its workload
// wants want MIPS of native work: its vCPUs need want×S, capped at Cap,
// and the backend adds h per unit of work done: min(want·S, Cap)·(S+h)/S.
//
// Memory stalls (SetMemProgress) stretch the vCPU time a unit of work takes
// by 1/p on top of S, but burn no host CPU (the vCPU waits for a page):
// the vCPUs can do at most Cap·p/S of work, and each unit costs S + h of
// host CPU, so the demand is min(want, Cap·p/S)·(S+h).
func (v *VM) HostDemand(want float64) float64 {
	if v.memOn {
		s, c := 1.0, 1.0
		if v.eff != 0 {
			s, c = v.Slowdown, v.Slowdown+v.HostFactor
		}
		return min(want, v.Cap*v.memP/s) * c
	}
	if v.eff == 0 {
		return min(want, v.Cap)
	}
	return min(want*v.Slowdown, v.Cap) * (v.Slowdown + v.HostFactor) / v.Slowdown
}

// SetMemProgress sets the fraction p in [0, 1] of their time the VM's
// vCPUs make progress under memory pressure: 1/S for the memory model's
// slowdown S (model/mem), 0 while the host blocks the VM, 1 for none. The
// caller recomputes the demand (HostDemand) and reshares; Rate is
// unchanged, since the host CPU a unit of work costs is.
func (v *VM) SetMemProgress(p float64) { v.memP, v.memOn = p, p != 1 }

// MemProgress is the fraction set by SetMemProgress (1 when none).
func (v *VM) MemProgress() float64 {
	if !v.memOn {
		return 1
	}
	return v.memP
}

// SetAlloc changes the VM's allocated MIPS at now (after accounting the work
// done at the old rate).
func (v *VM) SetAlloc(now sim.Time, alloc float64, cls []Cloudlet) {
	v.Advance(now, cls)
	v.Alloc = alloc
}

// Touch marks now as the time from which work accrues (at Start).
func (v *VM) Touch(now sim.Time) { v.last = now }
