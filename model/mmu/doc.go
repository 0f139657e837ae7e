// Package mmu models the cost of virtualizing memory translation.
//
// Natively the hardware walks the guest's page table on a TLB miss: 4
// memory references on x86-64 with 4 KiB pages, 3 with 2 MiB pages.
//
// Shadow paging: the VMM builds a shadow table (guest virtual → host
// physical) that the hardware walks instead, so a TLB miss costs what it
// costs natively. The price is paid on every change: guest page tables are
// write-protected, so each PTE write traps (390 cycles under binary
// translation, an exit plus 8732 cycles of handler under VT-x: Adams &
// Agesen's ptemod row); a true page fault also updates the shadow (500
// cycles under BT, an exit plus 6024 under VT-x); entries missing from the
// shadow cause hidden faults the guest never sees; and every address-space
// switch (CR3 write) must find the right shadow root. The shadow tables take
// host memory: 8 bytes per 4 KiB page per shadowed address space.
//
// Nested paging (EPT/NPT): the hardware walks the guest table and
// translates every guest-physical address it meets through the host's
// table. Page-table changes are free, but a TLB miss walks two dimensions:
// (n+1)(m+1) − 1 references for an n-level guest over an m-level host
// (Bhargava et al., ASPLOS 2008): 24 for 4K/4K, 19 with 2 MiB pages on one
// side, 15 on both. Page-walk caches cut the average to about 1.5
// references natively and 4.4 nested (Park et al., "Every Walk's a Hit");
// we scale walks by those ratios unless NoPageWalkCache is set. A TLB entry
// maps the smaller of the guest and host pages, so the guest's large pages
// reduce misses only when the host backs them with large pages too.
//
// Direct paging (Xen PV): the guest's own tables map host frames; the
// hypervisor validates updates sent in batches of PTEBatch by hypercall.
//
// The overhead of TLB misses is the virtualized translation cost minus the
// native one for the same guest pages:
//
//	O_tlb = misses_virt · W_virt · RefCycles − misses_native · W_native · RefCycles
//
// and the slowdown's baseline is native with the same guest pages
// (Config.NativeSaving), so "large pages make nested faster" compares run
// times, not ratios. RefCycles (20) is an [ASSUMPTION] (walk references
// mostly hit L2/L3); with it, the built-in profiles spend 5-25 % of native
// time in translation, the range Barr et al. (ISCA 2011) report.
package mmu
