package datacenter

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/policies/consolidation"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// Host flags during one consolidation decision.
const (
	fOver       uint8 = 1 << iota // the detector flagged it
	fBusy                         // a migration in or out is under way or queued
	fTarget                       // receives a VM in this decision
	fEvac                         // chosen for evacuation
	fConsidered                   // tried as underloaded: no longer a target
)

// migration is one planned or running live migration.
type migration struct {
	vm, src, dst int
	reserve      float64 // MIPS held on dst
	started      bool
	ev, stopEv   sim.EventID
	fl           flow // with share_link
}

// consolidator is the state of dynamic consolidation (Beloglazov & Buyya,
// CCPE 2012): VM utilization histories, the per-decision planning view
// of the hosts, migrations and the metrics.
type consolidator struct {
	cfg       scenarios.Consolidation
	name      string
	det       consolidation.OverloadDetector // nil for the baselines
	sel       consolidation.VMSelector
	baseline  bool
	precopy   vm.PreCopy
	reference bool

	// hist is a ring of H recorded demands (native MIPS wanted) per VM:
	// VM v's value of decision r is hist[v*H + r%H]; from[v] is the first
	// decision it was recorded at (-1: not yet).
	H     int
	round int
	hist  []float64
	from  []int32

	// Planning view, rebuilt at every decision: host utilization history
	// (hh[h*H:], oldest first, hl[h] values, as fractions of capacity),
	// planned demand (MIPS) and VM count of the VMs that are or will be on
	// the host.
	hh []float64
	hl []int32
	// hVer[h] changes whenever host h's history does; base[h] caches the
	// order statistics of h's history (padded to baseLen[h] values) that
	// the IQR and MAD detectors start from, valid while baseVer[h] ==
	// hVer[h].
	hVer, baseVer []uint64
	baseLen       []int32
	base          []consolidation.Base
	// next is the Base of host nextHost's history with the VM just
	// accepted there added (nextHost −1: none), kept by assign.
	next     consolidation.Base
	nextHost int
	ver      uint64
	planD    []float64
	planW    []float64 // power at planD
	members  []int32
	flags    []uint8
	active   []int // hosts with members, in no particular order
	// groups of hosts, for finding a sleeping host to wake: one
	// representative per group is enough, since they are identical.
	gFirst, gEnd, gNext []int

	migs     []migration
	free     []int32
	vmMig    []int32   // per VM: its migration, or -1
	hostMigs []int32   // per host: running migrations in or out
	links    linkState // share_link (netshare.go)
	queue    []int32
	onAt     []sim.Time
	lastMove []sim.Time // per VM: placed or last migrated

	// Metrics.
	migrations, overloadMigs, shutdowns, unplaced int
	flagged                                       int // host-decisions flagged overloaded
	beforeShutdown, beforeMigration               sim.Tally
	downtime                                      sim.Time
	migratedMiB                                   float64

	// Scratch.
	work, buf, pad []float64
	// Buffers a decision reuses.
	plan             []migration
	moving, vmsBuf   []*vm.VM
	movFrom, targets []int
	convs            []conv // per host group, for the VM being placed
	dems             []float64
	// adds[g] is what the VM being placed adds to a host of group g at
	// each of its history positions (oldest first; its demand now if it
	// has no history yet), as a fraction of the host's capacity, and
	// addLo[g], addHi[g] bound those values: computed once per placement
	// rather than once per candidate host.
	adds         [][]float64
	addLo, addHi []float64
	feasible     []option
	scr          consolidation.Scratch
	cands        []consolidation.Candidate
	order        []int
	undo         []undoEntry
	undoHH       []float64 // the saved histories, end to end
}

// option is a host that can take a VM, and the power it would add.
type option struct {
	inc  float64
	host int
}

func (a option) less(b option) bool { return a.inc < b.inc || (a.inc == b.inc && a.host < b.host) }

type undoEntry struct {
	host    int
	planD   float64
	hl      int32
	members int32
	flags   uint8
	hh      []float64
}

// DefaultSafety is each adaptive detector's parameter s in Beloglazov &
// Buyya 2012, used when consolidation.safety is 0.
var DefaultSafety = map[string]float64{"iqr": 1.5, "mad": 2.5, "lr": 1.2, "lrr": 1.2}

// consolidationName is the policy's label: "npa", "dvfs" or
// "<detector>-<selection>" with the detector's parameter.
func consolidationName(c scenarios.Consolidation) string {
	switch c.Overload {
	case "none", "":
		return ""
	case "npa", "dvfs":
		return c.Overload
	case "thr":
		return fmt.Sprintf("thr-%s-%g", c.Selection, c.Threshold)
	}
	return fmt.Sprintf("%s-%s-%g", c.Overload, c.Selection, c.Safety)
}

