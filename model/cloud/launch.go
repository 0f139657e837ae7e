package cloud

import (
	"fmt"

	"github.com/simrun/simrun/sim"
)

// Stages of a launch: every instant between its request and its end
// (running or rejected) belongs to exactly one, so the stages add up to
// the latency exactly (integer nanoseconds). They are numbered in the
// order of results.StageNames, the columns of launches.csv.
const (
	sgMsg           = iota // control messages crossing links
	sgCLCQueue             // waiting for a CLC worker
	sgCLCService           // admission, cluster choice
	sgCCQueue              // waiting for a CC worker
	sgCCService            // node choice
	sgWake                 // waiting for a sleeping node to come up
	sgNCQueue              // waiting for an NC worker
	sgNCService            // the NC accepting (or refusing) it
	sgWalrusQueue          // waiting for a Walrus worker
	sgWalrusService        // Walrus handling the GetObject
	sgTransfer             // the image's bytes, or waiting for the node's download of it
	sgDisk                 // copying the image into the instance's disk, and the rest of disk preparation
	sgBoot                 // the hypervisor booting the guest
	sgNetwork              // the instance's network set-up
	NStages
)

// Launch outcomes.
const (
	outPending uint8 = iota
	outRunning
	outRejected
)

// Steps: what a launch's pending event does.
const (
	stAtCLC uint8 = iota
	stAtCC
	stAtNC
	stRefusedAtCC
	stFailedAtCLC
	stAtWalrus
	stDiskPrepDone
	stBooted
	stNetworkUp
	stTermAtCLC
	stTermAtCC
	stTermAtNC
)

// launch is one RunInstances request (and later its TerminateInstances).
type launch struct {
	vm, group, image     int32
	cluster, node        int32
	step, stage, outcome uint8
	cacheHit, joined     bool
	woke, counted        bool
	mark                 sim.Time
	requested, ended     sim.Time
	stages               [NStages]sim.Time
	attempts, refusals   int32
	clusterTries         int32
	tried                uint64 // clusters tried
	reason               string
	ev                   func()
	termStart, termEnd   sim.Time
	xfer                 int32 // the disk copy in progress, or -1
}

// enter closes the launch's current stage at now and opens st.
func (cp *ControlPlane) enter(r *launch, st uint8) {
	now := cp.s.Now()
	r.stages[r.stage] += now - r.mark
	r.stage, r.mark = st, now
}

// Submit is VM v's RunInstances: the user sends it to the CLC now. group
// is its vm_group (instance type and account).
func (cp *ControlPlane) Submit(v, group int) {
	for len(cp.launches) <= v {
		cp.launches = append(cp.launches, launch{vm: -1})
		cp.volOf = append(cp.volOf, -1)
	}
	r := &cp.launches[v]
	now := cp.s.Now()
	*r = launch{vm: int32(v), group: int32(group), image: cp.groupImage[group], cluster: -1, node: -1,
		stage: sgMsg, mark: now, requested: now, ended: -1, termStart: -1, termEnd: -1, xfer: -1}
	vv := int32(v)
	r.ev = func() { cp.step(vv) }
	cp.inFlight++
	cp.stats.requested++
	r.step = stAtCLC
	cp.send(linkUser, r.ev)
}

// step runs launch v's pending event.
func (cp *ControlPlane) step(v int32) {
	r := &cp.launches[v]
	switch r.step {
	case stAtCLC:
		cp.enter(r, sgCLCQueue)
		cp.clc.Submit(Job{Op: opRun, ID: v})
	case stFailedAtCLC:
		cp.enter(r, sgCLCQueue)
		cp.clc.Submit(Job{Op: opRunRetry, ID: v})
	case stAtCC:
		cp.enter(r, sgCCQueue)
		cp.clusters[r.cluster].cc.Submit(Job{Op: opRun, ID: v})
	case stRefusedAtCC:
		n := &cp.nodes[r.node]
		k := &cp.clusters[r.cluster]
		if n.vstate != nodeAsleep {
			// Eucalyptus marks a node whose NC failed a launch down until
			// its next report.
			n.vstate = nodeDown
			k.view.SetDown(int(n.local), true)
		}
		if int(r.attempts) >= cp.maxAttempts {
			cp.reject(r, fmt.Sprintf("refused by %d nodes (their resources were already taken: the CC's view was stale)", r.refusals))
			return
		}
		cp.enter(r, sgCCQueue)
		k.cc.Submit(Job{Op: opRunRetry, ID: v})
	case stAtNC:
		cp.atNC(r)
	case stAtWalrus:
		cp.enter(r, sgWalrusQueue)
		cp.walrus.Submit(Job{Op: opGet, ID: v})
	case stDiskPrepDone:
		cp.enter(r, sgBoot)
		r.step = stBooted
		cp.s.After(cp.boot.Draw(), r.ev)
	case stBooted:
		cp.enter(r, sgNetwork)
		r.step = stNetworkUp
		cp.s.After(cp.netSetup.Draw(), r.ev)
	case stNetworkUp:
		cp.running(r)
	case stTermAtCLC:
		cp.clc.Submit(Job{Op: opTerm, ID: v})
	case stTermAtCC:
		cp.clusters[r.cluster].cc.Submit(Job{Op: opTerm, ID: v})
	case stTermAtNC:
		cp.nodes[r.node].nc.Submit(Job{Op: opTerm, ID: v})
	}
}

