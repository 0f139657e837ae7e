package mmu

import (
	"errors"
	"fmt"

	"github.com/simrun/simrun/internal/suggest"
	"github.com/simrun/simrun/model/cpu"
	"github.com/simrun/simrun/model/vm"
)

// Mode is how guest virtual addresses become host physical addresses.
type Mode uint8

// Modes.
const (
	// Native: no hypervisor; the guest's own page tables.
	Native Mode = iota
	// Shadow: the VMM keeps a shadow page table (guest virtual → host
	// physical) that the hardware walks; guest page tables are write-
	// protected so every change traps, and shadow entries are filled on
	// demand (hidden faults).
	Shadow
	// Nested: the hardware walks the guest table and, for every guest
	// physical address on the way, the host's table (EPT/NPT): no traps on
	// page-table changes, but a TLB miss walks two dimensions.
	Nested
	// Direct: paravirtual direct paging (Xen PV): the guest's tables map to
	// host frames, and the guest asks the hypervisor to validate each
	// update with batched hypercalls. Only with the pv CPU technique.
	Direct
)

var modeNames = [...]string{"native", "shadow", "nested", "direct"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "unknown"
}

// ParseMode reads "native", "shadow", "nested" or "direct".
func ParseMode(s string) (Mode, error) {
	i, err := suggest.Index("MMU mode", s, modeNames[:])
	return Mode(max(i, 0)), err
}

// Compatible reports whether an MMU mode can be used with a CPU technique,
// and why not: nested paging exists only in hardware-assisted guest mode
// (and for paravirtual guests run in it, Xen PVH); direct paging only for
// paravirtual kernels; native only without a hypervisor.
func Compatible(t cpu.Technique, m Mode) error {
	switch {
	case t == cpu.Native && m != Native:
		return fmt.Errorf("mmu %q needs a hypervisor (cpu is native)", m)
	case t != cpu.Native && m == Native:
		return fmt.Errorf("mmu \"native\" is only for cpu \"native\"; a %s hypervisor uses shadow%s paging", t, map[bool]string{true: ", nested or direct", false: " or nested"}[t == cpu.Paravirtual])
	case m == Nested && t != cpu.HardwareAssist && t != cpu.Paravirtual:
		return fmt.Errorf("mmu \"nested\" needs hardware-assisted guest mode (cpu hw, or pv as Xen PVH), not cpu %q", t)
	case m == Direct && t != cpu.Paravirtual:
		return fmt.Errorf("mmu \"direct\" is paravirtual direct paging and needs cpu \"pv\", not %q", t)
	}
	return nil
}

// Walk references. A radix page table with n levels takes n memory
// references to translate an address; a two-dimensional walk over an
// n-level guest table whose every level (and the final guest physical
// address) is translated by an m-level host table takes (n+1)(m+1) − 1
// (Bhargava et al., ASPLOS 2008): 24 for 4K/4K, 19 with 2 MiB pages on one
// side, 15 with 2 MiB pages on both.

// Levels is the number of page-table levels of x86-64 for 4 KiB pages (4)
// or 2 MiB pages (3).
func Levels(large bool) int {
	if large {
		return 3
	}
	return 4
}

// Walk2D is the references of a two-dimensional walk.
func Walk2D(guestLevels, hostLevels int) int { return (guestLevels+1)*(hostLevels+1) - 1 }

// Page-walk caches: Park et al. ("Every Walk's a Hit") measure on average
// 1.5 memory references per native walk and 4.4 per nested walk with
// page-walk caches. We scale every walk by those ratios.
const (
	pwcNative = 1.5 / 4
	pwcNested = 4.4 / 24
)