func newConsolidator(m *Model) (*consolidator, error) {
	cfg := m.sc.Consolidation
	if cfg.Safety == 0 {
		cfg.Safety = DefaultSafety[cfg.Overload]
	}
	c := &consolidator{cfg: cfg, name: consolidationName(cfg), H: cfg.History}
	thr := consolidation.THR{Threshold: cfg.Threshold}
	switch cfg.Overload {
	case "npa", "dvfs":
		c.baseline = true
	case "thr":
		c.det = thr
	case "iqr":
		c.det = consolidation.IQR{S: cfg.Safety, Fallback: thr}
	case "mad":
		c.det = consolidation.MAD{S: cfg.Safety, Fallback: thr}
	case "lr", "lrr":
		c.det = consolidation.LR{S: cfg.Safety, Fallback: thr, Robust: cfg.Overload == "lrr"}
	default:
		return nil, fmt.Errorf("%s: consolidation.overload: unknown detector %q", m.sc.File, cfg.Overload)
	}
	switch cfg.Selection {
	case "mmt":
		c.sel = consolidation.MMT{}
	case "mu":
		c.sel = consolidation.MU{}
	case "mc":
		c.sel = consolidation.NewMC()
	case "rs":
		c.sel = consolidation.RS{Rand: m.s.Stream("consolidation/rs")}
	default:
		return nil, fmt.Errorf("%s: consolidation.selection: unknown selector %q", m.sc.File, cfg.Selection)
	}
	c.reference = cfg.Migration != "precopy"
	c.precopy = vm.PreCopy{DirtyMiBps: cfg.DirtyMiBps, StopCopyMiB: cfg.StopCopyMiB, MaxRounds: cfg.MaxRounds}
	nh, nv := len(m.hosts), len(m.vms)
	c.hist = make([]float64, nv*c.H)
	c.from = make([]int32, nv)
	for i := range c.from {
		c.from[i] = -1
	}
	c.hh = make([]float64, nh*c.H)
	c.hl = make([]int32, nh)
	c.hVer, c.baseVer = make([]uint64, nh), make([]uint64, nh)
	c.baseLen = make([]int32, nh)
	c.base = make([]consolidation.Base, nh)
	c.nextHost = -1
	c.planD = make([]float64, nh)
	c.planW = make([]float64, nh)
	c.members = make([]int32, nh)
	c.flags = make([]uint8, nh)
	c.vmMig = make([]int32, nv)
	for i := range c.vmMig {
		c.vmMig[i] = -1
	}
	c.hostMigs = make([]int32, nh)
	for i := range nh {
		c.links.net.AddLink(m.hosts[i].BWMbps)
	}
	c.onAt = make([]sim.Time, nh)
	c.lastMove = make([]sim.Time, nv)
	c.work, c.pad = make([]float64, c.H), make([]float64, c.H)
	first := 0
	for _, g := range m.sc.HostGroups {
		c.gFirst = append(c.gFirst, first)
		first += g.Count
		c.gEnd = append(c.gEnd, first)
	}
	c.gNext = make([]int, len(c.gFirst))
	return c, nil
}

// conv turns a VM's wanted native MIPS into host demand on one host:
// min(want·S, cap)·(S+h)/S, as vm.HostDemand does (S = 1, h = 0 when the
// host is bare metal).
type conv struct{ cap, s, k float64 }

func (m *Model) convFor(hi int, v *vm.VM) conv {
	h := &m.hosts[hi]
	return convOf(&m.groups[m.groupOf(v.ID)].overhead[h.GroupIndex], h.CapFor(v.Spec))
}

func convOf(ov *ovFactors, capMIPS float64) conv {
	s, k := ov.slowdown, 1.0
	if s <= 0 {
		s = 1
	}
	if ov.hostFactor != 0 || s != 1 {
		k = (s + ov.hostFactor) / s
	}
	return conv{cap: capMIPS, s: s, k: k}
}

// setPlan sets host hi's planned demand and its power.
func (m *Model) setPlan(hi int, d float64) {
	c := m.cons
	c.planD[hi] = d
	c.planW[hi] = m.wattsAt(hi, d)
}

func (c conv) of(want float64) float64 { return min(want*c.s, c.cap) * c.k }

// histLen is how many values of VM v the history holds at this decision.
func (c *consolidator) histLen(v int) int {
	if c.from[v] < 0 {
		return 0
	}
	return min(c.H, c.round-int(c.from[v])+1)
}

// vmRing is VM v's history ring and the index of its newest value; older
// values are at lower indices, wrapping around.
func (c *consolidator) vmRing(v int) ([]float64, int) {
	return c.hist[v*c.H : (v+1)*c.H], c.round % c.H
}

// vmHist is VM v's value of age a (0: this decision).
func (c *consolidator) vmHist(v, a int) float64 { return c.hist[v*c.H+(c.round-a)%c.H] }

