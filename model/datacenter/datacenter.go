package datacenter

import (
	"fmt"

	"github.com/simrun/simrun/model/cloud"
	"github.com/simrun/simrun/model/host"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/policies"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

type clGroup struct {
	name                       string
	first, count, vmFirst, vmN int
	submit                     sim.Time
}

// Model is one simulated datacenter run: it owns the simulator, the hosts,
// the VMs and cloudlets, the placement policy and the recorder. Build it
// with New, drive it with StepN (or Run), then call Finish.
type Model struct {
	s   *sim.Sim
	sc  *scenarios.Scenario
	rec *results.Recorder

	placer  policies.Placer
	cluster *policies.Cluster
	hosts   []host.Host
	groups  []group
	// utilFn[id] is VM id's next utilization step, as an event.
	utilFn []func()
	// vmGroup[id] is VM id's index in groups.
	vmGroup []int32
	vms     []vm.VM

	cls      []vm.Cloudlet
	clGroups []clGroup
	// Cloudlets submitted before their VM runs wait in a per-VM list
	// threaded through clNext.
	clNext         []int32
	clHead, clTail []int32

	arrivals []int32 // VM ids in request order
	nextArr  int

	end      sim.Time // 0: until done
	sampleDt sim.Time

	// Live counters.
	activeHosts, onHosts int
	activeAvg, onAvg     sim.TimeAvg
	power                float64
	powerAvg             sim.TimeAvg
	placed, rejected     int
	finished, ended      int
	clFinished           int
	lastCompletion       sim.Time
	lastEnd              sim.Time
	rejections           map[string]int

	virtualized bool // some host group has a hypervisor

	cons *consolidator // nil without consolidation
	mem  *memLink      // nil unless some host simulates memory

	cp      *cloud.ControlPlane // the control plane ([cloud]), or nil
	idleOff sim.Time            // POWERSAVE without [cloud]: idle hosts off after this
	idleFn  []func()
	idleAt  []sim.Time

	reqs    []policies.Request
	reqVMs  []int32
	scratch []int32
	done    bool
}

// New builds the model of sc with the scenario's seed. Records go to rec.
func New(sc *scenarios.Scenario, rec *results.Recorder) (*Model, error) {
	if err := Check(sc); err != nil {
		return nil, err
	}
	m := &Model{
		s: sim.New(sc.Seed), sc: sc, rec: rec,
		end: sc.Duration.Time, sampleDt: sc.Output.SampleInterval.Time,
		rejections: map[string]int{},
	}
	if err := m.build(); err != nil {
		return nil, err
	}
	if sc.Consolidation.Overload != "none" && sc.Consolidation.Overload != "" && !IsStudy(sc) {
		c, err := newConsolidator(m)
		if err != nil {
			return nil, err
		}
		m.cons = c
	}
	for i := range m.hosts {
		h := &m.hosts[i]
		m.power += h.Record(0)
		if h.On {
			m.onHosts++
		}
	}
	m.onAvg.Set(0, float64(m.onHosts))
	m.activeAvg.Set(0, 0)
	m.powerAvg.Set(0, m.power)

	if err := m.buildCloud(); err != nil {
		return nil, err
	}
	if len(m.arrivals) > 0 {
		m.s.At(m.vms[m.arrivals[0]].Requested, m.arrive)
	}
	for ci := range m.clGroups {
		m.s.At(m.clGroups[ci].submit, func() { m.submitGroup(ci) })
	}
	if m.cons != nil {
		// After the arrivals at time 0, so that the first decision sees
		// them; later decisions follow the utilization changes due at the
		// same instant, which were scheduled earlier.
		m.s.At(0, m.consolidate)
	}
	if m.sampleDt > 0 {
		m.s.At(0, m.sample)
	}
	if err := m.startMemory(); err != nil {
		return nil, err
	}
	return m, nil
}

// Sim is the model's simulator (for inspection; the model drives it).
func (m *Model) Sim() *sim.Sim { return m.s }

// Hosts exposes the hosts (read only).
func (m *Model) Hosts() []host.Host { return m.hosts }

// VMs exposes the VMs (read only).
func (m *Model) VMs() []vm.VM { return m.vms }

// Cloudlets exposes the cloudlets (read only).
func (m *Model) Cloudlets() []vm.Cloudlet { return m.cls }

// StepN runs up to n events and reports whether the run is over (no event
// left, or the next one lies beyond the scenario's duration).
func (m *Model) StepN(n int) bool {
	if m.done {
		return true
	}
	for range n {
		t, ok := m.s.NextTime()
		if !ok || (m.end > 0 && t > m.end) {
			m.done = true
			return true
		}
		m.s.Step()
	}
	return false
}

// Run runs the whole scenario and finishes it.
func (m *Model) Run() {
	for !m.StepN(1 << 16) {
	}
	m.Finish()
}

// Progress is a fraction in [0, 1]: simulated time over the duration, or
// VMs ended over VMs requested when the run lasts until done.
func (m *Model) Progress() float64 {
	if m.done {
		return 1
	}
	if m.end > 0 {
		return min(1, sim.Seconds(m.s.Now())/sim.Seconds(m.end))
	}
	if len(m.vms) == 0 {
		return 1
	}
	return float64(m.ended) / float64(len(m.vms))
}

// live reports whether anything can still happen: arrivals to come or VMs
// not yet ended.
func (m *Model) live() bool { return m.nextArr < len(m.arrivals) || m.ended < len(m.vms) }

// ---- arrivals and placement ----

func (m *Model) arrive() {
	now := m.s.Now()
	m.reqs, m.reqVMs = m.reqs[:0], m.reqVMs[:0]
	for m.nextArr < len(m.arrivals) {
		id := m.arrivals[m.nextArr]
		v := &m.vms[id]
		if v.Requested != now {
			break
		}
		m.nextArr++
		gr := &m.groups[m.groupOf(int(id))]
		frac := gr.demand0
		if gr.perVM != nil {
			frac = gr.perVM(v)
		}
		if v.Cloudlets != nil {
			frac = 1
		}
		s := v.Spec
		m.reqs = append(m.reqs, policies.Request{ID: v.ID, Group: s.Group, VCPUs: s.VCPUs, MIPS: s.MIPS,
			RAMMiB: gr.bookRAM, DiskMiB: s.DiskMiB, BWMbps: s.BWMbps, DemandMIPS: frac * s.FullMIPS() * gr.demandFactor})
		if m.mem != nil {
			m.reqs[len(m.reqs)-1].Mem = m.memRequest(v, frac)
		}
		m.reqVMs = append(m.reqVMs, id)
	}
	if m.nextArr < len(m.arrivals) {
		m.s.At(m.vms[m.arrivals[m.nextArr]].Requested, m.arrive)
	}
	if m.cp != nil { // through the control plane
		for _, id := range m.reqVMs {
			m.cp.Submit(int(id), m.groupOf(int(id)))
		}
		return
	}
	decisions := m.placer.Place(m.cluster, m.reqs)
	if len(decisions) != len(m.reqs) {
		panic(fmt.Sprintf("datacenter: placer %s returned %d decisions for %d requests", m.placer.Name(), len(decisions), len(m.reqs)))
	}
	for i, d := range decisions {
		v := &m.vms[m.reqVMs[i]]
		if !d.Placed() {
			m.reject(v, d.Reason)
			continue
		}
		if m.mem != nil {
			if why := m.memAdmission(v, d.Host); why != "" {
				m.cluster.Release(d.Host, &m.reqs[i]) // the hypervisor refuses to power it on
				m.reject(v, why)
				continue
			}
		}
		m.place(v, d.Host)
	}
}

func (m *Model) reject(v *vm.VM, reason string) {
	now := m.s.Now()
	v.State, v.Reason, v.Ended = vm.Rejected, reason, now
	m.rejected++
	m.ended++
	m.rejections[reason]++
	// Cloudlets waiting for this VM will never run.
	for id := m.clHead[v.ID]; id >= 0; id = m.clNext[id] {
		m.cls[id].State = vm.CloudletRejected
	}
	m.clHead[v.ID], m.clTail[v.ID] = -1, -1
	m.noteEnd(now)
}

func (m *Model) place(v *vm.VM, hi int) {
	ov := m.admit(v, hi)
	// A cold binary-translation cache is charged as start-up time.
	if boot := v.Spec.BootTime + ov.warmup; boot > 0 {
		v.State = vm.Booting
		v.NextEvent = m.s.After(boot, func() { m.start(v) })
		return
	}
	m.start(v)
}

// admit puts v on host hi (already booked on the cluster): the host is
// switched on if needed and its overhead factors set.
func (m *Model) admit(v *vm.VM, hi int) *ovFactors {
	now := m.s.Now()
	h := &m.hosts[hi]
	wasActive := h.On && len(h.VMs) > 0
	if !h.On {
		m.switchOn(hi)
	}
	h.Add(v)
	m.power += h.Record(now)
	v.Host, v.Placed = hi, now
	if m.cons != nil {
		m.cons.lastMove[v.ID] = now
	}
	ov := &m.groups[m.groupOf(v.ID)].overhead[h.GroupIndex]
	v.SetOverhead(ov.slowdown, ov.hostFactor)
	if m.mem != nil {
		m.memPlace(v, hi)
	}
	m.placed++
	if !wasActive {
		m.activeHosts++
		m.activeAvg.Set(now, float64(m.activeHosts))
	}
	return ov
}

// ---- running ----

func (m *Model) start(v *vm.VM) {
	now := m.s.Now()
	v.State, v.Started = vm.Running, now
	v.Touch(now)
	if v.Lifetime > 0 {
		v.EndEvent = m.s.After(v.Lifetime, func() { m.lifetimeOver(v) })
	}
	if v.Cloudlets == nil {
		gr := &m.groups[m.groupOf(v.ID)]
		v.Util = gr.startFrac(v, now)
		m.utilStep(v)
		return
	}
	for id := m.clHead[v.ID]; id >= 0; id = m.clNext[id] {
		v.Cloudlets.Submit(now, id, m.cls)
	}
	m.clHead[v.ID], m.clTail[v.ID] = -1, -1
	m.afterCloudletChange(v)
}

// utilStep applies the utilization model's value for now and schedules the
// next change.
func (m *Model) utilStep(v *vm.VM) {
	now := m.s.Now()
	u, next := v.Util.Next(now - v.Started)
	m.setWant(v, u*v.Spec.FullMIPS())
	if next != sim.Forever {
		if m.utilFn == nil {
			m.utilFn = make([]func(), len(m.vms))
		}
		f := m.utilFn[v.ID]
		if f == nil { // made once per VM: a decision per step would allocate
			f = func() { m.utilStep(v) }
			m.utilFn[v.ID] = f
		}
		v.NextEvent = m.s.At(v.Started+next, f)
	}
}

// afterCloudletChange updates a cloudlet VM's demand and its next
// completion, or ends the VM when all its cloudlets are done.
func (m *Model) afterCloudletChange(v *vm.VM) {
	if v.Cloudlets.AllDone() {
		m.endVM(v, vm.Finished)
		return
	}
	m.setWant(v, v.Cloudlets.Demand(v.Spec.MIPS))
	m.scheduleCompletion(v)
}

func (m *Model) scheduleCompletion(v *vm.VM) {
	m.s.Cancel(v.NextEvent)
	v.NextEvent = 0
	t := v.Cloudlets.NextFinish(m.s.Now(), v.Rate(), m.cls)
	if t != sim.Forever {
		v.NextEvent = m.s.At(t, func() { m.cloudletsDue(v) })
	}
}

func (m *Model) cloudletsDue(v *vm.VM) {
	now := m.s.Now()
	v.NextEvent = 0
	v.Advance(now, m.cls)
	m.scratch = v.Cloudlets.CompleteDue(now, v.Rate(), m.cls, m.scratch[:0])
	if n := len(m.scratch); n > 0 {
		m.clFinished += n
		m.lastCompletion = now
	}
	m.afterCloudletChange(v)
}

// submitGroup hands a cloudlet group to its VMs: cloudlet i goes to target
// VM i mod V, so VM j receives cloudlets j, j+V, j+2V, … in that order.
func (m *Model) submitGroup(ci int) {
	now := m.s.Now()
	g := &m.clGroups[ci]
	for j := range min(g.vmN, g.count) {
		v := &m.vms[g.vmFirst+j]
		running := v.State == vm.Running
		if running {
			v.Advance(now, m.cls)
		}
		for i := j; i < g.count; i += g.vmN {
			id := int32(g.first + i)
			m.cls[id].Submit = now
			switch {
			case running:
				v.Cloudlets.Submit(now, id, m.cls)
			case v.State == vm.Requested || v.State == vm.Booting:
				m.cls[id].State = vm.CloudletWaiting
				m.clNext[id] = -1
				if t := m.clTail[v.ID]; t >= 0 {
					m.clNext[t] = id
				} else {
					m.clHead[v.ID] = id
				}
				m.clTail[v.ID] = id
			default: // rejected or ended: the cloudlet cannot run
				m.cls[id].State = vm.CloudletRejected
			}
		}
		if running {
			m.afterCloudletChange(v)
		}
	}
}

// ---- CPU sharing ----

// setWant sets a running VM's workload demand (uncapped MIPS) and reshares
// its host as needed.
func (m *Model) setWant(v *vm.VM, want float64) {
	now := m.s.Now()
	v.Advance(now, m.cls)
	v.Want = want
	if m.mem != nil {
		m.memWant(v)
	}
	m.redemand(v)
}

// redemand recomputes a running VM's host demand from its workload demand
// and reshares its host as needed.
func (m *Model) redemand(v *vm.VM) {
	d := v.HostDemand(v.Want)
	if d == v.Demand {
		return
	}
	h := &m.hosts[v.Host]
	c := h.Capacity()
	wasContended := h.Sched == host.TimeShared && h.Demand > c
	v.Demand = d
	h.SumDemand()
	m.reshareAfter(h, wasContended, v)
}

// contended reports whether h's VMs get less than their demand now.
func contended(h *host.Host) bool { return h.Sched == host.TimeShared && h.Demand > h.Capacity() }

// reshareAfter re-shares h after its demand changed (wasContended: as it
// was before): every VM when it was or is contended; otherwise every VM
// keeps its demand, and only v (nil: none), whose own demand changed, gets
// a new share.
func (m *Model) reshareAfter(h *host.Host, wasContended bool, v *vm.VM) {
	if wasContended || h.Factor() < 1 {
		m.reshare(h, nil)
		return
	}
	if v != nil {
		m.share(v, 1)
	}
	m.rebook(h)
}

// reshare gives the VMs of h their allocations under the host's scheduler:
// only v when the host was and stays uncontended, every VM otherwise.
func (m *Model) reshare(h *host.Host, only *vm.VM) {
	f := h.Factor()
	if only != nil {
		m.share(only, f)
	} else {
		for _, u := range h.VMs {
			m.share(u, f)
		}
	}
	m.rebook(h)
}

// rebook sums h's allocation after its VMs' shares changed and records
// its power and demand.
func (m *Model) rebook(h *host.Host) {
	now := m.s.Now()
	h.SumAlloc()
	m.power += h.Record(now)
	m.powerAvg.Set(now, m.power)
	m.cluster.SetDemand(h.Index, h.Demand)
}

// share gives v its demand times the host's factor f, less what a
// migration withholds (which it records as lost).
func (m *Model) share(v *vm.VM, f float64) {
	a := v.Demand * f
	if v.Degrade == 0 {
		m.setAlloc(v, a)
		return
	}
	loss := a * v.Degrade
	if a-loss == v.Alloc && loss == v.LossRate {
		return
	}
	v.Advance(m.s.Now(), m.cls)
	v.LossRate = loss
	m.setAlloc(v, a-loss)
}

func (m *Model) setAlloc(v *vm.VM, a float64) {
	if a == v.Alloc {
		return
	}
	v.SetAlloc(m.s.Now(), a, m.cls)
	if v.Cloudlets != nil && v.State == vm.Running {
		m.scheduleCompletion(v)
	}
}

// ---- ending ----

func (m *Model) endVM(v *vm.VM, st vm.State) {
	if v.State.Ended() {
		return
	}
	now := m.s.Now()
	m.s.Cancel(v.NextEvent)
	m.s.Cancel(v.EndEvent)
	v.NextEvent, v.EndEvent = 0, 0
	v.Advance(now, m.cls)
	v.LossRate, v.Degrade = 0, 0
	if m.cons != nil {
		m.abortMigration(v)
	}
	if v.Cloudlets != nil {
		m.scratch = v.Cloudlets.Abort(m.cls, m.scratch[:0])
	}
	for id := m.clHead[v.ID]; id >= 0; id = m.clNext[id] {
		m.cls[id].State = vm.CloudletRejected
	}
	m.clHead[v.ID], m.clTail[v.ID] = -1, -1

	h := &m.hosts[v.Host]
	m.detach(v)
	v.Demand, v.Want = 0, 0
	if len(h.VMs) == 0 {
		if h.On {
			m.activeHosts--
			m.activeAvg.Set(now, float64(m.activeHosts))
		}
		m.hostEmptied(h.Index)
	}
	m.powerAvg.Set(now, m.power)
	v.State, v.Ended = st, now
	if st == vm.Finished {
		m.finished++
	}
	m.ended++
	m.noteEnd(now)
}

// detach takes v off its host (its work accounted up to now, its
// allocation ended, its booking released) and reshares the host. v.Host is
// left as it was.
func (m *Model) detach(v *vm.VM) {
	now := m.s.Now()
	h := &m.hosts[v.Host]
	wasContended := h.Sched == host.TimeShared && h.Demand > h.Capacity()
	v.SetAlloc(now, 0, m.cls)
	h.Remove(v)
	req := m.request(v)
	m.cluster.Release(v.Host, &req)
	h.SumDemand()
	if wasContended {
		m.reshare(h, nil)
	} else {
		h.SumAlloc()
		m.power += h.Record(now)
		m.cluster.SetDemand(h.Index, h.Demand)
	}
	if m.mem != nil {
		m.memDetach(v)
	}
}

// request is what placement books for v.
func (m *Model) request(v *vm.VM) policies.Request {
	s := v.Spec
	r := policies.Request{ID: v.ID, Group: s.Group, VCPUs: s.VCPUs, MIPS: s.MIPS,
		RAMMiB: m.groups[m.groupOf(v.ID)].bookRAM, DiskMiB: s.DiskMiB, BWMbps: s.BWMbps}
	if m.mem != nil {
		r.Mem = &m.mem.grps[m.groupOf(v.ID)].req
	}
	return r
}

// switchOn switches host hi on.
func (m *Model) switchOn(hi int) {
	now := m.s.Now()
	h := &m.hosts[hi]
	if h.On {
		return
	}
	m.power += h.SetOn(now, true)
	m.powerAvg.Set(now, m.power)
	m.cluster.SetOn(hi, true)
	m.onHosts++
	m.onAvg.Set(now, float64(m.onHosts))
	if m.cons != nil {
		m.cons.onAt[hi] = now
	}
}

// switchOff switches host hi off.
func (m *Model) switchOff(hi int) {
	now := m.s.Now()
	h := &m.hosts[hi]
	if !h.On {
		return
	}
	m.power += h.SetOn(now, false)
	m.powerAvg.Set(now, m.power)
	m.cluster.SetOn(hi, false)
	m.onHosts--
	m.onAvg.Set(now, float64(m.onHosts))
	if m.cons != nil {
		m.cons.shutdowns++
		m.cons.beforeShutdown.Add(sim.Seconds(now - m.cons.onAt[hi]))
	}
}

func (m *Model) noteEnd(now sim.Time) {
	if now > m.lastEnd {
		m.lastEnd = now
	}
	if m.mem != nil {
		m.memStop()
	}
}
