package cloud

import (
	"fmt"
	"math"

	"github.com/simrun/simrun/internal/maxmin"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/policies"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// Infra is what the control plane drives: the hosts and VMs of the
// datacenter model. Host and VM numbers are the datacenter's.
type Infra interface {
	// Real is the hosts' actual allocation: what a Node Controller knows
	// of its own host. The control plane reads it; Admit and Terminate
	// change it.
	Real() *policies.Cluster
	// Request is what VM v books on a host.
	Request(v int) policies.Request
	// Accepts reports whether host h can take VM v now: its real
	// resources (and, where the datacenter simulates memory, its memory
	// not yet reserved) have room. An NC that cannot take a launch
	// refuses it.
	Accepts(v, h int) bool
	// Admit books VM v on host h: the NC accepted it; it is booting.
	Admit(v, h int)
	// Start runs VM v: its instance is up.
	Start(v int)
	// Terminate ends VM v and frees its host's resources.
	Terminate(v int)
	// Reject ends VM v as rejected with reason.
	Reject(v int, reason string)
	// SetPower switches host h on or off.
	SetPower(h int, on bool)
	// Live reports whether anything can still happen: requests to come or
	// VMs not yet ended.
	Live() bool
}

// Node states, as the node is (real) and as its CC sees it (view).
const (
	nodeUp uint8 = iota
	nodeAsleep
	nodeWaking
	nodeDown // view only: refused a launch, awaiting its next report
)

// Controller operations (indices into each server's samplers).
const (
	// CLC
	opRun uint8 = iota
	opRunRetry
	opTerm
	opReport
	opCreateVol
	opAttachVol
)

const (
	// CC (opRun, opRunRetry, opTerm as above)
	opNCReport uint8 = iota + 3
	opCLCPoll
	opCCAttach
)

const (
	// NC (opRun, opTerm as above: 0 and 2)
	opDescribe uint8 = iota + 3
	opNCAttach
	opPowerDown
)

const (
	opGet    uint8 = 0 // Walrus
	opCreate uint8 = 0 // SC
	opExport uint8 = 1
)

// node is one Node Controller and the CC's knowledge of it.
type node struct {
	host, cluster int32
	local         int32 // index in its cluster's view
	state         uint8 // real
	vstate        uint8 // in its CC's view
	nc            *Server
	cache         lru
	fetch         []int32 // per image: the transfer downloading it here, or -1
	wakeWait      []int32 // launches waiting for the node to come up
	pending       int32   // launches its CC sent that the NC has not answered
	idleSince     sim.Time
	wakeFn        func()
	poll          poller
	power         poller // the power-down call
	nic, disk     int32  // links
}

// poller is one node's (or one cluster's) periodic call in flight.
type poller struct {
	inFlight bool
	step     uint8
	fn       func()
	snap     snapshot
}

// snapshot is a node's resources as its NC reported them.
type snapshot struct {
	ok            bool
	vcpus         int
	ram, disk, bw float64
	vms           int
	slots         []int // a CC's report to the CLC: free slots per type
}

// cluster is a Cluster Controller and its cached view of its nodes.
type cluster struct {
	name   string
	cc     *Server
	view   *policies.Cluster
	placer policies.Placer
	ps     *policies.PowerSave // POWERSAVE, or nil
	nodes  []int32             // node (= host) ids, in view order
	uplink int32
	timer  func()
	clc    poller // the CLC's poll of this CC
	// The CLC's view of this cluster: free slots per instance type, and
	// launches sent to it not yet answered.
	avail   []int
	pending int32
}

// ControlPlane is the Eucalyptus-style control plane of one run.
type ControlPlane struct {
	s     *sim.Sim
	infra Infra
	cfg   *scenarios.Cloud

	clc      *Server
	walrus   *Server
	sc       *Server
	clusters []cluster
	nodes    []node // by host
	zones    policies.ZoneChooser

	images     []image
	types      []itype
	accounts   []int // per vm group: instances held (quota)
	groupImage []int32
	groupVol   []float64

	deduct      bool
	maxAttempts int
	msg         [nLinks]sim.Time // a control message's delay per link

	launches []launch
	vols     []volume
	volOf    []int32 // per VM: its volume, or -1

	net     maxmin.Net
	walLink int32
	xfers   []xfer
	freeX   []int32
	seeds   []int32
	old     []float64
	waiting []int32

	wake      vm.Sampler
	diskPrep  vm.Sampler
	boot      vm.Sampler
	netSetup  vm.Sampler
	clcTimer  func()
	inFlight  int // launches and terminations not finished
	stopped   bool
	stats     counters
	freeSlots []int // scratch
	reqs      []policies.Request
}

type image struct {
	name  string
	bytes float64
}

// itype is an instance type (a vm_group): its booking, and whether any
// node could ever hold it.
type itype struct {
	name  string
	req   policies.Request
	fits  bool
	scale []int // scale[u]: slots of type u one instance of this type may take
}

// Links of control messages.
const (
	linkUser = iota
	linkCLCCC
	linkCCNC
	linkWalrus
	linkStorage
	nLinks
)

// New builds the control plane of sc over infra, for nVMs VMs whose
// vm_group i books typeRequests[i]. Randomness comes from streams named
// "cloud/<controller>.<operation>".
func New(s *sim.Sim, sc *scenarios.Scenario, infra Infra, typeRequests []policies.Request, nVMs int) (*ControlPlane, error) {
	c := &sc.Cloud
	cp := &ControlPlane{s: s, infra: infra, cfg: c, deduct: c.View == "deduct", maxAttempts: c.MaxAttempts}
	sampler := func(name string, d scenarios.Dist) (vm.Sampler, error) {
		smp, err := vm.NewSampler(d.Dist, d.Mean.Time, d.CV, d.Min.Time, d.Max.Time, s.Stream("cloud/"+name))
		if err != nil {
			return smp, fmt.Errorf("%s: cloud.%s: %w", sc.File, name, err)
		}
		return smp, nil
	}
	samplers := func(prefix string, ds ...scenarios.Dist) ([]vm.Sampler, error) {
		names := map[string][]string{
			"clc":    {"run_instances", "run_instances", "terminate_instances", "describe_resources", "create_volume", "attach_volume"},
			"cc":     {"run_instances", "run_instances", "terminate_instances", "describe_resources", "report", "attach_volume"},
			"nc":     {"run_instance", "", "terminate_instance", "describe_resource", "attach_volume", "power_down"},
			"walrus": {"get_object"},
			"sc":     {"create_volume", "attach_volume"},
		}[prefix]
		out := make([]vm.Sampler, len(ds))
		for i, d := range ds {
			if names[i] == "" {
				continue
			}
			var err error
			if out[i], err = sampler(prefix+"."+names[i], d); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	var err error
	clcOps, err := samplers("clc", c.CLC.RunInstances, c.CLC.RunInstances, c.CLC.TerminateInstances, c.CLC.DescribeResources, c.CLC.CreateVolume, c.CLC.AttachVolume)
	if err != nil {
		return nil, err
	}
	ccOps, err := samplers("cc", c.CC.RunInstances, c.CC.RunInstances, c.CC.TerminateInstances, c.CC.DescribeResources, c.CC.Report, c.CC.AttachVolume)
	if err != nil {
		return nil, err
	}
	ncOps, err := samplers("nc", c.NC.RunInstance, scenarios.Dist{}, c.NC.TerminateInstance, c.NC.DescribeResource, c.NC.AttachVolume, c.NC.PowerDown)
	if err != nil {
		return nil, err
	}
	walOps, err := samplers("walrus", c.Walrus.GetObject)
	if err != nil {
		return nil, err
	}
	scOps, err := samplers("sc", c.SC.CreateVolume, c.SC.AttachVolume)
	if err != nil {
		return nil, err
	}
	for _, x := range []struct {
		p *vm.Sampler
		n string
		d scenarios.Dist
	}{{&cp.wake, "wake_time", c.WakeTime}, {&cp.diskPrep, "nc.disk_prep", c.NC.DiskPrep}, {&cp.boot, "nc.boot", c.NC.Boot}, {&cp.netSetup, "nc.network_setup", c.NC.NetworkSetup}} {
		if *x.p, err = sampler(x.n, x.d); err != nil {
			return nil, err
		}
	}
	if cp.zones, err = policies.NewZoneChooser(c.ClusterPolicy); err != nil {
		return nil, fmt.Errorf("%s: cloud.cluster_policy: %w", sc.File, err)
	}
	kib := c.Links.MessageKiB * 1024
	for i, l := range []scenarios.Link{c.Links.User, c.Links.CLCCC, c.Links.CCNC, c.Links.Walrus, c.Links.Storage} {
		cp.msg[i] = l.Latency.Time + sim.FromSeconds(kib*8/(l.BandwidthGbps*1e9))
	}

	run := uint64(1<<opRun | 1<<opRunRetry)
	cp.clc = NewServer(s, "clc", c.CLC.Workers, clcOps, run)
	cp.clc.Started, cp.clc.Done = cp.clcStarted, cp.clcDone
	cp.walrus = NewServer(s, "walrus", c.Walrus.Workers, walOps, 1<<opGet)
	cp.walrus.Started, cp.walrus.Done = cp.walrusStarted, cp.walrusDone
	cp.sc = NewServer(s, "sc", c.SC.Workers, scOps, 1<<opCreate)
	cp.sc.Done = cp.scDone

	// Images and instance types.
	for _, im := range c.Images {
		cp.images = append(cp.images, image{name: im.Name, bytes: im.SizeGiB * (1 << 30)})
	}
	imageIdx := func(name string) int32 {
		for i, im := range cp.images {
			if im.name == name {
				return int32(i)
			}
		}
		return 0
	}
	real := infra.Real()
	for gi, g := range sc.VMGroups {
		t := itype{name: g.Name, req: typeRequests[gi]}
		for h := range real.Len() {
			if fitsEmpty(real.Host(h), &t.req) {
				t.fits = true
				break
			}
		}
		cp.types = append(cp.types, t)
		cp.groupImage = append(cp.groupImage, imageIdx(g.Image))
		cp.groupVol = append(cp.groupVol, g.VolumeGiB)
	}
	for i := range cp.types {
		cp.types[i].scale = make([]int, len(cp.types))
		for u := range cp.types {
			cp.types[i].scale[u] = slotsTaken(&cp.types[i].req, &cp.types[u].req)
		}
	}
	cp.accounts = make([]int, len(cp.types))

	// Links of the fluid network: Walrus, the clusters' uplinks, each
	// node's NIC and disk (bytes/s).
	cp.walLink = cp.net.AddLink(c.Walrus.BandwidthGbps * 1e9 / 8)
	groupFirst := make([]int, len(sc.HostGroups)+1)
	for gi, g := range sc.HostGroups {
		groupFirst[gi+1] = groupFirst[gi] + g.Count
	}
	cp.nodes = make([]node, real.Len())
	for ci, cl := range c.Clusters {
		k := cluster{name: cl.Name, uplink: cp.net.AddLink(cl.UplinkGbps * 1e9 / 8)}
		k.cc = NewServer(s, "cc/"+cl.Name, c.CC.Workers, ccOps, run)
		k.cc.Started = func(j *Job) { cp.ccStarted(j) }
		k.cc.Done = func(j Job) { cp.ccDone(int32(ci), j) }
		var states []policies.HostState
		for _, hgName := range cl.HostGroups {
			for gi, g := range sc.HostGroups {
				if g.Name != hgName {
					continue
				}
				for h := groupFirst[gi]; h < groupFirst[gi+1]; h++ {
					n := &cp.nodes[h]
					n.host, n.cluster, n.local = int32(h), int32(ci), int32(len(k.nodes))
					k.nodes = append(k.nodes, int32(h))
					st := *real.Host(h)
					st.On, st.Down = true, false
					states = append(states, st)
				}
			}
		}
		k.view = policies.NewCluster(states)
		switch cl.Policy {
		case "greedy":
			k.placer = policies.Greedy{}
		case "roundrobin":
			k.placer = policies.NewEucaRoundRobin()
		case "powersave":
			ps, err := policies.NewPowerSave(c.IdleThreshold.Time)
			if err != nil {
				return nil, fmt.Errorf("%s: cloud.idle_threshold: %w", sc.File, err)
			}
			k.placer, k.ps = ps, ps
		default:
			return nil, fmt.Errorf("%s: cloud.cluster[%d].policy: unknown policy %q", sc.File, ci, cl.Policy)
		}
		k.avail = make([]int, len(cp.types))
		cp.clusters = append(cp.clusters, k)
	}
	cacheBytes := c.NC.CacheGiB * (1 << 30)
	for h := range cp.nodes {
		n := &cp.nodes[h]
		n.state, n.vstate, n.idleSince = nodeUp, nodeUp, -1
		n.nc = NewServer(s, fmt.Sprintf("nc/%d", h), c.NC.Workers, ncOps, 1<<opRun)
		hh := int32(h)
		n.nc.Started = func(j *Job) { cp.ncStarted(j) }
		n.nc.Done = func(j Job) { cp.ncDone(hh, j) }
		n.cache = lru{capacity: cacheBytes}
		n.fetch = make([]int32, len(cp.images))
		for i := range n.fetch {
			n.fetch[i] = -1
		}
		if c.NC.Prewarm {
			for i, im := range cp.images {
				n.cache.insert(int32(i), im.bytes)
			}
		}
		n.nic = cp.net.AddLink(real.Host(h).BandwidthMbps * 1e6 / 8)
		n.disk = cp.net.AddLink(c.NC.DiskMiBps * (1 << 20))
		n.wakeFn = func() { cp.woken(hh) }
		n.poll.fn = func() { cp.pollStep(hh) }
		n.power.fn = func() { cp.powerStep(hh) }
	}
	for ci := range cp.clusters {
		k := &cp.clusters[ci]
		ci32 := int32(ci)
		k.clc.fn = func() { cp.clcPollStep(ci32) }
		k.timer = func() { cp.pollRound(ci32) }
		k.clc.snap.slots = make([]int, len(cp.types))
		cp.slotsOf(ci32, k.avail) // the CLC starts with an exact view
		s.At(c.PollPeriod.Time, k.timer)
	}
	cp.clcTimer = func() { cp.clcRound() }
	s.At(c.CLCPollPeriod.Time, cp.clcTimer)
	cp.stats.init(s)
	cp.stats.nodeStates(cp)
	cp.stats.walrusLoad(0, 0)
	cp.launches = make([]launch, 0, nVMs)
	cp.volOf = make([]int32, 0, nVMs)
	return cp, nil
}

// fitsEmpty reports whether an empty host like h could hold r: cores, RAM
// and disk under its ratios, cores as fast as the vCPUs.
func fitsEmpty(h *policies.HostState, r *policies.Request) bool {
	e := *h
	e.UsedVCPUs, e.UsedRAMMiB, e.UsedDiskMiB, e.NumVMs = 0, 0, 0, 0
	return freeSlots(&e, r) >= 1
}

// freeSlots is how many more instances like r host h has room for.
func freeSlots(h *policies.HostState, r *policies.Request) int {
	if r.MIPS > h.MIPSPerCore*(1+1e-9) {
		return 0
	}
	n := math.Inf(1)
	if r.VCPUs > 0 {
		n = math.Min(n, h.FreeVCPUs()/float64(r.VCPUs))
	}
	if r.RAMMiB > 0 {
		n = math.Min(n, h.FreeRAMMiB()/r.RAMMiB*(1+1e-12))
	}
	if r.DiskMiB > 0 {
		n = math.Min(n, h.FreeDiskMiB()/r.DiskMiB*(1+1e-12))
	}
	if math.IsInf(n, 1) {
		return 1 << 20
	}
	return int(math.Max(0, math.Floor(n+1e-9)))
}

// slotsTaken is how many slots of type u one instance of type t may take
// from a cluster's free slots: the largest ratio of its resources to u's,
// rounded up (a conservative bound; the next report corrects it).
func slotsTaken(t, u *policies.Request) int {
	k := 1.0
	if u.VCPUs > 0 {
		k = math.Max(k, float64(t.VCPUs)/float64(u.VCPUs))
	}
	if u.RAMMiB > 0 {
		k = math.Max(k, t.RAMMiB/u.RAMMiB)
	}
	if u.DiskMiB > 0 {
		k = math.Max(k, t.DiskMiB/u.DiskMiB)
	}
	return int(math.Ceil(k - 1e-9))
}

// slotsOf computes a cluster's free slots per type from its CC's view:
// nodes that are up, waking or asleep count (a sleeping node can be
// woken), nodes marked down do not.
func (cp *ControlPlane) slotsOf(ci int32, out []int) {
	k := &cp.clusters[ci]
	for t := range out {
		out[t] = 0
	}
	for i := range k.view.Len() {
		h := k.view.Host(i)
		if h.Down {
			continue
		}
		for t := range cp.types {
			out[t] += freeSlots(h, &cp.types[t].req)
		}
	}
}

// send schedules fn after the delay of a control message on link.
func (cp *ControlPlane) send(link int, fn func()) { cp.s.After(cp.msg[link], fn) }

// live reports whether the periodic polls must go on.
func (cp *ControlPlane) live() bool { return !cp.stopped && (cp.inFlight > 0 || cp.infra.Live()) }

// InFlight is the number of launches, terminations and volume operations
// not finished.
func (cp *ControlPlane) InFlight() int { return cp.inFlight }