// addHist adds VM v's history, converted for host hi, to hi's history
// (sign +1) or removes it (−1).
func (m *Model) addHist(hi int, v *vm.VM, sign float64) {
	c := m.cons
	n := c.histLen(v.ID)
	if n == 0 {
		return
	}
	c.touch(hi)
	cv := m.convFor(hi, v)
	capH := m.hosts[hi].Capacity()
	hh := c.hh[hi*c.H : (hi+1)*c.H]
	if l := int(c.hl[hi]); n > l {
		// Longer than the host's: shift right and zero the older part.
		copy(hh[n-l:n], hh[:l])
		clear(hh[:n-l])
		c.hl[hi] = int32(n)
	}
	l := int(c.hl[hi])
	vh, at := c.vmRing(v.ID)
	for a := range n {
		hh[l-1-a] += sign * cv.of(vh[at]) / capH
		if at--; at < 0 {
			at = len(vh) - 1
		}
	}
}

// touch notes that host hi's history changed.
func (c *consolidator) touch(hi int) {
	c.ver++
	c.hVer[hi] = c.ver
}

// baseStats is what the detector needs of host t's history padded with
// zeros in front to l values, computed once per change of the history.
func (c *consolidator) baseStats(t, l int) consolidation.Base {
	if c.baseVer[t] == c.hVer[t] && int(c.baseLen[t]) == l {
		return c.base[t]
	}
	b := c.hostHist(t)
	if len(b) < l {
		p := c.pad[:l]
		clear(p[:l-len(b)])
		copy(p[l-len(b):], b)
		b = p
	}
	c.base[t], c.baseVer[t], c.baseLen[t] = c.scr.BaseStats(c.det, b), c.hVer[t], int32(l)
	return c.base[t]
}

// hostHist is host hi's utilization history (oldest first).
func (c *consolidator) hostHist(hi int) []float64 {
	return c.hh[hi*c.H : hi*c.H+int(c.hl[hi])]
}

// consolidate is one decision: record the VMs' demand, detect overloaded
// hosts, select VMs off them and re-place them by PABFD, evacuate
// underloaded hosts, start the migrations, and note the interval.
func (m *Model) consolidate() {
	c := m.cons
	now := m.s.Now()
	if next := now + c.cfg.Interval.Time; m.end == 0 || next < m.end {
		m.s.At(next, m.consolidate)
	}
	// Record every running VM's demand.
	for i := range m.hosts {
		for _, v := range m.hosts[i].VMs {
			if v.State != vm.Running {
				continue
			}
			c.hist[v.ID*c.H+c.round%c.H] = v.Want
			if c.from[v.ID] < 0 {
				c.from[v.ID] = int32(c.round)
			}
		}
	}
	sample := results.ConsolidationSample{TimeS: sim.Seconds(now)}
	if !c.baseline {
		m.buildView()
		m.decide(&sample)
	}
	c.round++
	for i := range m.hosts {
		if h := &m.hosts[i]; h.On && h.Demand > h.Capacity()*(1+1e-9) {
			sample.SaturatedHosts++
		}
	}
	sample.ActiveHosts, sample.OnHosts = m.activeHosts, m.onHosts
	sample.PowerW = m.power
	sample.EnergyKWh = m.powerAvg.Integral(now) / 3.6e6
	m.rec.Consolidation = append(m.rec.Consolidation, sample)
}

// buildView computes each host's planned VMs, demand and utilization
// history; a VM migrating counts on its target.
func (m *Model) buildView() {
	c := m.cons
	clear(c.hh)
	clear(c.hl)
	for i := range c.hVer {
		c.touch(i)
	}
	clear(c.planD)
	clear(c.members)
	clear(c.flags)
	c.active = c.active[:0]
	for i := range m.hosts {
		for _, v := range m.hosts[i].VMs {
			hi := i
			if mi := c.vmMig[v.ID]; mi >= 0 {
				mg := &c.migs[mi]
				hi = mg.dst
				c.flags[mg.src] |= fBusy
				c.flags[mg.dst] |= fBusy
				c.planD[hi] += m.convFor(hi, v).of(v.Want)
			} else {
				c.planD[hi] += v.Demand
			}
			if c.members[hi] == 0 {
				c.active = append(c.active, hi)
			}
			c.members[hi]++
			m.addHist(hi, v, 1)
		}
	}
	for i := range m.hosts {
		c.planW[i] = m.wattsAt(i, c.planD[i])
	}
	copy(c.gNext, c.gFirst)
}

// excluded reports whether hi may not receive VMs now.
func (c *consolidator) excluded(hi int) bool { return c.flags[hi]&(fOver|fEvac|fConsidered) != 0 }

