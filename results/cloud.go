package results

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// LaunchRecord is one RunInstances request through the control plane
// (launches.csv): where it went, how it ended and where its time went.
// The stage columns (msg_s … network_s) partition the request's life, so
// they add up to latency_s (exactly in the simulation's integer
// nanoseconds; to rounding in the decimal seconds written).
type LaunchRecord struct {
	VM      int    `csv:"vm"`
	Group   string `csv:"group"` // instance type and account
	Image   string `csv:"image"`
	Cluster string `csv:"cluster"` // the last cluster tried ("" if none)
	Host    int    `csv:"host"`    // the node it runs on (-1 if none)
	// Outcome is "running" (its instance came up), "rejected" (Reason
	// says why) or "pending" (still on its way when the run ended).
	Outcome      string  `csv:"outcome"`
	RequestedS   float64 `csv:"requested_s"`
	EndedS       float64 `csv:"ended_s"`   // running or rejected at (-1 pending)
	LatencyS     float64 `csv:"latency_s"` // ended_s − requested_s (up to the end of the run when pending)
	Attempts     int     `csv:"attempts"`  // nodes it was sent to
	Refusals     int     `csv:"refusals"`  // nodes that refused it (their resources were taken)
	ClusterTries int     `csv:"cluster_tries"`
	CacheHit     bool    `csv:"cache_hit"`       // its image was in the node's cache
	Joined       bool    `csv:"joined_download"` // it waited for a download of its image under way
	Woke         bool    `csv:"waited_wake"`     // it waited for its node to wake up
	// Stages, in seconds.
	MsgS           float64 `csv:"msg_s"`
	CLCQueueS      float64 `csv:"clc_queue_s"`
	CLCServiceS    float64 `csv:"clc_service_s"`
	CCQueueS       float64 `csv:"cc_queue_s"`
	CCServiceS     float64 `csv:"cc_service_s"`
	WakeS          float64 `csv:"wake_s"`
	NCQueueS       float64 `csv:"nc_queue_s"`
	NCServiceS     float64 `csv:"nc_service_s"`
	WalrusQueueS   float64 `csv:"walrus_queue_s"`
	WalrusServiceS float64 `csv:"walrus_service_s"`
	TransferS      float64 `csv:"transfer_s"`
	DiskS          float64 `csv:"disk_s"`
	BootS          float64 `csv:"boot_s"`
	NetworkS       float64 `csv:"network_s"`
	// TerminateS is TerminateInstances from the user's request to the NC's
	// teardown (-1: not terminated); VolumeCreateS and VolumeAttachS its
	// volume's creation and attachment, from the instance running (-1:
	// none).
	TerminateS    float64 `csv:"terminate_s"`
	VolumeCreateS float64 `csv:"volume_create_s"`
	VolumeAttachS float64 `csv:"volume_attach_s"`
	Reason        string  `csv:"reason"`
}

// StageNames are the launch stages in the order of LaunchRecord's columns.
var StageNames = []string{"msg", "clc_queue", "clc_service", "cc_queue", "cc_service", "wake", "nc_queue",
	"nc_service", "walrus_queue", "walrus_service", "transfer", "disk", "boot", "network"}

// Stages are the record's stage times in StageNames order.
func (l *LaunchRecord) Stages() []float64 {
	return []float64{l.MsgS, l.CLCQueueS, l.CLCServiceS, l.CCQueueS, l.CCServiceS, l.WakeS, l.NCQueueS,
		l.NCServiceS, l.WalrusQueueS, l.WalrusServiceS, l.TransferS, l.DiskS, l.BootS, l.NetworkS}
}

// SetStages sets the record's stage times from s, in StageNames order.
func (l *LaunchRecord) SetStages(s []float64) {
	l.MsgS, l.CLCQueueS, l.CLCServiceS, l.CCQueueS, l.CCServiceS, l.WakeS, l.NCQueueS = s[0], s[1], s[2], s[3], s[4], s[5], s[6]
	l.NCServiceS, l.WalrusQueueS, l.WalrusServiceS, l.TransferS, l.DiskS, l.BootS, l.NetworkS = s[7], s[8], s[9], s[10], s[11], s[12], s[13]
}

// WalrusSample is Walrus's outgoing throughput from TimeS on (walrus.csv).
type WalrusSample struct {
	TimeS float64 `csv:"time_s"`
	MiBps float64 `csv:"mibps"`
}

// NodeSample counts the nodes by power state from TimeS on (nodes.csv).
type NodeSample struct {
	TimeS  float64 `csv:"time_s"`
	Up     int     `csv:"up"`
	Waking int     `csv:"waking"`
	Asleep int     `csv:"asleep"`
}

