package host

import (
	"math"
	"testing"

	"github.com/simrun/simrun/model/cpu"
	iovirt "github.com/simrun/simrun/model/io"
	"github.com/simrun/simrun/model/mmu"
	"github.com/simrun/simrun/model/vm"
)

func hyp(t cpu.Technique, gen string, m mmu.Mode, io iovirt.Mode, kappa float64) Hypervisor {
	g, err := cpu.LookupGeneration(gen)
	if err != nil {
		panic(err)
	}
	h := Hypervisor{CPU: cpu.Config{Technique: t, Generation: g, Kappa: kappa}, MMU: mmu.Config{Mode: m}, IO: iovirt.Config{Mode: io}}
	return h.Defaulted()
}

// Each Adams & Agesen (ASPLOS 2006) nanobenchmark, run as a profile with a
// single event per 10⁹ instructions, must give back its row: native cost
// plus modelled overhead equals the published cycles for BT and for
// first-generation VT-x (both with shadow paging, hot loop: Kappa = 0).
func TestNanobenchmarks(t *testing.T) {
	bt := hyp(cpu.BinaryTranslation, "p4", mmu.Shadow, iovirt.Emulated, -1)
	vtx := hyp(cpu.HardwareAssist, "p4", mmu.Shadow, iovirt.Emulated, -1)
	rows := []struct {
		name            string
		p               vm.Profile
		native, bt, vtx float64
	}{
		{"syscall", vm.Profile{Syscalls: 1}, 0, 2000, 0}, // n, n+2000, ≈n: overhead only
		{"in", vm.Profile{PortIO: 1}, 3209, 214, 15826},
		{"cr8wr", vm.Profile{PrivOps: 1}, 140, 35, 140},
		{"call/ret", vm.Profile{KernelIndirect: 1}, 11, 51, 11},
		{"pgfault", vm.Profile{PageFaults: 1}, 1093, 3927, 11242},
		{"divzero", vm.Profile{Faults: 1}, 889, 3223, 1014},
		{"ptemod", vm.Profile{PTEWrites: 1}, 1, 391, 12733},
	}
	for _, r := range rows {
		t.Run(r.name, func(t *testing.T) {
			p := r.p.Defaulted()
			for _, c := range []struct {
				h    Hypervisor
				want float64
			}{{bt, r.bt}, {vtx, r.vtx}} {
				o := c.h.Evaluate(&p)
				if got := r.native + o.Total(); got != c.want {
					t.Errorf("%s: %s = %v cycles, want %v (breakdown %v)", c.h.Label(), r.name, got, c.want, o.Cycles)
				}
			}
		})
	}
}

// The fork-heavy profile was fitted to forkwait: 6.0 s native, 36.9 s BT,
// 106.4 s VT-x (Adams & Agesen 2006), with default parameters.
func TestForkwaitFit(t *testing.T) {
	p, _ := vm.BuiltinProfile("fork-heavy")
	for _, c := range []struct {
		h    Hypervisor
		want float64
	}{
		{hyp(cpu.BinaryTranslation, "p4", mmu.Shadow, iovirt.Emulated, 0), 36.9 / 6.0},
		{hyp(cpu.HardwareAssist, "p4", mmu.Shadow, iovirt.Emulated, 0), 106.4 / 6.0},
	} {
		got := c.h.Evaluate(&p).Slowdown
		if math.Abs(got-c.want)/c.want > 0.01 {
			t.Errorf("%s: forkwait slowdown %.3f, want %.3f ± 1%%", c.h.Label(), got, c.want)
		}
	}
	// And the lesson: on this workload BT beats first-generation VT-x, and
	// nested paging beats both.
	bt := hyp(cpu.BinaryTranslation, "p4", mmu.Shadow, iovirt.Emulated, 0).Evaluate(&p).Slowdown
	hw := hyp(cpu.HardwareAssist, "p4", mmu.Shadow, iovirt.Emulated, 0).Evaluate(&p).Slowdown
	np := hyp(cpu.HardwareAssist, "nehalem", mmu.Nested, iovirt.Emulated, 0).Evaluate(&p).Slowdown
	if !(np < bt && bt < hw) {
		t.Errorf("want nested (%v) < BT (%v) < VT-x shadow (%v)", np, bt, hw)
	}
}