// overAfter reports whether host t would be overloaded with v added.
func (m *Model) overAfter(t int, v *vm.VM) bool {
	c := m.cons
	base := c.hostHist(t)
	n := c.histLen(v.ID)
	l := max(len(base), n)
	if l == 0 {
		return false
	}
	g := m.hosts[t].GroupIndex
	add, lo, hi := c.adds[g], c.addLo[g], c.addHi[g]
	// Only the values the detector reads are built: the current one for
	// THR, the regression window for LR and LRR, all for IQR and MAD.
	k := l
	shifted := false
	switch c.det.(type) {
	case consolidation.THR:
		k = 1
	case consolidation.LR:
		k = min(l, consolidation.Window)
	case consolidation.IQR, consolidation.MAD:
		shifted = l >= consolidation.MinHistory
	}
	w := c.work[:k]
	// The base's last k values, zeros in front where it is shorter, plus
	// v's last values.
	src := base[max(0, len(base)-k):]
	clear(w[:k-len(src)])
	copy(w[k-len(src):], src)
	a := add[max(0, len(add)-k):]
	wa := w[k-len(a):]
	for i, x := range a {
		wa[i] += x
	}
	if len(a) < k {
		// positions where v adds nothing
		lo, hi = min(lo, 0), max(hi, 0)
	}
	if shifted {
		over, next := c.scr.OverloadedShifted(c.det, w, c.baseStats(t, l), lo, hi)
		if next.Valid() && n > 0 {
			// w is exactly t's history once v is added (addHist adds the
			// same values), so its Base is t's next one.
			c.next, c.nextHost = next, t
		}
		return over
	}
	return c.scr.Overloaded(c.det, w)
}

// prepareAdds fills c.adds, c.addLo and c.addHi for VM v (see the
// consolidator's fields).
func (m *Model) prepareAdds(v *vm.VM) {
	c := m.cons
	n := c.histLen(v.ID)
	vh, newest := c.vmRing(v.ID)
	for len(c.adds) < len(c.convs) {
		c.adds = append(c.adds, make([]float64, 0, c.H))
	}
	c.addLo, c.addHi = c.addLo[:0], c.addHi[:0]
	for g, cv := range c.convs {
		capT := m.hosts[c.gFirst[g]].Capacity()
		lo, hi := math.Inf(1), math.Inf(-1)
		add := c.adds[g][:0]
		if n == 0 { // a VM not yet running: only its demand now
			x := cv.of(v.Want) / capT
			add = append(add, x)
			lo, hi = x, x
		}
		at := newest - n + 1
		if at < 0 {
			at += len(vh)
		}
		for range n {
			x := cv.of(vh[at]) / capT
			add = append(add, x)
			lo, hi = min(lo, x), max(hi, x)
			if at++; at == len(vh) {
				at = 0
			}
		}
		c.adds[g] = add
		c.addLo, c.addHi = append(c.addLo, lo), append(c.addHi, hi)
	}
}

// watts is host hi's power at demand d (MIPS).
func (m *Model) wattsAt(hi int, d float64) float64 {
	h := &m.hosts[hi]
	if h.Power == nil {
		return 0
	}
	return h.Power.Watts(min(d/h.Capacity(), 1))
}

// bestTarget is PABFD's choice for v: the host whose power grows least
// (ties to the lower index) among hosts that are not excluded, have room
// (cores, RAM and disk under their ratios, and CPU for the VM's demand),
// and that the detector would not find overloaded with v. Sleeping hosts
// are tried, one per host group, when wake is set.
func (m *Model) bestTarget(v *vm.VM, skip int, wake bool) int {
	c := m.cons
	req := m.request(v)
	ramCheck := !c.cfg.CloudSimRAM
	gr := &m.groups[m.groupOf(v.ID)]
	c.convs, c.dems = c.convs[:0], c.dems[:0]
	for hg := range m.sc.HostGroups {
		h := &m.hosts[c.gFirst[hg]]
		cv := convOf(&gr.overhead[hg], h.CapFor(v.Spec))
		c.convs = append(c.convs, cv)
		c.dems = append(c.dems, cv.of(v.Want))
	}
	m.prepareAdds(v)
	wake0 := *c.cfg.WakeCost
	c.feasible = c.feasible[:0]
	try := func(t int) {
		if t == skip || c.flags[t]&(fOver|fEvac|fConsidered) != 0 {
			return
		}
		h := &m.hosts[t]
		d := c.dems[h.GroupIndex]
		pd := c.planD[t]
		if pd+d > h.Capacity()*(1+1e-9) {
			return
		}
		// Memory usually binds: a quick test before the exact one.
		if hs := m.cluster.Host(t); ramCheck && req.RAMMiB > hs.FreeRAMMiB()+1e-6*(1+hs.RAMMiB) {
			return
		}
		if ok, sh := m.cluster.Fits(t, &req); !ok && (ramCheck || sh.Cores || sh.Disk) {
			return
		}
		before := c.planW[t]
		if wake0 && c.members[t] == 0 && !h.On {
			before = 0
		}
		c.feasible = append(c.feasible, option{m.wattsAt(t, pd+d) - before, t})
	}
	for _, t := range c.active {
		if c.members[t] > 0 {
			try(t)
		}
	}
	if wake {
		for g := range c.gNext {
			for c.gNext[g] < c.gEnd[g] && (c.members[c.gNext[g]] > 0 || c.excluded(c.gNext[g])) {
				c.gNext[g]++
			}
			if t := c.gNext[g]; t < c.gEnd[g] {
				try(t)
			}
		}
	}
	// The cheapest option the detector accepts, asking the detector (the
	// costly part) in order of cost: a binary heap, so that the work grows
	// with the number of refusals rather than with the options.
	fs := c.feasible
	for i := len(fs)/2 - 1; i >= 0; i-- {
		siftDown(fs, i)
	}
	for len(fs) > 0 {
		if t := fs[0].host; m.accepts(t, v) {
			return t
		}
		fs[0] = fs[len(fs)-1]
		fs = fs[:len(fs)-1]
		siftDown(fs, 0)
	}
	return -1
}

