// Package results turns a run's typed records into files: CSV in long
// ("tidy") form with a fixed column order, a JSON summary, and figures drawn
// with gonum/plot. Models append records to a Recorder and never touch
// files; the writers never read model state.
//
// Files written by WriteDir (each through a temporary file, fsync and
// rename, so an interrupted run never leaves a half-written file):
//
//   - summary.json — Summary: scenario name and SHA-256, seed, build
//     revision, --set overrides, policy; simulated seconds and events; VMs
//     requested, placed, rejected, finished and still running at the end;
//     cloudlets and cloudlets finished; last_completion_s (last cloudlet);
//     makespan_s (last VM end); finished_work_mi (million instructions
//     executed); energy_kwh; mean_active_hosts and mean_on_hosts
//     (time-weighted); mean_util (∫ allocated MIPS / ∫ capacity of hosts
//     while on); peak_power_w; rejection_reasons (count per reason);
//     metrics (unmet_demand_mi, demanded_work_mi, unmet_demand_fraction,
//     mean_power_w, cloudlets_unfinished); warnings. NaN or infinite values
//     are written as 0 with a warning naming the field.
//   - vm_outcomes.csv — VMOutcome, one row per VM: vm, group, vcpus, ram_mib,
//     state (finished, rejected, running, booting, requested), host (−1 if
//     never placed), requested_s, placed_s, running_s, ended_s (−1 when not
//     reached), work_mi, reason.
//   - cloudlets.csv — CloudletRecord: cloudlet, group, vm, length_mi,
//     submit_s, start_s, finish_s (−1 when not reached), state (finished,
//     unfinished, rejected).
//   - hosts.csv — HostSample per host per sampling instant: time_s, host,
//     group, state (on/off), vms, demand_mips, alloc_mips, util (0..1),
//     power_w.
//   - vms.csv — VMSample per placed VM per instant: time_s, vm, group, host,
//     state, demand_mips, alloc_mips.
//   - datacenter.csv — DatacenterSample per instant: time_s, active_hosts (on
//     and holding a VM), on_hosts, running_vms, demand_mips, alloc_mips, util
//     (alloc over the capacity of hosts that are on), power_w.
//   - utilization, power and active_hosts as .png and .svg, drawn from
//     datacenter.csv; time in hours for runs longer than two hours, else
//     minutes.
//   - consolidation.csv — ConsolidationSample per consolidation decision:
//     time_s, active_hosts, on_hosts, overloaded_hosts (flagged by the
//     detector), saturated_hosts (demand above capacity), migrations
//     decided, of which overload_migrations, evacuated_hosts, unplaced
//     (selected VMs that found no host), power_w, energy_kwh (so far);
//     consolidation.png/.svg draws active and overloaded hosts and the
//     migrations decided.
//   - A consolidation study: comparison.csv (ComparisonRow per policy:
//     policy, energy_kwh, slav, slatah, pdm, esv, sla_violation,
//     migrations, host_shutdowns, mean_active_hosts,
//     mean_time_before_shutdown_s, mean_time_before_migration_s, warnings),
//     comparison.md (the same as a Markdown table, percentages and scaled
//     units in the header), energy_vs_slav (a scatter of the detector ×
//     selection policies, colour by detector, shape by selection; the
//     baselines' energy in the title), energy, slav and migrations (bars),
//     active_hosts_by_policy (lines for study.highlight).
//   - A memory study: memory.csv (MemoryRow per mechanism set and ratio:
//     guests, MiB given back by sharing, ballooning, compression and
//     swapping, free memory, mean and worst slowdown, fault rates, blocked
//     fraction, host CPU, time in the soft, hard and low states; means
//     after the warm-up), memory.md (the same as a Markdown table),
//     memory_series.csv (MemorySample every memory.sample), and the charts
//     memory_reclaimed (stacked bars), memory_slowdown (lines over the
//     ratio, or bars per set) and memory_over_time (slowdown over time per
//     set, when several are compared).
//   - A datacenter run that simulates memory ([memory] enabled):
//     host_memory.csv (HostMemorySample per memory host per sampling
//     instant: time_s, host, state (high, clear, soft, hard, low), vms,
//     free_mib, active_mib (the guests' working sets), resident_mib, and
//     what sharing, ballooning, compression and swapping give back:
//     shared_saved_mib, balloon_mib, compressed_saved_mib, swapped_mib;
//     slowdown (the guests' mean progress, inverted), reclaim_cpu_cores),
//     the charts host_memory (given back by mechanism and working sets
//     over time, all hosts) and host_memory_slowdown, and the mem_*
//     metrics of summary.json (listed in model/datacenter's doc).
//   - A memory-placement study: mem_placement.csv (MemPlacementRow per
//     placement and RAM ratio: placement, policy, ram_allocation_ratio,
//     vms_requested, vms_placed, vms_rejected, slowdown, worst_slowdown,
//     unmet_demand_fraction, energy_kwh, energy_per_vm_kwh,
//     mean_active_hosts, shared_saved_mib, balloon_mib,
//     compressed_saved_mib, swapped_mib, reclaim_cpu_cores, time_hard_low),
//     mem_placement.md (the same as a Markdown table) and the charts
//     mem_admitted, mem_placement_slowdown and mem_energy (lines over the
//     ratio, one per placement) and mem_placement_reclaimed (stacked bars).
//   - A run through the control plane ([cloud]): launches.csv
//     (LaunchRecord per launch: vm, group, image, cluster, host, outcome
//     (running, rejected, pending), requested_s, ended_s, latency_s,
//     attempts (nodes it was sent to), refusals, cluster_tries, cache_hit,
//     joined_download, waited_wake, the stage times msg_s, clc_queue_s,
//     clc_service_s, cc_queue_s, cc_service_s, wake_s, nc_queue_s,
//     nc_service_s, walrus_queue_s, walrus_service_s, transfer_s, disk_s,
//     boot_s, network_s — they add up to latency_s — then terminate_s,
//     volume_create_s, volume_attach_s (−1: none) and reason),
//     walrus.csv (WalrusSample: time_s, mibps out of Walrus from then on),
//     nodes.csv (NodeSample: time_s, up, waking, asleep), and the charts
//     launch_latency_cdf (the empirical CDF, all launches and per type),
//     launch_stages (the mean stages per type, stacked: queueing,
//     control-plane service and messages, waiting for a wake-up, image
//     transfer, disk, boot, network), launches (requested and running,
//     cumulative), walrus_throughput and node_states.
//   - A cloud study: cloud.csv (CloudRow per variant: variant, launches,
//     running, rejected, mean, p50, p95 and p99 latency, refusals,
//     cluster_retries, cache_hit_rate, walrus_gib, launches_per_s,
//     energy_kwh, mean_on_hosts, wakeups, clc/cc/nc_wait_mean_s),
//     cloud.md (the same as a Markdown table), launch_latency_cdf (one CDF
//     per variant), launch_stages (one stacked bar per variant) and
//     energy_vs_latency (energy against p95 latency).
//
// Floats are written in their shortest exact form (strconv 'g', −1), and no
// file contains a wall-clock time, so identical runs give identical bytes.
// summary.json is the bytes encoding/json's Encoder writes with a two-space
// indent, produced by an encoder of this package (appendSummaryJSON, held
// to encoding/json by a test and a fuzz target) that indents as it goes
// instead of in a second pass: a sweep writes one summary per run.
//
// Charts are drawn by gonum/plot at 96 dpi (16 × 12 cm: 605 × 454 pixels;
// wider for bar charts of many categories) and saved as SVG and as PNG. A
// chart's PNG is 8-bit RGB with every row unfiltered, deflated at zlib's
// fastest level, written by a small encoder here (encodePNG) rather than
// image/png, whose adaptive per-row filter choice has no switch and was
// three fifths of a chart's encoding: chart pixels are mostly long runs of
// one colour, which deflate matches as well without a filter. Same pixels,
// written about 2.5 times faster.
package results
