package vm

import (
	"bytes"
	"errors"
	"fmt"
	"github.com/simrun/simrun/internal/tomlguard"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/simrun/simrun/internal/suggest"
)

// Profile says what a workload does, per 10⁹ guest instructions, that a
// hypervisor has to intercept or that costs more under virtualization. The
// overhead models (model/cpu, model/mmu, model/io) price these counts; the
// profile itself knows nothing about hypervisors.
//
// Counts are per 10⁹ instructions so that a profile does not depend on the
// speed of the machine: at 2.5 GHz and CPI 1, 10⁹ instructions take 0.4 s.
type Profile struct {
	// Name and Description identify the profile (`simrun overhead --list`).
	Name        string `toml:"name"`
	Description string `toml:"description"`
	// CPI is native cycles per instruction; C0 = CPI × 10⁹ native cycles is
	// the denominator of the slowdown.
	CPI float64 `toml:"cpi"`

	// Syscalls: system calls (sysenter/syscall round trips).
	Syscalls float64 `toml:"syscalls"`
	// PrivOps: privileged or sensitive instructions executed by the guest
	// kernel that binary translation rewrites and hardware assist runs
	// without an exit (TPR/CR8 writes, cli/sti, popf): the `cr8wr` class.
	PrivOps float64 `toml:"priv_ops"`
	// PortIO: port or MMIO register accesses outside the I/O requests below
	// (timers, interrupt controller, legacy devices): the `in` class.
	PortIO float64 `toml:"port_io"`
	// KernelIndirect: indirect calls, returns and jumps executed in guest
	// kernel code (binary translation must look up their target).
	KernelIndirect float64 `toml:"kernel_indirect"`
	// Faults: exceptions that involve no paging (divide error, breakpoints,
	// FPU traps): the `divzero` class.
	Faults float64 `toml:"faults"`
	// PageFaults: true guest page faults (demand paging, copy-on-write).
	PageFaults float64 `toml:"page_faults"`
	// HiddenFaults: faults taken only because a shadow page table lacks an
	// entry the guest's table has (the guest never sees them). Only shadow
	// paging has them.
	HiddenFaults float64 `toml:"hidden_faults"`
	// PTEWrites: writes to guest page-table entries (fork, exit, mmap,
	// munmap, mprotect, COW breaks).
	PTEWrites float64 `toml:"pte_writes"`
	// ContextSwitches: guest address-space switches (CR3 writes).
	ContextSwitches float64 `toml:"context_switches"`
	// TLBMisses: data and instruction TLB misses with 4 KiB pages.
	TLBMisses float64 `toml:"tlb_misses"`
	// LargePageTLBFactor: the fraction of TLB misses left when the guest
	// maps its memory with 2 MiB pages (and the host backs them with 2 MiB
	// pages too; a TLB entry covers the smaller of the two). Default 0.2.
	LargePageTLBFactor float64 `toml:"large_page_tlb_factor"`

	// KernelShare: the fraction of instructions executed in the guest
	// kernel (binary translation translates kernel code only).
	KernelShare float64 `toml:"kernel_share"`
	// KernelFootprintKiB: the size of the guest kernel code the workload
	// executes (its translation working set).
	KernelFootprintKiB float64 `toml:"kernel_footprint_kib"`

	// IORequests: I/O requests (network packets or disk requests) issued.
	IORequests float64 `toml:"io_requests"`
	// IOBytes: mean bytes per I/O request.
	IOBytes float64 `toml:"io_bytes"`
	// IRQPerRequest: device interrupts per I/O request after interrupt
	// coalescing (default 1).
	IRQPerRequest float64 `toml:"irq_per_request"`

	// AddressSpaces: live guest processes whose page tables the hypervisor
	// may shadow (sizes the shadow page-table memory; default 4).
	AddressSpaces float64 `toml:"address_spaces"`
}

// C0 is the native cycles of 10⁹ instructions.
func (p *Profile) C0() float64 { return p.CPI * 1e9 }

