package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/simrun/simrun/internal/suggest"
	"github.com/simrun/simrun/sim"
)

// Cloud is the Eucalyptus-style control plane (model/cloud; Nurmi et al.,
// CCGRID 2009): with a [cloud] table, every VM is launched through a Cloud
// Controller (CLC), the Cluster Controller (CC) of a cluster and the Node
// Controller (NC) of a host, which fetches its image from Walrus; volumes
// come from the Storage Controller (SC). Without it, VMs are placed
// directly by the placement policy. Defaults are Eucalyptus's where it has
// one (its eucalyptus.conf and CC source) and assumptions otherwise; every
// assumed one is a key (docs/scenario-format.md lists them).
type Cloud struct {
	// Enabled is set when the document has a [cloud] table.
	Enabled bool `toml:"-"`
	// Clusters group host groups under one CC each (array of tables
	// "cloud.cluster"; default: one cluster "cluster0" of every host group).
	Clusters []CloudCluster `toml:"cluster"`
	// Images are the machine images registered in Walrus (array of tables
	// "cloud.image"; at least one).
	Images []CloudImage `toml:"image"`
	// Policy is the CCs' node scheduler: "greedy", "roundrobin" (default,
	// Eucalyptus's SCHEDPOLICY default) or "powersave"; a cluster may set
	// its own.
	Policy string `toml:"policy"`
	// ClusterPolicy is how the CLC chooses a cluster: "most-free"
	// (default; assumption), "round-robin" or "first-fit".
	ClusterPolicy string `toml:"cluster_policy"`
	// PollPeriod is how often each CC asks its NCs for their resources and
	// instances (DescribeResource; default "6s", Eucalyptus's
	// NC_POLLING_FREQUENCY); CLCPollPeriod how often the CLC asks each CC
	// (default "6s", CLC_POLLING_FREQUENCY).
	PollPeriod    Duration `toml:"poll_period"`
	CLCPollPeriod Duration `toml:"clc_poll_period"`
	// View is how the CLC and the CCs keep their cached views between
	// polls: "deduct" (default, Eucalyptus: each subtracts what it sends;
	// a poll overwrites a node's entry unless launches to it are in flight
	// when the poll is sent) or "poll" (the view is the last report only).
	View string `toml:"view"`
	// Quota is the most instances (pending or running) one account may
	// hold; each vm_group is an account (default 0: no limit).
	Quota int `toml:"quota"`
	// MaxAttempts bounds the nodes one launch is sent to before it is
	// rejected (default 8).
	MaxAttempts int `toml:"max_attempts"`
	// IdleThreshold: under POWERSAVE, a node seen idle at polls for longer
	// than this is powered down (default and minimum "300s", Eucalyptus's
	// POWER_IDLETHRESH).
	IdleThreshold Duration `toml:"idle_threshold"`
	// WakeTime is how long a sleeping node takes to come up after a
	// wake-on-LAN (default constant "120s"; assumption, within
	// Eucalyptus's 300 s POWER_WAKETHRESH).
	WakeTime Dist `toml:"wake_time"`

	CLC    CLCConfig    `toml:"clc"`
	CC     CCConfig     `toml:"cc"`
	NC     NCConfig     `toml:"nc"`
	Walrus WalrusConfig `toml:"walrus"`
	SC     SCConfig     `toml:"sc"`
	Links  CloudLinks   `toml:"links"`
}

// CloudCluster is one cluster (availability zone) and its CC.
type CloudCluster struct {
	// Name of the cluster (default "cluster<index>").
	Name string `toml:"name"`
	// HostGroups are the names of the host groups whose hosts are its
	// nodes (required when there are several clusters).
	HostGroups []string `toml:"host_groups"`
	// Policy overrides cloud.policy for this cluster.
	Policy string `toml:"policy"`
	// UplinkGbps is the cluster's network link to Walrus, shared by its
	// image transfers (default 1).
	UplinkGbps float64 `toml:"uplink_gbps"`
}

// CloudImage is a machine image in Walrus.
type CloudImage struct {
	Name    string  `toml:"name"`
	SizeGiB float64 `toml:"size_gib"`
}

// Dist is a service or delay time distribution: "constant" (default;
// Mean), "exponential" (Mean), "lognormal" and "gamma" (Mean and CV) or
// "uniform" (Min to Max).
type Dist struct {
	Dist string   `toml:"dist"`
	Mean Duration `toml:"mean"`
	CV   float64  `toml:"cv"`
	Min  Duration `toml:"min"`
	Max  Duration `toml:"max"`
}

// DistNames are the values of a Dist's dist.
var DistNames = []string{"constant", "exponential", "lognormal", "gamma", "uniform"}

