package datacenter

import (
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/model/cloud"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// mixed is a control plane under stress: two clusters, a poll-only view
// refreshed every 5 minutes (refusals), POWERSAVE in one cluster (wake-ups),
// a quota (rejections), an instance type no node can hold, and volumes.
const mixed = `
name = "mixed"
[[host_group]]
name = "a"
count = 4
cores = 4
mips_per_core = 2500
ram_gib = 16
[[host_group]]
name = "b"
count = 3
cores = 4
mips_per_core = 2500
ram_gib = 16
[[vm_group]]
name = "small"
count = 120
vcpus = 1
mips = 2000
ram_gib = 2
interarrival = "20s"
arrival = { process = "poisson" }
lifetime_dist = { dist = "exponential", mean = "15m" }
volume_gib = 1
[[vm_group]]
name = "burst"
count = 30
vcpus = 2
mips = 2000
ram_gib = 4
submit_at = "1h"
arrival = { process = "burst", size = 10 }
interarrival = "10m"
lifetime = "20m"
image = "big"
[[vm_group]]
name = "huge"
count = 3
vcpus = 64
mips = 2000
ram_gib = 4
lifetime = "1h"
[cloud]
view = "poll"
poll_period = "5m"
quota = 12
[[cloud.cluster]]
name = "ca"
host_groups = ["a"]
policy = "powersave"
[[cloud.cluster]]
name = "cb"
host_groups = ["b"]
policy = "greedy"
[[cloud.image]]
name = "base"
size_gib = 1
[[cloud.image]]
name = "big"
size_gib = 4
`

func loadText(t *testing.T, name, src string, sets ...string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadBytes(name, []byte(src), LoadOptions(sets, nil))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// Nothing is lost and every second is accounted for: every launch ends
// running (and later finished) or rejected with a reason, none is left
// pending, and each one's stages add up to its latency exactly, in integer
// nanoseconds.
func TestCloudNothingLost(t *testing.T) {
	m, rec := run(t, loadText(t, "mixed.toml", mixed))
	s := &rec.Summary
	mt := s.Metrics
	if s.VMsPlaced+s.VMsRejected != s.VMsRequested || s.VMsRequested != 153 || mt["launches_pending"] != 0 {
		t.Fatalf("VMs: %d requested, %d placed, %d rejected; %v pending", s.VMsRequested, s.VMsPlaced, s.VMsRejected, mt["launches_pending"])
	}
	// The run exercised what it should: refusals and their retries, quota
	// and type rejections, wake-ups, volumes.
	for _, k := range []string{"nc_refusals", "launches_rejected", "node_wakeups", "node_powerdowns", "volumes_attached", "cache_hits", "cache_misses"} {
		if mt[k] == 0 {
			t.Errorf("%s is 0", k)
		}
	}
	if n := s.RejectionReasons["instance type huge fits no node"]; n != 3 {
		t.Errorf("huge rejected %d times for its type, want 3 (%v)", n, s.RejectionReasons)
	}
	quota := 0
	for r, n := range s.RejectionReasons {
		if strings.HasPrefix(r, "quota exceeded") {
			quota += n
		}
	}
	if quota == 0 {
		t.Errorf("no quota rejection: %v", s.RejectionReasons)
	}
	running, rejected := 0, 0
	for i := range m.vms {
		v := &m.vms[i]
		lat := m.cp.Latency(i)
		if lat < 0 {
			t.Fatalf("VM %d: launch still pending", i)
		}
		var sum sim.Time
		for st := range cloud.NStages {
			sum += m.cp.Stage(i, st)
		}
		if sum != lat {
			t.Errorf("VM %d: stages add up to %v, latency %v", i, sum, lat)
		}
		switch v.State {
		case vm.Finished:
			running++
			if v.Started-v.Requested != lat {
				t.Errorf("VM %d started %v after its request, latency %v", i, v.Started-v.Requested, lat)
			}
		case vm.Rejected:
			rejected++
			if v.Reason == "" {
				t.Errorf("VM %d rejected without a reason", i)
			}
		default:
			t.Errorf("VM %d ended %v", i, v.State)
		}
	}
	if running != int(mt["launches_running"]) || rejected != int(mt["launches_rejected"]) || len(rec.Launches) != 153 {
		t.Errorf("running %d rejected %d, metrics %v %v, %d records", running, rejected, mt["launches_running"], mt["launches_rejected"], len(rec.Launches))
	}
	// The records' stages are the launches' (their columns in
	// results.StageNames order), and add up too, to rounding.
	if len(results.StageNames) != cloud.NStages {
		t.Fatalf("%d stage names for %d stages", len(results.StageNames), cloud.NStages)
	}
	for _, l := range rec.Launches {
		sum := 0.0
		for k, x := range l.Stages() {
			if want := sim.Seconds(m.cp.Stage(l.VM, k)); x != want {
				t.Errorf("record %d: %s %v s, the launch's %v s", l.VM, results.StageNames[k], x, want)
			}
			sum += x
		}
		if math.Abs(sum-l.LatencyS) > 1e-6 {
			t.Errorf("record %d: stages %v s, latency %v s", l.VM, sum, l.LatencyS)
		}
	}
}

// The CLC of euca-mmc is an M/M/c queue: over 20 replications (their
// first 10 % discarded) the mean RunInstances wait's 95 % confidence
// interval holds Erlang C's Wq = C(2, 0.8)/(2 − 0.8) = 0.1905 s, computed
// here from the formula.
func TestEucaMMC(t *testing.T) {
	a, c := 0.8, 2
	term, sum := 1.0, 0.0
	for k := range c {
		sum += term
		term *= a / float64(k+1)
	}
	top := term * float64(c) / (float64(c) - a)
	want := top / (sum + top) / (float64(c) - a) // μ = 1/s
	if math.Abs(want-0.19047619) > 1e-6 {
		t.Fatalf("Erlang C %v", want)
	}
	const reps, n = 20, 4000
	means := make([]float64, reps)
	for r := range reps {
		seed := uint64(r + 1)
		sc, err := scenarios.LoadEmbedded("euca-mmc", LoadOptions([]string{"cloud.clc.workers=2", "launches=4000"}, &seed))
		if err != nil {
			t.Fatal(err)
		}
		_, rec := run(t, sc)
		var w []float64
		for _, l := range rec.Launches[n/10:] {
			w = append(w, l.CLCQueueS)
		}
		means[r] = stat.Mean(w, nil)
	}
	m, sd := stat.MeanStdDev(means, nil)
	h := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: reps - 1}.Quantile(0.975) * sd / math.Sqrt(reps)
	if math.Abs(m-want) > h {
		t.Errorf("mean CLC wait %.4f ± %.4f s, Erlang C %.4f s", m, h, want)
	}
}

// A cloud study gives the same rows whatever GOMAXPROCS, and a run the same
// records twice.
func TestCloudDeterministic(t *testing.T) {
	var rows [][]results.CloudRow
	var sums []results.Summary
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		sc, err := scenarios.LoadEmbedded("euca-staleness", LoadOptions([]string{"duration=1h"}, nil))
		if err != nil {
			t.Fatal(err)
		}
		rec := study(t, sc)
		rows, sums = append(rows, rec.CloudRows), append(sums, rec.Summary)
		runtime.GOMAXPROCS(old)
	}
	if len(rows[0]) != 8 || !reflect.DeepEqual(rows[0], rows[1]) || !reflect.DeepEqual(sums[0], sums[1]) {
		t.Fatal("euca-staleness differs between GOMAXPROCS 1 and 2")
	}
	// Each variant's headline figures are in the summary under its name.
	for _, r := range rows[0] {
		k := scenarios.VariantMetricName(r.Variant)
		if mt := sums[0].Metrics; mt[k+".p95_launch_latency_s"] != r.P95S || mt[k+".launches_rejected"] != float64(r.Rejected) {
			t.Errorf("variant %q: summary %v and %v, row %v and %d", r.Variant, mt[k+".p95_launch_latency_s"], mt[k+".launches_rejected"], r.P95S, r.Rejected)
		}
	}
	if _, ok := sums[0].Metrics["deduct_6_s.energy_kwh"]; !ok {
		t.Error("no deduct_6_s.energy_kwh in the summary")
	}
	_, a := run(t, loadText(t, "mixed.toml", mixed))
	_, b := run(t, loadText(t, "mixed.toml", mixed))
	if !reflect.DeepEqual(a.Launches, b.Launches) || !reflect.DeepEqual(a.Summary, b.Summary) {
		t.Fatal("two runs of the same cloud scenario differ")
	}
}