// Defaulted returns p with zero-valued defaults filled in.
func (p Profile) Defaulted() Profile {
	if p.CPI == 0 {
		p.CPI = 1
	}
	if p.LargePageTLBFactor == 0 {
		p.LargePageTLBFactor = 0.2
	}
	if p.IRQPerRequest == 0 && p.IORequests > 0 {
		p.IRQPerRequest = 1
	}
	if p.AddressSpaces == 0 {
		p.AddressSpaces = 4
	}
	return p
}

// Validate reports every out-of-range field, named by its TOML key.
func (p *Profile) Validate() error {
	var errs []error
	check := func(key string, v, lo, hi float64) {
		if math.IsNaN(v) || v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s: must be in [%g, %g], got %g", key, lo, hi, v))
		}
	}
	const many = 1e12 // more events than instructions is nonsense
	check("cpi", p.CPI, 0.05, 100)
	for _, f := range []struct {
		k string
		v float64
	}{
		{"syscalls", p.Syscalls}, {"priv_ops", p.PrivOps}, {"port_io", p.PortIO},
		{"kernel_indirect", p.KernelIndirect}, {"faults", p.Faults}, {"page_faults", p.PageFaults},
		{"hidden_faults", p.HiddenFaults}, {"pte_writes", p.PTEWrites}, {"context_switches", p.ContextSwitches},
		{"tlb_misses", p.TLBMisses}, {"io_requests", p.IORequests},
	} {
		check(f.k, f.v, 0, 1e9)
	}
	check("large_page_tlb_factor", p.LargePageTLBFactor, 0, 1)
	check("kernel_share", p.KernelShare, 0, 1)
	check("kernel_footprint_kib", p.KernelFootprintKiB, 0, 1<<22)
	check("io_bytes", p.IOBytes, 0, 1<<30)
	check("irq_per_request", p.IRQPerRequest, 0, 64)
	check("address_spaces", p.AddressSpaces, 0, 1<<20)
	_ = many
	if p.IORequests > 0 && p.IOBytes == 0 {
		errs = append(errs, errors.New("io_bytes: must be set (> 0) when io_requests > 0"))
	}
	return errors.Join(errs...)
}

