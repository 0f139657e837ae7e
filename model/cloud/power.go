package cloud

// Power. Under POWERSAVE a CC powers down a node it has seen idle (no
// instance, no launch in flight) at its polls for longer than the idle
// threshold: it marks the node asleep in its view and calls the NC, whose
// worker shuts the host down (power_down) unless an instance arrived
// meanwhile, in which case it says so and the CC marks the node up again.
// A launch the scheduler gives to a sleeping node wakes it (wake-on-LAN):
// the host draws power from then on and is up after the wake time; the
// launches that reach it meanwhile wait (stage "wake").

// powerDown: the CC decides to power node h down.
func (cp *ControlPlane) powerDown(h int32) {
	n := &cp.nodes[h]
	k := &cp.clusters[n.cluster]
	n.vstate, n.idleSince = nodeAsleep, -1
	k.view.SetOn(int(n.local), false)
	n.power.step = 0
	cp.send(linkCCNC, n.power.fn)
}

func (cp *ControlPlane) powerStep(h int32) {
	n := &cp.nodes[h]
	switch n.power.step {
	case 0: // the call at the NC
		if n.state == nodeUp {
			n.nc.Submit(Job{Op: opPowerDown, ID: h})
		}
	case 1: // the NC refused: the CC marks it up again
		if n.vstate == nodeAsleep {
			n.vstate = nodeUp
			cp.clusters[n.cluster].view.SetOn(int(n.local), true)
		}
	}
}

// poweredDown: node h's NC has shut down, unless work arrived meanwhile.
func (cp *ControlPlane) poweredDown(h int32) {
	n := &cp.nodes[h]
	if n.state != nodeUp {
		return
	}
	if cp.infra.Real().Host(int(h)).NumVMs > 0 || n.pending > 0 || len(n.wakeWait) > 0 {
		n.power.step = 1
		cp.send(linkCCNC, n.power.fn)
		return
	}
	n.state = nodeAsleep
	cp.infra.SetPower(int(h), false)
	cp.stats.powerDowns++
	cp.stats.nodeStates(cp)
}

// wakeNode wakes node h if it is asleep.
func (cp *ControlPlane) wakeNode(h int32) {
	n := &cp.nodes[h]
	if n.state != nodeAsleep {
		return
	}
	n.state = nodeWaking
	cp.infra.SetPower(int(h), true)
	cp.stats.wakeups++
	cp.stats.nodeStates(cp)
	cp.s.After(cp.wake.Draw(), n.wakeFn)
}

// woken: node h is up; the launches waiting for it go to its NC.
func (cp *ControlPlane) woken(h int32) {
	n := &cp.nodes[h]
	n.state = nodeUp
	cp.stats.nodeStates(cp)
	cp.waiting = append(cp.waiting[:0], n.wakeWait...)
	n.wakeWait = n.wakeWait[:0]
	for _, v := range cp.waiting {
		r := &cp.launches[v]
		cp.enter(r, sgNCQueue)
		n.nc.Submit(Job{Op: opRun, ID: v})
	}
}