// POWERSAVE without [cloud]: a host that has held no VM for the idle
// threshold is switched off at exactly that moment, and a VM placed on it
// later switches it on at once. One host, VMs at 0 s (lifetime 10 min) and
// at 20 min: off at 10 + 5 = 15 min, on again at 20 min, off at 35 min.
func TestCorePowerSave(t *testing.T) {
	src := `
duration = "1h"
[[host_group]]
count = 1
cores = 4
mips_per_core = 2500
ram_gib = 16
[[vm_group]]
count = 2
vcpus = 1
mips = 2000
ram_gib = 1
interarrival = "20m"
lifetime = "10m"
[placement]
policy = "euca-powersave"
[output]
sample_interval = "1m"
`
	_, rec := run(t, loadText(t, "ps.toml", src))
	for _, d := range rec.Datacenter {
		min := d.TimeS / 60
		wantOn := min < 15 || (min >= 20 && min < 35)
		if (d.OnHosts == 1) != wantOn {
			t.Errorf("at %v min: %d hosts on", min, d.OnHosts)
		}
	}
	// Energy: on for 15 + 15 = 30 minutes, at idle (100 W) but for the 20
	// minutes a VM ran (1 of 4 cores at 80 %: 100 + 150·0.2 = 130 W):
	// 10 min × 30 W more.
	want := (100*30*60 + 30*20*60) / 3.6e6
	if !near(rec.Summary.EnergyKWh, want) {
		t.Errorf("energy %v kWh, want %v", rec.Summary.EnergyKWh, want)
	}
}