// Profiles are the built-in workload profiles. Counts are per 10⁹ guest
// instructions; the comment on each says where its numbers come from. Every
// figure is an [ASSUMPTION] chosen to be typical of its class unless a
// source is named, and every one can be overridden (a scenario's [[profile]]
// with base = "name", or a profile TOML file for `simrun overhead`).
//
// Anchors used: a typical guest switches address space 100–1000 times a
// second (VMware vSphere Resource Management guide); address translation
// takes 5–14 % of native run time in ordinary applications (Barr et al.,
// ISCA 2011); I/O-heavy guests exit hundreds of thousands of times a second
// (Landau et al., SplitX, WIOV 2011); forkwait (40 000 fork/wait pairs)
// runs in 6.0 s native, 36.9 s under binary translation and 106.4 s under
// first-generation VT-x (Adams & Agesen, ASPLOS 2006).
var Profiles = []Profile{
	{
		// SPEC CPU-like: almost no kernel time, a timer tick and a few
		// context switches a second, few page faults once warm.
		Name: "compute-bound", Description: "CPU-bound number crunching: little kernel time, few faults, no I/O",
		CPI: 1.0, Syscalls: 1_000, PrivOps: 2_000, PortIO: 250, KernelIndirect: 10_000,
		PageFaults: 300, HiddenFaults: 100, PTEWrites: 400, ContextSwitches: 100, TLBMisses: 200_000,
		KernelShare: 0.01, KernelFootprintKiB: 256,
	},
	{
		// Kernel build: many short gcc processes (fork/exec/exit), file
		// system calls, demand paging; roughly 20 % kernel time.
		Name: "kernel-compile", Description: "a Linux kernel build: many short processes, file system calls, demand paging",
		CPI: 1.2, Syscalls: 30_000, PrivOps: 60_000, PortIO: 1_000, KernelIndirect: 2_000_000, Faults: 100,
		PageFaults: 25_000, HiddenFaults: 12_000, PTEWrites: 60_000, ContextSwitches: 6_000, TLBMisses: 1_500_000,
		KernelShare: 0.2, KernelFootprintKiB: 3_072, IORequests: 2_000, IOBytes: 32_768, IRQPerRequest: 1,
		AddressSpaces: 16,
	},
	{
		// Fitted to forkwait (Adams & Agesen 2006): per fork/wait pair at
		// CPI 1.5 on a 3.8 GHz Pentium 4 (570 k cycles, so 380 k
		// instructions): 3 system calls, 10 privileged operations, 4
		// address-space switches, 120 page faults, 514 hidden faults, 126
		// PTE writes, 20 k kernel call/ret pairs; × 2632 pairs per 10⁹
		// instructions. The counts were solved from the two measured
		// slowdowns (6.15× BT, 17.7× VT-x) with the model's default
		// parameters on the "p4" generation with shadow paging; the test
		// TestForkwaitFit checks the model still gives them back.
		Name: "fork-heavy", Description: "forkwait-like: process creation and teardown, page-table churn (fitted to Adams & Agesen 2006)",
		CPI: 1.5, Syscalls: 7_896, PrivOps: 26_320, KernelIndirect: 52_640_000,
		PageFaults: 315_840, HiddenFaults: 1_352_848, PTEWrites: 331_632, ContextSwitches: 10_528,
		TLBMisses: 500_000, KernelShare: 0.95, KernelFootprintKiB: 512, AddressSpaces: 2,
	},
	{
		// OLTP database: large buffer pool (TLB-heavy), many small random
		// disk reads and log writes, many threads.
		Name: "oltp", Description: "OLTP database: TLB-heavy buffer pool, small random disk I/O, many threads",
		CPI: 2.0, Syscalls: 40_000, PrivOps: 40_000, PortIO: 2_000, KernelIndirect: 600_000, Faults: 10,
		PageFaults: 4_000, HiddenFaults: 2_000, PTEWrites: 6_000, ContextSwitches: 15_000, TLBMisses: 6_000_000,
		KernelShare: 0.25, KernelFootprintKiB: 2_048, IORequests: 15_000, IOBytes: 8_192, IRQPerRequest: 1,
		AddressSpaces: 8,
	},
	{
		// Web server: short requests, one small response each, connection
		// churn in the kernel network stack.
		Name: "web-server", Description: "web server: many small network requests and responses, network stack in the kernel",
		CPI: 1.4, Syscalls: 120_000, PrivOps: 80_000, PortIO: 1_000, KernelIndirect: 1_500_000, Faults: 10,
		PageFaults: 8_000, HiddenFaults: 4_000, PTEWrites: 16_000, ContextSwitches: 10_000, TLBMisses: 1_500_000,
		KernelShare: 0.35, KernelFootprintKiB: 2_560, IORequests: 60_000, IOBytes: 1_200, IRQPerRequest: 0.5,
		AddressSpaces: 8,
	},
	{
		// Bulk network streaming: MTU-sized packets, little else.
		Name: "net-stream", Description: "bulk network streaming: full-size packets, little computation per byte",
		CPI: 1.0, Syscalls: 20_000, PrivOps: 20_000, PortIO: 500, KernelIndirect: 800_000,
		PageFaults: 500, HiddenFaults: 200, PTEWrites: 1_000, ContextSwitches: 2_000, TLBMisses: 400_000,
		KernelShare: 0.5, KernelFootprintKiB: 1_024, IORequests: 150_000, IOBytes: 1_500, IRQPerRequest: 0.25,
		AddressSpaces: 2,
	},
	{
		// Pointer chasing over a large heap (graph analytics, GUPS-like):
		// the TLB-miss extreme that nested paging is worst at.
		Name: "tlb-heavy", Description: "pointer chasing over a large heap: the TLB-miss extreme",
		CPI: 3.0, Syscalls: 500, PrivOps: 1_000, PortIO: 100, KernelIndirect: 5_000,
		PageFaults: 2_000, HiddenFaults: 500, PTEWrites: 2_500, ContextSwitches: 100, TLBMisses: 25_000_000,
		LargePageTLBFactor: 0.1, KernelShare: 0.01, KernelFootprintKiB: 256,
	},
}