// CLCConfig is the Cloud Controller: workers and per-operation service
// times (assumptions).
type CLCConfig struct {
	Workers            int  `toml:"workers"`             // default 4
	RunInstances       Dist `toml:"run_instances"`       // admission and cluster choice; default exponential 100 ms
	TerminateInstances Dist `toml:"terminate_instances"` // default exponential 20 ms
	DescribeResources  Dist `toml:"describe_resources"`  // one CC report; default constant 5 ms
	CreateVolume       Dist `toml:"create_volume"`       // default exponential 20 ms
	AttachVolume       Dist `toml:"attach_volume"`       // default exponential 20 ms
}

// CCConfig is every Cluster Controller.
type CCConfig struct {
	Workers            int  `toml:"workers"`             // default 4
	RunInstances       Dist `toml:"run_instances"`       // node choice; default exponential 20 ms
	TerminateInstances Dist `toml:"terminate_instances"` // default exponential 10 ms
	DescribeResources  Dist `toml:"describe_resources"`  // one NC report; default constant 2 ms
	Report             Dist `toml:"report"`              // answering the CLC's poll; default constant 5 ms
	AttachVolume       Dist `toml:"attach_volume"`       // default exponential 10 ms
}

// NCConfig is every Node Controller and its instance start-up.
type NCConfig struct {
	Workers           int  `toml:"workers"`            // default 2
	RunInstance       Dist `toml:"run_instance"`       // accepting a launch; default exponential 50 ms
	TerminateInstance Dist `toml:"terminate_instance"` // tearing an instance down; default constant 2 s
	DescribeResource  Dist `toml:"describe_resource"`  // default constant 5 ms
	AttachVolume      Dist `toml:"attach_volume"`      // default constant 1 s
	PowerDown         Dist `toml:"power_down"`         // default constant 10 s
	// CacheGiB bounds the NC's LRU image cache (default 10); Prewarm
	// starts every cache with the images, first listed first, as many as
	// fit.
	CacheGiB float64 `toml:"cache_gib"`
	Prewarm  bool    `toml:"prewarm"`
	// DiskMiBps is the node's disk copying an image into an instance's
	// directory, shared by the copies at once (default 100); DiskPrep the
	// rest of disk preparation (default constant 1 s).
	DiskMiBps float64 `toml:"disk_mibps"`
	DiskPrep  Dist    `toml:"disk_prep"`
	// Boot is the hypervisor booting the guest (default lognormal mean
	// 30 s, cv 0.3); NetworkSetup the instance's network (default
	// constant 1 s).
	Boot         Dist `toml:"boot"`
	NetworkSetup Dist `toml:"network_setup"`
}

// WalrusConfig is the image store.
type WalrusConfig struct {
	Workers   int  `toml:"workers"`    // default 8
	GetObject Dist `toml:"get_object"` // default exponential 10 ms
	// BandwidthGbps is Walrus's link, shared by every transfer (default 1).
	BandwidthGbps float64 `toml:"bandwidth_gbps"`
}

// SCConfig is the Storage Controller (EBS-like volumes).
type SCConfig struct {
	Workers int `toml:"workers"` // default 2
	// CreateVolume is the fixed part of creating a volume (default
	// constant 1 s); CreateMiBps the rate at which it is written, so that
	// creation takes CreateVolume + size / CreateMiBps (default 100).
	CreateVolume Dist    `toml:"create_volume"`
	CreateMiBps  float64 `toml:"create_mibps"`
	AttachVolume Dist    `toml:"attach_volume"` // exporting it to the node; default constant 500 ms
}

// CloudLinks are the control plane's network links; a message of
// MessageKiB takes latency + size / bandwidth.
type CloudLinks struct {
	User    Link `toml:"user"`    // user ↔ CLC (default 20 ms, 0.1 Gb/s)
	CLCCC   Link `toml:"clc_cc"`  // CLC ↔ CC (default 0.5 ms, 1 Gb/s)
	CCNC    Link `toml:"cc_nc"`   // CC ↔ NC (default 0.2 ms, 1 Gb/s)
	Walrus  Link `toml:"walrus"`  // NC → Walrus requests (default 0.5 ms, 1 Gb/s)
	Storage Link `toml:"storage"` // NC ↔ SC and CLC ↔ SC (default 0.2 ms, 1 Gb/s)
	// MessageKiB is a control message's size (default 4).
	MessageKiB float64 `toml:"message_kib"`
}

// Link is a latency and a bandwidth.
type Link struct {
	Latency       Duration `toml:"latency"`
	BandwidthGbps float64  `toml:"bandwidth_gbps"`
}