// CloudRow is one variant of a "cloud" study (cloud.csv, cloud.md).
type CloudRow struct {
	Variant        string  `csv:"variant"`
	Launches       int     `csv:"launches"`
	Running        int     `csv:"running"`
	Rejected       int     `csv:"rejected"`
	MeanS          float64 `csv:"mean_latency_s"`
	P50S           float64 `csv:"p50_latency_s"`
	P95S           float64 `csv:"p95_latency_s"`
	P99S           float64 `csv:"p99_latency_s"`
	Refusals       int     `csv:"refusals"`
	ClusterRetries int     `csv:"cluster_retries"`
	CacheHitRate   float64 `csv:"cache_hit_rate"`
	WalrusGiB      float64 `csv:"walrus_gib"`
	LaunchesPerS   float64 `csv:"launches_per_s"`
	EnergyKWh      float64 `csv:"energy_kwh"`
	MeanOnHosts    float64 `csv:"mean_on_hosts"`
	Wakeups        int     `csv:"wakeups"`
	CLCWaitMeanS   float64 `csv:"clc_wait_mean_s"`
	CCWaitMeanS    float64 `csv:"cc_wait_mean_s"`
	NCWaitMeanS    float64 `csv:"nc_wait_mean_s"`
	// StageMeans are the mean stage times of the launches that ran, in
	// StageNames order (the stacked bar).
	StageMeans []float64 `csv:"-"`
	// Latencies of the launches that ran, sorted (the CDF).
	Latencies []float64 `csv:"-"`
}