// ProfileNames lists the built-in profiles in order.
func ProfileNames() []string {
	out := make([]string, len(Profiles))
	for i := range Profiles {
		out[i] = Profiles[i].Name
	}
	return out
}

// BuiltinProfile returns a copy of the named built-in profile, defaulted.
func BuiltinProfile(name string) (Profile, bool) {
	for i := range Profiles {
		if Profiles[i].Name == name {
			return Profiles[i].Defaulted(), true
		}
	}
	return Profile{}, false
}

// UnknownProfile is the error for a profile name that is not defined.
func UnknownProfile(name string, known []string) error {
	msg := fmt.Sprintf("unknown profile %q", name)
	if s := suggest.DidYouMean(name, known); s != "" {
		msg += s
	}
	return fmt.Errorf("%s (profiles: %s)", msg, strings.Join(known, ", "))
}

// ProfileFields are the TOML keys of a profile, sorted.
func ProfileFields() []string {
	keys := []string{"name", "description", "base", "cpi", "syscalls", "priv_ops", "port_io", "kernel_indirect",
		"faults", "page_faults", "hidden_faults", "pte_writes", "context_switches", "tlb_misses",
		"large_page_tlb_factor", "kernel_share", "kernel_footprint_kib", "io_requests", "io_bytes",
		"irq_per_request", "address_spaces"}
	sort.Strings(keys)
	return keys
}

// ApplyProfileOverrides sets the fields named in m (TOML keys) on p. Keys
// "name", "description" and "base" are ignored here; values must be
// numbers. It reports every bad key at once.
func ApplyProfileOverrides(p *Profile, m map[string]any) error {
	var errs []error
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := m[k]
		switch k {
		case "name", "description", "base":
			if _, ok := v.(string); !ok {
				errs = append(errs, fmt.Errorf("%s: must be a string, got %T", k, v))
			}
			continue
		}
		f, ok := profileField(p, k)
		if !ok {
			msg := fmt.Sprintf("%s: unknown profile key", k)
			if s := suggest.DidYouMean(k, ProfileFields()); s != "" {
				msg += s
			}
			errs = append(errs, errors.New(msg))
			continue
		}
		switch x := v.(type) {
		case int64:
			*f = float64(x)
		case float64:
			*f = x
		default:
			errs = append(errs, fmt.Errorf("%s: must be a number, got %T", k, v))
		}
	}
	return errors.Join(errs...)
}

func profileField(p *Profile, key string) (*float64, bool) {
	m := map[string]*float64{
		"cpi": &p.CPI, "syscalls": &p.Syscalls, "priv_ops": &p.PrivOps, "port_io": &p.PortIO,
		"kernel_indirect": &p.KernelIndirect, "faults": &p.Faults, "page_faults": &p.PageFaults,
		"hidden_faults": &p.HiddenFaults, "pte_writes": &p.PTEWrites, "context_switches": &p.ContextSwitches,
		"tlb_misses": &p.TLBMisses, "large_page_tlb_factor": &p.LargePageTLBFactor,
		"kernel_share": &p.KernelShare, "kernel_footprint_kib": &p.KernelFootprintKiB,
		"io_requests": &p.IORequests, "io_bytes": &p.IOBytes, "irq_per_request": &p.IRQPerRequest,
		"address_spaces": &p.AddressSpaces,
	}
	f, ok := m[key]
	return f, ok
}

