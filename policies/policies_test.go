package policies

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

type table [11]float64

func (t table) Watts(u float64) float64 {
	x := min(max(u, 0), 1) * 10
	k := int(x)
	if k >= 10 {
		return t[10]
	}
	return t[k] + (t[k+1]-t[k])*(x-float64(k))
}

// Published SPECpower_ssj2008 tables (typed again here, independently of
// model/host).
var (
	g4 = table{86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117}
	g5 = table{93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135}
)

func hostState(cores int, mips, ramMiB float64) HostState {
	return HostState{Cores: cores, MIPSPerCore: mips, RAMMiB: ramMiB, DiskMiB: 1e6, CPURatio: 1, RAMRatio: 1, DiskRatio: 1, On: true}
}

func req(id, vcpus int, ramMiB float64) Request {
	return Request{ID: id, VCPUs: vcpus, MIPS: 1000, RAMMiB: ramMiB, DiskMiB: 1024, DemandMIPS: float64(vcpus) * 1000}
}

func randomCluster(r *rand.Rand, n int) []HostState {
	hs := make([]HostState, n)
	for i := range hs {
		hs[i] = hostState(1+r.IntN(16), float64(1000+r.IntN(3000)), float64(1024*(1+r.IntN(64))))
		hs[i].On = r.IntN(4) != 0
		hs[i].Power = g5
		if r.IntN(2) == 0 {
			hs[i].Power = g4
		}
	}
	return hs
}

// withMemory gives about half the hosts a simulated memory and half the
// requests a memory description, of three images.
func withMemory(r *rand.Rand, hosts []HostState, reqs []Request) {
	for i := range hosts {
		if r.IntN(2) == 0 {
			h := &hosts[i]
			h.Mem = &MemState{MemoryMiB: h.RAMMiB - 512, MinFreeMiB: 0.02 * h.RAMMiB, State: r.IntN(5),
				FreeMiB: r.Float64() * h.RAMMiB, ActiveMiB: r.Float64() * h.RAMMiB}
		}
	}
	for i := range reqs {
		if r.IntN(2) == 0 {
			q := &reqs[i]
			touched := q.RAMMiB * (0.5 + 0.5*r.Float64())
			q.Mem = &MemRequest{Image: r.IntN(3), TouchedMiB: touched, SharedIntra: 0.1 * r.Float64(),
				SharedInter: 0.4 * r.Float64(), WorkingSetMiB: touched * r.Float64()}
		}
	}
}

func randomBatch(r *rand.Rand, n int) []Request {
	rs := make([]Request, n)
	for i := range rs {
		rs[i] = Request{ID: i, VCPUs: 1 + r.IntN(8), MIPS: float64(500 + r.IntN(3500)), RAMMiB: float64(512 * (1 + r.IntN(32))),
			DiskMiB: 2560, DemandMIPS: float64(r.IntN(4000))}
	}
	return rs
}

var reasonRe = regexp.MustCompile(`^\d+/\d+ hosts fit(: \d+ [a-zA-Z ]+(, \d+ [a-zA-Z ]+)*)?$`)

