// Package iovirt (directory model/io, named so that it never shadows the
// standard library's io) models the cost of virtualizing I/O devices, per
// request, on the guest's vCPU and on the host, and the queueing of the
// requests of all the VMs of a host at their shared backend.
//
// Per request (Config.PerRequest), with E the cost of entering the VMM
// under the CPU technique (model/cpu Config.Intercept):
//
//   - emulated: k register accesses, each intercepted and emulated
//     (E + 11 826 cycles under VT-x, 214 in line under BT: Adams & Agesen
//     2006), plus interrupt delivery (an external-interrupt exit, injection,
//     and an EOI exit); the device model moves the data on the host
//     (DeviceModelCycles + DeviceModelPerByte·bytes of host CPU).
//   - paravirtual: the guest posts the request on a shared ring
//     (RingCycles) and notifies the host once per Batch requests (E +
//     KickCycles); one interrupt per batch; a backend thread (vhost,
//     netback) does BackendCycles + BackendPerByte·bytes of host CPU
//     (Barham et al. 2003, Menon et al. 2006).
//   - passthrough: the guest drives the device (or an SR-IOV function)
//     itself; only interrupts are virtualized: two exits per interrupt, or
//     none with posted interrupts (Gordon et al., ELI, ASPLOS 2012).
//
// Host-side work is the host's: the datacenter model charges it to the
// host's CPU (utilization, power, how many VMs fit), not to the VM.
//
// HostSim simulates the I/O path of one host request by request: Poisson
// arrivals per VM, the vCPU stage, a FCFS backend shared by all VMs (with
// BackendThreads servers), and the host link; service times are Gamma with
// a configurable coefficient of variation (CV = 1 exponential, 0
// deterministic). A shared backend is an M/G/c queue, so latency grows
// with every VM added; MG1Sojourn is the Pollaczek–Khinchine mean
// W = λE[S²]/(2(1 − ρ)) + E[S] the tests check the simulation against
// (and the M/M/1 case 1/(μ − λ)). A VM's ring holds RingSlots requests;
// arrivals beyond are dropped, so an overloaded host shows lower
// throughput rather than unbounded queues.
//
// Costs without a published figure are marked [ASSUMPTION] where defined.
package iovirt