// ResolveProfile builds a profile from a table of TOML keys: it starts from
// the built-in named by "base" (or from zero), applies the other keys, fills
// defaults and validates. name is used when the table has no "name".
func ResolveProfile(name string, m map[string]any) (Profile, error) {
	var p Profile
	if b, ok := m["base"]; ok {
		bs, _ := b.(string)
		bp, found := BuiltinProfile(bs)
		if !found {
			return Profile{}, fmt.Errorf("base: %w", UnknownProfile(bs, ProfileNames()))
		}
		p = bp
		p.Description = ""
	}
	if err := ApplyProfileOverrides(&p, m); err != nil {
		return Profile{}, err
	}
	p.Name = name
	if n, ok := m["name"].(string); ok && n != "" {
		p.Name = n
	}
	if d, ok := m["description"].(string); ok {
		p.Description = d
	}
	p = p.Defaulted()
	if err := p.Validate(); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// maxProfileBytes bounds a profile file (a profile is a score of lines).
const maxProfileBytes = 64 << 10

// ParseProfile reads a profile TOML file: the profile's keys at top level,
// optionally with base = "built-in name". Errors name the file and, for
// syntax errors, the line.
func ParseProfile(r io.Reader, file string) (Profile, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxProfileBytes+1))
	if err != nil {
		return Profile{}, fmt.Errorf("%s: %w", file, err)
	}
	if len(data) > maxProfileBytes {
		return Profile{}, fmt.Errorf("%s: larger than %d bytes", file, maxProfileBytes)
	}
	// A profile is flat key = value lines; refuse deep nesting before the
	// parser spends quadratic time on it.
	if line, ok := tomlguard.TooDeep(data, 4); !ok {
		return Profile{}, fmt.Errorf("%s:%d: arrays or tables nested too deep; a profile has only key = value lines", file, line)
	}
	var m map[string]any
	if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&m); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return Profile{}, fmt.Errorf("%s:%d:%d: %s", file, pe.Position.Line, pe.Position.Col, pe.Message)
		}
		return Profile{}, fmt.Errorf("%s: %w", file, err)
	}
	base := strings.TrimSuffix(file[strings.LastIndexAny(file, `/\`)+1:], ".toml")
	p, err := ResolveProfile(base, m)
	if err != nil {
		return Profile{}, prefixLines(file, err)
	}
	return p, nil
}

func prefixLines(file string, err error) error {
	var out []error
	for _, line := range strings.Split(err.Error(), "\n") {
		out = append(out, fmt.Errorf("%s: %s", file, line))
	}
	return errors.Join(out...)
}

// Event is a kind of guest event that virtualization makes more (or less)
// expensive. Overhead models report cycles per event kind.
type Event uint8

// Event kinds, in report order.
const (
	EvSyscall Event = iota
	EvPrivOp
	EvPortIO
	EvKernelIndirect
	EvFault
	EvPageFault
	EvHiddenFault
	EvPTEWrite
	EvContextSwitch
	EvTLBMiss
	EvTranslation
	EvIORequest
	EvInterrupt
	NumEvents
)

var eventNames = [NumEvents]string{"syscall", "priv_op", "port_io", "kernel_indirect", "fault", "page_fault",
	"hidden_fault", "pte_write", "context_switch", "tlb_miss", "translation", "io_request", "interrupt"}

func (e Event) String() string {
	if e < NumEvents {
		return eventNames[e]
	}
	return "unknown"
}

// Cycles are overhead cycles per 10⁹ guest instructions, by event kind.
type Cycles [NumEvents]float64

// Sum is the total.
func (c *Cycles) Sum() float64 {
	s := 0.0
	for _, v := range c {
		s += v
	}
	return s
}

// Add adds o into c.
func (c *Cycles) Add(o *Cycles) {
	for i := range c {
		c[i] += o[i]
	}
}