// Arrival is how a vm_group's requests are spaced in time.
type Arrival struct {
	// Process is "fixed" (default: VM i at submit_at + i × interarrival),
	// "burst" (Size requests at once every interarrival), "poisson"
	// (exponential gaps of mean interarrival), "diurnal" (a Poisson
	// process whose rate follows the day: mean 1/interarrival, times
	// 1 + Amplitude·cos(2π(t − PeakAt)/Period)) or "trace" (request times
	// in seconds, one per line of the file Trace, from submit_at).
	Process string `toml:"process"`
	// Until stops the requests at this time: the group's count is then
	// the most it requests (default 0: every one of its count).
	Until     Duration `toml:"until"`
	Size      int      `toml:"size"`
	Amplitude float64  `toml:"amplitude"`
	PeakAt    Duration `toml:"peak_at"`
	Period    Duration `toml:"period"`
	Trace     string   `toml:"trace"`
}

// ArrivalProcesses are the values of arrival.process.
var ArrivalProcesses = []string{"fixed", "burst", "poisson", "diurnal", "trace"}

// CCPolicies are the values of cloud.policy.
var CCPolicies = []string{"greedy", "roundrobin", "powersave"}

// ClusterPolicies are the values of cloud.cluster_policy.
var ClusterPolicies = []string{"most-free", "round-robin", "first-fit"}

// StudyVariant is one run of a "cloud" study: the scenario with Set applied
// as --set overrides.
type StudyVariant struct {
	Name string   `toml:"name"`
	Set  []string `toml:"set"`
}

// Reload loads sc's text again with opts (its --set overrides first, then
// opts.Sets), resolving files as sc did: a study's variant.
func Reload(sc *Scenario, opts Options) (*Scenario, error) {
	opts.Sets = append(sc.Overrides(), opts.Sets...)
	opts.nested = true
	return loadBytes(sc.File, sc.Source, opts, sc.embedded)
}

// cloudDefaults fills the [cloud] keys the document leaves out, and the
// vm_groups' arrival keys.
func cloudDefaults(sc *Scenario, doc map[string]any) {
	for i := range sc.VMGroups {
		a := &sc.VMGroups[i].Arrival
		has := func(k string) bool { return defined(doc, "vm_group", i, "arrival", k) }
		if !has("process") {
			a.Process = "fixed"
		}
		if !has("size") {
			a.Size = 1
		}
		if !has("period") {
			a.Period = Duration{24 * sim.Hour}
		}
		if !has("peak_at") {
			a.PeakAt = Duration{14 * sim.Hour}
		}
		if a.Process == "diurnal" && !has("amplitude") {
			a.Amplitude = 0.5
		}
		if defined(doc, "vm_group", i, "lifetime_dist") {
			distDefaults(&sc.VMGroups[i].LifetimeDist, doc, "constant", sc.VMGroups[i].Lifetime.Time, "vm_group", i, "lifetime_dist")
		}
	}
	c := &sc.Cloud
	c.Enabled = defined(doc, "cloud")
	has := func(k ...any) bool { return defined(doc, append([]any{"cloud"}, k...)...) }
	if !has("policy") {
		c.Policy = "roundrobin"
	}
	if !has("cluster_policy") {
		c.ClusterPolicy = "most-free"
	}
	if !has("poll_period") {
		c.PollPeriod = Duration{6 * sim.Second}
	}
	if !has("clc_poll_period") {
		c.CLCPollPeriod = Duration{6 * sim.Second}
	}
	if !has("view") {
		c.View = "deduct"
	}
	if !has("max_attempts") {
		c.MaxAttempts = 8
	}
	if !has("idle_threshold") {
		c.IdleThreshold = Duration{300 * sim.Second}
	}
	ms := sim.Millisecond
	d := func(p *Dist, dist string, mean sim.Time, path ...any) {
		distDefaults(p, doc, dist, mean, append([]any{"cloud"}, path...)...)
	}
	d(&c.WakeTime, "constant", 120*sim.Second, "wake_time")
	if len(c.Clusters) == 0 {
		c.Clusters = []CloudCluster{{}}
		for _, g := range sc.HostGroups {
			c.Clusters[0].HostGroups = append(c.Clusters[0].HostGroups, g.Name)
		}
	}
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		if !has("cluster", i, "name") {
			cl.Name = fmt.Sprintf("cluster%d", i)
		}
		if !has("cluster", i, "policy") {
			cl.Policy = c.Policy
		}
		if !has("cluster", i, "uplink_gbps") {
			cl.UplinkGbps = 1
		}
	}
	workers := func(p *int, v int, path ...any) {
		if !has(path...) {
			*p = v
		}
	}
	workers(&c.CLC.Workers, 4, "clc", "workers")
	d(&c.CLC.RunInstances, "exponential", 100*ms, "clc", "run_instances")
	d(&c.CLC.TerminateInstances, "exponential", 20*ms, "clc", "terminate_instances")
	d(&c.CLC.DescribeResources, "constant", 5*ms, "clc", "describe_resources")
	d(&c.CLC.CreateVolume, "exponential", 20*ms, "clc", "create_volume")
	d(&c.CLC.AttachVolume, "exponential", 20*ms, "clc", "attach_volume")
	workers(&c.CC.Workers, 4, "cc", "workers")
	d(&c.CC.RunInstances, "exponential", 20*ms, "cc", "run_instances")
	d(&c.CC.TerminateInstances, "exponential", 10*ms, "cc", "terminate_instances")
	d(&c.CC.DescribeResources, "constant", 2*ms, "cc", "describe_resources")
	d(&c.CC.Report, "constant", 5*ms, "cc", "report")
	d(&c.CC.AttachVolume, "exponential", 10*ms, "cc", "attach_volume")
	workers(&c.NC.Workers, 2, "nc", "workers")
	d(&c.NC.RunInstance, "exponential", 50*ms, "nc", "run_instance")
	d(&c.NC.TerminateInstance, "constant", 2*sim.Second, "nc", "terminate_instance")
	d(&c.NC.DescribeResource, "constant", 5*ms, "nc", "describe_resource")
	d(&c.NC.AttachVolume, "constant", sim.Second, "nc", "attach_volume")
	d(&c.NC.PowerDown, "constant", 10*sim.Second, "nc", "power_down")
	d(&c.NC.DiskPrep, "constant", sim.Second, "nc", "disk_prep")
	d(&c.NC.NetworkSetup, "constant", sim.Second, "nc", "network_setup")
	d(&c.NC.Boot, "lognormal", 30*sim.Second, "nc", "boot")
	if !has("nc", "boot", "cv") && c.NC.Boot.Dist == "lognormal" && !has("nc", "boot", "dist") {
		c.NC.Boot.CV = 0.3
	}
	if !has("nc", "cache_gib") {
		c.NC.CacheGiB = 10
	}
	if !has("nc", "disk_mibps") {
		c.NC.DiskMiBps = 100
	}
	workers(&c.Walrus.Workers, 8, "walrus", "workers")
	d(&c.Walrus.GetObject, "exponential", 10*ms, "walrus", "get_object")
	if !has("walrus", "bandwidth_gbps") {
		c.Walrus.BandwidthGbps = 1
	}
	workers(&c.SC.Workers, 2, "sc", "workers")
	d(&c.SC.CreateVolume, "constant", sim.Second, "sc", "create_volume")
	d(&c.SC.AttachVolume, "constant", 500*ms, "sc", "attach_volume")
	if !has("sc", "create_mibps") {
		c.SC.CreateMiBps = 100
	}
	link := func(l *Link, lat sim.Time, gbps float64, name string) {
		if !has("links", name, "latency") {
			l.Latency = Duration{lat}
		}
		if !has("links", name, "bandwidth_gbps") {
			l.BandwidthGbps = gbps
		}
	}
	link(&c.Links.User, 20*ms, 0.1, "user")
	link(&c.Links.CLCCC, 500*sim.Microsecond, 1, "clc_cc")
	link(&c.Links.CCNC, 200*sim.Microsecond, 1, "cc_nc")
	link(&c.Links.Walrus, 500*sim.Microsecond, 1, "walrus")
	link(&c.Links.Storage, 200*sim.Microsecond, 1, "storage")
	if !has("links", "message_kib") {
		c.Links.MessageKiB = 4
	}
}

