// Package cloud models an IaaS control plane after Eucalyptus (Nurmi,
// Wolski, Grzegorczyk, Obertelli, Soman, Youseff and Zagorodnov, "The
// Eucalyptus Open-source Cloud-computing System", CCGRID 2009): how long a
// user waits for an instance, where that time goes, and what the control
// plane's choices cost in energy.
//
// # The components
//
// A Cloud Controller (CLC) takes the users' requests; one Cluster
// Controller (CC) per cluster schedules instances on its nodes; a Node
// Controller (NC) per host (a model/host host of the datacenter model)
// starts and stops them; Walrus, the put/get store the paper calls its
// storage controller, holds the machine images; and the Storage Controller
// (SC) of later releases serves EBS-like block volumes. Each controller is
// a Server: one FCFS queue, c workers, and a service-time distribution per
// operation (constant, exponential, lognormal, gamma or uniform; Sampler in
// model/vm), so each is an M/G/c station. Controllers talk through control
// messages that cross a link in latency + size/bandwidth (user ↔ CLC,
// CLC ↔ CC, CC ↔ NC, NC → Walrus, NC ↔ SC); control traffic is too small
// to contend. Image bytes are not: they flow as fluids (below).
//
// # RunInstances
//
//  1. The user's request reaches the CLC. Its worker admits it: the
//     instance type must fit some node at all (else "fits no node"), the
//     account (its vm_group) must be under its quota, and a cluster is
//     chosen by the cluster policy (policies.ZoneChooser: most free slots,
//     round robin or first fit) among those whose free slots for the type,
//     in the CLC's view, are positive (else "insufficient capacity").
//  2. The CC's worker chooses a node by its scheduling policy on its
//     cached view of the nodes (a policies.Cluster): GREEDY (the first node
//     that is awake and has free cores, memory and disk, no overcommit;
//     else the first sleeping node that fits, which it wakes), ROUNDROBIN
//     (the same starting after the node chosen last; Eucalyptus's default)
//     or POWERSAVE (placing as GREEDY). No node in its view: it answers the
//     CLC, which marks the cluster full for the type and tries another.
//  3. The NC's worker checks its host's real resources. If they are taken
//     (the CC's view was stale) it refuses; the CC marks the node down
//     until its next report, as Eucalyptus does, and chooses again, up to
//     max_attempts nodes. Otherwise it books the instance (the VM is now
//     booting on the host) and starts it:
//  4. the image: from the node's LRU cache (bounded bytes; an image being
//     copied is never evicted), or from a download of it already under way
//     on the node, or from Walrus (a GetObject served by Walrus's workers,
//     then the bytes flow over Walrus's link, the cluster's uplink and the
//     node's NIC);
//  5. disk preparation: the image copied into the instance's disk (a flow
//     over the node's disk), then a fixed part (ephemeral and swap);
//  6. the hypervisor boots the guest, the instance's network is set up, and
//     it runs: its workload starts in the datacenter model.
//
// Every instant of a launch belongs to one stage (messages, the CLC's,
// CC's, NC's and Walrus's queues and services, waiting for a node to wake,
// the image transfer, disk, boot, network), so the stages add up to the
// launch latency exactly, in integer nanoseconds; launches.csv has them.
//
// TerminateInstances, when an instance's lifetime is over, goes user → CLC
// → CC → NC; the VM runs until the NC's worker has torn it down. Neither
// the CLC nor the CC adds the freed resources back: the next report does.
//
// # Sharing bandwidth
//
// Image transfers and disk copies are fluid flows whose rates are max-min
// fair over the links they cross (internal/maxmin; Bertsekas & Gallager,
// Data Networks, 2nd ed., §6.5.2), recomputed whenever one starts or ends.
// k simultaneous cold fetches of an S-byte image over Walrus's B-byte/s
// link, when it is the only bottleneck, each get B/k and all end after
// k·S/B; on one node the second launch of an image waits for the first's
// download, and n instances booting on a node copy their n images at a
// n-th of its disk each.
//
// # Stale views
//
// Every poll_period each CC asks each node for its resources and instances
// (DescribeResource) and overwrites its entry when the answer has been
// processed by one of its workers; every clc_poll_period the CLC asks each
// CC for its free slots per type (Σ over nodes not marked down of
// ⌊min(free cores/c, free memory/m, free disk/d)⌋). Between polls a view
// is kept one of two ways (cloud.view):
//
//   - "deduct" (Eucalyptus): each controller subtracts what it sends (the
//     CLC takes, from every type's slots, the slots one instance of the
//     launched type may occupy, rounded up), and a poll is not sent to a
//     node (or CC) with launches in flight, as Eucalyptus's CC skips a node
//     whose running counter is not zero. The view errs on the safe side —
//     a node whose instances ended looks full until its next report — so
//     stale views turn launches away ("insufficient capacity") or crowd
//     them onto the nodes known to be free.
//   - "poll": the view is the last report alone (the periodic-update model
//     of Mitzenmacher, "How useful is old information?", IEEE TPDS 11(1),
//     2000): every launch between two reports sees the same free node, the
//     NC refuses those that no longer fit, and refusals, retries and
//     latency grow with the period.
//
// # Power
//
// Under POWERSAVE (policies.PowerSave) a CC that has seen a node idle (no
// instance, no launch in flight) at its polls for longer than
// idle_threshold (at least 300 s, Eucalyptus's POWER_IDLETHRESH) powers it
// down: it marks it asleep and calls its NC, whose worker shuts the host
// off (power_down) unless an instance arrived meanwhile. A launch that
// needs a sleeping node wakes it (wake-on-LAN; the host draws power from
// then on) and waits wake_time for it; so do the launches that reach it
// meanwhile. Energy is the datacenter model's: hosts asleep draw nothing.
//
// # Volumes
//
// A vm_group with volume_gib makes each instance, once running, ask for a
// volume: CreateVolume (user → CLC → SC, whose worker takes create_volume
// plus size/create_mibps) and, once the user has it, AttachVolume (CLC →
// CC → NC, whose worker connects to the SC over the storage network, where
// the SC's worker exports it).
//
// # Where the defaults come from
//
// From Eucalyptus (its eucalyptus.conf defaults and its CC's source,
// cluster/handlers.c): the CC's default policy ROUNDROBIN
// (SCHEDPOLICY); the poll periods, 6 s (NC_POLLING_FREQUENCY,
// CLC_POLLING_FREQUENCY); the idle threshold, 300 s and its 300 s minimum
// (POWER_IDLETHRESH); GREEDY's preference of up or waking nodes over
// sleeping ones; the overwrite of a node's entry by its report, the skipped
// polls of nodes asleep or with launches in flight, the node marked down
// after a failed launch, and POWERSAVE's idleness check at the instance
// polls; POWERSAVE powering nodes down only (GREEDY and ROUNDROBIN never
// do).
//
// Assumptions — no published figure; each is a scenario key:
// workers cloud.clc.workers 4, cloud.cc.workers 4, cloud.nc.workers 2,
// cloud.walrus.workers 8, cloud.sc.workers 2; service times
// cloud.clc.run_instances exponential 100 ms, terminate_instances
// exponential 20 ms, describe_resources 5 ms, create_volume and
// attach_volume exponential 20 ms; cloud.cc.run_instances exponential
// 20 ms, terminate_instances exponential 10 ms, describe_resources 2 ms,
// report 5 ms, attach_volume exponential 10 ms; cloud.nc.run_instance
// exponential 50 ms, terminate_instance 2 s, describe_resource 5 ms,
// attach_volume 1 s, power_down 10 s; cloud.walrus.get_object exponential
// 10 ms; cloud.sc.create_volume 1 s plus size at cloud.sc.create_mibps 100,
// attach_volume 500 ms; the instance start-up cloud.nc.disk_mibps 100 (a
// 2009 SATA disk), cloud.nc.disk_prep 1 s, cloud.nc.boot lognormal mean
// 30 s cv 0.3, cloud.nc.network_setup 1 s, cloud.wake_time 120 s (within
// Eucalyptus's 300 s POWER_WAKETHRESH); cloud.nc.cache_gib 10;
// bandwidths cloud.walrus.bandwidth_gbps 1 and cloud.cluster[i].uplink_gbps
// 1 (gigabit Ethernet); links cloud.links.user 20 ms and 0.1 Gb/s,
// clc_cc 0.5 ms, cc_nc 0.2 ms, walrus 0.5 ms, storage 0.2 ms (1 Gb/s),
// message_kib 4; cloud.cluster_policy "most-free"; cloud.max_attempts 8.
// Measurements of public clouds put instance start-up in the tens of
// seconds to minutes, growing with the image's size and with the number
// of instances requested at once (Mao & Humphrey, "A Performance Study on
// the VM Startup Time in the Cloud", IEEE CLOUD 2012): the defaults give a
// warm launch about 35 s and make cold bursts grow with image size and
// count, but calibrate them to your cloud.
//
// Simplifications: a CC counts a launch in flight until its NC answers
// (not until the answer arrives), and the CLC a cluster's until its CC has
// chosen a node; ROUNDROBIN prefers awake nodes as GREEDY does (Eucalyptus's
// own round robin skips only nodes marked down, and never needs to wake
// one: only POWERSAVE puts nodes to sleep); Walrus serves images without
// decrypting bundles; nodes do not fail; a request launches one instance.
// With [cloud], a vm_group's boot_time is refused (the NC's pipeline is
// the instance's start) and a binary-translation cache's warm-up is not
// charged.
//
// # Metrics (summary.json)
//
// launches, launches_running, launches_rejected, launches_pending;
// mean, p50, p95, p99 and max launch latency (request → running, of the
// launches that ran; gonum's empirical quantiles); stage_<stage>_mean_s;
// launches_per_s (launches that ran over the time from the first request to
// the last start); nc_refusals, node_attempts, cluster_retries; cache_hits,
// cache_misses, cache_joins (waited for a download under way),
// cache_hit_rate (hits over the three), cache_evictions; walrus_gib,
// walrus_busy_s, walrus_mean_mibps (while sending), walrus_peak_mibps;
// node_wakeups, node_powerdowns, mean_nodes_asleep, mean_nodes_waking;
// terminations, mean_terminate_latency_s; volumes_requested,
// volumes_created, mean_volume_create_s, volumes_attached,
// mean_volume_attach_s, volumes_abandoned (the instance was being
// terminated when the attachment reached its NC; the rest of the requested
// were still on their way at the end); and per
// controller (clc, cc, nc, walrus, sc; the CCs and the NCs pooled) jobs,
// wait_mean_s, wait_p95_s (the queueing times of the launch path's jobs:
// RunInstances at the CLC and CCs, RunInstance at the NCs, GetObject at
// Walrus, CreateVolume at the SC) and utilization (mean busy workers over
// workers, every job counted).
package cloud
