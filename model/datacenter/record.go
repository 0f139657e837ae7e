package datacenter

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/sim"
)

// sample records the state of every host, every placed VM and the
// datacenter at now, and schedules the next sample: up to the duration in a
// time-limited run, while anything can still happen otherwise.
func (m *Model) sample() {
	now := m.s.Now()
	m.record(now)
	if (m.end > 0 && now+m.sampleDt <= m.end) || (m.end == 0 && m.live()) {
		m.s.After(m.sampleDt, m.sample)
	}
}

func (m *Model) record(now sim.Time) {
	t := sim.Seconds(now)
	var dc results.DatacenterSample
	dc.TimeS = t
	capOn := 0.0
	for i := range m.hosts {
		h := &m.hosts[i]
		state := "off"
		if h.On {
			state = "on"
			dc.OnHosts++
			capOn += h.Capacity()
			if len(h.VMs) > 0 {
				dc.ActiveHosts++
			}
		}
		w := h.Watts()
		m.rec.Hosts = append(m.rec.Hosts, results.HostSample{TimeS: t, Host: i, Group: h.Group, State: state,
			VMs: len(h.VMs), DemandMIPS: h.Demand, AllocMIPS: h.Alloc, Util: h.Util(), PowerW: w})
		dc.DemandMIPS += h.Demand
		dc.AllocMIPS += h.Alloc
		dc.PowerW += w
	}
	if capOn > 0 {
		dc.Util = dc.AllocMIPS / capOn
	}
	start := len(m.rec.VMs)
	for i := range m.hosts {
		for _, v := range m.hosts[i].VMs {
			if v.State == vm.Running {
				dc.RunningVMs++
			}
			m.rec.VMs = append(m.rec.VMs, results.VMSample{TimeS: t, VM: v.ID, Group: v.Spec.Group, Host: v.Host,
				State: v.State.String(), DemandMIPS: v.Demand, AllocMIPS: v.Alloc})
		}
	}
	// Hosts list their VMs in slot order; sort the sample by VM id so the
	// file reads naturally.
	batch := m.rec.VMs[start:]
	slices.SortFunc(batch, func(a, b results.VMSample) int { return a.VM - b.VM })
	m.rec.Datacenter = append(m.rec.Datacenter, dc)
	if m.mem != nil {
		m.recordMem(t)
	}
}

func secs(t sim.Time) float64 {
	if t < 0 {
		return -1
	}
	return sim.Seconds(t)
}

// EndTime is when the run ends: the scenario's duration, or the time of the
// last event when it runs until done.
func (m *Model) EndTime() sim.Time {
	if m.end > 0 {
		return m.end
	}
	return m.s.Now()
}