// distDefaults fills a Dist's dist and mean (and a cv of 1) when the
// document leaves them out at path.
func distDefaults(p *Dist, doc map[string]any, dist string, mean sim.Time, path ...any) {
	has := func(k string) bool { return defined(doc, append(append([]any{}, path...), k)...) }
	if !has("dist") {
		p.Dist = dist
	}
	if !has("mean") {
		p.Mean = Duration{mean}
	}
	if !has("cv") {
		p.CV = 1
	}
}

// cloud checks the [cloud] table, the vm_groups' cloud and arrival keys,
// and a "cloud" study.
func (l *loader) cloud(sc *Scenario, doc map[string]any) {
	for i, g := range sc.VMGroups {
		l.arrival(fmt.Sprintf("vm_group[%d].arrival", i), &g.Arrival, g.Interarrival, sc)
		if defined(doc, "vm_group", i, "lifetime_dist") {
			k := fmt.Sprintf("vm_group[%d].lifetime_dist", i)
			l.dist(k, &g.LifetimeDist)
			if d := g.LifetimeDist; (d.Dist == "uniform" && d.Max.Time <= 0) || (d.Dist != "uniform" && d.Mean.Time <= 0) {
				l.errorf(k+".mean", "lifetimes need a mean > 0 (or the vm_group's lifetime as the mean)")
			}
		}
		if math.IsNaN(g.VolumeGiB) || g.VolumeGiB < 0 || g.VolumeGiB > 1<<20 {
			l.errorf(fmt.Sprintf("vm_group[%d].volume_gib", i), "must be in [0, 1048576], got %v", g.VolumeGiB)
		}
	}
	c := &sc.Cloud
	if sc.Study.Kind == "cloud" {
		l.cloudStudy(sc)
	}
	if !c.Enabled {
		for i, g := range sc.VMGroups {
			if g.Image != "" {
				l.errorf(fmt.Sprintf("vm_group[%d].image", i), "names a cloud image, but the scenario has no [cloud] section (images live in [[cloud.image]])")
			}
			if g.VolumeGiB > 0 {
				l.errorf(fmt.Sprintf("vm_group[%d].volume_gib", i), "volumes come from the Storage Controller: the scenario needs a [cloud] section")
			}
		}
		if sc.Study.Kind == "cloud" {
			l.errorf("study.kind", "a \"cloud\" study compares control-plane variants: the scenario needs a [cloud] section")
		}
		return
	}
	enum := func(key, v string, known []string) {
		if !slices.Contains(known, v) {
			l.errorf(key, "unknown value %q%s (known: %s)", v, suggest.DidYouMean(v, known), strings.Join(known, ", "))
		}
	}
	pos := func(key string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			l.errorf(key, "must be > 0 (got %v)", v)
		}
	}
	enum("cloud.policy", c.Policy, CCPolicies)
	enum("cloud.cluster_policy", c.ClusterPolicy, ClusterPolicies)
	enum("cloud.view", c.View, []string{"deduct", "poll"})
	if c.PollPeriod.Time <= 0 {
		l.errorf("cloud.poll_period", "must be > 0")
	}
	if c.CLCPollPeriod.Time <= 0 {
		l.errorf("cloud.clc_poll_period", "must be > 0")
	}
	// Every poll period each node is polled (and every CLC poll period
	// each cluster): refuse what would run for hours.
	if d := float64(sc.Duration.Time); d > 0 && c.PollPeriod.Time > 0 && c.CLCPollPeriod.Time > 0 {
		nodes := 0
		for _, g := range sc.HostGroups {
			nodes += max(g.Count, 0)
		}
		if polls := d/float64(c.PollPeriod.Time)*float64(nodes) + d/float64(c.CLCPollPeriod.Time)*float64(len(c.Clusters)); polls > 2e9 {
			l.errorf("cloud.poll_period", "%.3g polls over %v of run is too much work (limit 2e9); lengthen cloud.poll_period (or clc_poll_period) or shorten the run", polls, sc.Duration)
		}
	}
	if c.Quota < 0 {
		l.errorf("cloud.quota", "must be ≥ 0 (0: no limit), got %d", c.Quota)
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 1000 {
		l.errorf("cloud.max_attempts", "must be in [1, 1000], got %d", c.MaxAttempts)
	}
	if c.IdleThreshold.Time < 300*sim.Second {
		l.errorf("cloud.idle_threshold", "must be at least 300s (Eucalyptus raises a shorter POWER_IDLETHRESH to its 300 s minimum), got %v", c.IdleThreshold)
	}
	l.dist("cloud.wake_time", &c.WakeTime)

	// Images.
	if len(c.Images) == 0 {
		l.errorf("cloud.image", "at least one [[cloud.image]] is required (name and size_gib of a machine image in Walrus)")
	}
	var images []string
	for i, im := range c.Images {
		k := fmt.Sprintf("cloud.image[%d]", i)
		images = l.uniqueName(k, im.Name, images)
		if math.IsNaN(im.SizeGiB) || im.SizeGiB <= 0 || im.SizeGiB > 1<<20 {
			l.errorf(k+".size_gib", "must be in (0, 1048576], got %v", im.SizeGiB)
		}
	}
	for i, g := range sc.VMGroups {
		if g.Image != "" && !slices.Contains(images, g.Image) {
			l.errorf(fmt.Sprintf("vm_group[%d].image", i), "no [[cloud.image]] is called %q%s (known: %s)", g.Image, suggest.DidYouMean(g.Image, images), strings.Join(images, ", "))
		}
	}

	// Clusters: every host group in exactly one.
	if len(c.Clusters) > 64 {
		l.errorf("cloud.cluster", "at most 64 clusters, got %d", len(c.Clusters))
	}
	var hostNames, clusterNames []string
	for _, g := range sc.HostGroups {
		hostNames = append(hostNames, g.Name)
	}
	owner := map[string]int{}
	for i, cl := range c.Clusters {
		k := fmt.Sprintf("cloud.cluster[%d]", i)
		clusterNames = l.uniqueName(k, cl.Name, clusterNames)
		enum(k+".policy", cl.Policy, CCPolicies)
		pos(k+".uplink_gbps", cl.UplinkGbps)
		if len(cl.HostGroups) == 0 {
			l.errorf(k+".host_groups", "a cluster needs at least one host group (its nodes)")
		}
		for j, hg := range cl.HostGroups {
			kk := fmt.Sprintf("%s.host_groups[%d]", k, j)
			if !slices.Contains(hostNames, hg) {
				l.errorf(kk, "no host_group is called %q%s (known: %s)", hg, suggest.DidYouMean(hg, hostNames), strings.Join(hostNames, ", "))
				continue
			}
			if o, ok := owner[hg]; ok {
				l.errorf(kk, "host group %q is already in cloud.cluster[%d]; a node has one Cluster Controller", hg, o)
				continue
			}
			owner[hg] = i
		}
	}
	for i, g := range sc.VMGroups {
		if g.BootTime.Time > 0 {
			l.errorf(fmt.Sprintf("vm_group[%d].boot_time", i), "with [cloud], an instance boots as the Node Controller's pipeline says (cloud.nc.boot, disk_prep, network_setup), not after boot_time")
		}
	}
	for i, g := range sc.HostGroups {
		if _, ok := owner[g.Name]; !ok && len(c.Clusters) > 0 {
			l.errorf(fmt.Sprintf("host_group[%d].name", i), "host group %q belongs to no [[cloud.cluster]]; list it in a cluster's host_groups", g.Name)
		}
		if g.PowerOffIdle {
			l.errorf(fmt.Sprintf("host_group[%d].power_off_idle", i), "with [cloud], nodes are powered down by the Cluster Controller's POWERSAVE policy (cloud.policy = \"powersave\"), not by power_off_idle")
		}
	}
	if sc.Consolidation.Overload != "none" {
		l.errorf("consolidation.overload", "dynamic consolidation and the control plane ([cloud]) cannot be combined: the control plane does not migrate instances")
	}
	if k := sc.Study.Kind; k != "" && k != "cloud" {
		l.errorf("study.kind", "a %q study does not use the control plane; with [cloud], use kind = \"cloud\" or no [study]", k)
	}

	// Controllers.
	workers := func(key string, n int) {
		if n < 1 || n > 100000 {
			l.errorf(key, "must be in [1, 100000], got %d", n)
		}
	}
	workers("cloud.clc.workers", c.CLC.Workers)
	workers("cloud.cc.workers", c.CC.Workers)
	workers("cloud.nc.workers", c.NC.Workers)
	workers("cloud.walrus.workers", c.Walrus.Workers)
	workers("cloud.sc.workers", c.SC.Workers)
	for _, d := range []struct {
		k string
		d *Dist
	}{
		{"clc.run_instances", &c.CLC.RunInstances}, {"clc.terminate_instances", &c.CLC.TerminateInstances},
		{"clc.describe_resources", &c.CLC.DescribeResources}, {"clc.create_volume", &c.CLC.CreateVolume},
		{"clc.attach_volume", &c.CLC.AttachVolume},
		{"cc.run_instances", &c.CC.RunInstances}, {"cc.terminate_instances", &c.CC.TerminateInstances},
		{"cc.describe_resources", &c.CC.DescribeResources}, {"cc.report", &c.CC.Report}, {"cc.attach_volume", &c.CC.AttachVolume},
		{"nc.run_instance", &c.NC.RunInstance}, {"nc.terminate_instance", &c.NC.TerminateInstance},
		{"nc.describe_resource", &c.NC.DescribeResource}, {"nc.attach_volume", &c.NC.AttachVolume},
		{"nc.power_down", &c.NC.PowerDown}, {"nc.disk_prep", &c.NC.DiskPrep}, {"nc.boot", &c.NC.Boot},
		{"nc.network_setup", &c.NC.NetworkSetup},
		{"walrus.get_object", &c.Walrus.GetObject},
		{"sc.create_volume", &c.SC.CreateVolume}, {"sc.attach_volume", &c.SC.AttachVolume},
	} {
		l.dist("cloud."+d.k, d.d)
	}
	if math.IsNaN(c.NC.CacheGiB) || c.NC.CacheGiB < 0 || c.NC.CacheGiB > 1<<20 {
		l.errorf("cloud.nc.cache_gib", "must be in [0, 1048576] (0: no cache), got %v", c.NC.CacheGiB)
	}
	pos("cloud.nc.disk_mibps", c.NC.DiskMiBps)
	pos("cloud.walrus.bandwidth_gbps", c.Walrus.BandwidthGbps)
	pos("cloud.sc.create_mibps", c.SC.CreateMiBps)
	for _, lk := range []struct {
		k string
		l Link
	}{{"user", c.Links.User}, {"clc_cc", c.Links.CLCCC}, {"cc_nc", c.Links.CCNC}, {"walrus", c.Links.Walrus}, {"storage", c.Links.Storage}} {
		pos("cloud.links."+lk.k+".bandwidth_gbps", lk.l.BandwidthGbps)
	}
	if math.IsNaN(c.Links.MessageKiB) || c.Links.MessageKiB < 0 || c.Links.MessageKiB > 1<<20 {
		l.errorf("cloud.links.message_kib", "must be in [0, 1048576], got %v", c.Links.MessageKiB)
	}
	l.cloudTimes(sc)
}

