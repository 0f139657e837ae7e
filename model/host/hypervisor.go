package host

import (
	"errors"
	"fmt"

	"github.com/simrun/simrun/model/cpu"
	iovirt "github.com/simrun/simrun/model/io"
	"github.com/simrun/simrun/model/mmu"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/results"
)

// Hypervisor is a host's virtualization stack: how it virtualizes the CPU,
// memory and I/O. The zero value (all native) is bare metal: no overhead.
type Hypervisor struct {
	CPU cpu.Config
	MMU mmu.Config
	IO  iovirt.Config
}

// Defaulted fills every zero parameter with its default.
func (h Hypervisor) Defaulted() Hypervisor {
	h.CPU = h.CPU.Defaulted()
	h.MMU = h.MMU.Defaulted()
	h.IO = h.IO.Defaulted()
	return h
}

// Validate checks that the combination exists and the parameters are in
// range (call it on a Defaulted hypervisor).
func (h Hypervisor) Validate() error {
	var errs []error
	if err := mmu.Compatible(h.CPU.Technique, h.MMU.Mode); err != nil {
		errs = append(errs, err)
	}
	if err := iovirt.Compatible(h.CPU.Technique, h.IO.Mode, h.IO.PostedInterrupts); err != nil {
		errs = append(errs, err)
	}
	if err := h.CPU.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := h.MMU.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := h.IO.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Label is a short name of the configuration, e.g. "hw/nested/paravirtual".
func (h Hypervisor) Label() string {
	s := fmt.Sprintf("%s/%s/%s", h.CPU.Technique, h.MMU.Mode, h.IO.Mode)
	if h.IO.PostedInterrupts {
		s += "+posted"
	}
	switch {
	case h.MMU.GuestLargePages && h.MMU.HostLargePages:
		s += " 2M/2M"
	case h.MMU.GuestLargePages:
		s += " 2M/4K"
	case h.MMU.HostLargePages:
		s += " 4K/2M"
	}
	return s
}

// Class is an overhead class: which model a cost comes from.
type Class uint8

// Overhead classes.
const (
	ClassCPU Class = iota
	ClassMMU
	ClassIO
	NumClasses
)

var classNames = [NumClasses]string{"cpu", "mmu", "io"}

func (c Class) String() string { return classNames[c] }

// Overhead is what a profile costs on a hypervisor, per 10⁹ guest
// instructions.
//
//	S = (C0' + Σ overhead) / C0'
//
// where C0' is the native cycles with the same guest page size. Host-side
// backend cycles run outside the VM's vCPUs and are reported apart.
type Overhead struct {
	Label   string
	Profile string
	// C0 is the native cycles of 10⁹ instructions (C0' above).
	C0 float64
	// Cycles are the overhead cycles on the VM's vCPUs by class and event.
	Cycles [NumClasses]vm.Cycles
	// Slowdown is S: how much longer the guest takes than natively.
	Slowdown float64
	// HostCycles are the backend cycles on host CPU outside the VM.
	HostCycles float64
	// HostFactor is HostCycles / C0: host CPU per unit of native guest CPU.
	HostFactor float64
	// HostCPUShare is the share of all host CPU spent for the VM that is
	// backend work: HostCycles / (C0·S + HostCycles).
	HostCPUShare float64
	// Exits are VMM intercepts per 10⁹ instructions (exits, traps,
	// hypercalls), for the I/O path.
	IOExits float64
	// Warmup is the translation cache's cold start (BT only).
	Warmup cpu.Warmup
	// MemFraction is the host memory for translation structures (shadow or
	// nested page tables) as a fraction of the VM's memory.
	MemFraction float64
}

// ClassTotal is the overhead cycles of one class.
func (o Overhead) ClassTotal(c Class) float64 { return o.Cycles[c].Sum() }

// Total is all overhead cycles on the vCPUs.
func (o Overhead) Total() float64 {
	t := 0.0
	for c := range NumClasses {
		t += o.Cycles[c].Sum()
	}
	return t
}

// Evaluate prices profile p (defaulted) on the hypervisor (defaulted).
// Evaluation is O(1); models cache it per (profile, hypervisor) pair.
func (h Hypervisor) Evaluate(p *vm.Profile) Overhead {
	o := Overhead{Label: h.Label(), Profile: p.Name}
	o.C0 = p.C0() - h.MMU.NativeSaving(p)
	o.Cycles[ClassCPU] = h.CPU.Evaluate(p)
	o.Cycles[ClassMMU] = h.MMU.Evaluate(p, &h.CPU)
	var host float64
	o.Cycles[ClassIO], host = h.IO.Evaluate(p, &h.CPU)
	if h.CPU.Technique == cpu.Native {
		o.Cycles = [NumClasses]vm.Cycles{}
		host = 0
	}
	o.Slowdown = (o.C0 + o.Total()) / o.C0
	o.HostCycles = host
	o.HostFactor = host / o.C0
	o.HostCPUShare = host / (o.C0*o.Slowdown + host)
	if p.IORequests > 0 {
		o.IOExits = p.IORequests * h.IO.PerRequest(p, &h.CPU).Exits
	}
	o.Warmup = h.CPU.Warmup(p)
	if p.AddressSpaces > 0 {
		o.MemFraction = h.MMU.HostMemoryMiB(p, 1)
	}
	return o
}

// IOChoice is an I/O mode with or without posted interrupts; its names are
// the mode names plus "passthrough-posted".
type IOChoice struct {
	Mode   iovirt.Mode
	Posted bool
}

func (c IOChoice) String() string {
	if c.Posted {
		return c.Mode.String() + "-posted"
	}
	return c.Mode.String()
}

// IOChoices are the virtualized I/O choices in report order.
var IOChoices = []IOChoice{{iovirt.Emulated, false}, {iovirt.Paravirtual, false}, {iovirt.Passthrough, false}, {iovirt.Passthrough, true}}

// ParseIOChoice reads an I/O choice name.
func ParseIOChoice(s string) (IOChoice, error) {
	if s == "passthrough-posted" {
		return IOChoice{iovirt.Passthrough, true}, nil
	}
	m, err := iovirt.ParseMode(s)
	if err != nil {
		return IOChoice{}, fmt.Errorf("%w (or passthrough-posted)", err)
	}
	return IOChoice{Mode: m}, nil
}

// MMUModes are the virtualized MMU modes in report order.
var MMUModes = []mmu.Mode{mmu.Shadow, mmu.Nested, mmu.Direct}

// Combinations returns every valid hypervisor built from base (its
// parameters, generation and page sizes) with each technique, MMU mode and
// I/O choice given, in that nesting order. Invalid combinations (nested
// paging under binary translation, say) are left out.
func Combinations(base Hypervisor, techs []cpu.Technique, modes []mmu.Mode, ios []IOChoice) []Hypervisor {
	var out []Hypervisor
	for _, t := range techs {
		for _, m := range modes {
			if mmu.Compatible(t, m) != nil {
				continue
			}
			for _, io := range ios {
				if iovirt.Compatible(t, io.Mode, io.Posted) != nil {
					continue
				}
				h := base
				h.CPU.Technique, h.MMU.Mode, h.IO.Mode, h.IO.PostedInterrupts = t, m, io.Mode, io.Posted
				out = append(out, h.Defaulted())
			}
		}
	}
	return out
}

// Record turns an evaluation into its results row.
func (h Hypervisor) Record(o Overhead) results.OverheadRow {
	ioName := h.IO.Mode.String()
	if h.IO.PostedInterrupts {
		ioName += "-posted"
	}
	r := results.OverheadRow{
		Profile: o.Profile, Config: h.Label(), CPU: h.CPU.Technique.String(), MMU: h.MMU.Mode.String(), IO: ioName,
		GuestLargePages: h.MMU.GuestLargePages, HostLargePages: h.MMU.HostLargePages,
		Slowdown: o.Slowdown, NativeCycles: o.C0,
		CPUCycles: o.ClassTotal(ClassCPU), MMUCycles: o.ClassTotal(ClassMMU), IOCycles: o.ClassTotal(ClassIO),
		Breakdown: map[string]float64{}, Events: map[string]float64{},
		HostCycles: o.HostCycles, HostCPUShare: o.HostCPUShare, IOExits: o.IOExits,
		WarmupCycles: o.Warmup.Cycles, MemOverhead: o.MemFraction,
	}
	if h.CPU.Technique == cpu.HardwareAssist {
		r.Generation = h.CPU.Generation.Name
	}
	var all vm.Cycles
	for c := range NumClasses {
		r.Breakdown[c.String()] = o.Cycles[c].Sum()
		all.Add(&o.Cycles[c])
	}
	for e, v := range all {
		if v != 0 {
			r.Events[vm.Event(e).String()] = v
		}
	}
	return r
}