// siftDown restores the heap order of h (the least option at the root)
// below position i.
func siftDown(h []option, i int) {
	for {
		k := 2*i + 1
		if k >= len(h) {
			return
		}
		if k+1 < len(h) && h[k+1].less(h[k]) {
			k++
		}
		if !h[k].less(h[i]) {
			return
		}
		h[i], h[k] = h[k], h[i]
		i = k
	}
}

// accepts reports whether the detector lets host t take v: an empty host
// always can (its capacity was checked), others must not be overloaded
// with v added.
func (m *Model) accepts(t int, v *vm.VM) bool {
	c := m.cons
	c.nextHost = -1
	return c.members[t] == 0 || !m.overAfter(t, v)
}

// assign books v on target t in the planning view (and the cluster),
// saving t's state first when undo is being recorded.
func (m *Model) assign(v *vm.VM, t int, record bool) {
	c := m.cons
	if record {
		saved := false
		for _, u := range c.undo {
			saved = saved || u.host == t
		}
		if !saved {
			hh := c.hostHist(t)
			c.undoHH = append(c.undoHH, hh...)
			c.undo = append(c.undo, undoEntry{host: t, planD: c.planD[t], hl: c.hl[t], members: c.members[t],
				flags: c.flags[t], hh: c.undoHH[len(c.undoHH)-len(hh):]})
		}
	}
	req := m.request(v)
	if c.cfg.CloudSimRAM {
		m.cluster.Force(t, &req)
	} else {
		m.cluster.Allocate(t, &req)
	}
	m.setPlan(t, c.planD[t]+m.convFor(t, v).of(v.Want))
	if c.members[t] == 0 {
		c.active = append(c.active, t)
	}
	c.members[t]++
	c.flags[t] |= fTarget
	m.addHist(t, v, 1)
	if c.nextHost == t {
		// The detector's check of t with v computed t's new base.
		c.base[t], c.baseVer[t], c.baseLen[t] = c.next, c.hVer[t], c.hl[t]
	}
	c.nextHost = -1
}