// arrival.until stops the requests: VMs every 10 minutes from 0 until
// 35 minutes are 4 (at 0, 10, 20 and 30 min), whatever the count.
func TestArrivalsUntil(t *testing.T) {
	src := `
duration = "2h"
[[host_group]]
count = 1
cores = 8
mips_per_core = 2500
ram_gib = 16
[[vm_group]]
count = 50
vcpus = 1
mips = 1000
ram_gib = 1
interarrival = "10m"
lifetime = "5m"
arrival = { until = "35m" }
`
	m, rec := run(t, loadText(t, "u.toml", src))
	if len(m.vms) != 4 || rec.Summary.VMsRequested != 4 || rec.Summary.VMsFinished != 4 || len(rec.Summary.Warnings) != 0 {
		t.Fatalf("%d VMs, %d requested, %d finished, warnings %v", len(m.vms), rec.Summary.VMsRequested, rec.Summary.VMsFinished, rec.Summary.Warnings)
	}
	for i, v := range m.vms {
		if v.Requested != sim.Time(i)*10*sim.Minute {
			t.Errorf("VM %d requested at %v", i, v.Requested)
		}
	}
}

// A cloud study's variants are checked as the runs they will be, so that
// `simrun validate` reports what would fail once running: a variant that
// drops the lifetime of a run without a duration would run forever.
func TestCloudStudyVariantsChecked(t *testing.T) {
	sc := loadText(t, "v.toml", `
[[host_group]]
count = 1
cores = 4
mips_per_core = 2000
ram_gib = 8
[[vm_group]]
count = 2
vcpus = 1
mips = 1000
ram_gib = 1
lifetime = "10m"
[cloud]
[[cloud.image]]
name = "i"
size_gib = 1
[study]
kind = "cloud"
[[study.variant]]
name = "fine"
[[study.variant]]
name = "forever"
set = ['vm_group.0.lifetime="0s"']
`)
	err := Check(sc)
	if err == nil || !strings.Contains(err.Error(), "study.variant[1] (forever): v.toml: vm_group[0]: runs forever") || strings.Contains(err.Error(), "variant[0]") {
		t.Errorf("error %v", err)
	}
}
