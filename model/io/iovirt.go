package iovirt

import (
	"errors"
	"fmt"
	"math"

	"github.com/simrun/simrun/internal/suggest"
	"github.com/simrun/simrun/model/cpu"
	"github.com/simrun/simrun/model/vm"
)

// Mode is how a VM's I/O device is virtualized.
type Mode uint8

// Modes.
const (
	// Native: no hypervisor.
	Native Mode = iota
	// Emulated: the hypervisor emulates a real device (an e1000-class NIC):
	// every register access is intercepted, and a device model on the host
	// moves the data (Sugerman et al. 2001).
	Emulated
	// Paravirtual: split drivers sharing a ring with a host-side backend
	// (virtio/vhost, Xen netfront/netback); one notification per batch
	// (Barham et al. 2003; Menon et al. 2006).
	Paravirtual
	// Passthrough: the guest drives a real device or an SR-IOV virtual
	// function through the IOMMU; only interrupt delivery is virtualized
	// (Gordon et al., ELI, ASPLOS 2012).
	Passthrough
)

var modeNames = [...]string{"native", "emulated", "paravirtual", "passthrough"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "unknown"
}

// ParseMode reads "native", "emulated", "paravirtual" or "passthrough".
func ParseMode(s string) (Mode, error) {
	i, err := suggest.Index("I/O mode", s, modeNames[:])
	return Mode(max(i, 0)), err
}

// Compatible reports whether an I/O mode works with a CPU technique:
// passthrough needs an IOMMU-era hypervisor (hw or pv), and posted
// (exit-less) interrupts need hardware assist.
func Compatible(t cpu.Technique, m Mode, posted bool) error {
	switch {
	case t == cpu.Native && m != Native:
		return fmt.Errorf("io %q needs a hypervisor (cpu is native)", m)
	case t != cpu.Native && m == Native:
		return fmt.Errorf("io \"native\" is only for cpu \"native\"; use emulated, paravirtual or passthrough")
	case m == Passthrough && t != cpu.HardwareAssist && t != cpu.Paravirtual:
		return fmt.Errorf("io \"passthrough\" needs an IOMMU and cpu hw or pv, not %q", t)
	case posted && (m != Passthrough || t != cpu.HardwareAssist):
		return fmt.Errorf("posted interrupts apply to io \"passthrough\" with cpu \"hw\" only")
	}
	return nil
}

// Config is a hypervisor's I/O virtualization. Cycle costs without a
// published figure are marked [ASSUMPTION]; all can be overridden.
type Config struct {
	Mode Mode
	// PostedInterrupts: device interrupts reach the guest without exits
	// (posted interrupts with a virtual APIC, or ELI). Passthrough + hw only.
	PostedInterrupts bool
	// RegAccesses: register accesses per request for an emulated device
	// (default 4; the calibration gives 3-6 for an e1000-class NIC
	// [ASSUMPTION]).
	RegAccesses float64
	// Batch: requests per notification and per interrupt on a paravirtual
	// ring (default 8) [ASSUMPTION].
	Batch float64
	// RingCycles: guest cycles to post one request on a paravirtual ring
	// (default 300) [ASSUMPTION].
	RingCycles float64
	// KickCycles: the host's handling of one paravirtual notification after
	// the intercept (default 500; an in-kernel eventfd) [ASSUMPTION].
	KickCycles float64
	// InjectCycles: injecting one virtual interrupt (default 300) and
	// EOICycles: emulating the guest's end-of-interrupt write after its
	// exit (default 1000) [ASSUMPTION].
	InjectCycles, EOICycles float64
	// DeviceModelCycles and DeviceModelPerByte: host cycles of the device
	// model (a user-space process such as QEMU) per emulated request and
	// per byte (defaults 25 000 and 2) [ASSUMPTION; Sugerman et al. 2001
	// report 5-6× native CPU to saturate 100 Mb/s with a hosted VMM].
	DeviceModelCycles, DeviceModelPerByte float64
	// BackendCycles and BackendPerByte: host cycles of a paravirtual
	// backend (vhost thread, netback in dom0) per request and per byte
	// (defaults 4000 and 0.5) [ASSUMPTION].
	BackendCycles, BackendPerByte float64
	// BackendThreads: host threads serving the backend queue shared by the
	// VMs of a host (default 1).
	BackendThreads int
	// CV: coefficient of variation of per-request costs in the
	// request-level simulation (0 deterministic, 1 exponential; default 1).
	CV float64
}

// Defaulted fills zero fields. A negative CV means 0 (deterministic).
func (c Config) Defaulted() Config {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.RegAccesses, 4)
	def(&c.Batch, 8)
	def(&c.RingCycles, 300)
	def(&c.KickCycles, 500)
	def(&c.InjectCycles, 300)
	def(&c.EOICycles, 1000)
	def(&c.DeviceModelCycles, 25000)
	def(&c.DeviceModelPerByte, 2)
	def(&c.BackendCycles, 4000)
	def(&c.BackendPerByte, 0.5)
	def(&c.CV, 1)
	if c.CV < 0 {
		c.CV = 0
	}
	if c.BackendThreads == 0 {
		c.BackendThreads = 1
	}
	return c
}