// Every placer, on many random clusters and batches: one decision per
// request; chosen hosts fit the request; the cluster's usage equals the sum
// of placed requests; the requests are not modified; the same input gives
// the same decisions; rejections explain themselves.
//
// Half the hosts and requests carry a simulated memory (random states,
// working sets and images), which the memory-aware variants read; with
// admission = "sharing" a host may be booked beyond its RAM ratio, but
// never beyond it once the expected sharing is taken off.
func TestConformance(t *testing.T) {
	type variant struct {
		name string
		args map[string]any
	}
	var variants []variant
	for _, name := range Names() {
		variants = append(variants, variant{name, nil})
	}
	variants = append(variants, variant{"mem-aware", map[string]any{"admission": "sharing"}},
		variant{"mem-aware", map[string]any{"admission": "sharing", "max_state": "low", "working_set_fit": 0.0, "pressure_weight": 1.0}},
		variant{"mem-aware", map[string]any{"max_state": "hard", "working_set_fit": 0.8, "pack_weight": 1.0}})
	for _, vt := range variants {
		name := vt.name
		t.Run(fmt.Sprint(name, vt.args), func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			for trial := range 40 {
				hosts := randomCluster(r, 1+r.IntN(30))
				batch := randomBatch(r, 1+r.IntN(60))
				withMemory(r, hosts, batch)
				orig := slices.Clone(batch)
				before := slices.Clone(hosts)
				for i := range before {
					if before[i].Mem != nil {
						before[i].Mem = before[i].Mem.clone()
					}
				}
				run := func() ([]Decision, *Cluster) {
					p, err := New(name, vt.args)
					if err != nil {
						t.Fatal(err)
					}
					c := NewCluster(hosts)
					return p.Place(c, batch), c
				}
				d1, c1 := run()
				d2, _ := run()
				if !reflect.DeepEqual(d1, d2) {
					t.Fatalf("trial %d: decisions differ between identical runs", trial)
				}
				if !reflect.DeepEqual(batch, orig) {
					t.Fatalf("trial %d: placer modified the requests", trial)
				}
				if !reflect.DeepEqual(hosts, before) {
					t.Fatalf("trial %d: placer modified the hosts it was given", trial)
				}
				if len(d1) != len(batch) {
					t.Fatalf("trial %d: %d decisions for %d requests", trial, len(d1), len(batch))
				}
				used := make([]int, len(hosts))
				usedRAM := make([]float64, len(hosts))
				// Replay the placed requests on a fresh cluster in decision
				// order: each must fit at its turn.
				for k, d := range d1 {
					if !d.Placed() {
						if !reasonRe.MatchString(d.Reason) {
							t.Fatalf("trial %d: reason %q has the wrong form", trial, d.Reason)
						}
						continue
					}
					if d.Reason != "" {
						t.Fatalf("placed with a reason")
					}
					used[d.Host] += batch[k].VCPUs
					usedRAM[d.Host] += batch[k].RAMMiB
					if batch[k].MIPS > hosts[d.Host].MIPSPerCore && name != "openstack" {
						t.Fatalf("trial %d: VM %d with %v-MIPS vCPUs on %v-MIPS cores", trial, k, batch[k].MIPS, hosts[d.Host].MIPSPerCore)
					}
				}
				for i := range hosts {
					h := c1.Host(i)
					if h.UsedVCPUs != used[i] || h.UsedRAMMiB != usedRAM[i] {
						t.Fatalf("trial %d host %d: cluster says %d vCPUs %v RAM, decisions say %d %v", trial, i, h.UsedVCPUs, h.UsedRAMMiB, used[i], usedRAM[i])
					}
					ram := h.FreeRAMMiB()
					if h.Mem != nil && vt.args["admission"] == "sharing" {
						ram += h.Mem.SharedMiB(nil) // booked less the expected sharing
					}
					if h.FreeVCPUs() < -1e-9 || ram < -1e-9*h.RAMMiB {
						t.Fatalf("trial %d host %d overcommitted beyond its ratios", trial, i)
					}
				}
			}
		})
	}
}

// FirstFit's segment tree agrees with a linear scan under random
// allocations and releases.
func TestFirstFitMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for trial := range 30 {
		hosts := randomCluster(r, 1+r.IntN(200))
		c := NewCluster(hosts)
		var placed []struct {
			h int
			q Request
		}
		for step := range 400 {
			q := randomBatch(r, 1)[0]
			from := r.IntN(len(hosts) + 1)
			want := -1
			for i := from; i < len(hosts); i++ {
				if ok, _ := c.Fits(i, &q); ok {
					want = i
					break
				}
			}
			if got := c.FirstFit(&q, from); got != want {
				t.Fatalf("trial %d step %d: FirstFit = %d, scan = %d", trial, step, got, want)
			}
			if want >= 0 && r.IntN(3) != 0 {
				c.Allocate(want, &q)
				placed = append(placed, struct {
					h int
					q Request
				}{want, q})
			}
			if len(placed) > 0 && r.IntN(3) == 0 {
				k := r.IntN(len(placed))
				c.Release(placed[k].h, &placed[k].q)
				placed = slices.Delete(placed, k, k+1)
			}
		}
	}
}

func place(t *testing.T, name string, args map[string]any, hosts []HostState, reqs ...Request) ([]Decision, *Cluster) {
	t.Helper()
	p, err := New(name, args)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCluster(hosts)
	return p.Place(c, reqs), c
}

func hostsOf(d []Decision) []int {
	out := make([]int, len(d))
	for i := range d {
		out[i] = d[i].Host
	}
	return out
}

