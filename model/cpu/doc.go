// Package cpu models the cost of virtualizing the processor: what a guest
// pays, in cycles, for the events a hypervisor must intercept.
//
// A workload is described by a profile (model/vm.Profile): how many system
// calls, privileged operations, port accesses, kernel indirect branches and
// faults it executes per 10⁹ instructions. A technique prices each event:
//
//   - Binary translation (bt): guest kernel code runs from a translation
//     cache. A system call costs a trap plus about 1.1 k cycles of VMM work
//     (2000 in all); a fault 2334; a kernel indirect branch 40 more than
//     native (a target lookup); but a TPR write (35 vs 140) and a port read
//     (214 vs 3209) are cheaper than native, because the translated code
//     emulates them in line. Kernel blocks missing from the translation
//     cache are translated at TranslateCycles each. The steady hit rate is
//     1 − MissFloor while the kernel footprint fits the cache, and falls as
//     capacity/footprint beyond it. After boot or migration the cache is
//     cold: Warmup gives the blocks, cycles and instructions of the
//     transient.
//   - Hardware assist (hw): the guest runs at native speed until an exit.
//     An exit costs the generation's round trip (Generations, from about
//     4000 cycles on the Pentium 4 to about 800 on Sandy Bridge) times
//     (1 + Kappa) for cache pollution, plus the handler. System calls, TPR
//     writes (TPR shadow) and branches do not exit; a port access exits
//     and is emulated (11 826 cycles of handler); faults cost 125 to
//     reflect.
//   - Trap-and-emulate (trap): the classic Popek–Goldberg VMM on an
//     idealised ISA where every sensitive instruction traps: each system
//     call, privileged operation and fault costs a hardware trap (889
//     cycles, the native divide-error round trip) plus emulation.
//   - Paravirtualization (pv): the kernel makes hypercalls (≈ 1250 cycles,
//     Dall et al., ISCA 2016) instead of privileged instructions; most
//     privileged operations become writes to shared memory (HypercallShare
//     of them remain hypercalls); exceptions bounce through the hypervisor.
//
// Memory-management events (PTE writes, shadow faults, address-space
// switches, TLB misses) are priced by model/mmu, I/O by model/io; both use
// Config.Intercept, the price of entering the VMM under each technique.
//
// # Sources
//
// Per-operation cycles: K. Adams and O. Agesen, "A Comparison of Software
// and Hardware Techniques for x86 Virtualization", ASPLOS 2006 (native, BT
// and VT-x columns for syscall, in, cr8wr, call/ret, pgfault, divzero,
// ptemod). The derived handler costs are those rows minus one Pentium 4
// exit (4000 cycles), so the model gives the rows back exactly with
// Kappa = 0 (tested). Exit costs by generation: O. Agesen et al., USENIX
// ATC 2012 (endpoints; intermediate values interpolated) and A. Landau et
// al., SplitX, WIOV 2011. Hypercall: C. Dall et al., ISCA 2016. Popek and
// Goldberg, CACM 1974, for trap-and-emulate. Everything without a source is
// marked [ASSUMPTION] where it is defined and can be overridden.
package cpu