// Config is a hypervisor's memory virtualization.
type Config struct {
	Mode Mode
	// GuestLargePages: the guest maps its memory with 2 MiB pages.
	GuestLargePages bool
	// HostLargePages: the host backs guest memory with 2 MiB pages.
	HostLargePages bool
	// NoPageWalkCache turns off the page-walk caches (every walk reference
	// goes to the memory hierarchy).
	NoPageWalkCache bool
	// RefCycles is the mean cost of one page-walk memory reference: walks
	// mostly hit the L2/L3 caches (default 20) [ASSUMPTION].
	RefCycles float64
	// PTEBatch is how many page-table updates a paravirtual kernel batches
	// into one hypercall (Direct; default 16) [ASSUMPTION].
	PTEBatch float64
	// ShadowRoots: how many guest address spaces the VMM keeps shadow
	// tables for at once (default 8) [ASSUMPTION].
	ShadowRoots float64
}

// Costs of Direct (paravirtual) paging not published in our sources
// [ASSUMPTION].
const (
	validateCycles = 150 // checking one PTE update in the hypervisor
	pinCycles      = 500 // checking a pinned page-table root on a switch
)

// Defaulted fills zero fields.
func (c Config) Defaulted() Config {
	if c.RefCycles == 0 {
		c.RefCycles = 20
	}
	if c.PTEBatch == 0 {
		c.PTEBatch = 16
	}
	if c.ShadowRoots == 0 {
		c.ShadowRoots = 8
	}
	return c
}

// Validate checks ranges.
func (c *Config) Validate() error {
	var errs []error
	if !(c.RefCycles > 0 && c.RefCycles < 1e6) {
		errs = append(errs, fmt.Errorf("walk_ref_cycles: must be in (0, 1e6), got %g", c.RefCycles))
	}
	if !(c.PTEBatch >= 1 && c.PTEBatch <= 4096) {
		errs = append(errs, fmt.Errorf("pte_batch: must be in [1, 4096], got %g", c.PTEBatch))
	}
	if !(c.ShadowRoots >= 1 && c.ShadowRoots <= 4096) {
		errs = append(errs, fmt.Errorf("shadow_roots: must be in [1, 4096], got %g", c.ShadowRoots))
	}
	return errors.Join(errs...)
}

// WalkRefs is the memory references of one TLB miss under the mode,
// after the page-walk caches unless they are off.
func (c *Config) WalkRefs() float64 {
	g, h := Levels(c.GuestLargePages), Levels(c.HostLargePages)
	var refs, pwc float64
	switch c.Mode {
	case Nested:
		refs, pwc = float64(Walk2D(g, h)), pwcNested
	case Shadow:
		// The shadow table maps guest virtual to host physical directly; it
		// can use a large page only where guest and host both do.
		refs, pwc = float64(Levels(c.GuestLargePages && c.HostLargePages)), pwcNative
	default:
		refs, pwc = float64(g), pwcNative
	}
	if c.NoPageWalkCache {
		return refs
	}
	return refs * pwc
}

// nativeWalkRefs is the native walk for the same guest page size.
func (c *Config) nativeWalkRefs() float64 {
	n := Config{Mode: Native, GuestLargePages: c.GuestLargePages, NoPageWalkCache: c.NoPageWalkCache}
	return n.WalkRefs()
}

// tlbMisses under the mode: a TLB entry maps the smaller of the guest and
// host pages, so the guest's large pages cut misses only where the host
// backs them with large pages too (or there is no host).
func (c *Config) tlbMisses(p *vm.Profile) float64 {
	large := c.GuestLargePages && (c.HostLargePages || c.Mode == Native || c.Mode == Direct)
	if large {
		return p.TLBMisses * p.LargePageTLBFactor
	}
	return p.TLBMisses
}

// NativeTranslation is the native address-translation cycles of p (per 10⁹
// instructions) with the configured guest page size: what the guest would
// spend on TLB misses without a hypervisor.
func (c *Config) NativeTranslation(p *vm.Profile) float64 {
	miss := p.TLBMisses
	if c.GuestLargePages {
		miss *= p.LargePageTLBFactor
	}
	return miss * c.nativeWalkRefs() * c.RefCycles
}