func TestPolicies(t *testing.T) {
	// Three hosts with 4, 8, 2 cores (8 GiB each): a 2-vCPU VM leaves
	// fractions 0.5, 0.75, 0 of cores.
	three := []HostState{hostState(4, 1000, 8192), hostState(8, 1000, 8192), hostState(2, 1000, 8192)}
	vm := req(0, 2, 1024)
	tests := []struct {
		name   string
		policy string
		args   map[string]any
		hosts  []HostState
		reqs   []Request
		want   []int
	}{
		{"first fit takes host 0", "first-fit", nil, three, []Request{vm}, []int{0}},
		{"best fit packs the 2-core host", "best-fit", nil, three, []Request{vm}, []int{2}},
		{"worst fit spreads to the 8-core host", "worst-fit", nil, three, []Request{vm}, []int{1}},
		{"round robin rotates and wraps", "round-robin", nil, three, []Request{req(0, 1, 1), req(1, 1, 1), req(2, 1, 1), req(3, 1, 1)}, []int{0, 1, 2, 0}},
		// OpenStack with default multipliers spreads. Under Nova's ratios
		// (16 vCPUs per core, RAM 1.5) free vCPUs are 64, 128, 32 and free
		// RAM is equal, so the first VM goes to host 1 (cpu weight 1). Then
		// free vCPUs are 64, 126, 32 → normalized 0.34, 1, 0, and free RAM
		// 12288, 11264, 12288 → 1, 0, 1: totals 1.34, 1, 1, so host 0.
		{"openstack spreads", "openstack", nil, three, []Request{vm, vm}, []int{1, 0}},
		// A negative multiplier stacks: least free capacity wins.
		{"openstack stacks", "openstack", map[string]any{"ram_weight_multiplier": -1.0, "cpu_weight_multiplier": int64(-1)}, three, []Request{vm}, []int{2}},
		// GREEDY wakes the first off node only when no awake node fits.
		{"greedy prefers awake nodes", "euca-greedy", nil,
			[]HostState{func() HostState { h := hostState(4, 1000, 8192); h.On = false; return h }(), hostState(2, 1000, 8192)},
			[]Request{vm, vm}, []int{1, 0}},
		{"euca round robin", "euca-roundrobin", nil, three, []Request{req(0, 1, 1), req(1, 1, 1), req(2, 1, 1), req(3, 1, 1)}, []int{0, 1, 2, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hosts := slices.Clone(tc.hosts)
			if tc.policy == "openstack" {
				for i := range hosts {
					hosts[i].CPURatio, hosts[i].RAMRatio = 16, 1.5
				}
			}
			d, _ := place(t, tc.policy, tc.args, hosts, tc.reqs...)
			if got := hostsOf(d); !slices.Equal(got, tc.want) {
				t.Errorf("hosts %v, want %v", got, tc.want)
			}
		})
	}
}

// Nova's default CPU ratio lets 16 vCPUs share each core.
func TestOpenStackRatios(t *testing.T) {
	p, _ := New("openstack", nil)
	if cpu, ram, disk := DefaultRatios(p); cpu != 16 || ram != 1.5 || disk != 1 {
		t.Fatalf("ratios %v %v %v", cpu, ram, disk)
	}
	h := hostState(1, 1000, 65536)
	h.CPURatio = 16
	var reqs []Request
	for i := range 17 {
		reqs = append(reqs, req(i, 1, 1024))
	}
	d, _ := place(t, "openstack", nil, []HostState{h}, reqs...)
	for i := range 16 {
		if d[i].Host != 0 {
			t.Fatalf("vCPU %d not placed", i)
		}
	}
	if d[16].Placed() || d[16].Reason != "0/1 hosts fit: 1 short on cores" {
		t.Fatalf("17th: %+v", d[16])
	}
	if p, _ := New("first-fit", nil); fmt.Sprint(DefaultRatios(p)) != "1 1 1" {
		t.Fatal("first-fit ratios")
	}
}