func allHypervisors() []Hypervisor {
	var out []Hypervisor
	for _, g := range cpu.Generations {
		for _, lp := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			base := Hypervisor{CPU: cpu.Config{Generation: g}, MMU: mmu.Config{GuestLargePages: lp[0], HostLargePages: lp[1]}}
			out = append(out, Combinations(base, cpu.Techniques, MMUModes, IOChoices)...)
		}
	}
	return out
}

// A compute-bound guest barely notices any hypervisor.
func TestComputeBoundSmallOverhead(t *testing.T) {
	p, _ := vm.BuiltinProfile("compute-bound")
	hs := allHypervisors()
	if len(hs) < 100 {
		t.Fatalf("only %d combinations", len(hs))
	}
	for _, h := range hs {
		o := h.Evaluate(&p)
		if o.Slowdown > 1.03 || o.Slowdown < 1 {
			t.Errorf("%s (%s): compute-bound slowdown %.4f, want within 3%%", h.Label(), h.CPU.Generation.Name, o.Slowdown)
		}
	}
}

func scaled(p vm.Profile, f func(*vm.Profile, float64), k float64) vm.Profile {
	f(&p, k)
	return p
}

// runCycles is the virtualized run time of 10⁹ instructions in cycles:
// native cycles with the configured guest pages (C0') times the slowdown.
// The PTE and TLB monotonicity checks compare overhead cycles instead,
// because scaling a count at a fixed CPI changes the native baseline.
func runCycles(h *Hypervisor, p *vm.Profile) float64 {
	o := h.Evaluate(p)
	return o.C0 * o.Slowdown
}

func TestMonotonicity(t *testing.T) {
	hs := allHypervisors()
	for _, name := range vm.ProfileNames() {
		base, _ := vm.BuiltinProfile(name)
		for _, h := range hs {
			prev := map[string]float64{}
			for _, k := range []float64{0, 0.5, 1, 2, 4, 16} {
				pte := scaled(base, func(p *vm.Profile, k float64) { p.PTEWrites = k * 1e5 }, k)
				tlb := scaled(base, func(p *vm.Profile, k float64) { p.TLBMisses = k * 1e6 }, k)
				if h.MMU.Mode == mmu.Shadow {
					c := h.Evaluate(&pte).Total()
					if c < prev["pte"] {
						t.Fatalf("%s %s: more PTE writes made shadow cheaper (%v < %v)", name, h.Label(), c, prev["pte"])
					}
					prev["pte"] = c
				}
				if h.MMU.Mode == mmu.Nested {
					c := h.Evaluate(&tlb).Total()
					if c < prev["tlb"] {
						t.Fatalf("%s %s: more TLB misses made nested cheaper", name, h.Label())
					}
					prev["tlb"] = c
				}
			}
			// Large pages never make nested slower.
			if h.MMU.Mode == mmu.Nested && !h.MMU.GuestLargePages && !h.MMU.HostLargePages {
				small := runCycles(&h, &base)
				for _, lp := range [][2]bool{{true, false}, {false, true}, {true, true}} {
					l := h
					l.MMU.GuestLargePages, l.MMU.HostLargePages = lp[0], lp[1]
					if c := runCycles(&l, &base); c > small {
						t.Errorf("%s %s: large pages %v made nested slower (%v > %v)", name, l.Label(), lp, c, small)
					}
				}
			}
		}
	}
}

