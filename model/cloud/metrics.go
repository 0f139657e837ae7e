package cloud

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/sim"
)

// counters are the control plane's running totals.
type counters struct {
	s                              *sim.Sim
	requested, rejected, refusals  int
	hits, misses, joins, volumes   int
	wakeups, powerDowns            int
	walrusBytes                    float64
	walrus, walrusBusy             sim.TimeAvg // bytes/s out of Walrus; 1 while it sends
	asleep, waking                 sim.TimeAvg
	termLatency                    sim.Tally
	firstRequest, lastRunning      sim.Time
	running                        int
	walrusSeries                   []results.WalrusSample
	nodeSeries                     []results.NodeSample
	lastUp, lastAsleep, lastWaking int
}

func (c *counters) init(s *sim.Sim) {
	c.s = s
	c.walrus.Set(0, 0)
	c.walrusBusy.Set(0, 0)
	c.asleep.Set(0, 0)
	c.waking.Set(0, 0)
	c.firstRequest, c.lastRunning = -1, -1
	c.lastUp = -1
}

func (c *counters) noteRunning(r *launch) {
	c.running++
	if c.firstRequest < 0 || r.requested < c.firstRequest {
		c.firstRequest = r.requested
	}
	c.lastRunning = max(c.lastRunning, r.ended)
}

// walrusLoad records Walrus's outgoing rate (bytes/s) from now on.
func (c *counters) walrusLoad(now sim.Time, bps float64) {
	if cur := c.walrus.Current(); len(c.walrusSeries) > 0 && math.Abs(bps-cur) <= 1e-9*max(bps, cur) {
		return
	}
	c.walrus.Set(now, bps)
	busy := 0.0
	if bps > 0 {
		busy = 1
	}
	c.walrusBusy.Set(now, busy)
	s := results.WalrusSample{TimeS: sim.Seconds(now), MiBps: bps / (1 << 20)}
	if n := len(c.walrusSeries); n > 0 && c.walrusSeries[n-1].TimeS == s.TimeS {
		c.walrusSeries[n-1] = s
		return
	}
	c.walrusSeries = append(c.walrusSeries, s)
}

// nodeStates records the nodes' power states from now on.
func (c *counters) nodeStates(cp *ControlPlane) {
	now := cp.s.Now()
	up, asleep, waking := 0, 0, 0
	for i := range cp.nodes {
		switch cp.nodes[i].state {
		case nodeUp:
			up++
		case nodeAsleep:
			asleep++
		case nodeWaking:
			waking++
		}
	}
	c.asleep.Set(now, float64(asleep))
	c.waking.Set(now, float64(waking))
	if up == c.lastUp && asleep == c.lastAsleep && waking == c.lastWaking {
		return
	}
	c.lastUp, c.lastAsleep, c.lastWaking = up, asleep, waking
	s := results.NodeSample{TimeS: sim.Seconds(now), Up: up, Waking: waking, Asleep: asleep}
	if n := len(c.nodeSeries); n > 0 && c.nodeSeries[n-1].TimeS == s.TimeS {
		c.nodeSeries[n-1] = s
		return
	}
	c.nodeSeries = append(c.nodeSeries, s)
}

// Stage is the time launch v has spent in stage st so far (integer
// nanoseconds; the current stage up to its last change).
func (cp *ControlPlane) Stage(v, st int) sim.Time { return cp.launches[v].stages[st] }

// Latency is launch v's time from request to its end (running or
// rejected), or -1 while it is pending.
func (cp *ControlPlane) Latency(v int) sim.Time {
	r := &cp.launches[v]
	if r.ended < 0 {
		return -1
	}
	return r.ended - r.requested
}

