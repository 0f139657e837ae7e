package datacenter

import (
	"github.com/simrun/simrun/internal/maxmin"
	"github.com/simrun/simrun/sim"
)

// Link sharing (consolidation.share_link): the migrations running at once
// share the hosts' links as fluid flows. A migration is a flow over two
// links, its source's and its target's, each of the host's bandwidth.
// Rates are max-min fair by progressive filling (internal/maxmin): the most
// crowded link's capacity is split equally among its flows, those flows are
// fixed at that rate and their share is taken off their other link, and so
// on. Rates are recomputed
// whenever a migration starts or ends, for the migrations that share a
// link with it directly or through others; what each had left to send is
// brought up to date first, and its end is moved to match its new rate.
//
// What a flow sends: the reference model sends the VM's RAM at half the
// flow's rate (Beloglazov & Buyya 2012 use half the link). Pre-copy
// (Clark et al., NSDI 2005) sends the RAM in round 0, then in each round
// what the guest dirtied during the previous one (dirty rate × that
// round's duration, at most the RAM), until what is left is at most
// stop_copy_mib, max_rounds rounds have run, or the guest dirties as fast
// as the flow sends; then the VM stops and the rest is sent (downtime,
// plus the resume overhead).

// linkState is the consolidator's link sharing: the hosts' links and the
// migrations on them (a maxmin.Net: link h is host h's, flow mi migration
// mi, over its source's and its target's links), the flows added by
// flowStart and not yet shared, and reshareLinks' scratch.
type linkState struct {
	net      maxmin.Net
	starting []int32
	seeds    []int32
	old      []float64
}

// flow is the link-sharing state of a started migration.
type flow struct {
	mbps       float64  // its share of the links now, Mb/s
	rem        float64  // MiB left to send in the current phase
	since      sim.Time // when rem was last brought up to date
	round      int      // pre-copy rounds completed
	roundStart sim.Time
	stopCopy   bool // in stop-and-copy (the VM is paused)
	downFrom   sim.Time
	onEnd      func() // the phase-end event's action
}

// sendRate is how fast a flow's phase drains, in MiB/s.
func (c *consolidator) sendRate(f *flow) float64 {
	r := f.mbps / 8
	if c.reference {
		r /= 2
	}
	return r
}

// flowStart starts migration mi as a flow: its RAM is the first thing to
// send. Rates are recomputed by startFlows once the migrations starting
// together have all been added.
func (m *Model) flowStart(mi int32) {
	c := m.cons
	now := m.s.Now()
	mg := &c.migs[mi]
	ram := m.vms[mg.vm].Spec.RAMMiB
	mg.fl = flow{rem: ram, since: now, roundStart: now}
	c.links.net.Start(mi, int32(mg.src), int32(mg.dst))
	c.migratedMiB += ram
	c.links.starting = append(c.links.starting, mi)
}

// startFlows shares the links again after migrations were added by
// flowStart, and sends a pre-copy straight to stop-and-copy when the guest
// dirties memory at least as fast as its share of the link sends it (or
// its RAM is within stop_copy_mib).
func (m *Model) startFlows() {
	c := m.cons
	if len(c.links.starting) == 0 {
		return
	}
	seeds := c.links.seeds[:0]
	for _, mi := range c.links.starting {
		seeds = append(seeds, int32(c.migs[mi].src), int32(c.migs[mi].dst))
	}
	c.links.seeds = seeds
	m.reshareLinks(seeds...)
	if !c.reference {
		stop, rounds := c.precopy.Limits()
		for _, mi := range c.links.starting {
			mg := &c.migs[mi]
			if !(rounds > 0 && mg.fl.rem > stop && c.precopy.DirtyMiBps < c.sendRate(&mg.fl)) {
				m.enterStopCopy(mi)
			}
		}
	}
	c.links.starting = c.links.starting[:0]
}