// Validate checks ranges.
func (c *Config) Validate() error {
	var errs []error
	for _, f := range []struct {
		k         string
		v, lo, hi float64
	}{
		{"reg_accesses", c.RegAccesses, 0, 1000}, {"batch", c.Batch, 1, 4096},
		{"ring_cycles", c.RingCycles, 0, 1e9}, {"kick_cycles", c.KickCycles, 0, 1e9},
		{"inject_cycles", c.InjectCycles, 0, 1e9}, {"eoi_cycles", c.EOICycles, 0, 1e9},
		{"device_model_cycles", c.DeviceModelCycles, 0, 1e9}, {"device_model_per_byte", c.DeviceModelPerByte, 0, 1e6},
		{"backend_cycles", c.BackendCycles, 0, 1e9}, {"backend_per_byte", c.BackendPerByte, 0, 1e6},
		{"cv", c.CV, 0, 10}, {"backend_threads", float64(c.BackendThreads), 1, 1024},
	} {
		if math.IsNaN(f.v) || f.v < f.lo || f.v > f.hi {
			errs = append(errs, fmt.Errorf("%s: must be in [%g, %g], got %g", f.k, f.lo, f.hi, f.v))
		}
	}
	return errors.Join(errs...)
}

// Request is the price of one I/O request.
type Request struct {
	// Guest is the overhead cycles on the VM's vCPU (exits, emulation,
	// ring work, interrupt delivery), beyond what the native driver does.
	Guest float64
	// Interrupt is the part of Guest spent delivering interrupts.
	Interrupt float64
	// Host is the cycles of host-side backend work (device model or
	// paravirtual backend) that run on host CPU outside the VM.
	Host float64
	// Exits is the VMM intercepts per request.
	Exits float64
}

// irq is the guest-side cost of delivering one device interrupt and
// handling its end-of-interrupt write.
func (c *Config) irq(cc *cpu.Config) (cycles, exits float64) {
	switch cc.Technique {
	case cpu.Native:
		return 0, 0
	case cpu.HardwareAssist:
		if c.PostedInterrupts {
			return 0, 0
		}
		// External-interrupt exit, injection on entry, EOI exit.
		return 2*cc.Exit() + c.InjectCycles + c.EOICycles, 2
	case cpu.BinaryTranslation:
		// The interrupt traps into the VMM; the EOI write is emulated in
		// translated code like Adams & Agesen's `in`.
		return cc.AsyncIntercept() + c.InjectCycles + cpu.BTIn, 1
	case cpu.Paravirtual:
		// An event-channel upcall and an unmask hypercall.
		return c.InjectCycles + cc.Intercept(), 1
	}
	return 2*cc.Intercept() + c.InjectCycles + c.EOICycles, 2 // trap
}

// PerRequest prices one request of p's size under the mode.
func (c *Config) PerRequest(p *vm.Profile, cc *cpu.Config) Request {
	irq, irqExits := c.irq(cc)
	var r Request
	switch c.Mode {
	case Emulated:
		r.Interrupt = p.IRQPerRequest * irq
		r.Guest = c.RegAccesses*cc.RegAccess() + r.Interrupt
		r.Host = c.DeviceModelCycles + c.DeviceModelPerByte*p.IOBytes
		r.Exits = c.RegAccesses + p.IRQPerRequest*irqExits
		if cc.Technique == cpu.BinaryTranslation {
			r.Exits = p.IRQPerRequest * irqExits
		}
	case Paravirtual:
		kick := cc.Intercept() + c.KickCycles
		if cc.Technique == cpu.BinaryTranslation {
			kick = cpu.BTIn // a port write emulated in translated code
		}
		r.Interrupt = irq / c.Batch
		r.Guest = c.RingCycles + kick/c.Batch + r.Interrupt
		r.Host = c.BackendCycles + c.BackendPerByte*p.IOBytes
		r.Exits = (1 + irqExits) / c.Batch
	case Passthrough:
		r.Interrupt = p.IRQPerRequest * irq
		r.Guest = r.Interrupt
		r.Exits = p.IRQPerRequest * irqExits
	}
	return r
}

// Evaluate returns the I/O overhead of p on the VM's vCPU, in cycles per
// 10⁹ guest instructions by event kind, and the host-side backend cycles
// per 10⁹ guest instructions.
func (c *Config) Evaluate(p *vm.Profile, cc *cpu.Config) (vm.Cycles, float64) {
	var o vm.Cycles
	if p.IORequests == 0 || c.Mode == Native {
		return o, 0
	}
	r := c.PerRequest(p, cc)
	o[vm.EvIORequest] = p.IORequests * (r.Guest - r.Interrupt)
	o[vm.EvInterrupt] = p.IORequests * r.Interrupt
	return o, p.IORequests * r.Host
}
