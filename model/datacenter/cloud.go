package datacenter

import (
	"fmt"
	"slices"
	"strings"

	"github.com/simrun/simrun/model/cloud"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/policies"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/sim"
)

// The control plane ([cloud]): VMs are launched through model/cloud, which
// drives the model through infra. The NC's acceptance books the VM on its
// host (booting), its instance's start runs it, and at the end of its
// lifetime the VM's user calls TerminateInstances: it runs until its NC
// tears it down. Nodes are powered down and woken by the CCs' POWERSAVE
// policy only.

type infra struct{ m *Model }

func (x infra) Real() *policies.Cluster        { return x.m.cluster }
func (x infra) Request(v int) policies.Request { return x.m.request(&x.m.vms[v]) }
func (x infra) Start(v int)                    { x.m.start(&x.m.vms[v]) }
func (x infra) Terminate(v int)                { x.m.endVM(&x.m.vms[v], vm.Finished) }
func (x infra) Reject(v int, reason string)    { x.m.reject(&x.m.vms[v], reason) }
func (x infra) Live() bool                     { return x.m.live() }

func (x infra) Accepts(v, h int) bool {
	vv := &x.m.vms[v]
	req := x.m.request(vv)
	if ok, _ := x.m.cluster.Fits(h, &req); !ok {
		return false
	}
	return x.m.mem == nil || x.m.memAdmission(vv, h) == ""
}

func (x infra) Admit(v, h int) {
	vv := &x.m.vms[v]
	req := x.m.request(vv)
	x.m.cluster.Allocate(h, &req)
	x.m.admit(vv, h)
	vv.State = vm.Booting
}

func (x infra) SetPower(h int, on bool) {
	if on {
		x.m.switchOn(h)
	} else {
		x.m.switchOff(h)
	}
}

// buildCloud sets up the control plane when the scenario has [cloud], or
// POWERSAVE's idle power-down when the placement policy is euca-powersave.
func (m *Model) buildCloud() error {
	if p, ok := m.placer.(policies.IdlePowerDown); ok && !m.sc.Cloud.Enabled {
		m.idleOff = p.IdleOff()
		m.idleFn = make([]func(), len(m.hosts))
		m.idleAt = make([]sim.Time, len(m.hosts))
		for hi := range m.hosts {
			m.idleFn[hi] = func() { m.idleDue(hi) }
			m.armIdle(hi)
		}
	}
	if !m.sc.Cloud.Enabled || IsStudy(m.sc) {
		return nil
	}
	reqs := make([]policies.Request, len(m.groups))
	for gi := range m.groups {
		if gr := &m.groups[gi]; gr.n > 0 {
			reqs[gi] = m.request(&m.vms[gr.first])
		}
	}
	cp, err := cloud.New(m.s, m.sc, infra{m}, reqs, len(m.vms))
	if err != nil {
		return err
	}
	m.cp = cp
	return nil
}

// lifetimeOver: v's lifetime is over. Through the control plane its user
// asks for its termination; otherwise it ends now.
func (m *Model) lifetimeOver(v *vm.VM) {
	v.EndEvent = 0
	if m.cp != nil {
		m.cp.Terminate(v.ID)
		return
	}
	m.endVM(v, vm.Finished)
}

// armIdle: under POWERSAVE without [cloud], host hi switches off once it
// has held no VM for the policy's idle threshold (waking is instantaneous
// here; the control plane models its time).
func (m *Model) armIdle(hi int) {
	if m.idleOff == 0 {
		return
	}
	h := &m.hosts[hi]
	if !h.On || len(h.VMs) > 0 || h.Reserved > 0 {
		return
	}
	m.idleAt[hi] = m.s.Now() + m.idleOff
	m.s.At(m.idleAt[hi], m.idleFn[hi])
}

func (m *Model) idleDue(hi int) {
	h := &m.hosts[hi]
	if m.s.Now() != m.idleAt[hi] || !h.On || len(h.VMs) > 0 || h.Reserved > 0 {
		return // it was busy meanwhile
	}
	if c := m.cons; c != nil && c.hostMigs[hi] > 0 {
		return
	}
	m.switchOff(hi)
}

// finishCloud adds the control plane's records and metrics.
func (m *Model) finishCloud(end sim.Time, s *results.Summary) {
	names := make([]string, len(m.groups))
	for i := range m.groups {
		names[i] = m.groups[i].spec.Group
	}
	m.cp.Finish(end, s.Metrics, m.rec, names)
	pols := []string{}
	for _, c := range m.sc.Cloud.Clusters {
		if !slices.Contains(pols, c.Policy) {
			pols = append(pols, c.Policy)
		}
	}
	s.Policy = "cloud:" + strings.Join(pols, ",")
	if n := s.Metrics["launches_pending"]; n > 0 {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%g launches were still on their way when the run ended (launches.csv: outcome pending)", n))
	}
}