// enterStopCopy pauses the migrating VM: what is left is sent while it
// runs nowhere.
func (m *Model) enterStopCopy(mi int32) {
	c := m.cons
	mg := &c.migs[mi]
	mg.fl.stopCopy, mg.fl.downFrom = true, m.s.Now()
	m.degrade(&m.vms[mg.vm], 1)
}

// flowPhaseEnd: migration mi has sent its current phase.
func (m *Model) flowPhaseEnd(mi int32) {
	c := m.cons
	now := m.s.Now()
	mg := &c.migs[mi]
	mg.ev = 0
	mg.fl.rem, mg.fl.since = 0, now
	if c.reference || mg.fl.stopCopy {
		m.flowEnd(mi)
		return
	}
	// A pre-copy round ended: the next sends what was dirtied meanwhile.
	p := c.precopy
	stop, rounds := p.Limits()
	ram := m.vms[mg.vm].Spec.RAMMiB
	mg.fl.round++
	v := min(p.DirtyMiBps*sim.Seconds(now-mg.fl.roundStart), ram)
	mg.fl.rem, mg.fl.roundStart = v, now
	c.migratedMiB += v
	if !(mg.fl.round < rounds && v > stop && p.DirtyMiBps < c.sendRate(&mg.fl)) {
		m.enterStopCopy(mi)
	}
	m.scheduleFlow(mi)
}

// flowEnd: migration mi has sent everything. Its links are freed for the
// others; the VM resumes on the target after the resume overhead.
func (m *Model) flowEnd(mi int32) {
	c := m.cons
	mg := &c.migs[mi]
	m.dropFlow(mi)
	if c.reference {
		m.finishMigration(mi)
		return
	}
	resume := c.precopy.ResumeOverhead
	c.downtime += m.s.Now() - mg.fl.downFrom + resume
	if resume > 0 {
		mg.ev = m.s.After(resume, func() { m.finishMigration(mi) })
		return
	}
	m.finishMigration(mi)
}

// dropFlow takes migration mi off its links (it ended or was aborted) and
// re-shares them among the flows left.
func (m *Model) dropFlow(mi int32) {
	c := m.cons
	mg := &c.migs[mi]
	if !c.links.net.Active(mi) {
		return
	}
	c.links.net.Stop(mi)
	mg.fl.mbps = 0
	m.reshareLinks(int32(mg.src), int32(mg.dst))
}

// scheduleFlow (re)schedules the end of migration mi's current phase at its
// current rate.
func (m *Model) scheduleFlow(mi int32) {
	c := m.cons
	mg := &c.migs[mi]
	if mg.ev != 0 {
		m.s.Cancel(mg.ev)
	}
	d := sim.FromSeconds(mg.fl.rem / c.sendRate(&mg.fl))
	if mg.fl.onEnd == nil {
		mg.fl.onEnd = func() { m.flowPhaseEnd(mi) }
	}
	mg.ev = m.s.After(d, mg.fl.onEnd)
}

// reshareLinks recomputes the max-min fair rates of the flows connected to
// the given hosts through shared links, and moves the ends of those whose
// rate changed.
func (m *Model) reshareLinks(seed ...int32) {
	c := m.cons
	now := m.s.Now()
	flows := c.links.net.Component(seed...)
	// Bring what each has left to send up to date.
	old := c.links.old[:0]
	for _, mi := range flows {
		f := &c.migs[mi].fl
		if r := c.sendRate(f); r > 0 {
			f.rem = max(0, f.rem-r*sim.Seconds(now-f.since))
		}
		f.since = now
		old = append(old, f.mbps)
	}
	c.links.net.Fill()
	for i, mi := range flows {
		mg := &c.migs[mi]
		mg.fl.mbps = c.links.net.Rate(mi)
		if mg.fl.mbps != old[i] || mg.ev == 0 {
			m.scheduleFlow(mi)
		}
	}
	c.links.old = old
}