// Nested paging wins on page-table churn and loses on TLB misses without
// large pages; large pages on both sides bring it back near native.
func TestShadowVersusNested(t *testing.T) {
	fork, _ := vm.BuiltinProfile("fork-heavy")
	tlb, _ := vm.BuiltinProfile("tlb-heavy")
	sh := hyp(cpu.HardwareAssist, "sandybridge", mmu.Shadow, iovirt.Paravirtual, 0)
	ne := hyp(cpu.HardwareAssist, "sandybridge", mmu.Nested, iovirt.Paravirtual, 0)
	if a, b := sh.Evaluate(&fork).Slowdown, ne.Evaluate(&fork).Slowdown; !(b < a) {
		t.Errorf("fork-heavy: nested %v should beat shadow %v", b, a)
	}
	if a, b := sh.Evaluate(&tlb).Slowdown, ne.Evaluate(&tlb).Slowdown; !(a < b) {
		t.Errorf("tlb-heavy: shadow %v should beat nested %v (4K pages)", a, b)
	}
	ne.MMU.GuestLargePages, ne.MMU.HostLargePages = true, true
	if s := ne.Evaluate(&tlb).Slowdown; s > 1.05 {
		t.Errorf("tlb-heavy, nested with 2M/2M pages: slowdown %v, want < 1.05", s)
	}
}

// An emulated NIC burns host CPU that paravirtual and passthrough devices
// do not, and passthrough with posted interrupts is nearly free.
func TestIOModes(t *testing.T) {
	p, _ := vm.BuiltinProfile("net-stream")
	em := hyp(cpu.HardwareAssist, "sandybridge", mmu.Nested, iovirt.Emulated, 0).Evaluate(&p)
	pv := hyp(cpu.HardwareAssist, "sandybridge", mmu.Nested, iovirt.Paravirtual, 0).Evaluate(&p)
	ptH := hyp(cpu.HardwareAssist, "sandybridge", mmu.Nested, iovirt.Passthrough, 0)
	pt := ptH.Evaluate(&p)
	ptH.IO.PostedInterrupts = true
	posted := ptH.Evaluate(&p)
	if !(em.Slowdown > pv.Slowdown && pv.Slowdown > pt.Slowdown && pt.Slowdown > posted.Slowdown) {
		t.Errorf("slowdowns emulated %v > paravirtual %v > passthrough %v > posted %v expected", em.Slowdown, pv.Slowdown, pt.Slowdown, posted.Slowdown)
	}
	if !(em.HostCycles > pv.HostCycles && pv.HostCycles > 0 && pt.HostCycles == 0) {
		t.Errorf("host cycles emulated %v > paravirtual %v > passthrough %v = 0 expected", em.HostCycles, pv.HostCycles, pt.HostCycles)
	}
	if posted.ClassTotal(ClassIO) != 0 {
		t.Errorf("posted-interrupt passthrough I/O overhead = %v, want 0", posted.ClassTotal(ClassIO))
	}
}

func TestNativeIsFree(t *testing.T) {
	h := Hypervisor{}.Defaulted()
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, name := range vm.ProfileNames() {
		p, _ := vm.BuiltinProfile(name)
		if o := h.Evaluate(&p); o.Slowdown != 1 || o.HostCycles != 0 || o.MemFraction != 0 {
			t.Errorf("%s native: %+v", name, o)
		}
	}
}

func TestCombinationsValid(t *testing.T) {
	for _, h := range allHypervisors() {
		if err := h.Validate(); err != nil {
			t.Errorf("%s: %v", h.Label(), err)
		}
	}
	bad := hyp(cpu.BinaryTranslation, "p4", mmu.Nested, iovirt.Emulated, 0)
	if bad.Validate() == nil {
		t.Error("bt with nested paging validated")
	}
	// Counted by hand: trap 1×2, bt 1×2, pv 3×3, hw 2×4.
	if n := len(Combinations(Hypervisor{}, cpu.Techniques, MMUModes, IOChoices)); n != 21 {
		t.Errorf("%d combinations, want 21", n)
	}
}