// NativeSaving is how many cycles per 10⁹ instructions large guest pages
// save natively (the slowdown's baseline is native with the same pages).
func (c *Config) NativeSaving(p *vm.Profile) float64 {
	four := Config{Mode: Native, NoPageWalkCache: c.NoPageWalkCache, RefCycles: c.RefCycles}
	return four.NativeTranslation(p) - c.NativeTranslation(p)
}

// Evaluate returns the memory-virtualization overhead of p under the
// mode, with the CPU technique deciding how the VMM is entered, in cycles
// per 10⁹ guest instructions by event kind.
func (c *Config) Evaluate(p *vm.Profile, cc *cpu.Config) vm.Cycles {
	var o vm.Cycles
	// TLB misses: the difference between the virtualized walk (and miss
	// count) and the native one for the same guest pages.
	o[vm.EvTLBMiss] = c.tlbMisses(p)*c.WalkRefs()*c.RefCycles - c.NativeTranslation(p)
	switch c.Mode {
	case Shadow:
		if cc.Technique == cpu.BinaryTranslation {
			// The translator knows which instructions write page tables
			// and emulates them in line; shadow fills run in the VMM
			// already entered by the fault path.
			o[vm.EvPTEWrite] = p.PTEWrites * cpu.BTPTEWrite
			o[vm.EvPageFault] = p.PageFaults * cpu.BTShadowFill
			// A hidden fault takes the same path into the VMM as a true
			// one, but is not reflected to the guest.
			o[vm.EvHiddenFault] = p.HiddenFaults * (cc.FaultEntry() + cpu.BTShadowFill)
			o[vm.EvContextSwitch] = p.ContextSwitches * cpu.ShadowSwitchHandler
			break
		}
		// Exit-based VMMs (hw, trap, pv in shadow mode) take an intercept
		// per event and must decode the trapping instruction.
		in := cc.Intercept()
		o[vm.EvPTEWrite] = p.PTEWrites * (in + cpu.ExitPTEHandler)
		if cc.Technique == cpu.HardwareAssist {
			// The #PF exit; the fault's delivery (125) is the CPU model's.
			o[vm.EvPageFault] = p.PageFaults * (in + cpu.ExitShadowFill)
		} else {
			// Trap and PV already entered the VMM to deliver the fault.
			o[vm.EvPageFault] = p.PageFaults * cpu.ExitShadowFill
		}
		o[vm.EvHiddenFault] = p.HiddenFaults * (in + cpu.ExitShadowFill)
		o[vm.EvContextSwitch] = p.ContextSwitches * (in + cpu.ShadowSwitchHandler)
	case Direct:
		hc := cc.Intercept()
		o[vm.EvPTEWrite] = p.PTEWrites * (hc/c.PTEBatch + validateCycles)
		o[vm.EvContextSwitch] = p.ContextSwitches * (hc + pinCycles)
	}
	return o
}

// HostMemoryMiB is the host memory the hypervisor spends on translation
// structures for one VM of ramMiB: shadow tables for up to ShadowRoots of
// the guest's address spaces, each covering half the guest's memory
// [ASSUMPTION] with 8-byte entries; or the nested (EPT) table covering the
// guest's memory once. 4 KiB pages cost 8 bytes per 4 KiB (0.2 %); 2 MiB
// pages 512 times less.
func (c *Config) HostMemoryMiB(p *vm.Profile, ramMiB float64) float64 {
	perPage := func(large bool) float64 {
		if large {
			return 8.0 / (2 << 20)
		}
		return 8.0 / 4096
	}
	switch c.Mode {
	case Shadow:
		roots := min(p.AddressSpaces, c.ShadowRoots)
		return ramMiB * 0.5 * roots * perPage(c.GuestLargePages && c.HostLargePages)
	case Nested:
		return ramMiB * perPage(c.HostLargePages)
	}
	return 0
}