// WriteCloudMarkdown writes a cloud study's table.
func WriteCloudMarkdown(w io.Writer, rows []CloudRow) error {
	var b strings.Builder
	b.WriteString("| variant | launches | running | rejected | mean (s) | p50 (s) | p95 (s) | p99 (s) | refusals | cluster retries | cache hits (%) | Walrus (GiB) | launches/s | energy (kWh) | mean nodes on | wake-ups |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.1f | %.1f | %.1f | %.1f | %d | %d | %.1f | %.1f | %.3f | %.2f | %.1f | %d |\n",
			r.Variant, r.Launches, r.Running, r.Rejected, r.MeanS, r.P50S, r.P95S, r.P99S, r.Refusals, r.ClusterRetries,
			100*r.CacheHitRate, r.WalrusGiB, r.LaunchesPerS, r.EnergyKWh, r.MeanOnHosts, r.Wakeups)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// LaunchStats are the latencies, sorted, and the mean stage times (in
// StageNames order) of the launches of group that ran ("": of every
// group).
func LaunchStats(ls []LaunchRecord, group string) (latencies, stageMeans []float64) {
	stageMeans = make([]float64, len(StageNames))
	n := 0
	for i := range ls {
		l := &ls[i]
		if l.Outcome != "running" || (group != "" && l.Group != group) {
			continue
		}
		latencies = append(latencies, l.LatencyS)
		for k, v := range l.Stages() {
			stageMeans[k] += v
		}
		n++
	}
	if n > 0 {
		for k := range stageMeans {
			stageMeans[k] /= float64(n)
		}
	}
	slices.Sort(latencies)
	return latencies, stageMeans
}

// cdf is an empirical CDF's points: latency against the fraction of
// launches at or below it, at most about 400 points.
func cdf(sorted []float64) (x, y []float64) {
	n := len(sorted)
	step := max(1, n/400)
	for i := 0; i < n; i += step {
		x = append(x, sorted[i])
		y = append(y, float64(i+1)/float64(n))
	}
	if n > 0 && (len(x) == 0 || x[len(x)-1] != sorted[n-1]) {
		x = append(x, sorted[n-1])
		y = append(y, 1)
	}
	return x, y
}

// cloudCharts draws a control-plane run's figures: the latency CDF, the
// stage breakdown by instance type, launches over time, Walrus's
// throughput and the nodes' power states; or, for a cloud study, the CDF
// per variant, the breakdown per variant, and energy against p95 latency.
func cloudCharts(r *Recorder, title string) []namedChart {
	var out []namedChart
	if len(r.CloudRows) > 0 {
		l := &XYLines{Title: title + "launch latency (request → running)", XLabel: "latency (s)", YLabel: "fraction of launches", YMax: 1, LegendRight: true}
		b := &Bars{Title: title + "where a launch's time goes (means)", YLabel: "seconds", Stacked: true}
		sc := &Scatter{Title: title + "energy against p95 launch latency", XLabel: "p95 launch latency (s)", YLabel: "energy (kWh)"}
		for i, row := range r.CloudRows {
			x, y := cdf(row.Latencies)
			l.Series = append(l.Series, XYSeries{Label: row.Variant, X: x, Y: y})
			b.Categories = append(b.Categories, row.Variant)
			sc.Points = append(sc.Points, Point{Label: row.Variant, X: row.P95S, Y: row.EnergyKWh, Color: i, Shape: i})
		}
		b.Series = stageSeries(len(r.CloudRows), func(i int) []float64 { return r.CloudRows[i].StageMeans })
		return append(out, namedChart{"launch_latency_cdf", l}, namedChart{"launch_stages", b}, namedChart{"energy_vs_latency", sc})
	}
	if len(r.Launches) == 0 {
		return nil
	}
	// One CDF for all the launches that ran, and one per type.
	all, _ := LaunchStats(r.Launches, "")
	if len(all) == 0 {
		return nil
	}
	l := &XYLines{Title: title + "launch latency (request → running)", XLabel: "latency (s)", YLabel: "fraction of launches", YMax: 1, LegendRight: true}
	x, y := cdf(all)
	l.Series = append(l.Series, XYSeries{Label: "all", X: x, Y: y})
	b := &Bars{Title: title + "where a launch's time goes (means)", YLabel: "seconds", Stacked: true}
	var means [][]float64
	groups := order(r.Launches, func(l *LaunchRecord) string { return l.Group })
	for _, g := range groups {
		lat, m := LaunchStats(r.Launches, g)
		if len(lat) == 0 {
			continue
		}
		if len(groups) > 1 {
			x, y := cdf(lat)
			l.Series = append(l.Series, XYSeries{Label: g, X: x, Y: y})
		}
		b.Categories = append(b.Categories, g)
		means = append(means, m)
	}
	b.Series = stageSeries(len(means), func(i int) []float64 { return means[i] })
	out = append(out, namedChart{"launch_latency_cdf", l}, namedChart{"launch_stages", b})
	// Launches requested and running over time.
	req, run := make([]float64, 0, len(r.Launches)), make([]float64, 0, len(r.Launches))
	for i := range r.Launches {
		req = append(req, r.Launches[i].RequestedS)
		if r.Launches[i].Outcome == "running" {
			run = append(run, r.Launches[i].EndedS)
		}
	}
	slices.Sort(req)
	slices.Sort(run)
	// Time in hours for runs longer than two hours, as the other charts.
	div, unit := 1.0, "time (s)"
	if end := max(req[len(req)-1], r.Summary.SimulatedS); end > 2*3600 {
		div, unit = 3600, "time (h)"
	}
	for i := range req {
		req[i] /= div
	}
	for i := range run {
		run[i] /= div
	}
	ll := &XYLines{Title: title + "launches over time", XLabel: unit, YLabel: "launches (cumulative)", Steps: true}
	ll.Series = append(ll.Series, cumulative("requested", req), cumulative("running", run))
	out = append(out, namedChart{"launches", ll})
	if len(r.Walrus) >= 2 {
		w := &XYLines{Title: title + "Walrus throughput", XLabel: unit, YLabel: "MiB/s", Steps: true}
		s := XYSeries{Label: "Walrus out"}
		for _, p := range r.Walrus {
			s.X, s.Y = append(s.X, p.TimeS/div), append(s.Y, p.MiBps)
		}
		w.Series = []XYSeries{s}
		out = append(out, namedChart{"walrus_throughput", w})
	}
	if len(r.Nodes) >= 2 {
		n := &XYLines{Title: title + "nodes by power state", XLabel: unit, YLabel: "nodes", Steps: true}
		up, wk, sl := XYSeries{Label: "up"}, XYSeries{Label: "waking"}, XYSeries{Label: "asleep"}
		for _, p := range r.Nodes {
			t := p.TimeS / div
			up.X, up.Y = append(up.X, t), append(up.Y, float64(p.Up))
			wk.X, wk.Y = append(wk.X, t), append(wk.Y, float64(p.Waking))
			sl.X, sl.Y = append(sl.X, t), append(sl.Y, float64(p.Asleep))
		}
		n.Series = []XYSeries{up, wk, sl}
		out = append(out, namedChart{"node_states", n})
	}
	return out
}

// stageGroups gather the stages into the segments of the stacked bar
// (indices into StageNames); launches.csv has every stage.
var stageGroups = []struct {
	label  string
	stages []int
}{
	{"queueing (CLC, CC, NC, Walrus)", []int{1, 3, 6, 8}},
	{"control-plane service and messages", []int{0, 2, 4, 7, 9}},
	{"waiting for a node to wake", []int{5}},
	{"image transfer", []int{10}},
	{"disk preparation", []int{11}},
	{"boot", []int{12}},
	{"network set-up", []int{13}},
}

// stageSeries is one stacked-bar segment per stage group with a non-zero
// mean somewhere.
func stageSeries(n int, means func(i int) []float64) []Series {
	var out []Series
	for _, g := range stageGroups {
		s := Series{Label: g.label, Values: make([]float64, n)}
		nz := false
		for i := range n {
			m := means(i)
			for _, k := range g.stages {
				if k < len(m) {
					s.Values[i] += m[k]
				}
			}
			nz = nz || s.Values[i] > 0
		}
		if nz {
			out = append(out, s)
		}
	}
	return out
}

func cumulative(label string, times []float64) XYSeries {
	s := XYSeries{Label: label}
	for i, t := range times {
		s.X, s.Y = append(s.X, t), append(s.Y, float64(i+1))
	}
	return s
}