// decide takes one consolidation decision.
func (m *Model) decide(sample *results.ConsolidationSample) {
	c := m.cons
	plan := c.plan[:0]
	defer func() { c.plan = plan[:0] }()

	// 1. Overloaded hosts, in index order: select VMs until the rest is no
	// longer overloaded.
	slices.Sort(c.active)
	moving, from := c.moving[:0], c.movFrom[:0]
	defer func() { c.moving, c.movFrom = moving[:0], from[:0] }()
	for _, hi := range c.active {
		hist := c.hostHist(hi)
		if len(hist) == 0 || !c.scr.Overloaded(c.det, hist) {
			continue
		}
		c.flags[hi] |= fOver
		c.flagged++
		sample.OverloadedHosts++
		if c.flags[hi]&fBusy != 0 {
			continue
		}
		h := &m.hosts[hi]
		w := c.work[:len(hist)]
		copy(w, hist)
		// The order statistics of w, carried from one VM taken off to the
		// next (IQR and MAD).
		bs := c.baseStats(hi, len(hist))
		c.cands = c.cands[:0]
		c.buf = c.buf[:0]
		for _, v := range h.VMs {
			if v.State != vm.Running {
				continue
			}
			n := c.histLen(v.ID)
			start := len(c.buf)
			for a := n - 1; a >= 0; a-- {
				c.buf = append(c.buf, c.vmHist(v.ID, a)/v.Spec.FullMIPS())
			}
			c.cands = append(c.cands, consolidation.Candidate{ID: v.ID, RAMMiB: v.Spec.RAMMiB, DemandMIPS: v.Demand,
				Util: c.buf[start:len(c.buf):len(c.buf)]})
		}
		// Slot order is arbitrary; selectors break ties by id, and RS draws
		// an index, so give them a fixed order.
		slices.SortFunc(c.cands, func(a, b consolidation.Candidate) int { return cmp.Compare(a.ID, b.ID) })
		for len(c.cands) > 0 {
			k := c.sel.Select(c.cands)
			if k < 0 {
				break
			}
			v := &m.vms[c.cands[k].ID]
			c.cands = slices.Delete(c.cands, k, k+1)
			moving = append(moving, v)
			from = append(from, hi)
			cv := m.convFor(hi, v)
			n := c.histLen(v.ID)
			lo, up := math.Inf(1), math.Inf(-1)
			if n < len(w) {
				lo, up = 0, 0 // positions v adds nothing to
			}
			for a := range n {
				x := cv.of(c.vmHist(v.ID, a)) / h.Capacity()
				w[len(w)-1-a] -= x
				lo, up = min(lo, -x), max(up, -x)
			}
			over, next := c.scr.OverloadedShiftedBase(c.det, w, bs, lo, up)
			if !over {
				break
			}
			bs = next
		}
	}
	// The selected VMs leave their hosts in the plan.
	for i, v := range moving {
		hi := from[i]
		m.setPlan(hi, c.planD[hi]-v.Demand)
		c.members[hi]--
		m.addHist(hi, v, -1)
	}
	// 2. Re-place them: decreasing demand, PABFD, sleeping hosts allowed.
	c.order = c.order[:0]
	for i := range moving {
		c.order = append(c.order, i)
	}
	slices.SortFunc(c.order, func(a, b int) int { // a total order: ties by ID
		if d := cmp.Compare(moving[b].Demand, moving[a].Demand); d != 0 {
			return d
		}
		return cmp.Compare(moving[a].ID, moving[b].ID)
	})
	for _, i := range c.order {
		v := moving[i]
		t := m.bestTarget(v, from[i], true)
		if t < 0 {
			// Nowhere to go: it stays.
			c.unplaced++
			sample.Unplaced++
			m.setPlan(from[i], c.planD[from[i]]+v.Demand)
			c.members[from[i]]++
			m.addHist(from[i], v, 1)
			continue
		}
		m.assign(v, t, false)
		plan = append(plan, migration{vm: v.ID, src: from[i], dst: t})
		sample.OverloadMigrations++
		c.overloadMigs++
	}

	// 3. Underloaded hosts, least utilized first: evacuate when every VM
	// fits on the other active hosts.
	if *c.cfg.Underload {
		cands := c.order[:0]
		for _, hi := range c.active {
			if c.members[hi] > 0 && c.flags[hi]&(fOver|fBusy|fTarget) == 0 {
				cands = append(cands, hi)
			}
		}
		util := func(hi int) float64 { return c.planD[hi] / m.hosts[hi].Capacity() }
		slices.SortFunc(cands, func(a, b int) int {
			if d := cmp.Compare(util(a), util(b)); d != 0 {
				return d
			}
			return cmp.Compare(a, b)
		})
		vms := c.vmsBuf[:0]
		defer func() { c.vmsBuf = vms[:0] }()
		for _, hi := range cands {
			if c.flags[hi]&fTarget != 0 {
				continue
			}
			c.flags[hi] |= fConsidered
			vms = vms[:0]
			ok := true
			for _, v := range m.hosts[hi].VMs {
				if v.State != vm.Running {
					ok = false // a booting VM stays where it boots
					break
				}
				vms = append(vms, v)
			}
			if !ok || len(vms) == 0 {
				continue
			}
			slices.SortFunc(vms, func(a, b *vm.VM) int { // a total order: ties by ID
				if d := cmp.Compare(b.Demand, a.Demand); d != 0 {
					return d
				}
				return cmp.Compare(a.ID, b.ID)
			})
			c.undo, c.undoHH = c.undo[:0], c.undoHH[:0]
			targets := c.targets[:0]
			for _, v := range vms {
				t := m.bestTarget(v, hi, false)
				if t < 0 {
					ok = false
					break
				}
				m.assign(v, t, true)
				targets = append(targets, t)
			}
			c.targets = targets[:0]
			if !ok {
				for k, t := range targets {
					req := m.request(vms[k])
					m.cluster.Release(t, &req)
				}
				for _, u := range c.undo {
					c.hl[u.host], c.members[u.host], c.flags[u.host] = u.hl, u.members, u.flags
					m.setPlan(u.host, u.planD)
					copy(c.hh[u.host*c.H:], u.hh)
					c.touch(u.host)
				}
				continue
			}
			c.flags[hi] |= fEvac
			m.setPlan(hi, 0)
			c.members[hi] = 0
			sample.EvacuatedHosts++
			for k, v := range vms {
				plan = append(plan, migration{vm: v.ID, src: hi, dst: targets[k]})
			}
		}
	}

	// 4. Start (or queue) the migrations in the order decided.
	for _, p := range plan {
		mi := c.alloc(p)
		c.vmMig[p.vm] = mi
		c.queue = append(c.queue, mi)
	}
	sample.Migrations = len(plan)
	m.pump()
}

