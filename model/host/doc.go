// Package host models physical machines: capacity (cores × MIPS per core,
// RAM, disk, network), how a host shares its CPU among its VMs, and its power
// draw and energy.
//
// CPU sharing. Each VM can use at most min(vCPUs, cores) × min(vCPU MIPS,
// core MIPS) on a host. Under the time-shared scheduler every VM gets its
// demand while the sum fits the host's cores × MIPS; beyond that each VM
// gets demand × capacity/Σdemand (proportional share, the behaviour of
// CloudSim's VmSchedulerTimeSharedOverSubscription; Calheiros et al., SPE
// 2011). Under the space-shared scheduler each vCPU owns a core, placement
// never overcommits cores, and a VM always gets its demand.
//
// Power. Power is a function of CPU utilization u = allocated MIPS /
// capacity: linear between idle and maximum watts, or a table of 11 values
// at u = 0, 0.1, …, 1 with linear interpolation in between. The named tables
// are published SPECpower_ssj2008 results of the servers used by Beloglazov
// and Buyya (CCPE 2012) and CloudSim's power package (HP ProLiant ML110
// G4/G5, IBM x3250 and x3550). A host that is off draws nothing.
//
// Energy is integrated exactly: utilization, hence power, is piecewise
// constant between events, so E = Σ P(u_k)·Δt_k with no sampling error.
//
// Hypervisor. A host's Hypervisor combines the CPU (model/cpu), memory
// (model/mmu) and I/O (model/io) virtualization models. Evaluate prices a
// workload profile on it, per 10⁹ guest instructions:
//
//	S = (C0' + O_cpu + O_mmu + O_io) / C0'
//
// where C0' is the profile's native cycles with the same guest page size
// and each O is overhead cycles on the VM's vCPUs, with their breakdown by
// event. Backend work on the host (device models, vhost threads) is
// HostCycles, kept apart because it runs outside the VM: the datacenter
// model charges it to the host. The indirect cost of world switches
// (cache pollution, the calibration's κ) multiplies every exit, trap and
// hypercall round trip (cpu.Config.Kappa), not the handlers; the published
// nanobenchmarks are hot loops and are reproduced with κ = 0. Combinations
// lists the valid configurations: nested paging needs hardware assist (or
// a PV guest in it), direct paging a PV guest, passthrough an IOMMU-era
// hypervisor, posted interrupts hardware assist.
package host
