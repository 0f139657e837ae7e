package cpu

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/simrun/simrun/internal/suggest"
	"github.com/simrun/simrun/model/vm"
)

// Technique is how a hypervisor keeps control of the processor.
type Technique uint8

// Techniques.
const (
	// Native: no hypervisor (the baseline).
	Native Technique = iota
	// TrapEmulate: the guest kernel runs deprivileged and every sensitive
	// instruction traps to the VMM, which emulates it (Popek & Goldberg
	// 1974). Classic x86 cannot do this (some sensitive instructions do not
	// trap); the model prices an idealised virtualizable ISA.
	TrapEmulate
	// BinaryTranslation: guest kernel code is translated into a translation
	// cache; sensitive instructions are rewritten into VMM code (VMware,
	// Adams & Agesen 2006). User code runs directly.
	BinaryTranslation
	// Paravirtual: the guest kernel is modified to call the hypervisor
	// (hypercalls) instead of executing privileged instructions (Xen,
	// Barham et al. 2003).
	Paravirtual
	// HardwareAssist: the guest runs in VMX non-root mode and the CPU exits
	// to the VMM on events the VMM asked to see (Intel VT-x, AMD-V).
	HardwareAssist
)

var techniqueNames = [...]string{"native", "trap", "bt", "pv", "hw"}

// Techniques lists the virtualizing techniques (not Native) in report order.
var Techniques = []Technique{TrapEmulate, BinaryTranslation, Paravirtual, HardwareAssist}

func (t Technique) String() string {
	if int(t) < len(techniqueNames) {
		return techniqueNames[t]
	}
	return "unknown"
}

// techniqueAliases are the other names students use.
var techniqueAliases = map[string]Technique{
	"vtx": HardwareAssist, "vt-x": HardwareAssist, "amd-v": HardwareAssist, "svm": HardwareAssist,
	"hardware-assist": HardwareAssist, "binary-translation": BinaryTranslation,
	"paravirtual": Paravirtual, "paravirtualization": Paravirtual, "trap-and-emulate": TrapEmulate,
}

// ParseTechnique reads "native", "trap", "bt", "pv" or "hw".
func ParseTechnique(s string) (Technique, error) {
	if t, ok := techniqueAliases[strings.ToLower(s)]; ok {
		return t, nil
	}
	i, err := suggest.Index("CPU technique", s, techniqueNames[:])
	return Technique(max(i, 0)), err
}

// Generation is a processor generation's hardware-assist cost: the round
// trip of one VM exit and re-entry, in cycles, before any handling.
type Generation struct {
	Name       string
	ExitCycles float64
	About      string
}

// Generations, oldest first. Agesen et al. (USENIX ATC 2012) report the
// VM exit round trip falling from about 4 000 cycles on the Pentium 4 to
// about 800 on Sandy Bridge; the intermediate values are interpolated
// [ASSUMPTION: their table was not available to us]. Landau et al. (SplitX,
// WIOV 2011) measure ≈ 2 000 cycles for a KVM exit on Nehalem including
// KVM's own entry and exit code, which the handler costs below carry.
var Generations = []Generation{
	{"p4", 4000, "Pentium 4 (Prescott), first VT-x (2005): the machine of Adams & Agesen 2006"},
	{"core2", 2000, "Core 2 (Merom/Penryn), 2006-2008"},
	{"nehalem", 1200, "Nehalem/Westmere, 2008-2010: first EPT"},
	{"sandybridge", 800, "Sandy Bridge and later, 2011-"},
}

// DefaultGeneration is the newest generation.
const DefaultGeneration = "sandybridge"

// GenerationNames lists the generations' names.
func GenerationNames() []string {
	out := make([]string, len(Generations))
	for i, g := range Generations {
		out[i] = g.Name
	}
	return out
}

// LookupGeneration finds a generation by name.
func LookupGeneration(name string) (Generation, error) {
	for _, g := range Generations {
		if g.Name == name {
			return g, nil
		}
	}
	_, err := suggest.Index("CPU generation", name, GenerationNames())
	return Generation{}, err
}

