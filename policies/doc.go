// Package policies decides where VMs go.
//
// The scheduler's view of the datacenter is a Cluster: per host its
// capacity, allocation ratios (overcommit: vCPUs per core, RAM and disk
// ratios), what has been allocated and its current CPU demand. Effective
// capacity for placement is physical × ratio. A segment tree over the hosts
// keeps the largest free vCPUs, RAM and disk per subtree, so first fit finds
// the first host with room in O(log n) typical time (≈ 0.4 µs per placement
// with 100,000 hosts; BenchmarkFirstFit).
//
// Placers receive every request that arrives at one instant as a batch and
// return one Decision per request. A rejection explains itself: every host is
// run through the policy's filters and counted under the first that rejected
// it ("0/40 hosts fit: 38 short on RAM, 2 short on cores").
//
// Building blocks: Filter (can this host take this VM, and if not, why),
// Scorer (0..1, higher is better) and Pipeline, a placer made of filters and
// weighted scorers (highest weighted sum wins, ties to the lowest index).
// best-fit and worst-fit are pipelines over the strict filters with
// PackScorer and SpreadScorer; the others are small hand-written placers
// because they need state (round robin), normalization over the candidates
// (OpenStack) or batch ordering (PABFD).
//
// Policies (simrun list shows them; placement.args configure them):
//
//   - first-fit, best-fit, worst-fit, round-robin: the classic bin-packing
//     heuristics over the strict filters (cores, RAM and disk under the
//     ratios, and cores at least as fast as the vCPUs, as CloudSim's VM
//     schedulers require). Best fit minimizes, and worst fit maximizes, the
//     fraction of the binding resource left free after placement:
//     min(free vCPUs / vCPU capacity, free RAM / RAM capacity).
//   - openstack: Nova's FilterScheduler (OpenStack Nova documentation,
//     "Filter Scheduler" and "Weights"): CoreFilter, RamFilter and DiskFilter
//     against the allocation ratios, whose defaults are Nova's initial
//     allocation ratios cpu 16.0, ram 1.5, disk 1.0; then RAMWeigher (free
//     RAM) and CPUWeigher (free vCPUs), each normalized over the candidates
//     to (x − min)/(max − min) (all equal → 0) and scaled by
//     ram_weight_multiplier and cpu_weight_multiplier (default 1.0). Positive
//     multipliers spread load; negative ones stack it.
//   - euca-greedy, euca-roundrobin and euca-powersave: the Eucalyptus
//     Cluster Controller's GREEDY, ROUNDROBIN and POWERSAVE node schedulers
//     (Nurmi et al., "The Eucalyptus Open-source Cloud-computing System",
//     CCGRID 2009; Eucalyptus's cluster/handlers.c and eucalyptus.conf):
//     the first node, in index order or starting after the node chosen
//     last, that is awake (up or waking) and has free cores, memory and
//     disk, with no overcommit; a sleeping node is woken only when no awake
//     node fits; a node marked down (HostState.Down: it refused a launch)
//     is never chosen. POWERSAVE places as GREEDY and switches a node off
//     once it has been idle for longer than its threshold (at least 300 s,
//     Eucalyptus's minimum POWER_IDLETHRESH; argument idle_threshold_s).
//     In the control plane (model/cloud) the Cluster Controller checks
//     idleness at its polls and a woken node takes its wake time; in a
//     datacenter run without [cloud] a host switches off exactly at the
//     threshold and wakes at once.
//   - Cluster choice at the Cloud Controller is a ZoneChooser over the
//     clusters' free slots for the instance type: first-fit, round-robin
//     or most-free.
//   - pabfd: power-aware best fit decreasing (Beloglazov & Buyya, CCPE 24(13),
//     2012, Algorithm 1): sort the batch by decreasing CPU demand and give
//     each VM to the host whose power increases least,
//     P(u_after) − P(u_before) with u = demand / capacity, among hosts with
//     room whose demand stays within max_util of capacity. With wake_cost
//     (default) a switched-off host's power before is 0, so waking it costs
//     its idle power; without it, it counts at its idle draw as in CloudSim.
//   - mem-aware: placement that sees actual memory, for hosts whose memory
//     the model simulates (HostState.Mem; hosts without it pass every
//     memory test). Filters: the strict ones, the host's free-memory state
//     no worse than max_state (default "soft", so hosts at hard and low,
//     which compress, swap and block, are refused), and the guests'
//     working sets plus the VM's within working_set_fit (1.0) of the memory
//     guests hold in the high state (host memory less the hypervisor's and
//     minFree; 0 turns it off). Scorers: MemPressureScorer, 1 − working
//     sets / that memory (pressure_weight, default 0), and PackScorer
//     (pack_weight, 0); with both 0 it is first fit among the hosts that
//     pass. admission = "sharing" replaces the RAM filter: a host takes a
//     VM while Σ booked RAM − the sharing expected among its guests ≤ RAM
//     × ratio, the expected sharing from model/mem's sharing model at
//     convergence: each guest's touched memory × shared_intra (zero pages),
//     plus, for k ≥ 2 guests of one image, Σ touched × shared_inter × (1 −
//     1/k). Such a host may be booked beyond its ratio (Cluster.Force).
//
// Registry: New(name, args) builds a policy from its TOML arguments and
// rejects unknown arguments, wrong types and out-of-range values, each named
// placement.args.<key>; there is no init()-time registration.
package policies