// PABFD: a G4 host (2 × 1860 MIPS) and a G5 host (2 × 2660 MIPS), both idle
// but on. Placing 1000 MIPS: on G4 the utilization goes 0 → 1000/3720 =
// 0.2688, power 86 → 92.6 + (96−92.6)·0.688 = 94.94, +8.94 W; on G5 0 →
// 1000/5320 = 0.188, power 93.7 → 97 + 4·0.88 = 100.52, +6.82 W. G5 wins.
// Batch order is by decreasing demand.
func TestPABFD(t *testing.T) {
	a := hostState(2, 1860, 4096)
	a.Power = g4
	b := hostState(2, 2660, 4096)
	b.Power = g5
	r := Request{ID: 0, VCPUs: 1, MIPS: 1000, RAMMiB: 512, DemandMIPS: 1000}
	d, c := place(t, "pabfd", nil, []HostState{a, b}, r)
	if d[0].Host != 1 || c.Host(1).DemandMIPS != 1000 {
		t.Fatalf("decision %+v demand %v", d, c.Host(1).DemandMIPS)
	}
	// Decreasing order: the 2600-MIPS VM (fits only the G5 under max_util 1:
	// 2600 < 5320 but > 3720·0.6) is placed first even though it comes last.
	p, _ := New("pabfd", map[string]any{"max_util": 0.6})
	c = NewCluster([]HostState{a, b})
	small := Request{ID: 0, VCPUs: 1, MIPS: 1000, RAMMiB: 512, DemandMIPS: 1000}
	big := Request{ID: 1, VCPUs: 1, MIPS: 1000, RAMMiB: 512, DemandMIPS: 2600}
	d = p.Place(c, []Request{small, big})
	// big → G5 (util 0.489 ≤ 0.6); then small: G5 would reach 0.677 > 0.6,
	// so it goes to G4.
	if got := hostsOf(d); !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("hosts %v, want [0 1]", got)
	}
	// Waking cost: with the G5 host off, waking it costs its full 100.52 W;
	// the G4 host (on) costs +8.94 W, so G4 wins; without wake_cost G5 wins.
	b.On = false
	if d, _ := place(t, "pabfd", nil, []HostState{a, b}, r); d[0].Host != 0 {
		t.Fatalf("with wake cost: host %d, want 0", d[0].Host)
	}
	if d, _ := place(t, "pabfd", map[string]any{"wake_cost": false}, []HostState{a, b}, r); d[0].Host != 1 {
		t.Fatalf("without wake cost: host %d, want 1", d[0].Host)
	}
	// One batch onto two sleeping G5 hosts: the first VM wakes host 0
	// (+100.52 W); for the second, host 0 is awake and grows 100.52 →
	// 2000/5320 = 0.376: 105 + 5·0.759 = 108.80 W, +8.27 W, against
	// +100.52 W to wake host 1. Both go to host 0.
	b0, b1 := b, b
	if d, _ := place(t, "pabfd", nil, []HostState{b0, b1}, r, Request{ID: 1, VCPUs: 1, MIPS: 1000, RAMMiB: 512, DemandMIPS: 1000}); !slices.Equal(hostsOf(d), []int{0, 0}) {
		t.Fatalf("batch onto sleeping hosts: %v, want [0 0]", hostsOf(d))
	}
}

func TestRejectionReason(t *testing.T) {
	hosts := []HostState{hostState(8, 1000, 1024), hostState(8, 1000, 2048), hostState(2, 1000, 65536)}
	d, _ := place(t, "first-fit", nil, hosts, req(0, 4, 4096))
	if d[0].Reason != "0/3 hosts fit: 2 short on RAM, 1 short on cores" {
		t.Fatalf("reason %q", d[0].Reason)
	}
	if got := Explain(NewCluster(nil), strict, &Request{}); got != "0/0 hosts fit: no hosts" {
		t.Fatalf("empty: %q", got)
	}
}

func TestRegistryErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args map[string]any
		want []string
	}{
		{"frist-fit", nil, []string{`unknown placement policy "frist-fit" (did you mean "first-fit"?)`, "known: best-fit"}},
		{"first-fit", map[string]any{"x": 1}, []string{"placement.args.x: policy first-fit takes no arguments"}},
		{"openstack", map[string]any{"ram_weight_multiplyer": 1.0, "cpu_allocation_ratio": -2.0, "cpu_weight_multiplier": "big"},
			[]string{`placement.args.ram_weight_multiplyer: unknown argument for openstack (did you mean "ram_weight_multiplier"?)`,
				"placement.args.cpu_allocation_ratio: must be > 0, got -2", "placement.args.cpu_weight_multiplier: want a number, got big"}},
		{"pabfd", map[string]any{"wake_cost": "yes"}, []string{"placement.args.wake_cost: want true or false"}},
	} {
		_, err := New(tc.name, tc.args)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s %v: error %v lacks %q", tc.name, tc.args, err, w)
			}
		}
	}
	for _, n := range Names() {
		if Describe(n) == "" {
			t.Errorf("%s has no description", n)
		}
	}
}

