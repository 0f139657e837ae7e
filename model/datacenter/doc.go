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
package datacenter