// cloudBytes estimates the control plane's memory for the size guard: its
// controllers' workers (≈ 44 B each measured on euca-burst with 10⁵
// workers per NC, doubled) and a launch record per VM (counted with the
// VMs).
func cloudBytes(sc *Scenario, nodes float64) float64 { return cloudWorkers(sc, nodes) * 100 }

// cloudWorkers is the number of the control plane's workers (0 without
// [cloud]).
func cloudWorkers(sc *Scenario, nodes float64) float64 {
	c := &sc.Cloud
	if !c.Enabled {
		return 0
	}
	w := func(n int) float64 { return float64(max(n, 0)) }
	return nodes*w(c.NC.Workers) + float64(len(c.Clusters))*w(c.CC.Workers) + w(c.CLC.Workers) + w(c.Walrus.Workers) + w(c.SC.Workers)
}

// cloudNote names the control plane's workers in the size guard's message.
func cloudNote(sc *Scenario, nodes float64) string {
	if n := cloudWorkers(sc, nodes); n > 0 {
		return fmt.Sprintf(", %.4g control-plane workers", n)
	}
	return ""
}

// maxCloudTime is the longest any single transfer, message or volume
// creation may take on its own (as for the service-time distributions):
// beyond it the model's clock, int64 nanoseconds, would soon overflow.
const maxCloudTime = 1000 * sim.Hour

