package cloud

// DescribeResources. Every poll period each CC starts a round: it asks
// each of its nodes for its resources and instances, except nodes asleep
// in its view and, in the "deduct" view, nodes with launches in flight
// (Eucalyptus skips a node whose running counter is not zero). The NC
// answers with its resources as they are when it serves the call; the
// CC's worker then overwrites the node's entry, marks a down or waking
// node up, and, under POWERSAVE, checks its idleness. Likewise every CLC
// poll period the CLC asks each CC for its free slots per instance type
// (computed from the CC's view), skipping CCs with launches in flight in
// the "deduct" view.

func (cp *ControlPlane) pollRound(ci int32) {
	if !cp.live() {
		return
	}
	k := &cp.clusters[ci]
	for _, h := range k.nodes {
		n := &cp.nodes[h]
		cp.startPoll(&n.poll, linkCCNC, n.vstate == nodeAsleep || (cp.deduct && n.pending > 0))
	}
	cp.s.After(cp.cfg.PollPeriod.Time, k.timer)
}

// startPoll sends a poll over link unless one is in flight or skip says
// not to.
func (cp *ControlPlane) startPoll(p *poller, link int, skip bool) {
	if p.inFlight || skip {
		return
	}
	p.inFlight, p.step = true, 0
	cp.send(link, p.fn)
}

func (cp *ControlPlane) pollStep(h int32) {
	n := &cp.nodes[h]
	switch n.poll.step {
	case 0: // at the NC
		if n.state != nodeUp {
			// No answer from a node that is not up.
			n.poll.snap.ok = false
			n.poll.step = 1
			cp.send(linkCCNC, n.poll.fn)
			return
		}
		n.nc.Submit(Job{Op: opDescribe, ID: h})
	case 1: // the answer at the CC
		cp.clusters[n.cluster].cc.Submit(Job{Op: opNCReport, ID: h})
	}
}

// snapshotNode: the NC describes its host as it is now.
func (cp *ControlPlane) snapshotNode(h int32) {
	n := &cp.nodes[h]
	s := &n.poll.snap
	s.ok = n.state == nodeUp
	if s.ok {
		st := cp.infra.Real().Host(int(h))
		s.vcpus, s.ram, s.disk, s.bw, s.vms = st.UsedVCPUs, st.UsedRAMMiB, st.UsedDiskMiB, st.UsedBWMbps, st.NumVMs
	}
	n.poll.step = 1
	cp.send(linkCCNC, n.poll.fn)
}

// applyReport: the CC's worker applies node h's answer.
func (cp *ControlPlane) applyReport(h int32) {
	n := &cp.nodes[h]
	k := &cp.clusters[n.cluster]
	n.poll.inFlight = false
	s := &n.poll.snap
	if !s.ok {
		return // a waking node keeps its state until it answers
	}
	now := cp.s.Now()
	k.view.Report(int(n.local), s.vcpus, s.ram, s.disk, s.bw, s.vms)
	if n.vstate == nodeDown || n.vstate == nodeWaking {
		n.vstate = nodeUp
		k.view.SetDown(int(n.local), false)
		k.view.SetOn(int(n.local), true)
	}
	if k.ps == nil || n.vstate != nodeUp {
		return
	}
	if s.vms > 0 || n.pending > 0 {
		n.idleSince = -1
		return
	}
	if n.idleSince < 0 {
		n.idleSince = now
	} else if k.ps.DueOff(n.idleSince, now) {
		cp.powerDown(h)
	}
}

func (cp *ControlPlane) clcRound() {
	if !cp.live() {
		return
	}
	for ci := range cp.clusters {
		k := &cp.clusters[ci]
		cp.startPoll(&k.clc, linkCLCCC, cp.deduct && k.pending > 0)
	}
	cp.s.After(cp.cfg.CLCPollPeriod.Time, cp.clcTimer)
}

func (cp *ControlPlane) clcPollStep(ci int32) {
	k := &cp.clusters[ci]
	switch k.clc.step {
	case 0: // at the CC
		k.cc.Submit(Job{Op: opCLCPoll, ID: ci})
	case 1: // the answer at the CLC
		cp.clc.Submit(Job{Op: opReport, ID: ci})
	}
}