// BenchmarkFirstFit places 400,000 2-vCPU/4-GiB VMs onto 100,000 hosts of 8
// cores/64 GiB in order (the largest cloudsim-scale size).
func BenchmarkFirstFit(b *testing.B) {
	hosts := make([]HostState, 100000)
	for i := range hosts {
		hosts[i] = hostState(8, 10000, 65536)
	}
	reqs := make([]Request, 400000)
	for i := range reqs {
		reqs[i] = Request{ID: i, VCPUs: 2, MIPS: 2500, RAMMiB: 4096, DiskMiB: 2560}
	}
	b.ReportAllocs()
	for b.Loop() {
		c := NewCluster(hosts)
		FirstFit{}.Place(c, reqs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(reqs)), "ns/placement")
}

// A pipeline's weights matter: Pack×1 + Spread×2 scores 1 − L + 2L = 1 + L,
// which ranks like worst fit (host 1 of the three, leftover 0.75); Pack
// alone ranks like best fit (host 2, leftover 0).
func TestPipelineWeights(t *testing.T) {
	three := []HostState{hostState(4, 1000, 8192), hostState(8, 1000, 8192), hostState(2, 1000, 8192)}
	for _, tc := range []struct {
		scorers []Weighted
		want    int
	}{
		{[]Weighted{{PackScorer{}, 1}, {SpreadScorer{}, 2}}, 1},
		{[]Weighted{{PackScorer{}, 1}}, 2},
		{[]Weighted{{SpreadScorer{}, 1}}, 1},
		{nil, 0}, // no scorers: every host scores 0, the lowest index wins
	} {
		p := &Pipeline{PolicyName: "custom", Filters: strict, Scorers: tc.scorers}
		d := p.Place(NewCluster(three), []Request{req(0, 2, 1024)})
		if d[0].Host != tc.want {
			t.Errorf("scorers %v: host %d, want %d", tc.scorers, d[0].Host, tc.want)
		}
	}
}

// PABFD skips an empty host when an earlier empty twin was scored; it
// chooses what a plain scan of every host with PABFD's definition chooses,
// on clusters of a few kinds of hosts, many of them identical and empty.
func TestPABFDMatchesScan(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 3))
	for trial := range 200 {
		kinds := randomCluster(r, 1+r.IntN(3))
		for k := range kinds {
			kinds[k].Group = fmt.Sprintf("g%d", k)
		}
		hosts := make([]HostState, 5+r.IntN(60))
		for i := range hosts {
			hosts[i] = kinds[r.IntN(len(kinds))]
		}
		wake := r.IntN(2) == 0
		reqs := randomBatch(r, 1+r.IntN(40))
		got, _ := place(t, "pabfd", map[string]any{"wake_cost": wake}, hosts, reqs...)

		// The reference: PABFD's order, then every host scored.
		c := NewCluster(hosts)
		fs := append(slices.Clone(strict), utilFilter{1})
		order := make([]int, len(reqs))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			if reqs[a].DemandMIPS != reqs[b].DemandMIPS {
				if reqs[a].DemandMIPS > reqs[b].DemandMIPS {
					return -1
				}
				return 1
			}
			return reqs[a].ID - reqs[b].ID
		})
		for _, k := range order {
			q := &reqs[k]
			want := -1
			bestInc := 0.0
			for i := range c.Len() {
				h := c.Host(i)
				if ok, _ := passes(fs, h, q); !ok {
					continue
				}
				before := h.Power.Watts(min(h.DemandMIPS/h.TotalMIPS(), 1))
				if wake && !h.On && h.NumVMs == 0 {
					before = 0
				}
				inc := h.Power.Watts(min((h.DemandMIPS+q.DemandMIPS)/h.TotalMIPS(), 1)) - before
				if want < 0 || inc < bestInc {
					want, bestInc = i, inc
				}
			}
			if got[k].Host != want {
				t.Fatalf("trial %d: request %d on host %d, a full scan gives %d", trial, q.ID, got[k].Host, want)
			}
			if want >= 0 {
				c.Allocate(want, q)
				c.SetDemand(want, c.Host(want).DemandMIPS+q.DemandMIPS)
			}
		}
	}
}