// Published per-operation cycles of Adams & Agesen (ASPLOS 2006), measured
// on a 3.8 GHz Pentium 4 672: native, software VMM (BT) and hardware VMM
// (first-generation VT-x), both with shadow paging.
const (
	NativeSyscallExtra = 0 // a system call costs n natively; the table gives n, n+2000, ≈n
	NativeIn           = 3209
	NativeCR8Write     = 140
	NativeCallRet      = 11
	NativePageFault    = 1093
	NativeDivZero      = 889
	NativePTEMod       = 1

	BTSyscallExtra = 2000
	BTIn           = 214
	BTCR8Write     = 35
	BTCallRet      = 51
	BTPageFault    = 3927
	BTDivZero      = 3223
	BTPTEMod       = 391

	VTxIn        = 15826
	VTxPageFault = 11242
	VTxDivZero   = 1014
	VTxPTEMod    = 12733
	// VT-x cr8wr, call/ret and syscall run at native cost (TPR shadowing;
	// no exit for control flow or system calls).
)

// Derived per-event costs (cycles). The exit-based handler costs are the
// VT-x rows minus one p4 exit round trip: they are the VMM's own work
// (decode the trapping instruction, emulate, update shadow state).
const (
	// BT: the fault path (the VMM owns the IDT: a hardware trap into the
	// VMM, then re-delivery of the fault into translated guest code) and
	// the shadow fill on a page fault. The trap itself is TrapCycles; the
	// rest is handler work.
	btFaultPath    = BTDivZero - NativeDivZero                   // 2334
	btFaultHandler = btFaultPath - TrapCycles                    // 1445
	BTShadowFill   = BTPageFault - NativePageFault - btFaultPath // 500
	BTPTEWrite     = BTPTEMod - NativePTEMod                     // 390
	// A guest system call under BT traps into the VMM, which enters the
	// translated guest kernel: 2000 cycles, of which one trap.
	btSyscallHandler = BTSyscallExtra - TrapCycles // 1111

	// Hardware assist: fault reflection into the guest (no exit).
	hwFaultReflect = VTxDivZero - NativeDivZero // 125
	p4Exit         = 4000
	// ExitPortHandler emulates one device register access after an exit.
	ExitPortHandler = VTxIn - p4Exit // 11826
	// ExitPTEHandler emulates one trapped page-table write and updates the
	// shadow entry.
	ExitPTEHandler = VTxPTEMod - NativePTEMod - p4Exit // 8732
	// ExitShadowFill handles a shadow page fault after an exit.
	ExitShadowFill = VTxPageFault - NativePageFault - hwFaultReflect - p4Exit // 6024

	// TrapCycles is a hardware trap into a more privileged ring and back:
	// the native divide-error round trip [DERIVED].
	TrapCycles = NativeDivZero
	// reflectCycles: the VMM bouncing a trap or system call into the guest
	// kernel's handler [ASSUMPTION].
	reflectCycles = 300
	// trapPrivEmulate: emulating one privileged instruction after a trap
	// [ASSUMPTION].
	trapPrivEmulate = 200
	// ShadowSwitchHandler: finding (or building) the shadow root on a guest
	// address-space switch [ASSUMPTION; the calibration's 2-4 k cycles
	// includes the exit].
	ShadowSwitchHandler = 1500
	// HypercallCycles is a hypercall round trip on x86 (Dall et al., ISCA
	// 2016: ≈ 1.2-1.3 k) [ASSUMPTION: table not seen].
	HypercallCycles = 1250
)

// Config is a hypervisor's CPU virtualization.
type Config struct {
	Technique Technique
	// Generation prices hardware-assist exits (HardwareAssist only).
	Generation Generation
	// ExitCycles overrides Generation.ExitCycles when > 0.
	ExitCycles float64
	// Kappa is the indirect cost of a world switch (cache and TLB
	// pollution) as a fraction of its direct cost; it multiplies the
	// exit, trap and hypercall round trips, not the handlers. The
	// nanobenchmarks are hot loops and see Kappa = 0. Default 0.5
	// [ASSUMPTION]; SplitX reports indirect costs up to 10× the direct.
	Kappa float64
	// Binary translation's translation cache.
	TCacheKiB float64 // capacity in guest-code KiB (default 4096)
	// TranslateCycles per basic block translated (default 3000; the
	// calibration gives 1-5 k as an [ASSUMPTION]).
	TranslateCycles float64
	// BlockInstructions: mean guest instructions per basic block (default 5).
	BlockInstructions float64
	// BlockBytes: mean guest code bytes per basic block (default 16).
	BlockBytes float64
	// MissFloor: the translation-cache miss ratio of a warm cache that holds
	// the whole footprint (invalidations, self-modifying code). Default 1e-5,
	// so the warm hit rate is 99.999 % (the calibration: > 99.9 %).
	MissFloor float64
	// HypercallShare: the fraction of privileged operations a
	// paravirtualized kernel still makes as hypercalls (the rest become
	// writes to memory shared with the hypervisor). Default 0.1
	// [ASSUMPTION].
	HypercallShare float64
}