// Finish stops the polls and fills the recorder: a record per launch,
// Walrus's throughput and the nodes' states over time, and the summary
// metrics (into m). VM names come from groups and images from the
// scenario.
func (cp *ControlPlane) Finish(end sim.Time, m map[string]float64, rec *results.Recorder, groups []string) {
	cp.stopped = true
	st := &cp.stats
	rec.Launches = make([]results.LaunchRecord, 0, len(cp.launches))
	var lat []float64
	var stageSums [NStages]float64
	running, rejected, pending := 0, 0, 0
	clusterRetries, attempts := 0, 0
	var vCreate, vAttach []float64
	for i := range cp.launches {
		r := &cp.launches[i]
		if r.vm < 0 {
			continue
		}
		rr := results.LaunchRecord{VM: int(r.vm), Group: groups[r.group], Image: cp.images[r.image].name, Host: int(r.node),
			RequestedS: sim.Seconds(r.requested), EndedS: -1, Attempts: int(r.attempts), Refusals: int(r.refusals),
			ClusterTries: int(r.clusterTries), CacheHit: r.cacheHit, Joined: r.joined, Woke: r.woke,
			TerminateS: -1, VolumeCreateS: -1, VolumeAttachS: -1, Reason: r.reason}
		if r.cluster >= 0 {
			rr.Cluster = cp.clusters[r.cluster].name
		}
		stages := r.stages
		switch r.outcome {
		case outRunning:
			rr.Outcome = "running"
		case outRejected:
			rr.Outcome = "rejected"
		default:
			rr.Outcome = "pending"
			stages[r.stage] += end - r.mark
		}
		if r.ended >= 0 {
			rr.EndedS = sim.Seconds(r.ended)
			rr.LatencyS = sim.Seconds(r.ended - r.requested)
		} else {
			rr.LatencyS = sim.Seconds(end - r.requested)
		}
		sec := make([]float64, NStages)
		for k := range sec {
			sec[k] = sim.Seconds(stages[k])
		}
		rr.SetStages(sec)
		if r.termEnd >= 0 {
			rr.TerminateS = sim.Seconds(r.termEnd - r.termStart)
		}
		if id := cp.volOf[i]; id >= 0 {
			v := &cp.vols[id]
			if v.created >= 0 {
				rr.VolumeCreateS = sim.Seconds(v.created - v.start)
				vCreate = append(vCreate, rr.VolumeCreateS)
			}
			if v.attached >= 0 {
				rr.VolumeAttachS = sim.Seconds(v.attached - v.created)
				vAttach = append(vAttach, rr.VolumeAttachS)
			}
		}
		switch r.outcome {
		case outRunning:
			running++
			lat = append(lat, rr.LatencyS)
			for k := range stageSums {
				stageSums[k] += sec[k]
			}
		case outRejected:
			rejected++
		default:
			pending++
		}
		clusterRetries += max(0, int(r.clusterTries)-1)
		attempts += int(r.attempts)
		rec.Launches = append(rec.Launches, rr)
	}
	// The series hold their last value up to the end of the run.
	rec.Walrus = slices.Clone(st.walrusSeries)
	if n := len(rec.Walrus); n > 0 && rec.Walrus[n-1].TimeS < sim.Seconds(end) {
		last := rec.Walrus[n-1]
		last.TimeS = sim.Seconds(end)
		rec.Walrus = append(rec.Walrus, last)
	}
	rec.Nodes = slices.Clone(st.nodeSeries)
	if n := len(rec.Nodes); n > 0 && rec.Nodes[n-1].TimeS < sim.Seconds(end) {
		last := rec.Nodes[n-1]
		last.TimeS = sim.Seconds(end)
		rec.Nodes = append(rec.Nodes, last)
	}

	m["launches"] = float64(st.requested)
	m["launches_running"] = float64(running)
	m["launches_rejected"] = float64(rejected)
	m["launches_pending"] = float64(pending)
	m["nc_refusals"] = float64(st.refusals)
	m["cluster_retries"] = float64(clusterRetries)
	m["node_attempts"] = float64(attempts)
	if len(lat) > 0 {
		slices.Sort(lat)
		m["mean_launch_latency_s"] = stat.Mean(lat, nil)
		m["p50_launch_latency_s"] = stat.Quantile(0.50, stat.Empirical, lat, nil)
		m["p95_launch_latency_s"] = stat.Quantile(0.95, stat.Empirical, lat, nil)
		m["p99_launch_latency_s"] = stat.Quantile(0.99, stat.Empirical, lat, nil)
		m["max_launch_latency_s"] = lat[len(lat)-1]
		for k, name := range results.StageNames[:NStages] {
			m["stage_"+name+"_mean_s"] = stageSums[k] / float64(len(lat))
		}
	}
	if span := st.lastRunning - st.firstRequest; running > 0 && span > 0 {
		m["launches_per_s"] = float64(running) / sim.Seconds(span)
	}
	lookups := st.hits + st.misses + st.joins
	m["cache_hits"], m["cache_misses"], m["cache_joins"] = float64(st.hits), float64(st.misses), float64(st.joins)
	if lookups > 0 {
		m["cache_hit_rate"] = float64(st.hits) / float64(lookups)
	}
	ev := 0
	for i := range cp.nodes {
		ev += cp.nodes[i].cache.evictions
	}
	m["cache_evictions"] = float64(ev)
	m["walrus_gib"] = st.walrusBytes / (1 << 30)
	busy := st.walrusBusy.Integral(end)
	m["walrus_busy_s"] = busy
	if busy > 0 {
		m["walrus_mean_mibps"] = st.walrus.Integral(end) / busy / (1 << 20)
	}
	m["walrus_peak_mibps"] = st.walrus.Max() / (1 << 20)
	m["node_wakeups"] = float64(st.wakeups)
	m["node_powerdowns"] = float64(st.powerDowns)
	m["mean_nodes_asleep"] = st.asleep.Mean(end)
	m["mean_nodes_waking"] = st.waking.Mean(end)
	if st.termLatency.N() > 0 {
		m["terminations"] = float64(st.termLatency.N())
		m["mean_terminate_latency_s"] = st.termLatency.Mean()
	}
	if len(vCreate) > 0 {
		m["volumes_created"] = float64(len(vCreate))
		m["mean_volume_create_s"] = stat.Mean(vCreate, nil)
	}
	if len(vAttach) > 0 {
		m["volumes_attached"] = float64(len(vAttach))
		m["mean_volume_attach_s"] = stat.Mean(vAttach, nil)
	}
	if len(cp.vols) > 0 {
		abandoned := 0
		for i := range cp.vols {
			if cp.vols[i].abandoned {
				abandoned++
			}
		}
		m["volumes_requested"], m["volumes_abandoned"] = float64(len(cp.vols)), float64(abandoned)
	}
	ccs := make([]*Server, len(cp.clusters))
	for i := range cp.clusters {
		ccs[i] = cp.clusters[i].cc
	}
	ncs := make([]*Server, len(cp.nodes))
	for i := range cp.nodes {
		ncs[i] = cp.nodes[i].nc
	}
	for _, x := range []struct {
		name string
		v    []*Server
	}{{"clc", []*Server{cp.clc}}, {"cc", ccs}, {"nc", ncs}, {"walrus", []*Server{cp.walrus}}, {"sc", []*Server{cp.sc}}} {
		s := Stats(end, x.v...)
		m[x.name+"_jobs"] = float64(s.Jobs)
		m[x.name+"_wait_mean_s"] = s.WaitMean
		m[x.name+"_wait_p95_s"] = s.WaitP95
		m[x.name+"_utilization"] = s.Utilization
	}
}