// cloudTimes refuses rates so low (or latencies so long) that one image
// transfer over a link, one control message or one volume's creation
// alone would take longer than maxCloudTime. Rates that are not positive
// were reported already.
func (l *loader) cloudTimes(sc *Scenario) {
	c := &sc.Cloud
	most := sim.Seconds(maxCloudTime)
	img, imgName := 0.0, ""
	for _, im := range c.Images {
		if b := im.SizeGiB * (1 << 30); b > img {
			img, imgName = b, im.Name
		}
	}
	slow := func(key string, bytesPerS, bytes float64, what string) {
		if bytesPerS > 0 && bytes/bytesPerS > most {
			l.errorf(key, "too slow: %s would take %.3g h over it (at most 1000h)", what, bytes/bytesPerS/3600)
		}
	}
	image := fmt.Sprintf("image %q (%g GiB)", imgName, img/(1<<30))
	slow("cloud.walrus.bandwidth_gbps", c.Walrus.BandwidthGbps*1e9/8, img, image)
	slow("cloud.nc.disk_mibps", c.NC.DiskMiBps*(1<<20), img, image)
	for i, cl := range c.Clusters {
		slow(fmt.Sprintf("cloud.cluster[%d].uplink_gbps", i), cl.UplinkGbps*1e9/8, img, image)
		for _, hg := range cl.HostGroups {
			for j, g := range sc.HostGroups {
				if g.Name == hg {
					slow(fmt.Sprintf("host_group[%d].bandwidth_gbps", j), g.BandwidthGbps*1e9/8, img, image)
				}
			}
		}
	}
	vol := 0.0
	for _, g := range sc.VMGroups {
		vol = max(vol, g.VolumeGiB)
	}
	slow("cloud.sc.create_mibps", c.SC.CreateMiBps, vol*1024, fmt.Sprintf("creating a %g GiB volume", vol))
	msg := c.Links.MessageKiB * 1024
	for _, lk := range []struct {
		k string
		l Link
	}{{"user", c.Links.User}, {"clc_cc", c.Links.CLCCC}, {"cc_nc", c.Links.CCNC}, {"walrus", c.Links.Walrus}, {"storage", c.Links.Storage}} {
		slow("cloud.links."+lk.k+".bandwidth_gbps", lk.l.BandwidthGbps*1e9/8, msg, fmt.Sprintf("a %g KiB message", c.Links.MessageKiB))
		if lk.l.Latency.Time > maxCloudTime {
			l.errorf("cloud.links."+lk.k+".latency", "%v is longer than any message takes (at most 1000h)", lk.l.Latency)
		}
	}
}

