package datacenter

import (
	"fmt"
	"math"
	"slices"

	"github.com/simrun/simrun/model/host"
	"github.com/simrun/simrun/model/mem"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/policies"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// memLink runs model/mem on the hosts whose memory the scenario simulates
// and couples it to the fluid CPU model (see doc.go, "Memory").
//
// One tick event every epoch steps the hosts that are awake, in index
// order. A host whose epoch changed nothing (mem.Host.StepQuiet) falls
// asleep: further epochs would change nothing either until one of its
// inputs does (a VM arrives or leaves, a working set changes), and then
// it wakes, first skipping the epochs it slept through (mem.Host.Skip,
// exact). A host without guests sleeps. The tick runs whether or not any
// host is awake, so that the event order is the same as when every host
// is stepped every epoch (everyEpoch, for the tests).
type memLink struct {
	epoch  sim.Time
	dtS    float64
	tol    float64
	tick   int64 // epochs run so far
	next   sim.EventID
	tickFn func()     // memTick, made once (a method value per epoch would allocate)
	hosts  []*memHost // by host index; nil where memory is not simulated
	awake  []int32    // hosts being stepped, in index order
	vms    []*mem.VM  // by VM id; nil unless on a memory host
	w0     []float64  // by VM id: the working set its request expected (−1: none)
	grps   []memGroup // by VM group

	everyEpoch bool  // never sleep (tests: skipping must change nothing)
	check      bool  // mem.Host.Check after every epoch (tests)
	err        error // the first violation check found
	stepped    int64 // host-epochs stepped

	sums    [nMemMetrics]float64 // flushed runs of every host
	maxSlow float64
}

// memGroup is a VM group's guest memory.
type memGroup struct {
	cfg scenarios.VMMemory
	req policies.MemRequest // what a VM of the group brings (working set at full load)
	cpu bool                // working set follows CPU utilization
}

// memHost is one host's memory model and its coupling.
type memHost struct {
	h      *mem.Host
	host   *host.Host
	vms    []*vm.VM // parallel to h.VMs
	asleep bool
	since  int64 // tick at which it fell asleep
	// run is the metrics of the last epoch, repeated runLen times and not
	// yet added to the sums: equal epochs are added in one multiplication,
	// so that stepping and skipping them sum the same bits.
	run    [nMemMetrics]float64
	runLen int64
}

// Per-epoch metrics of a host, summed over its guests.
const (
	mHostEpochs = iota
	mSharedSaved
	mShared
	mBalloon
	mCompressed
	mSwapped
	mProgress // Σ progress (1/S, 0 when blocked)
	mVMs
	mCPU         // host CPU seconds
	mSwapIns     // pages
	mGuestFaults // pages
	mBlocked     // VMs
	mSoft
	mHard
	mLow
	nMemMetrics
)

// newMemLink builds the memory model of the hosts that simulate memory;
// it returns nil when none does.
func newMemLink(m *Model) (*memLink, error) {
	sc := m.sc
	if !anyMemory(sc) {
		return nil, nil
	}
	mm := &sc.Memory
	L := &memLink{epoch: mm.Epoch.Time, dtS: sim.Seconds(mm.Epoch.Time), tol: mm.ProgressTolerance,
		hosts: make([]*memHost, len(m.hosts)), vms: make([]*mem.VM, len(m.vms)), w0: make([]float64, len(m.vms)), maxSlow: 1}
	if L.epoch <= 0 {
		return nil, fmt.Errorf("%s: memory.epoch: must be > 0", sc.File)
	}
	for i := range L.w0 {
		L.w0[i] = -1
	}
	images := map[string]int{}
	for gi, g := range sc.VMGroups {
		gm := g.Memory
		if _, ok := images[gm.Image]; !ok {
			images[gm.Image] = len(images)
		}
		ram := g.RAMGiB * 1024
		if gm.Touched <= 0 || gm.Touched > 1 || gm.ReservationGiB*1024 > ram || gm.GrowMiBps <= 0 {
			return nil, fmt.Errorf("%s: vm_group[%d].memory: touched must be in (0, 1], reservation_gib ≤ ram_gib and grow_mibps > 0", sc.File, gi)
		}
		L.grps = append(L.grps, memGroup{cfg: gm, cpu: gm.WorkingSet == "cpu", req: policies.MemRequest{
			Image: images[gm.Image], TouchedMiB: gm.Touched * ram, SharedIntra: gm.SharedIntra, SharedInter: gm.SharedInter,
			WorkingSetMiB: gm.Active * ram, ReservationMiB: gm.ReservationGiB * 1024}})
	}
	cfgs := make([]*mem.Config, len(sc.HostGroups)) // by host group; nil without memory
	for gi := range sc.HostGroups {
		g := &sc.HostGroups[gi]
		if !memoryOn(sc, g) {
			continue
		}
		cfg, err := memoryConfig(mm, g.RAMGiB*1024, mm.Mechanisms)
		if err != nil {
			return nil, fmt.Errorf("%s: memory.allocation: %w", sc.File, err)
		}
		cfgs[gi] = &cfg
	}
	for i := range m.hosts {
		h := &m.hosts[i]
		cfg := cfgs[h.GroupIndex]
		if cfg == nil {
			continue
		}
		mh, err := mem.NewHost(*cfg, nil, sim.NewStream(sc.Seed, fmt.Sprintf("memory/host%d", i)))
		if err != nil {
			return nil, fmt.Errorf("%s: memory: %w", sc.File, err)
		}
		L.hosts[i] = &memHost{h: mh, host: h, asleep: true}
		m.cluster.EnableMem(i, cfg.MemoryMiB-cfg.OverheadMiB, mh.Cfg.MinFreeMiB)
	}
	return L, nil
}

// anyMemory reports whether some host group of a datacenter run
// simulates memory.
func anyMemory(sc *scenarios.Scenario) bool {
	for i := range sc.HostGroups {
		if memoryOn(sc, &sc.HostGroups[i]) {
			return true
		}
	}
	return false
}

// memoryOn reports whether host group g simulates memory.
func memoryOn(sc *scenarios.Scenario, g *scenarios.HostGroup) bool {
	if g.Memory != nil {
		return *g.Memory
	}
	return sc.Memory.Enabled
}

// workingSet is a guest's working set (MiB) at CPU utilization u.
func (g *memGroup) workingSet(ram, u float64) float64 {
	if !g.cpu {
		return g.cfg.Active * ram
	}
	return ram * (g.cfg.ActiveIdle + (g.cfg.Active-g.cfg.ActiveIdle)*min(max(u, 0), 1))
}

// memRequest is what VM v, expected to use frac of its CPU, brings to a
// host whose memory is simulated.
func (m *Model) memRequest(v *vm.VM, frac float64) *policies.MemRequest {
	g := &m.mem.grps[m.groupOf(v.ID)]
	r := g.req
	r.WorkingSetMiB = g.workingSet(v.Spec.RAMMiB, frac)
	m.mem.w0[v.ID] = r.WorkingSetMiB
	return &r
}

// memTick runs one epoch of every awake host and schedules the next.
func (m *Model) memTick() {
	L := m.mem
	L.tick++
	keep := L.awake[:0]
	for _, hi := range L.awake {
		mh := L.hosts[hi]
		if m.memStep(int(hi), mh) && !L.everyEpoch {
			mh.asleep, mh.since = true, L.tick
			continue
		}
		keep = append(keep, hi)
	}
	L.awake = keep
	L.next = 0
	if m.live() {
		L.next = m.s.At(sim.Time(L.tick+1)*L.epoch, L.tickFn)
	}
}

// memStep steps one host and passes what changed to the fluid model; it
// reports whether the host is at a fixed point.
func (m *Model) memStep(hi int, mh *memHost) bool {
	L := m.mem
	h := mh.h
	quiet := h.StepQuiet()
	L.stepped++
	if L.check && L.err == nil {
		if err := h.Check(); err != nil {
			L.err = fmt.Errorf("host %d at %v s: %w", hi, h.Now(), err)
		}
	}
	for i, v := range mh.vms {
		mv := h.VMs[i]
		if p := mv.Progress; progressChanged(v.MemProgress(), p, L.tol) {
			m.setMemProgress(v, p)
		}
		L.maxSlow = max(L.maxSlow, mv.Slowdown)
	}
	u := h.Usage()
	var run [nMemMetrics]float64
	run[mHostEpochs] = 1
	run[mSharedSaved], run[mShared], run[mBalloon] = u.SharedSavedMiB, u.SharedMiB, u.BalloonMiB
	run[mCompressed], run[mSwapped], run[mProgress] = u.CompressedSavedMiB, u.SwappedMiB, u.Progress
	run[mSwapIns], run[mGuestFaults] = u.SwapInsPerS*L.dtS, u.GuestFaultsPerS*L.dtS
	run[mBlocked] = float64(u.Blocked)
	run[mVMs] = float64(len(mh.vms))
	run[mCPU] = h.EpochCPUS
	switch h.State {
	case mem.Soft:
		run[mSoft] = 1
	case mem.Hard:
		run[mHard] = 1
	case mem.Low:
		run[mLow] = 1
	}
	mh.add(L, &run)
	if cpu := h.EpochCPUS / L.dtS * mh.host.MIPSPerCore; cpuChanged(mh.host.MemMIPS, cpu, L.tol) {
		m.setMemCPU(mh.host, cpu)
	}
	m.memPublish(hi, mh)
	return quiet
}

// add appends one epoch's metrics to the host's run.
func (mh *memHost) add(L *memLink, run *[nMemMetrics]float64) {
	if mh.runLen > 0 && *run == mh.run {
		mh.runLen++
		return
	}
	mh.flush(L)
	mh.run, mh.runLen = *run, 1
}

func (mh *memHost) flush(L *memLink) {
	if mh.runLen == 0 {
		return
	}
	n := float64(mh.runLen)
	for k, x := range mh.run {
		L.sums[k] += x * n
	}
	mh.runLen = 0
}

// progressChanged: the fluid model takes a new progress factor when it
// differs from the applied one by more than tol, or returns to 1, or
// stops or restarts the VM.
func progressChanged(old, p, tol float64) bool {
	if old == p {
		return false
	}
	return p == 1 || (p == 0) != (old == 0) || math.Abs(p-old) > tol*old
}

// cpuChanged: the same for a host's reclamation CPU.
func cpuChanged(old, x, tol float64) bool {
	if old == x {
		return false
	}
	return (x == 0) != (old == 0) || math.Abs(x-old) > tol*max(old, x)
}

// memPublish gives placement the host's memory as the model sees it.
func (m *Model) memPublish(hi int, mh *memHost) {
	active := 0.0
	for _, mv := range mh.h.VMs {
		active += mv.ActiveMiB
	}
	m.cluster.SetMem(hi, int(mh.h.State), mh.h.Free, active)
}

// memWake brings a sleeping host up to the current epoch before one of
// its inputs changes, and puts it among the awake hosts.
func (m *Model) memWake(hi int, mh *memHost) {
	L := m.mem
	if !mh.asleep {
		return
	}
	n := L.tick - mh.since
	mh.h.Skip(n)
	if len(mh.vms) > 0 {
		mh.runLen += n // the skipped epochs repeat the last one
	}
	mh.asleep = false
	i, _ := slices.BinarySearch(L.awake, int32(hi))
	L.awake = slices.Insert(L.awake, i, int32(hi))
}

// memAdmission is ESX's admission control (Waldspurger, OSDI 2002, §6.2):
// a host powers a guest on only if the memory it has not yet reserved for
// its guests covers the guest's reservation, so that reservations are
// always honoured. The memory here is what guests hold in the high state
// (host memory less the hypervisor's overhead and minFree), so that
// reclamation keeps room to act above the reservations. It returns the
// refusal's reason, or "" when the host admits v.
func (m *Model) memAdmission(v *vm.VM, hi int) string {
	L := m.mem
	mh := L.hosts[hi]
	res := L.grps[m.groupOf(v.ID)].cfg.ReservationGiB * 1024
	if mh == nil || res <= 0 {
		return ""
	}
	c := &mh.h.Cfg
	left := c.MemoryMiB - c.OverheadMiB - c.MinFreeMiB
	for _, mv := range mh.h.VMs {
		left -= mv.ReservationMiB
	}
	if res > left*(1+1e-12) {
		return "memory admission control: the guests' reservations would exceed the host's memory"
	}
	return ""
}

// memPlace puts VM v, just placed on host hi, on the host's memory, with
// the working set its request expected until it runs.
func (m *Model) memPlace(v *vm.VM, hi int) {
	L := m.mem
	mh := L.hosts[hi]
	if mh == nil {
		return
	}
	m.memWake(hi, mh)
	g := &L.grps[m.groupOf(v.ID)]
	gm := &g.cfg
	ram := v.Spec.RAMMiB
	w := L.w0[v.ID]
	if w < 0 { // placed without a request that said (idle until it runs)
		w = g.workingSet(ram, 0)
	}
	mv := &mem.VM{Name: fmt.Sprintf("vm%d", v.ID), ConfigMiB: ram, ReservationMiB: gm.ReservationGiB * 1024,
		LimitMiB: gm.LimitGiB * 1024, Shares: gm.Shares, Image: gm.Image, SharedIntra: gm.SharedIntra,
		SharedInter: gm.SharedInter, LargePages: gm.LargePages, TouchedFrac: gm.Touched,
		ActiveMiB: w, TouchRate: gm.TouchRate, GrowMiBps: gm.GrowMiBps, GuestMinMiB: gm.GuestMinMiB}
	if err := mh.h.Add(mv); err != nil {
		panic(fmt.Sprintf("datacenter: %v", err)) // the loader and newMemLink checked the group
	}
	mh.vms = append(mh.vms, v)
	L.vms[v.ID] = mv
	m.memPublish(hi, mh)
}

// memDetach takes v off its host's memory (v has left the host).
func (m *Model) memDetach(v *vm.VM) {
	L := m.mem
	mv := L.vms[v.ID]
	if mv == nil {
		return
	}
	hi := v.Host
	mh := L.hosts[hi]
	m.memWake(hi, mh)
	i := slices.Index(mh.vms, v)
	mh.vms = slices.Delete(mh.vms, i, i+1)
	if err := mh.h.Remove(mv); err != nil {
		panic(fmt.Sprintf("datacenter: %v", err))
	}
	L.vms[v.ID] = nil
	v.SetMemProgress(1)
	if len(mh.vms) == 0 {
		// A host without guests sleeps and spends nothing on its memory.
		mh.flush(L)
		k, _ := slices.BinarySearch(L.awake, int32(hi))
		L.awake = slices.Delete(L.awake, k, k+1)
		mh.asleep, mh.since = true, L.tick
		if mh.host.MemMIPS != 0 {
			m.setMemCPU(mh.host, 0)
		}
	}
	m.memPublish(hi, mh)
}

// memWant follows a VM's new CPU demand with its working set, where the
// group's working set follows CPU utilization.
func (m *Model) memWant(v *vm.VM) {
	mv := m.mem.vms[v.ID]
	if mv == nil {
		return
	}
	g := &m.mem.grps[m.groupOf(v.ID)]
	if !g.cpu {
		return
	}
	w := g.workingSet(v.Spec.RAMMiB, v.Want/v.Spec.FullMIPS())
	if w == mv.ActiveMiB {
		return
	}
	mh := m.mem.hosts[v.Host]
	m.memWake(v.Host, mh)
	mv.ActiveMiB = w
	m.memPublish(v.Host, mh)
}

// setMemProgress gives a VM the memory model's progress factor: its
// vCPUs do 1/S of the work per unit of time, which changes its demand
// when they are the limit (vm.VM.HostDemand).
func (m *Model) setMemProgress(v *vm.VM, p float64) {
	if v.State != vm.Running {
		v.SetMemProgress(p)
		return
	}
	v.Advance(m.s.Now(), m.cls)
	v.SetMemProgress(p)
	m.redemand(v)
}

// setMemCPU charges a host's memory manager's CPU (MIPS) to it.
func (m *Model) setMemCPU(h *host.Host, mips float64) {
	wasContended := h.Sched == host.TimeShared && h.Demand > h.Capacity()
	h.MemMIPS = mips
	h.SumDemand()
	if wasContended || h.Factor() < 1 {
		m.reshare(h, nil)
		return
	}
	now := m.s.Now()
	h.SumAlloc()
	m.power += h.Record(now)
	m.powerAvg.Set(now, m.power)
	m.cluster.SetDemand(h.Index, h.Demand)
}

// memStop cancels the tick when nothing can happen any more (the last VM
// ended), so that a run until done does not outlast its VMs.
func (m *Model) memStop() {
	if L := m.mem; L != nil && L.next != 0 && !m.live() {
		m.s.Cancel(L.next)
		L.next = 0
	}
}

// recordMem samples every memory host (host_memory.csv).
func (m *Model) recordMem(t float64) {
	for hi, mh := range m.mem.hosts {
		if mh == nil {
			continue
		}
		h := mh.h
		u := h.Usage()
		s := results.HostMemorySample{TimeS: t, Host: hi, State: h.State.String(), VMs: len(h.VMs), FreeMiB: h.Free,
			ActiveMiB: u.ActiveMiB, ResidentMiB: u.ResidentMiB, SharedSavedMiB: u.SharedSavedMiB, BalloonMiB: u.BalloonMiB,
			CompressedSavedMiB: u.CompressedSavedMiB, SwappedMiB: u.SwappedMiB, Slowdown: u.Slowdown}
		if len(h.VMs) > 0 {
			s.ReclaimCPUCores = h.EpochCPUS / m.mem.dtS
		}
		m.rec.HostMemory = append(m.rec.HostMemory, s)
	}
}

// finishMemory adds the memory metrics to the summary: means over the run
// (per epoch, summed over hosts) of what each mechanism gives back, the
// guests' slowdown, host CPU spent on reclamation, fault totals and the
// time hosts with guests spent in the soft, hard and low states.
func (m *Model) finishMemory(s *results.Summary) {
	L := m.mem
	for _, mh := range L.hosts {
		if mh == nil {
			continue
		}
		if mh.asleep && len(mh.vms) > 0 {
			mh.runLen += L.tick - mh.since
			mh.since = L.tick
		}
		mh.flush(L)
	}
	x := &L.sums
	epochs := max(1, float64(L.tick))
	mt := s.Metrics
	mt["mem_shared_saved_mib"] = x[mSharedSaved] / epochs
	mt["mem_shared_pages"] = x[mShared] / epochs / mem.PageMiB
	mt["mem_balloon_mib"] = x[mBalloon] / epochs
	mt["mem_compressed_saved_mib"] = x[mCompressed] / epochs
	mt["mem_swapped_mib"] = x[mSwapped] / epochs
	mt["mem_reclaimed_mib"] = (x[mSharedSaved] + x[mBalloon] + x[mCompressed] + x[mSwapped]) / epochs
	mt["mem_slowdown"] = 1
	if x[mVMs] > 0 {
		mt["mem_slowdown"] = math.Inf(1)
		if x[mProgress] > 0 {
			mt["mem_slowdown"] = x[mVMs] / x[mProgress]
		}
	}
	mt["mem_slowdown_max"] = L.maxSlow
	mt["mem_reclaim_cpu_core_s"] = x[mCPU]
	mt["mem_reclaim_cpu_cores"] = x[mCPU] / (epochs * L.dtS)
	mt["mem_swap_ins"] = x[mSwapIns]
	mt["mem_guest_faults"] = x[mGuestFaults]
	mt["mem_blocked_vm_s"] = x[mBlocked] * L.dtS
	for _, st := range []struct {
		k    int
		name string
	}{{mSoft, "mem_time_soft"}, {mHard, "mem_time_hard"}, {mLow, "mem_time_low"}} {
		mt[st.name] = 0
		if x[mHostEpochs] > 0 {
			mt[st.name] = x[st.k] / x[mHostEpochs]
		}
	}
}

// MemoryEpochs is how many host-epochs of the memory model were stepped,
// and how many there were (epochs × hosts that simulate memory): the work
// that sleeping hosts saved.
func (m *Model) MemoryEpochs() (stepped, total int64) {
	if m.mem == nil {
		return 0, 0
	}
	n := int64(0)
	for _, mh := range m.mem.hosts {
		if mh != nil {
			n++
		}
	}
	return m.mem.stepped, m.mem.tick * n
}

// startMemory builds the memory model (when some host simulates memory)
// and schedules its first epoch.
func (m *Model) startMemory() error {
	L, err := newMemLink(m)
	if err != nil || L == nil {
		return err
	}
	m.mem = L
	L.tickFn = m.memTick
	L.next = m.s.At(L.epoch, L.tickFn)
	return nil
}