// isLaunchOp tells the jobs that belong to a launch's RunInstances path.
func isLaunchOp(op uint8) bool { return op == opRun || op == opRunRetry }

func (cp *ControlPlane) clcStarted(j *Job) {
	if isLaunchOp(j.Op) {
		cp.enter(&cp.launches[j.ID], sgCLCService)
	}
}

func (cp *ControlPlane) ccStarted(j *Job) {
	if isLaunchOp(j.Op) {
		cp.enter(&cp.launches[j.ID], sgCCService)
	}
}

func (cp *ControlPlane) ncStarted(j *Job) {
	if j.Op == opRun {
		cp.enter(&cp.launches[j.ID], sgNCService)
	}
}

func (cp *ControlPlane) walrusStarted(j *Job) { cp.enter(&cp.launches[j.ID], sgWalrusService) }

// clcDone: a CLC job ended.
func (cp *ControlPlane) clcDone(j Job) {
	switch j.Op {
	case opRun:
		r := &cp.launches[j.ID]
		t := &cp.types[r.group]
		if !t.fits {
			cp.reject(r, fmt.Sprintf("instance type %s fits no node", t.name))
			return
		}
		if q := cp.cfg.Quota; q > 0 && cp.accounts[r.group] >= q {
			cp.reject(r, fmt.Sprintf("quota exceeded: account %s holds %d of %d instances", t.name, q, q))
			return
		}
		cp.accounts[r.group]++
		r.counted = true
		cp.chooseCluster(r)
	case opRunRetry:
		// The CC found no node: the CLC learns the cluster is full for the
		// type, and tries another.
		r := &cp.launches[j.ID]
		cp.clusters[r.cluster].avail[r.group] = 0
		cp.chooseCluster(r)
	case opTerm:
		r := &cp.launches[j.ID]
		cp.accounts[r.group]--
		r.step = stTermAtCC
		cp.send(linkCLCCC, r.ev)
	case opReport:
		k := &cp.clusters[j.ID]
		copy(k.avail, k.clc.snap.slots)
		k.clc.inFlight = false
	case opCreateVol, opAttachVol:
		cp.volStep(j.ID)
	}
}

// chooseCluster sends launch r to a cluster by the CLC's cluster policy,
// or rejects it.
func (cp *ControlPlane) chooseCluster(r *launch) {
	if cap(cp.freeSlots) < len(cp.clusters) {
		cp.freeSlots = make([]int, len(cp.clusters))
	}
	free := cp.freeSlots[:len(cp.clusters)]
	for i := range cp.clusters {
		free[i] = cp.clusters[i].avail[r.group]
	}
	ci := cp.zones.Choose(free, r.tried)
	if ci < 0 {
		if r.clusterTries == 0 {
			cp.reject(r, fmt.Sprintf("insufficient capacity: no cluster has room for %s (the CLC's view)", cp.types[r.group].name))
		} else {
			cp.reject(r, fmt.Sprintf("no node could take %s in the clusters tried (the CCs' views)", cp.types[r.group].name))
		}
		return
	}
	k := &cp.clusters[ci]
	r.cluster = int32(ci)
	r.tried |= 1 << uint(ci)
	r.clusterTries++
	if cp.deduct {
		for u, n := range cp.types[r.group].scale {
			k.avail[u] -= n
		}
	}
	k.pending++
	r.step = stAtCC
	cp.enter(r, sgMsg)
	cp.send(linkCLCCC, r.ev)
}