// uniqueName checks the name of the array entry at key (it has one, not
// taken by an earlier entry) and returns the names so far.
func (l *loader) uniqueName(key, name string, seen []string) []string {
	if name == "" {
		l.errorf(key+".name", "needs a name")
	} else if slices.Contains(seen, name) {
		l.errorf(key+".name", "duplicate name %q", name)
	}
	return append(seen, name)
}

// dist checks a time distribution at key.
func (l *loader) dist(key string, d *Dist) {
	if !slices.Contains(DistNames, d.Dist) {
		l.errorf(key+".dist", "unknown value %q%s (known: %s)", d.Dist, suggest.DidYouMean(d.Dist, DistNames), strings.Join(DistNames, ", "))
		return
	}
	switch d.Dist {
	case "lognormal", "gamma":
		if math.IsNaN(d.CV) || d.CV <= 0 || d.CV > 100 {
			l.errorf(key+".cv", "must be in (0, 100] for a %s distribution, got %v", d.Dist, d.CV)
		}
	case "uniform":
		if d.Max.Time < d.Min.Time {
			l.errorf(key+".max", "must be ≥ min (%v), got %v", d.Min, d.Max)
		}
	}
	if d.Mean.Time > 1000*sim.Hour || d.Max.Time > 1000*sim.Hour {
		l.errorf(key+".mean", "%v is longer than any controller takes (at most 1000h)", d.Mean)
	}
}