func (c *consolidator) alloc(p migration) int32 {
	if n := len(c.free); n > 0 {
		mi := c.free[n-1]
		c.free = c.free[:n-1]
		c.migs[mi] = p
		return mi
	}
	c.migs = append(c.migs, p)
	return int32(len(c.migs) - 1)
}

// pump starts the queued migrations whose hosts have a free slot, in
// queue order.
func (m *Model) pump() {
	c := m.cons
	lim := int32(c.cfg.MaxConcurrent)
	k := 0
	for _, mi := range c.queue {
		mg := &c.migs[mi]
		if lim > 0 && (c.hostMigs[mg.src] >= lim || c.hostMigs[mg.dst] >= lim) {
			c.queue[k] = mi
			k++
			continue
		}
		m.startMigration(mi)
	}
	c.queue = c.queue[:k]
	m.startFlows()
}

func (m *Model) startMigration(mi int32) {
	c := m.cons
	now := m.s.Now()
	mg := &c.migs[mi]
	v := &m.vms[mg.vm]
	src, dst := &m.hosts[mg.src], &m.hosts[mg.dst]
	mg.started = true
	c.hostMigs[mg.src]++
	c.hostMigs[mg.dst]++
	c.migrations++
	c.beforeMigration.Add(sim.Seconds(now - c.lastMove[v.ID]))
	if !dst.On {
		m.switchOn(mg.dst)
	}
	sourceShare, targetReserve := 1.0, 1.0
	if c.reference {
		sourceShare, targetReserve = vm.ReferenceSourceShare, vm.ReferenceTargetReserve
	}
	mg.reserve = targetReserve * m.convFor(mg.dst, v).of(v.Want)
	wasContended := contended(dst)
	dst.Reserved += mg.reserve
	dst.SumDemand()
	m.reshareAfter(dst, wasContended, nil)
	m.degrade(v, 1-sourceShare)
	if *c.cfg.ShareLink {
		m.flowStart(mi)
		return
	}
	// Each migration has the whole link (CloudSim's behaviour): its plan
	// is fixed now.
	link := min(src.BWMbps, dst.BWMbps)
	var plan vm.Migration
	var err error
	if c.reference {
		plan, err = vm.ReferenceMigration(v.Spec.RAMMiB, link)
	} else {
		plan, err = c.precopy.Plan(v.Spec.RAMMiB, link)
	}
	if err != nil {
		panic(fmt.Sprintf("datacenter: migration of VM %d: %v", v.ID, err)) // inputs are validated
	}
	c.migratedMiB += plan.TransferredMiB
	c.downtime += plan.Downtime
	if plan.Downtime > 0 {
		mg.stopEv = m.s.After(plan.Duration-plan.Downtime, func() {
			c.migs[mi].stopEv = 0
			m.degrade(v, 1)
		})
	}
	mg.ev = m.s.After(plan.Duration, func() { m.finishMigration(mi) })
}

// degrade sets the fraction of its share a migrating VM loses.
func (m *Model) degrade(v *vm.VM, f float64) {
	if v.Degrade == f {
		return
	}
	v.Degrade = f
	// Only v's allocation changes: the host's demand, hence every other
	// VM's share, is what it was.
	m.reshare(&m.hosts[v.Host], v)
}

func (m *Model) finishMigration(mi int32) {
	c := m.cons
	now := m.s.Now()
	mg := c.migs[mi]
	v := &m.vms[mg.vm]
	src, dst := &m.hosts[mg.src], &m.hosts[mg.dst]
	// Off the source.
	v.Advance(now, m.cls)
	v.LossRate, v.Degrade = 0, 0
	m.detach(v)
	// Onto the target: the reservation becomes the VM.
	wasContended := contended(dst)
	dst.Reserved -= mg.reserve
	if dst.Reserved < 1e-9 {
		dst.Reserved = 0
	}
	dstWasActive := len(dst.VMs) > 0
	dst.Add(v)
	v.Host = mg.dst
	ov := &m.groups[m.groupOf(v.ID)].overhead[dst.GroupIndex]
	v.SetOverhead(ov.slowdown, ov.hostFactor)
	v.Demand = v.HostDemand(v.Want)
	dst.SumDemand()
	m.reshareAfter(dst, wasContended, v)
	if !dstWasActive {
		m.activeHosts++
	}
	c.hostMigs[mg.src]--
	c.hostMigs[mg.dst]--
	c.vmMig[v.ID] = -1
	c.lastMove[v.ID] = now
	c.migs[mi] = migration{}
	c.free = append(c.free, mi)
	if len(src.VMs) == 0 {
		m.activeHosts--
		m.hostEmptied(mg.src)
	}
	m.activeAvg.Set(now, float64(m.activeHosts))
	m.powerAvg.Set(now, m.power)
	m.pump()
}

