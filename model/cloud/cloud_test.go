package cloud

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/policies"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// erlangC is the probability that an arrival waits in an M/M/c queue with
// offered load a = λ/μ < c (Kleinrock, Queueing Systems vol. 1, eq. 3.40):
// C = (a^c/c!)·c/(c − a) / (Σ_{k<c} a^k/k! + (a^c/c!)·c/(c − a)).
func erlangC(c int, a float64) float64 {
	term, sum := 1.0, 0.0 // a^k/k!
	for k := range c {
		sum += term
		term *= a / float64(k+1)
	}
	top := term * float64(c) / (float64(c) - a)
	return top / (sum + top)
}

// meanCI is the mean of xs and the half-width of its Student-t 95 %
// confidence interval.
func meanCI(xs []float64) (float64, float64) {
	m, sd := stat.MeanStdDev(xs, nil)
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(len(xs) - 1)}.Quantile(0.975)
	return m, t * sd / math.Sqrt(float64(len(xs)))
}

// A controller with Poisson arrivals and exponential service is an M/M/c
// queue: over independent replications (each started empty, its first
// tenth discarded) the mean wait's 95 % confidence interval holds Erlang
// C's Wq = C(c, λ/μ)/(cμ − λ). By hand for λ = 0.8, μ = 1: c = 1 gives
// ρ/(μ − λ) = 4 s; c = 2, a = 0.8: C = 0.32/1.12·... = 0.2286, Wq = 0.1905 s.
func TestServerIsMMc(t *testing.T) {
	if got := erlangC(1, 0.8) / (1 - 0.8); math.Abs(got-4) > 1e-12 {
		t.Fatalf("Erlang C by the formula: M/M/1 wait %v, want 4", got)
	}
	if got := erlangC(2, 0.8) / (2 - 0.8); math.Abs(got-0.19047619047619) > 1e-12 {
		t.Fatalf("Erlang C by the formula: M/M/2 wait %v, want 0.1905", got)
	}
	const lambda, mu, jobs, reps = 0.8, 1.0, 20000, 20
	for _, c := range []int{1, 2, 3} {
		want := erlangC(c, lambda/mu) / (float64(c)*mu - lambda)
		means := make([]float64, reps)
		for r := range reps {
			s := sim.New(uint64(100 + r))
			svc, err := vm.NewSampler("exponential", sim.FromSeconds(1/mu), 1, 0, 0, s.Stream("service"))
			if err != nil {
				t.Fatal(err)
			}
			srv := NewServer(s, "clc", c, []vm.Sampler{svc}, 1)
			srv.Done = func(Job) {}
			arr := s.Stream("arrivals")
			n := 0
			var arrive func()
			arrive = func() {
				srv.Submit(Job{ID: int32(n)})
				if n++; n < jobs {
					s.After(sim.FromSeconds(arr.ExpFloat64()/lambda), arrive)
				}
			}
			s.At(0, arrive)
			s.Run()
			w := srv.Waits()
			if len(w) != jobs {
				t.Fatalf("%d waits for %d jobs", len(w), jobs)
			}
			means[r] = stat.Mean(w[jobs/10:], nil)
		}
		m, h := meanCI(means)
		if math.Abs(m-want) > h {
			t.Errorf("c = %d: mean wait %.4f ± %.4f s, Erlang C %.4f s", c, m, h, want)
		}
	}
}

// fake is the datacenter the tests' control plane drives.
type fake struct {
	s        *sim.Sim
	real     *policies.Cluster
	req      policies.Request
	lifetime sim.Time
	cp       *ControlPlane
	n        int // VMs
	ended    int
	on       []bool
	admitted []int
	started  []sim.Time
	reasons  []string
}