// Defaulted fills zero fields with their defaults. Kappa < 0 means 0.
func (c Config) Defaulted() Config {
	if c.Generation.Name == "" {
		c.Generation, _ = LookupGeneration(DefaultGeneration)
	}
	if c.Kappa == 0 {
		c.Kappa = 0.5
	}
	if c.Kappa < 0 {
		c.Kappa = 0
	}
	if c.TCacheKiB == 0 {
		c.TCacheKiB = 4096
	}
	if c.TranslateCycles == 0 {
		c.TranslateCycles = 3000
	}
	if c.BlockInstructions == 0 {
		c.BlockInstructions = 5
	}
	if c.BlockBytes == 0 {
		c.BlockBytes = 16
	}
	if c.MissFloor == 0 {
		c.MissFloor = 1e-5
	}
	if c.HypercallShare == 0 {
		c.HypercallShare = 0.1
	}
	return c
}

// Validate checks ranges.
func (c *Config) Validate() error {
	var errs []error
	pos := func(k string, v float64) {
		if !(v > 0) || math.IsInf(v, 0) {
			errs = append(errs, fmt.Errorf("%s: must be > 0, got %g", k, v))
		}
	}
	pos("translation_cache_kib", c.TCacheKiB)
	pos("translate_cycles", c.TranslateCycles)
	pos("block_instructions", c.BlockInstructions)
	pos("block_bytes", c.BlockBytes)
	if c.ExitCycles < 0 {
		errs = append(errs, fmt.Errorf("exit_cycles: must be ≥ 0, got %g", c.ExitCycles))
	}
	if !(c.MissFloor >= 0 && c.MissFloor <= 1) {
		errs = append(errs, fmt.Errorf("miss_floor: must be in [0, 1], got %g", c.MissFloor))
	}
	if !(c.HypercallShare >= 0 && c.HypercallShare <= 1) {
		errs = append(errs, fmt.Errorf("hypercall_share: must be in [0, 1], got %g", c.HypercallShare))
	}
	if !(c.Kappa >= 0 && c.Kappa <= 100) {
		errs = append(errs, fmt.Errorf("kappa: must be in [0, 100], got %g", c.Kappa))
	}
	return errors.Join(errs...)
}

// Exit is the cost of one VM exit round trip including its indirect cost.
func (c *Config) Exit() float64 {
	e := c.Generation.ExitCycles
	if c.ExitCycles > 0 {
		e = c.ExitCycles
	}
	return e * (1 + c.Kappa)
}

// Intercept is what it costs the VMM to gain control on a guest event and
// return, before handling it: a VM exit (hw), a trap (trap), a hypercall
// (pv), or nothing for code the binary translator already rewrote (bt).
func (c *Config) Intercept() float64 {
	switch c.Technique {
	case HardwareAssist:
		return c.Exit()
	case TrapEmulate:
		return TrapCycles * (1 + c.Kappa)
	case Paravirtual:
		return HypercallCycles * (1 + c.Kappa)
	}
	return 0
}

// AsyncIntercept is the VMM gaining control on an asynchronous event (an
// interrupt or a fault the guest did not expect): under BT this is a
// hardware trap into the VMM, otherwise the same as Intercept.
func (c *Config) AsyncIntercept() float64 {
	if c.Technique == BinaryTranslation {
		return TrapCycles * (1 + c.Kappa)
	}
	return c.Intercept()
}

// FaultEntry is the cost for the VMM to intercept a guest fault and
// re-deliver it under BT: a trap into the VMM (with its indirect cost) and
// the fault-path handler; 2334 cycles in a hot loop (Kappa = 0).
func (c *Config) FaultEntry() float64 { return c.AsyncIntercept() + btFaultHandler }

// nativeMMIO is the native cost of one register access to a modern NIC or
// disk controller (an uncached MMIO write) [ASSUMPTION].
const nativeMMIO = 200