// hostEmptied switches a host that holds no VM and expects none off, when
// it powers off idle.
func (m *Model) hostEmptied(hi int) {
	h := &m.hosts[hi]
	m.armIdle(hi)
	if !h.On || !h.PowerOffIdle || len(h.VMs) > 0 || h.Reserved > 0 {
		return
	}
	if c := m.cons; c != nil && c.hostMigs[hi] > 0 {
		return
	}
	m.switchOff(hi)
}

// abortMigration cancels v's migration (the VM ended during it): the
// target's reservation is released.
func (m *Model) abortMigration(v *vm.VM) {
	c := m.cons
	mi := c.vmMig[v.ID]
	if mi < 0 {
		return
	}
	mg := c.migs[mi]
	req := m.request(v)
	m.cluster.Release(mg.dst, &req)
	c.vmMig[v.ID] = -1
	if !mg.started {
		c.queue = slices.DeleteFunc(c.queue, func(q int32) bool { return q == mi })
	} else {
		m.s.Cancel(mg.ev)
		m.s.Cancel(mg.stopEv)
		m.dropFlow(mi)
		dst := &m.hosts[mg.dst]
		dst.Reserved -= mg.reserve
		if dst.Reserved < 1e-9 {
			dst.Reserved = 0
		}
		dst.SumDemand()
		m.reshare(dst, nil)
		c.hostMigs[mg.src]--
		c.hostMigs[mg.dst]--
		if len(dst.VMs) == 0 {
			m.hostEmptied(mg.dst)
		}
	}
	c.migs[mi] = migration{}
	c.free = append(c.free, mi)
	m.pump()
}

// finishConsolidation adds the consolidation metrics and warnings to the
// summary.
func (m *Model) finishConsolidation(end sim.Time, s *results.Summary) {
	c := m.cons
	s.Consolidation = c.name
	slatah, slatahCS, nh := 0.0, 0.0, 0
	for i := range m.hosts {
		h := &m.hosts[i]
		if h.ActiveTime > 0 {
			slatah += sim.Seconds(h.SaturatedTime) / sim.Seconds(h.ActiveTime)
			slatahCS += sim.Seconds(h.ShortTime) / sim.Seconds(h.ActiveTime)
			nh++
		}
	}
	if nh > 0 {
		slatah /= float64(nh)
		slatahCS /= float64(nh)
	}
	pdm, nv := 0.0, 0
	for i := range m.vms {
		v := &m.vms[i]
		if v.WantMI > 0 {
			pdm += v.MigLostMI / v.WantMI
			nv++
		}
	}
	if nv > 0 {
		pdm /= float64(nv)
	}
	slav := slatah * pdm
	mt := s.Metrics
	mt["slatah"] = slatah
	mt["pdm"] = pdm
	mt["slav"] = slav
	// CloudSim's variant counts any time a VM got less than it asked for,
	// the degradation of migrating VMs included (PowerDatacenter's host
	// state history: requested > allocated MIPS).
	mt["slatah_cloudsim"] = slatahCS
	mt["slav_cloudsim"] = slatahCS * pdm
	mt["esv"] = s.EnergyKWh * slav
	mt["migrations"] = float64(c.migrations)
	mt["overload_migrations"] = float64(c.overloadMigs)
	mt["migrations_unfinished"] = float64(c.migrationsInFlight())
	mt["migrated_mib"] = c.migratedMiB
	mt["migration_downtime_s"] = sim.Seconds(c.downtime)
	mt["host_shutdowns"] = float64(c.shutdowns)
	mt["mean_time_before_shutdown_s"] = c.beforeShutdown.Mean()
	mt["mean_time_before_migration_s"] = c.beforeMigration.Mean()
	mt["overloaded_host_intervals"] = float64(c.flagged)
	mt["unplaced_selections"] = float64(c.unplaced)
	mt["sla_violation"] = mt["unmet_demand_fraction"]
	if c.flagged > 0 && c.migrations == 0 {
		why := "no VM could be selected"
		if c.unplaced > 0 {
			why = fmt.Sprintf("%d VM selections found no host with room", c.unplaced)
		}
		s.Warnings = append(s.Warnings, fmt.Sprintf("consolidation %s: the detector flagged %d host-intervals as overloaded but no VM was migrated (%s)", c.name, c.flagged, why))
	} else if c.unplaced > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("consolidation %s: %d VMs selected off overloaded hosts found no host with room and stayed", c.name, c.unplaced))
	}
	for _, k := range []string{"slatah", "pdm", "slav", "esv"} {
		if x := mt[k]; math.IsNaN(x) || math.IsInf(x, 0) {
			s.Warnings = append(s.Warnings, fmt.Sprintf("consolidation %s: %s is %v", c.name, k, x))
		}
	}
}

func (c *consolidator) migrationsInFlight() int {
	n := 0
	for _, mi := range c.vmMig {
		if mi >= 0 {
			n++
		}
	}
	return n
}
