// Package vm models virtual machines and the work they run.
//
// A VM's life is Requested → (Rejected | Booting → Running → Finished); the
// orchestrator (package model/datacenter) moves it along and records every
// step, so every requested VM ends the run placed, finished or rejected with
// a reason.
//
// CPU progress is a fluid. Between two events a VM executes at a constant
// rate Alloc (MIPS), so the work done over an interval of Δt seconds is
// Alloc·Δt million instructions, exactly; the event count grows with rate
// changes, never with instructions or ticks.
//
// Workloads come in two kinds:
//
//   - Cloudlets (CloudSim's unit of work, Calheiros et al., SPE 2011): a
//     length in million instructions (MI) on a number of cores. A
//     CloudletScheduler shares the VM's MIPS among its cloudlets,
//     time-shared (all run; each core gets alloc/Σcores) or space-shared
//     (FIFO with backfill; a cloudlet waits for free vCPUs). A VM with
//     cloudlets demands min(vCPUs, running cores) × MIPS and finishes when
//     its last cloudlet does. Completion times follow from one per-core work
//     coordinate per VM: a cloudlet of length L on k cores started at
//     coordinate w0 is done at w0 + L/k, so a rate change costs O(1) and a
//     VM needs one pending completion event, not one per cloudlet.
//   - Utilization models: the VM demands u(t) × vCPUs × MIPS, with u
//     constant, uniform random every interval, diurnal
//     (mean + amplitude·cos(2π(t − peak)/period)), or a trace of CPU
//     percentages one per interval (the PlanetLab format shipped with
//     CloudSim; Beloglazov & Buyya, CCPE 2012). Demand is piecewise
//     constant: each value holds for its whole interval (CloudSim instead
//     interpolates linearly between samples).
//
// Simplification: a booting VM demands no CPU.
//
// Profiles. A Profile describes what a workload does per 10⁹ instructions
// that a hypervisor must intercept or that costs more when virtualized:
// system calls, privileged operations, faults, page-table writes,
// address-space switches, TLB misses, I/O requests, kernel code footprint.
// The built-in profiles (Profiles) document where their counts come from;
// fork-heavy is fitted to the forkwait benchmark of Adams & Agesen (ASPLOS
// 2006). ParseProfile reads a profile TOML file (a base profile plus
// overrides) with errors naming file, key and line.
//
// Live migration. ReferenceMigration is CloudSim's model (RAM over half the
// link; 90 % of demand on the source, 10 % reserved on the target).
// PreCopy is iterative pre-copy (Clark et al., NSDI 2005): round i sends
// V_i = V_0·(D/R)^i for dirty rate D and link rate R until the rest fits
// the stop-and-copy threshold, a round limit is hit, or D ≥ R; the rest is
// the downtime. (The consolidation loop that uses them is still to come.)
package vm