// arrival checks a vm_group's arrival process.
func (l *loader) arrival(key string, a *Arrival, interarrival Duration, sc *Scenario) {
	if !slices.Contains(ArrivalProcesses, a.Process) {
		l.errorf(key+".process", "unknown value %q%s (known: %s)", a.Process, suggest.DidYouMean(a.Process, ArrivalProcesses), strings.Join(ArrivalProcesses, ", "))
		return
	}
	switch a.Process {
	case "burst":
		if a.Size < 1 {
			l.errorf(key+".size", "must be ≥ 1 (requests per burst), got %d", a.Size)
		}
	case "poisson", "diurnal":
		if interarrival.Time <= 0 {
			l.errorf(strings.TrimSuffix(key, ".arrival")+".interarrival", "a %s arrival process needs the mean time between requests > 0", a.Process)
		}
		if a.Process == "diurnal" {
			if math.IsNaN(a.Amplitude) || a.Amplitude < 0 || a.Amplitude > 1 {
				l.errorf(key+".amplitude", "must be in [0, 1] (the rate is mean × (1 + amplitude·cos …)), got %v", a.Amplitude)
			}
			if a.Period.Time <= 0 {
				l.errorf(key+".period", "must be > 0")
			}
		}
	case "trace":
		if a.Trace == "" {
			l.errorf(key+".trace", "a file of request times (seconds, one per line) is required with process = \"trace\"")
		} else if f, err := sc.Open(a.Trace); err != nil {
			l.errorf(key+".trace", "cannot open the arrival trace: %v", err)
		} else {
			f.Close()
		}
	}
}

// cloudStudy checks a "cloud" study's variants, loading each.
func (l *loader) cloudStudy(sc *Scenario) {
	st := &sc.Study
	if len(st.Variants) == 0 {
		l.errorf("study.variant", "a \"cloud\" study needs at least one [[study.variant]] (a name and the --set overrides that make it)")
	}
	var names, metrics []string
	for i, v := range st.Variants {
		k := fmt.Sprintf("study.variant[%d]", i)
		names = l.uniqueName(k, v.Name, names)
		// Its figures go into summary.json as <metric name>.<figure>.
		if mn := VariantMetricName(v.Name); v.Name != "" && mn == "" {
			l.errorf(k+".name", "needs a letter or digit (its figures are summary metrics named after it), got %q", v.Name)
		} else if j := slices.Index(metrics, mn); mn != "" && j >= 0 && names[j] != v.Name {
			l.errorf(k+".name", "%q and study.variant[%d]'s %q give the same summary metrics (%s.…): rename one", v.Name, j, names[j], mn)
		}
		metrics = append(metrics, VariantMetricName(v.Name))
		for j, s := range v.Set {
			if key, _, ok := strings.Cut(s, "="); !ok || strings.TrimSpace(key) == "" {
				l.errorf(fmt.Sprintf("%s.set[%d]", k, j), "want key=value, got %q", s)
			} else if strings.HasPrefix(strings.TrimSpace(key), "study") {
				l.errorf(fmt.Sprintf("%s.set[%d]", k, j), "a variant cannot change the study itself (%q)", s)
			}
		}
	}
}

// VariantMetricName is the prefix of a cloud study variant's figures in
// summary.json: its name in lower case, letters, digits and underscores
// ("cold, 32" → "cold_32").
func VariantMetricName(v string) string {
	var b strings.Builder
	under := false
	for _, r := range strings.ToLower(v) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			under = false
		} else if !under && b.Len() > 0 {
			b.WriteByte('_')
			under = true
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}

// checkVariants loads every variant of a "cloud" study, so that a bad
// override is reported before anything runs.
func (l *loader) checkVariants(sc *Scenario, opts Options) {
	if sc.Study.Kind != "cloud" || opts.nested || len(l.errs) > 0 {
		return
	}
	for i, v := range sc.Study.Variants {
		o := opts
		o.Sets = v.Set
		if _, err := Reload(sc, o); err != nil {
			for _, e := range flatten(err) {
				l.errs = append(l.errs, fmt.Errorf("%s: study.variant[%d] (%s): %v", l.file, i, v.Name, e))
			}
		}
	}
}