// RegAccess is the overhead of one register access of an emulated I/O
// device, relative to the native driver's access to a real device (MMIO,
// NativeMMIO cycles) rather than to a legacy port.
func (c *Config) RegAccess() float64 {
	if c.Technique == Native {
		return 0
	}
	return c.PortAccess() + NativeIn - nativeMMIO
}

// PortAccess is the overhead of one emulated device register access (port
// or MMIO) relative to a native access to real hardware. Under BT it is
// negative: the translated code emulates the register in a few hundred
// cycles, less than a real device access (Adams & Agesen's `in` row).
func (c *Config) PortAccess() float64 {
	switch c.Technique {
	case Native:
		return 0
	case BinaryTranslation:
		return BTIn - NativeIn
	}
	return c.Intercept() + ExitPortHandler - NativeIn
}

// TranslationHitRate is the steady-state translation-cache hit rate for a
// kernel code footprint: with the footprint inside the cache only the
// floor misses; beyond it, with references spread over the footprint, a
// fraction capacity/footprint of them hit.
func (c *Config) TranslationHitRate(footprintKiB float64) float64 {
	h := 1 - c.MissFloor
	if footprintKiB > c.TCacheKiB {
		h *= c.TCacheKiB / footprintKiB
	}
	return h
}

// Warmup describes the translation cache's cold start after boot or
// migration: every block of the footprint that fits is translated once.
type Warmup struct {
	Blocks       float64 // distinct blocks translated
	Cycles       float64 // Blocks × TranslateCycles
	Instructions float64 // guest instructions executed until the cache is warm (≈ Blocks·ln Blocks block executions, coupon collector)
}

// Warmup is the cold-cache transient for p (zero except under BT).
func (c *Config) Warmup(p *vm.Profile) Warmup {
	if c.Technique != BinaryTranslation || p.KernelShare == 0 || p.KernelFootprintKiB == 0 {
		return Warmup{}
	}
	b := math.Min(p.KernelFootprintKiB, c.TCacheKiB) * 1024 / c.BlockBytes
	exec := b * math.Max(1, math.Log(b))
	return Warmup{Blocks: b, Cycles: b * c.TranslateCycles, Instructions: exec * c.BlockInstructions / p.KernelShare}
}

// Evaluate returns the CPU-virtualization overhead of p, in cycles per 10⁹
// guest instructions by event kind. The page-fault entry holds only the
// cost of delivering the fault; shadow-table work is the MMU model's.
func (c *Config) Evaluate(p *vm.Profile) vm.Cycles {
	var o vm.Cycles
	switch c.Technique {
	case Native:
		return o
	case BinaryTranslation:
		o[vm.EvSyscall] = p.Syscalls * (c.AsyncIntercept() + btSyscallHandler)
		o[vm.EvPrivOp] = p.PrivOps * (BTCR8Write - NativeCR8Write)
		o[vm.EvKernelIndirect] = p.KernelIndirect * (BTCallRet - NativeCallRet)
		o[vm.EvFault] = p.Faults * c.FaultEntry()
		o[vm.EvPageFault] = p.PageFaults * c.FaultEntry()
		blocks := p.KernelShare * 1e9 / c.BlockInstructions
		o[vm.EvTranslation] = (1 - c.TranslationHitRate(p.KernelFootprintKiB)) * blocks * c.TranslateCycles
	case HardwareAssist:
		// System calls, TPR writes (TPR shadow) and control flow do not exit.
		o[vm.EvFault] = p.Faults * hwFaultReflect
		o[vm.EvPageFault] = p.PageFaults * hwFaultReflect
	case TrapEmulate:
		t := c.Intercept()
		o[vm.EvSyscall] = p.Syscalls * (t + reflectCycles)
		o[vm.EvPrivOp] = p.PrivOps * (t + trapPrivEmulate - NativeCR8Write)
		o[vm.EvFault] = p.Faults * (t + reflectCycles)
		o[vm.EvPageFault] = p.PageFaults * (t + reflectCycles)
	case Paravirtual:
		// Xen's fast system-call path (x86-32) goes straight to the guest
		// kernel; exceptions bounce through the hypervisor.
		hc := c.Intercept()
		o[vm.EvPrivOp] = p.PrivOps * c.HypercallShare * hc
		o[vm.EvFault] = p.Faults * (hc + reflectCycles)
		o[vm.EvPageFault] = p.PageFaults * (hc + reflectCycles)
	}
	o[vm.EvPortIO] = p.PortIO * c.PortAccess()
	return o
}