func (f *fake) Real() *policies.Cluster      { return f.real }
func (f *fake) Request(int) policies.Request { return f.req }
func (f *fake) Accepts(_, h int) bool {
	ok, _ := f.real.Fits(h, &f.req)
	return ok
}
func (f *fake) Admit(v, h int)              { f.real.Allocate(h, &f.req); f.admitted[v] = h }
func (f *fake) Reject(v int, reason string) { f.reasons[v] = reason; f.ended++ }
func (f *fake) SetPower(h int, on bool)     { f.on[h] = on }
func (f *fake) Live() bool                  { return f.ended < f.n }
func (f *fake) Start(v int) {
	f.started[v] = f.s.Now()
	if f.lifetime > 0 {
		f.s.After(f.lifetime, func() { f.cp.Terminate(v) })
	}
}
func (f *fake) Terminate(v int) { f.real.Release(f.admitted[v], &f.req); f.ended++ }

// newFake loads a scenario (the loader's defaults apply) and builds its
// control plane over a fake datacenter of its first host group.
func newFake(t *testing.T, src string, sets ...string) *fake {
	t.Helper()
	sc, err := scenarios.LoadBytes("t.toml", []byte(src), scenarios.Options{Sets: sets})
	if err != nil {
		t.Fatal(err)
	}
	g, v := sc.HostGroups[0], sc.VMGroups[0]
	var hs []policies.HostState
	for range g.Count {
		hs = append(hs, policies.HostState{Cores: g.Cores, MIPSPerCore: g.MIPSPerCore, RAMMiB: g.RAMGiB * 1024,
			DiskMiB: g.StorageGB * 1024, BandwidthMbps: g.BandwidthGbps * 1000, CPURatio: 1, RAMRatio: 1, DiskRatio: 1, On: true})
	}
	f := &fake{s: sim.New(sc.Seed), real: policies.NewCluster(hs), n: v.Count, lifetime: v.Lifetime.Time,
		req: policies.Request{VCPUs: v.VCPUs, MIPS: v.MIPS, RAMMiB: v.RAMGiB * 1024, DiskMiB: v.ImageGB * 1024},
		on:  make([]bool, g.Count), admitted: make([]int, v.Count), started: make([]sim.Time, v.Count), reasons: make([]string, v.Count)}
	for i := range f.started {
		f.started[i], f.admitted[i] = -1, -1
	}
	f.cp, err = New(f.s, sc, f, []policies.Request{f.req}, v.Count)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// instant is a control plane whose every stage but the image transfer
// takes no time.
const instant = `
[[host_group]]
count = 4
cores = 8
mips_per_core = 2500
ram_gib = 32
bandwidth_gbps = 100
[[vm_group]]
count = 4
vcpus = 1
mips = 2000
ram_gib = 1
[cloud]
links = { message_kib = 0, user = { latency = "0" }, clc_cc = { latency = "0" }, cc_nc = { latency = "0" }, walrus = { latency = "0" } }
clc = { run_instances = { mean = "0" } }
cc = { run_instances = { mean = "0" }, workers = 1 }
nc = { run_instance = { mean = "0" }, disk_prep = { mean = "0" }, boot = { dist = "constant", mean = "0" }, network_setup = { mean = "0" }, disk_mibps = 1e12 }
walrus = { get_object = { mean = "0" }, bandwidth_gbps = 1 }
[[cloud.cluster]]
host_groups = ["hosts0"]
uplink_gbps = 100
[[cloud.image]]
name = "img"
size_gib = 1.5
`

// k simultaneous cold fetches of an S-byte image over Walrus's B-byte/s
// link, the only bottleneck (uplink and NICs 100 Gb/s): each of the k
// nodes downloads it at B/k, so every transfer, the last one included,
// takes k·S/B: 4 × 1.5 GiB / (10⁹/8 B/s) = 51.539607552 s. With warm caches
// there is no transfer at all.
func TestColdFetchesShareWalrus(t *testing.T) {
	const k, S, B = 4, 1.5 * (1 << 30), 1e9 / 8
	want := sim.FromSeconds(k * S / B)
	f := newFake(t, instant)
	for v := range k {
		f.cp.Submit(v, 0)
	}
	f.s.RunUntil(1000 * sim.Second)
	nodes := map[int]bool{}
	for v := range k {
		if got := f.cp.Stage(v, sgTransfer); got < want-1 || got > want+1 {
			t.Errorf("launch %d: transfer %v, want k·S/B = %v", v, got, want)
		}
		// Then the disk copy at 10¹² MiB/s: 2 ns.
		if f.started[v] < want || f.started[v] > want+3 {
			t.Errorf("launch %d running at %v, want %v", v, f.started[v], want)
		}
		nodes[f.admitted[v]] = true
	}
	if len(nodes) != k {
		t.Errorf("ROUNDROBIN put the %d launches on %d nodes", k, len(nodes))
	}
	if f.cp.stats.misses != k || f.cp.stats.hits != 0 || f.cp.stats.walrusBytes != k*S {
		t.Errorf("misses %d hits %d bytes %v", f.cp.stats.misses, f.cp.stats.hits, f.cp.stats.walrusBytes)
	}

	w := newFake(t, instant, "cloud.nc.prewarm=true")
	for v := range k {
		w.cp.Submit(v, 0)
	}
	w.s.RunUntil(1000 * sim.Second)
	for v := range k {
		if got := w.cp.Stage(v, sgTransfer); got != 0 || w.started[v] > 2 {
			t.Errorf("warm launch %d: transfer %v, running at %v", v, got, w.started[v])
		}
	}
	if w.cp.stats.hits != k || w.cp.stats.walrusBytes != 0 {
		t.Errorf("warm: hits %d, Walrus bytes %v", w.cp.stats.hits, w.cp.stats.walrusBytes)
	}

	// Two launches on one node: one download, the second waits for it.
	g := newFake(t, strings.Replace(instant, "count = 4\ncores", "count = 1\ncores", 1))
	g.cp.Submit(0, 0)
	g.cp.Submit(1, 0)
	g.s.RunUntil(1000 * sim.Second)
	one := sim.FromSeconds(S / B)
	for v := range 2 {
		if d := g.cp.Stage(v, sgTransfer) - one; d < -1 || d > 1 {
			t.Errorf("same node, launch %d: transfer %v, want one download %v", v, g.cp.Stage(v, sgTransfer), one)
		}
	}
	if g.cp.stats.misses != 1 || g.cp.stats.joins != 1 {
		t.Errorf("same node: misses %d joins %d, want 1 and 1", g.cp.stats.misses, g.cp.stats.joins)
	}
}

// The LRU cache keeps the most recently used images that fit, never
// evicting one being copied.
func TestLRU(t *testing.T) {
	c := lru{capacity: 10}
	for _, im := range []int32{0, 1, 2} {
		if !c.insert(im, 4) && im < 2 {
			t.Fatalf("image %d did not fit", im)
		}
	}
	// 0 and 1 fit (8); 2 evicts 0, the least recently used.
	if c.touch(0) || !c.touch(1) || !c.touch(2) || c.evictions != 1 {
		t.Fatalf("after 0, 1, 2: %+v", c)
	}
	c.pin(1, 1) // 1 is being copied; 2 was used after it
	c.insert(3, 4)
	if !c.touch(1) || c.touch(2) || !c.touch(3) {
		t.Errorf("the pinned image was evicted: %+v", c)
	}
	if c.insert(4, 11) || !c.touch(1) {
		t.Error("an image larger than the cache was cached or evicted others")
	}
}

// POWERSAVE: the CC polls every 6 s; a node seen idle at a poll is powered
// down at the first later poll at which it has been idle for more than
// 300 s. Node reports are applied δ after each round (two messages and the
// NC's and CC's describe times, all constant here), so idleness starts at
// 6 s + δ and 306 s + δ is exactly 300 s later (not more): the decision is
// at 312 s + δ and the host is off once the NC has shut down (10 s after
// the call arrives). A launch at 1000 s then wakes the first node (GREEDY
// order) and waits the 120 s wake time.
func TestPowerSave(t *testing.T) {
	src := strings.Replace(instant, "[cloud]\n", "[cloud]\npolicy = \"powersave\"\n", 1)
	src = strings.Replace(src, "cc = { run_instances = { mean = \"0\" }, workers = 1 }", "cc = { run_instances = { mean = \"0\" }, workers = 1, describe_resources = { mean = \"2ms\" } }", 1)
	src = strings.Replace(src, "links = { message_kib = 0, user = { latency = \"0\" }, clc_cc = { latency = \"0\" }, cc_nc = { latency = \"0\" },", "links = { message_kib = 0, user = { latency = \"0\" }, clc_cc = { latency = \"0\" }, cc_nc = { latency = \"1ms\" },", 1)
	f := newFake(t, src, "cloud.nc.prewarm=true")
	for h := range f.on {
		f.on[h] = true
	}
	const delta = 1*sim.Millisecond + 5*sim.Millisecond + 1*sim.Millisecond + 2*sim.Millisecond
	off := 312*sim.Second + delta + sim.Millisecond + 10*sim.Second
	f.s.At(off-1, func() {
		if !f.on[0] || f.cp.nodes[0].state != nodeUp {
			t.Errorf("node 0 off before %v", off)
		}
	})
	f.s.At(off+1, func() {
		if f.on[0] || f.cp.nodes[0].state != nodeAsleep {
			t.Errorf("node 0 not off at %v", off)
		}
	})
	f.s.At(1000*sim.Second, func() { f.cp.Submit(0, 0) })
	f.s.RunUntil(1200 * sim.Second)
	if f.admitted[0] != 0 || !f.on[0] {
		t.Fatalf("the launch went to node %d (on %v), want node 0 woken", f.admitted[0], f.on[0])
	}
	// It waited for the wake-up after the CC's dispatch (1 ms on the link).
	if got := f.cp.Stage(0, sgWake); got != 120*sim.Second-sim.Millisecond {
		t.Errorf("wake wait %v, want 120 s less the 1 ms message", got)
	}
	if f.cp.stats.wakeups != 1 || f.cp.stats.powerDowns != 4 {
		t.Errorf("wake-ups %d, power-downs %d; want 1 and 4", f.cp.stats.wakeups, f.cp.stats.powerDowns)
	}
	for h := 1; h < 4; h++ {
		if f.on[h] {
			t.Errorf("node %d was woken too", h)
		}
	}
}

// A transfer slower than the clock can count (a rate the loader refuses)
// never ends, rather than scheduling its end in the past: the launch is
// still pending, and nothing panics.
func TestTransferBeyondTheClock(t *testing.T) {
	sc, err := scenarios.LoadBytes("t.toml", []byte(instant), scenarios.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sc.Cloud.Walrus.BandwidthGbps = 1e-300
	g, v := sc.HostGroups[0], sc.VMGroups[0]
	var hs []policies.HostState
	for range g.Count {
		hs = append(hs, policies.HostState{Cores: g.Cores, MIPSPerCore: g.MIPSPerCore, RAMMiB: g.RAMGiB * 1024,
			DiskMiB: g.StorageGB * 1024, BandwidthMbps: g.BandwidthGbps * 1000, CPURatio: 1, RAMRatio: 1, DiskRatio: 1, On: true})
	}
	f := &fake{s: sim.New(1), real: policies.NewCluster(hs), n: 1,
		req: policies.Request{VCPUs: v.VCPUs, MIPS: v.MIPS, RAMMiB: v.RAMGiB * 1024},
		on:  make([]bool, g.Count), admitted: []int{-1}, started: []sim.Time{-1}, reasons: make([]string, 1)}
	if f.cp, err = New(f.s, sc, f, []policies.Request{f.req}, 1); err != nil {
		t.Fatal(err)
	}
	f.s.At(sim.Second, func() { f.cp.Submit(0, 0) })
	f.s.RunUntil(1000 * sim.Second)
	if f.started[0] >= 0 || f.cp.Latency(0) != -1 || f.cp.Stage(0, sgTransfer) != 0 {
		t.Errorf("the launch ran at %v (latency %v)", f.started[0], f.cp.Latency(0))
	}
}

// Volumes by hand. Once the instance runs, CreateVolume goes user →
// CLC (10 ms) → CLC's worker (20 ms) → SC (1 ms) → SC's worker, 1 s +
// 2 GiB at 100 MiB/s = 21.48 s → CLC (1 ms) → user (10 ms): created
// 21.522 s after. AttachVolume: user → CLC (10 ms) → CLC's worker (30 ms)
// → CC (0) → CC's worker (5 ms) → NC (0) → NC's worker (1 s) → SC (1 ms)
// → SC's export (500 ms) → NC (1 ms): attached 1.547 s later.
func TestVolumeTimesByHand(t *testing.T) {
	src := strings.Replace(instant, "ram_gib = 1\n", "ram_gib = 1\nvolume_gib = 2\n", 1)
	src = strings.Replace(src, `user = { latency = "0" }`, `user = { latency = "10ms" }, storage = { latency = "1ms" }`, 1)
	src = strings.Replace(src, `clc = { run_instances = { mean = "0" } }`,
		`clc = { run_instances = { mean = "0" }, create_volume = { mean = "20ms" }, attach_volume = { mean = "30ms" } }
sc = { create_volume = { mean = "1s" }, create_mibps = 100, attach_volume = { mean = "500ms" } }`, 1)
	src = strings.Replace(src, `cc = { run_instances = { mean = "0" }, workers = 1 }`, `cc = { run_instances = { mean = "0" }, workers = 1, attach_volume = { mean = "5ms" } }`, 1)
	f := newFake(t, src, "cloud.nc.prewarm=true", `cloud.clc.create_volume.dist="constant"`, `cloud.clc.attach_volume.dist="constant"`,
		`cloud.cc.attach_volume.dist="constant"`)
	f.cp.Submit(0, 0)
	f.s.RunUntil(100 * sim.Second)
	// The launch: one user-link message, and its image copied at 10¹²
	// MiB/s (2 ns).
	if t0 := f.started[0]; t0 < 10*sim.Millisecond || t0 > 10*sim.Millisecond+3 {
		t.Fatalf("instance running at %v, want 10 ms", t0)
	}
	v := &f.cp.vols[f.cp.volOf[0]]
	if got, want := v.created-v.start, 21522*sim.Millisecond; got != want {
		t.Errorf("volume created in %v, want %v", got, want)
	}
	if got, want := v.attached-v.created, 1547*sim.Millisecond; got != want {
		t.Errorf("volume attached in %v, want %v", got, want)
	}
	if f.cp.stats.volumes != 1 || f.cp.InFlight() != 0 {
		t.Errorf("%d volumes attached, %d operations in flight", f.cp.stats.volumes, f.cp.InFlight())
	}
}

// A volume whose instance is terminated before the attachment reaches
// its NC is abandoned, and counted: the instance lives 1 s, its 2 GiB
// volume takes 21.5 s to create. Nothing is left in flight.
func TestVolumeAbandoned(t *testing.T) {
	src := strings.Replace(instant, "ram_gib = 1\n", "ram_gib = 1\nvolume_gib = 2\nlifetime = \"1s\"\n", 1)
	f := newFake(t, src, "cloud.nc.prewarm=true")
	f.cp.Submit(0, 0)
	f.s.RunUntil(100 * sim.Second)
	m := map[string]float64{}
	f.cp.Finish(f.s.Now(), m, &results.Recorder{}, []string{"g"})
	if m["volumes_requested"] != 1 || m["volumes_created"] != 1 || m["volumes_abandoned"] != 1 || m["volumes_attached"] != 0 || f.cp.InFlight() != 0 {
		t.Errorf("volumes: %v requested, %v created, %v abandoned, %v attached; %d in flight",
			m["volumes_requested"], m["volumes_created"], m["volumes_abandoned"], m["volumes_attached"], f.cp.InFlight())
	}
}
