// Package datacenter builds a runnable model from a scenario and drives it:
// it requests VMs at their arrival times, asks the placement policy for hosts
// (all VMs requested at the same instant form one batch, so "decreasing"
// policies can sort them), boots and runs them, hands cloudlets to VMs,
// reshares host CPUs whenever a demand changes, ends VMs, switches idle hosts
// off where configured, and records samples, outcomes and a summary.
//
// Events happen only at arrivals, boots, cloudlet submissions and
// completions, utilization changes, lifetimes and (when the scenario asks for
// it) sampling instants. When a VM's demand changes on a host that was and
// stays uncontended only that VM's rate changes; otherwise every VM on the
// host is reshared and their completion events rescheduled.
//
// Nothing is lost: every requested VM ends the run finished, rejected (with
// the placement policy's reason), or still booting/running at the end of a
// time-limited run; VMs whose request time lies after the end are reported as
// such. Every cloudlet ends finished, unfinished (started, not done) or
// rejected (never started because its VM was rejected or ended).
//
// Summary metrics: energy (kWh) integrated exactly per host; mean active
// hosts (on and holding a VM) and mean hosts on, time-weighted; mean
// utilization = ∫ allocated MIPS / ∫ capacity of hosts while on; unmet demand
// = ∫ (demanded − allocated) MIPS over all VMs, and its fraction of the
// demanded work (the "overall SLA violation" of Beloglazov & Buyya, CCPE 2012).
//
// # Dynamic consolidation (consolidate.go)
//
// With [consolidation] set, a decision is taken every interval (5 minutes)
// from time 0, after the utilization changes due at the same instant. It
// follows Beloglazov & Buyya (CCPE 24(13), 2012):
//
//  1. Every running VM's demand (native MIPS wanted) is appended to its
//     history (the last `history`, 30, values). A host's history is the sum
//     of its VMs' histories converted to host demand on it —
//     min(want·S, cap)·(S+h)/S with the VM's overhead S, h there — over its
//     capacity, aligned on the newest value (VMs carry their history when
//     they move; older values a VM lacks count 0). A VM migrating counts on
//     its target.
//  2. Overload: the detector (THR, IQR, MAD, LR, LRR; policies/consolidation)
//     judges each host's history. From each overloaded host not already
//     migrating, the selector picks VMs one by one until the detector no
//     longer finds the rest overloaded.
//  3. Re-placement: the selected VMs, by decreasing demand, go to the host
//     whose power grows least (PABFD), among hosts that are not overloaded,
//     have room (cores, RAM and disk under their ratios; CPU for the VM's
//     demand) and that the detector would not find overloaded with the VM
//     added (an empty host is only checked for capacity). One sleeping host
//     per host group stands for all of them; waking it costs its idle power
//     unless wake_cost = false (CloudSim's behaviour). A VM with nowhere to
//     go stays and is counted (unplaced_selections).
//  4. Underload: the other active hosts, least utilized first, are tried in
//     turn: each, once tried, no longer receives VMs, and a host that
//     receives VMs is not evacuated; when every VM of the host fits on the
//     remaining active hosts (the same tests, no sleeping host woken), they
//     all migrate and the host switches off when the last one has left.
//
// Migrations (vm.ReferenceMigration, vm.PreCopy) book the VM's resources
// on the target from the start; the target holds TargetReserve of the
// VM's demand (10 % in the reference model, all of it in pre-copy) as
// CPU demand, which shows in its utilization and power. On the source the
// VM gets SourceShare of its share (90 % / 100 %), and nothing during a
// pre-copy stop-and-copy. With share_link, the migrations running at once
// share the links as fluid flows over their source's and target's links,
// at max-min fair rates recomputed whenever one starts or ends (see
// netshare.go); without it each has the whole link, as in CloudSim. With
// max_concurrent, migrations beyond the limit on either host wait in
// order. A VM that ends while migrating cancels the migration and frees
// the target.
//
// Metrics (summary.json "metrics"):
//
//   - SLATAH = mean over hosts that were ever active of (time the host's
//     demand exceeded its capacity, i.e. it ran at 100 %) / (time it was on
//     with a VM or a reservation).
//   - PDM = mean over VMs of (CPU withheld by migrations, ∫ Degrade·share
//     dt) / (CPU demanded, ∫ want dt).
//   - SLAV = SLATAH × PDM; ESV = energy (kWh) × SLAV.
//   - migrations, overload_migrations, host_shutdowns, mean time before a
//     host shutdown (from its switch-on) and before a VM migration (from
//     its placement or previous migration), migrated MiB, total downtime,
//     overloaded host-intervals, unplaced selections, and sla_violation
//     (the unmet share of the CPU demanded).
//
// CloudSim's SLATAH counts any time a host's allocation falls short of the
// requests, migrations included; "slatah" is the paper's definition (the
// host at 100 %), so it is lower, and CloudSim's is reported beside it as
// "slatah_cloudsim" (time some VM on the host got less than it asked for)
// with "slav_cloudsim" = slatah_cloudsim × PDM. With cloudsim_ram, re-placement ignores
// memory as CloudSim does (its running PlanetLab VMs ask for 0 RAM).
//
// Baselines: npa keeps every host on at its full-load power; dvfs lets
// power follow utilization with idle hosts off; neither migrates. The
// detectors switch idle hosts off too, whatever power_off_idle says.
//
// Warnings: a run whose detector flagged hosts but migrated nothing, whose
// selected VMs found no target, or whose SLA metrics are not numbers says
// so in summary.json and on the terminal.
//
// # Memory (memlink.go)
//
// With [memory] enabled = true (or host_group.memory = true per group),
// every host of the group runs model/mem: its guests are the VMs placed
// on it (added at placement, removed when they end), with the controls
// and behaviour of their group's [vm_group.memory] table (image, shares,
// reservation, limit, sharing fractions, touched memory, a working set
// that is constant or follows the VM's CPU utilization u as
// active_idle + (active − active_idle)·u of its RAM). A host admits a
// guest only while the memory it holds for guests in the high state (less
// overhead and minFree) not yet reserved covers the guest's reservation —
// ESX's admission control (Waldspurger, OSDI 2002, §6.2) — so that
// reservations are honoured: a placement (or, through the control plane,
// an NC) that would break one is refused.
//
// One tick event every epoch (1 s) steps the hosts that are awake, in
// index order. A host whose epoch changed nothing (mem.Host.StepQuiet)
// sleeps: with its inputs unchanged, further epochs would change nothing
// either. It wakes when an input changes — a VM arrives or leaves, or a
// working set follows a new CPU demand — and skips the epochs it slept
// through (mem.Host.Skip, exact: the sampling draws are replayed). A host
// without guests sleeps. The tick runs whether or not a host is awake, so
// the event order is that of stepping every host every epoch, and the
// tests check that both give the same records bit for bit. The work is
// the host-epochs of hosts under pressure or still converging, not
// epochs × hosts.
//
// Coupling to the fluid CPU model. A guest's memory slowdown S (its
// progress factor p = 1/S, 0 while blocked) stretches the vCPU time a unit
// of its work takes, on top of the hypervisor's slowdown (vm.VM.HostDemand):
// the vCPUs do at most Cap·p/S_v of work per second, and stalls burn no
// host CPU. A VM whose vCPUs are the limit (cloudlets, or demand above
// Cap·p/S_v) does its work 1/p times slower; one with slack absorbs the
// stalls (they would show as latency, which the fluid model does not
// represent). The memory manager's CPU (scanning, compression,
// decompression: EpochCPUS) is host demand (host.MemMIPS), allocated like
// a VM's, so it shows in utilization and power. A progress factor and a
// host's reclamation CPU reach the fluid model when they change by more
// than memory.progress_tolerance (0.1 %), return to none, or stop or
// restart the VM, so that the continual tiny changes of copy-on-write do
// not cost an event each. touch_rate is pages per second of the guest's
// run time, so S is per unit of work whatever the CPU utilization; the
// memory model moves pages (swap-ins, decompressions) at that rate too,
// which overstates them for a mostly idle guest.
//
// Placement sees the host's actual memory: policies.HostState.Mem holds
// the state (high … low), free memory and the guests' working sets,
// published at placements, departures and every stepped epoch, and the
// booked guests' images for sharing-aware admission; a request carries
// its image, touched memory, sharing fractions and expected working set
// (policies.MemRequest).
//
// Memory metrics (summary.json "metrics"; means are per epoch, summed over
// the hosts): mem_shared_saved_mib, mem_shared_pages (logical shared
// pages), mem_balloon_mib, mem_compressed_saved_mib, mem_swapped_mib,
// mem_reclaimed_mib (their sum); mem_slowdown (guest-epochs over Σ
// progress: a blocked guest's epoch adds no progress, so blocking counts
// as infinitely slow) and mem_slowdown_max (the largest S of any guest in
// any epoch; blocked time is not in it but in mem_blocked_vm_s); mem_reclaim_cpu_core_s and mem_reclaim_cpu_cores; mem_swap_ins
// and mem_guest_faults (pages); mem_blocked_vm_s; mem_time_soft,
// mem_time_hard and mem_time_low (shares of host-epochs with guests).
// Sampling writes host_memory.csv. The memory model does not follow live
// migrations yet, so consolidation with memory is refused.
//
// A memory-placement study (memplace.go) runs the scenario with memory
// enabled once per study.placements entry at every study.ratios RAM
// allocation ratio, in parallel, and records one row per run in order.
//
// # The control plane (cloud.go)
//
// With a [cloud] section, VMs are not placed by the placement policy:
// each request is a RunInstances through model/cloud's Eucalyptus-style
// control plane, which books the VM on its host when the Node Controller
// accepts it (the VM is booting), starts it when its instance is up, and,
// at the end of its lifetime, terminates it when the NC has torn it down;
// the Cluster Controllers' POWERSAVE policy switches hosts off and on.
// Everything else — CPU sharing, utilization, power and energy — is the
// model's own. A "cloud" study (cloudstudy.go) runs the scenario's
// [[study.variant]]s, each the scenario with its set overrides, in
// parallel, and records one row per variant. Without [cloud],
// placement.policy = "euca-powersave" switches a host off once it has held
// no VM for the idle threshold, and on again at once for the next VM.
//
// Arrival processes (workload.go): a vm_group's requests are fixed
// (submit_at + i × interarrival), in bursts, Poisson, diurnal Poisson
// (thinning) or read from a file of request times (model/vm's Arrivals),
// and its lifetimes may be drawn from a distribution; random ones come from
// the streams arrivals/<group> and lifetime/<group>.
//
// A consolidation study (compare.go) runs the scenario once per policy,
// in parallel, each run with its own model and random streams, and
// collects the rows in the listed order, so its output does not depend on
// scheduling.
package datacenter
