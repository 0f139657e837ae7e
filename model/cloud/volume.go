package cloud

import "github.com/simrun/simrun/sim"

// Volumes. Once its instance runs, a VM of a group with volume_gib asks
// for a volume: CreateVolume goes user → CLC → SC, whose worker creates it
// (a fixed part plus size / create_mibps) and answers back to the user;
// the user then calls AttachVolume: CLC → CC → NC, whose worker connects
// to the SC over the storage network, where the SC's worker exports the
// volume, and the answer returns to the NC. The volume's creation and
// attachment times are recorded per launch; an attachment that reaches
// the NC after its instance's termination began is abandoned (counted).

type volume struct {
	vm                       int32
	gib                      float64
	step                     uint8
	start, created, attached sim.Time
	abandoned                bool // its instance went away before the attachment
	fn                       func()
}

func (cp *ControlPlane) startVolume(r *launch) {
	id := int32(len(cp.vols))
	cp.vols = append(cp.vols, volume{vm: r.vm, gib: cp.groupVol[r.group], start: cp.s.Now(), created: -1, attached: -1})
	cp.vols[id].fn = func() { cp.volArrive(id) }
	cp.volOf[r.vm] = id
	cp.inFlight++
	cp.send(linkUser, cp.vols[id].fn)
}

// volArrive: volume id's message arrived where its step says.
func (cp *ControlPlane) volArrive(id int32) {
	v := &cp.vols[id]
	r := &cp.launches[v.vm]
	switch v.step {
	case 0: // CreateVolume at the CLC
		cp.clc.Submit(Job{Op: opCreateVol, ID: id})
	case 1: // at the SC
		cp.sc.Submit(Job{Op: opCreate, ID: id, Extra: sim.FromSeconds(v.gib * 1024 / cp.cfg.SC.CreateMiBps)})
	case 2: // the SC's answer at the CLC, on to the user
		v.step = 3
		cp.send(linkUser, v.fn)
	case 3: // the user has the volume; AttachVolume
		v.created = cp.s.Now()
		v.step = 4
		cp.send(linkUser, v.fn)
	case 4:
		cp.clc.Submit(Job{Op: opAttachVol, ID: id})
	case 5:
		cp.clusters[r.cluster].cc.Submit(Job{Op: opCCAttach, ID: id})
	case 6:
		if r.termStart >= 0 || cp.nodes[r.node].state != nodeUp {
			v.abandoned = true // the instance is going away
			cp.inFlight--
			return
		}
		cp.nodes[r.node].nc.Submit(Job{Op: opNCAttach, ID: id})
	case 7:
		cp.sc.Submit(Job{Op: opExport, ID: id})
	case 8:
		v.attached = cp.s.Now()
		cp.stats.volumes++
		cp.inFlight--
	}
}

// volStep: a controller finished volume id's job at its step.
func (cp *ControlPlane) volStep(id int32) {
	v := &cp.vols[id]
	link := linkStorage
	switch v.step {
	case 4:
		link = linkCLCCC
	case 5:
		link = linkCCNC
	}
	v.step++
	cp.send(link, v.fn)
}

func (cp *ControlPlane) scDone(j Job) { cp.volStep(j.ID) }