// Finish closes the run at its end time: it accounts every VM's work up to
// then, takes a last sample, and fills the recorder's outcomes, cloudlets
// and summary. Call it once, after StepN reported the run over.
func (m *Model) Finish() {
	end := m.EndTime()
	if m.end > 0 {
		m.s.RunUntil(end) // no events remain ≤ end; this only moves the clock
	}
	if m.sampleDt > 0 && (len(m.rec.Datacenter) == 0 || m.rec.Datacenter[len(m.rec.Datacenter)-1].TimeS < sim.Seconds(end)) {
		m.record(end)
	}
	var work, want float64
	running := 0
	m.rec.Outcomes = make([]results.VMOutcome, len(m.vms))
	for i := range m.vms {
		v := &m.vms[i]
		if v.State == vm.Running || v.State == vm.Booting {
			v.Advance(end, m.cls)
			running++
		}
		work += v.WorkMI
		want += v.WantMI
		o := results.VMOutcome{VM: v.ID, Group: v.Spec.Group, VCPUs: v.Spec.VCPUs, RAMMiB: v.Spec.RAMMiB,
			State: v.State.String(), Host: v.Host, RequestedS: secs(v.Requested), PlacedS: secs(v.Placed),
			RunningS: secs(v.Started), EndedS: secs(v.Ended), WorkMI: v.WorkMI, Reason: v.Reason}
		if v.State == vm.Requested {
			o.Reason = "requested after the end of the run"
			if m.cp != nil && m.cp.Submitted(v.ID) {
				o.Reason = "still in the control plane when the run ended (see launches.csv)"
			}
		}
		m.rec.Outcomes[i] = o
	}
	unfinished := 0
	if len(m.cls) > 0 {
		m.rec.Cloudlets = make([]results.CloudletRecord, len(m.cls))
	}
	for i := range m.cls {
		c := &m.cls[i]
		st := "finished"
		switch {
		case c.State == vm.CloudletFinished:
		case c.Start >= 0:
			st = "unfinished"
			unfinished++
		default:
			st = "rejected"
		}
		m.rec.Cloudlets[i] = results.CloudletRecord{Cloudlet: i, Group: m.clGroups[c.Group].name, VM: int(c.VM),
			LengthMI: c.Length, SubmitS: secs(c.Submit), StartS: secs(c.Start), FinishS: secs(c.Finish), State: st}
	}

	joules, allocInt, capOnT := 0.0, 0.0, 0.0
	for i := range m.hosts {
		h := &m.hosts[i]
		h.Record(end) // accrues active and saturated time
		joules += h.EnergyJoules(end)
		allocInt += h.AllocIntegral(end)
		capOnT += h.Capacity() * sim.Seconds(h.OnTime(end))
	}
	s := &m.rec.Summary
	s.Scenario = m.sc.Name
	s.ScenarioSHA256 = m.sc.SHA256
	s.Seed = m.sc.Seed
	s.Overrides = m.sc.Overrides()
	s.Policy = m.placer.Name()
	s.SimulatedS = sim.Seconds(end)
	s.Events = m.s.Processed()
	s.Hosts = len(m.hosts)
	s.VMsRequested = m.nextArr
	s.VMsPlaced = m.placed
	s.VMsRejected = m.rejected
	s.VMsFinished = m.finished
	s.VMsRunningAtEnd = running
	s.Cloudlets = len(m.cls)
	s.CloudletsFinished = m.clFinished
	s.LastCompletionS = sim.Seconds(m.lastCompletion)
	s.MakespanS = sim.Seconds(m.lastEnd)
	s.FinishedWorkMI = work
	s.EnergyKWh = joules / 3.6e6
	s.MeanActiveHosts = m.activeAvg.Mean(end)
	s.MeanOnHosts = m.onAvg.Mean(end)
	if capOnT > 0 {
		s.MeanUtil = allocInt / capOnT
	}
	s.PeakPowerW = m.powerAvg.Max()
	s.RejectionReasons = m.rejections
	s.Metrics = map[string]float64{
		"unmet_demand_mi":      math.Max(0, want-work),
		"demanded_work_mi":     want,
		"cloudlets_unfinished": float64(unfinished),
		"mean_power_w":         m.powerAvg.Mean(end),
	}
	if want > 0 {
		s.Metrics["unmet_demand_fraction"] = math.Max(0, want-work) / want
	}
	if m.virtualized {
		// Host CPU spent on virtualization: everything allocated beyond the
		// native work it bought (vCPU overhead and host-side backends).
		s.Metrics["virt_overhead_mi"] = math.Max(0, allocInt-work)
		if allocInt > 0 {
			s.Metrics["virt_overhead_fraction"] = math.Max(0, allocInt-work) / allocInt
		}
	}
	if m.cons != nil {
		m.finishConsolidation(end, s)
	}
	if m.mem != nil {
		m.finishMemory(s)
	}
	if m.cp != nil {
		m.finishCloud(end, s)
	}
	if m.rejected > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%d of %d VMs were rejected (see rejection_reasons and vm_outcomes.csv)", m.rejected, len(m.vms)))
	}
	if n := len(m.vms) - m.nextArr; n > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%d VMs were to be requested after the end of the run", n))
	}
	sort.Strings(s.Warnings)
}