// ccDone: a CC job ended.
func (cp *ControlPlane) ccDone(ci int32, j Job) {
	k := &cp.clusters[ci]
	switch j.Op {
	case opRun, opRunRetry:
		r := &cp.launches[j.ID]
		if j.Op == opRun {
			k.pending--
		}
		req := cp.infra.Request(int(r.vm))
		cp.reqs = append(cp.reqs[:0], req)
		d := k.placer.Place(k.view, cp.reqs)[0]
		if !d.Placed() {
			// No node in the CC's view: back to the CLC to try another
			// cluster.
			r.step = stFailedAtCLC
			cp.enter(r, sgMsg)
			cp.send(linkCLCCC, r.ev)
			return
		}
		if !cp.deduct {
			k.view.Release(d.Host, &req) // the view changes only with reports
		}
		h := k.nodes[d.Host]
		n := &cp.nodes[h]
		r.node = h
		r.attempts++
		n.pending++
		if n.vstate == nodeAsleep {
			n.vstate = nodeWaking
			k.view.SetOn(d.Host, true)
			cp.wakeNode(h)
		}
		r.step = stAtNC
		cp.enter(r, sgMsg)
		cp.send(linkCCNC, r.ev)
	case opTerm:
		r := &cp.launches[j.ID]
		r.step = stTermAtNC
		cp.send(linkCCNC, r.ev)
	case opNCReport:
		cp.applyReport(j.ID)
	case opCLCPoll:
		cp.slotsOf(ci, k.clc.snap.slots)
		k.clc.step = 1
		cp.send(linkCLCCC, k.clc.fn)
	case opCCAttach:
		cp.volStep(j.ID)
	}
}

// atNC: launch r reached its node.
func (cp *ControlPlane) atNC(r *launch) {
	n := &cp.nodes[r.node]
	if n.state != nodeUp {
		// The CC keeps calling a waking node until it answers
		// (Eucalyptus: up to POWER_WAKETHRESH).
		r.woke = true
		cp.enter(r, sgWake)
		n.wakeWait = append(n.wakeWait, r.vm)
		cp.wakeNode(r.node)
		return
	}
	cp.enter(r, sgNCQueue)
	n.nc.Submit(Job{Op: opRun, ID: r.vm})
}

// ncDone: an NC job ended.
func (cp *ControlPlane) ncDone(h int32, j Job) {
	n := &cp.nodes[h]
	switch j.Op {
	case opRun:
		r := &cp.launches[j.ID]
		if n.state != nodeUp { // powered down meanwhile: wait for it
			cp.atNC(r)
			return
		}
		n.pending--
		if !cp.infra.Accepts(int(r.vm), int(h)) {
			r.refusals++
			cp.stats.refusals++
			r.step = stRefusedAtCC
			cp.enter(r, sgMsg)
			cp.send(linkCCNC, r.ev)
			return
		}
		cp.infra.Admit(int(r.vm), int(h))
		n.idleSince = -1
		cp.fetchImage(r)
	case opTerm:
		r := &cp.launches[j.ID]
		cp.infra.Terminate(int(r.vm))
		r.termEnd = cp.s.Now()
		cp.stats.termLatency.Add(sim.Seconds(r.termEnd - r.termStart))
		cp.inFlight--
	case opDescribe:
		cp.snapshotNode(h)
	case opPowerDown:
		cp.poweredDown(h)
	case opNCAttach:
		cp.volStep(j.ID)
	}
}

// running: launch r's instance is up.
func (cp *ControlPlane) running(r *launch) {
	now := cp.s.Now()
	cp.enter(r, sgNetwork) // closes the network stage
	r.outcome, r.ended = outRunning, now
	cp.inFlight--
	cp.stats.noteRunning(r)
	cp.infra.Start(int(r.vm))
	if cp.groupVol[r.group] > 0 {
		cp.startVolume(r)
	}
}

// reject ends launch r as rejected.
func (cp *ControlPlane) reject(r *launch, reason string) {
	cp.enter(r, r.stage)
	r.outcome, r.ended, r.reason = outRejected, cp.s.Now(), reason
	if r.counted {
		cp.accounts[r.group]--
		r.counted = false
	}
	cp.inFlight--
	cp.stats.rejected++
	cp.infra.Reject(int(r.vm), reason)
}

// Terminate is VM v's TerminateInstances, sent by its user now (its
// lifetime is over). The VM runs until its NC has torn it down.
func (cp *ControlPlane) Terminate(v int) {
	r := &cp.launches[v]
	r.termStart = cp.s.Now()
	cp.inFlight++
	r.step = stTermAtCLC
	cp.send(linkUser, r.ev)
}

// Submitted reports whether VM v's launch was submitted.
func (cp *ControlPlane) Submitted(v int) bool { return v < len(cp.launches) && cp.launches[v].vm >= 0 }
