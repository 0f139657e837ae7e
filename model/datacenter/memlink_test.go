package datacenter

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// runMem runs sc with the memory model's invariant (mem.Host.Check)
// checked after every epoch of every host, stepping every host every
// epoch when every is set.
func runMem(t *testing.T, sc *scenarios.Scenario, every bool) (*Model, *results.Recorder) {
	t.Helper()
	rec := &results.Recorder{}
	m, err := New(sc, rec)
	if err != nil {
		t.Fatal(err)
	}
	if m.mem == nil {
		t.Fatal("the scenario simulates no memory")
	}
	m.mem.check, m.mem.everyEpoch = true, every
	m.Run()
	if m.mem.err != nil {
		t.Fatalf("memory not conserved: %v", m.mem.err)
	}
	return m, rec
}

// recordBytes is every record of a run as the files would hold them.
func recordBytes(t *testing.T, rec *results.Recorder) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, err := range []error{
		results.WriteCSV(&b, rec.Outcomes), results.WriteCSV(&b, rec.Cloudlets), results.WriteCSV(&b, rec.Hosts),
		results.WriteCSV(&b, rec.VMs), results.WriteCSV(&b, rec.Datacenter), results.WriteCSV(&b, rec.HostMemory),
		results.WriteSummaryJSON(&b, &rec.Summary),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// The hand-computed slowdown. One 2000 MiB guest (touching all of it,
// working set 1500 MiB, 1000 page touches per second) on a host of 1536
// MiB less 436 for the hypervisor, minFree 200 MiB, ballooning only, the
// balloon capped at half the guest. The guest fills the host, the balloon
// inflates to its cap of 1000 MiB and the guest holds the other 1000: free
// memory settles at 1100 − 1000 = 100 MiB (soft: below 0.64·200 = 128, the
// balloon at its cap, nothing else to do). The working set no longer fits
// beside the balloon, so the guest pages: λ = h·(W − (C − b))/W =
// 1000·500/1500 per second, each a 5 ms disk read: S = 1 + λ·0.005 = 8/3.
// A 240 000 MI cloudlet submitted at 1 h, once this has settled, needs
// 100 s on the 2400-MIPS vCPU; it takes 100·S s.
const slowScenario = `
[parameters]
mem = true
tolerance = 0.001
[[host_group]]
count = 1
cores = 1
mips_per_core = 2400
ram_gib = 1.5
ram_allocation_ratio = 1.5
power = { model = "linear", idle_watts = 100, max_watts = 200 }
[[vm_group]]
count = 1
vcpus = 1
mips = 2400
ram_gib = 1.953125
memory = { active = 0.75, touched = 1.0, guest_min_mib = 0, touch_rate = 1000 }
[[cloudlet_group]]
count = 1
length_mi = 240000
submit_at = "1h"
[memory]
enabled = "$mem"
progress_tolerance = "$tolerance"
mechanisms = ["balloon"]
balloon_max = 0.5
min_free_mib = 200
overhead_mib = 436
sample_pages = 0
guest_page_in = "5ms"
`

func TestMemorySlowdownStretchesWork(t *testing.T) {
	S := 1 + 1000.0*500/1500*0.005
	for _, tc := range []struct {
		sets   []string
		finish float64
	}{
		{[]string{"mem=false"}, 3700},
		{nil, 3600 + 100*S},
		{[]string{"tolerance=0"}, 3600 + 100*S},
	} {
		sc, err := scenarios.LoadBytes("slow.toml", []byte(slowScenario), LoadOptions(tc.sets, nil))
		if err != nil {
			t.Fatal(err)
		}
		var rec *results.Recorder
		if sc.Memory.Enabled {
			_, rec = runMem(t, sc, false)
		} else {
			_, rec = run(t, sc)
		}
		c := rec.Cloudlets[0]
		if c.State != "finished" || math.Abs(c.FinishS-tc.finish) > 1e-9*tc.finish {
			t.Errorf("%v: cloudlet %s at %v s, want %v (S = %v)", tc.sets, c.State, c.FinishS, tc.finish, S)
		}
		if o := rec.Outcomes[0]; o.State != "finished" || math.Abs(o.WorkMI-240000) > 1e-6 {
			t.Errorf("%v: VM %s with %v MI done", tc.sets, o.State, o.WorkMI)
		}
	}
}

// Reclamation CPU in the host's power, by the linear power model's
// formula. One 1000-MIPS core at 100..200 W, a VM using 500 MIPS, page
// sharing on: the scanner's 5000 pages/s at 1 µs each take 0.005 of a
// core, 5 MIPS, from the first epoch (1 s) on. P = 100 + 100·(500 + 5)/1000
// = 150.5 W (150 W before), so E = 150·1 + 150.5·3599 J over the hour.
func TestMemoryCPUInPower(t *testing.T) {
	sc, err := scenarios.LoadBytes("cpu.toml", []byte(`
duration = "1h"
[[host_group]]
count = 1
cores = 1
mips_per_core = 1000
ram_gib = 8
power = { model = "linear", idle_watts = 100, max_watts = 200 }
[[vm_group]]
count = 1
vcpus = 1
mips = 1000
ram_gib = 1
utilization = { model = "constant", level = 0.5 }
[memory]
enabled = true
mechanisms = ["share"]
`), LoadOptions(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, rec := runMem(t, sc, false)
	s := rec.Summary
	wantJ := 150*1 + 150.5*3599
	if math.Abs(s.EnergyKWh*3.6e6-wantJ) > 1e-6 {
		t.Errorf("energy %v J, want %v", s.EnergyKWh*3.6e6, wantJ)
	}
	if got := s.Metrics["mem_reclaim_cpu_core_s"]; math.Abs(got-18) > 1e-9 {
		t.Errorf("reclamation CPU %v core-s, want 3600 × 0.005 = 18", got)
	}
	if got, want := s.MeanUtil, (500*3600+5*3599)/(1000*3600.0); math.Abs(got-want) > 1e-12 {
		t.Errorf("mean utilization %v, want %v", got, want)
	}
	// The VM's vCPU is not the limit, so copy-on-write stalls cost it no work.
	if got := rec.Outcomes[0].WorkMI; math.Abs(got-500*3600) > 1e-6 {
		t.Errorf("work %v MI, want %v", got, 500*3600)
	}
}

// memDatacenter is the mem-datacenter scenario as one datacenter run at a
// RAM ratio, placement and duration (hours of arrivals and run).
func memDatacenter(t *testing.T, ratio float64, p scenarios.StudyPlacement, hours int) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadEmbedded("mem-datacenter", LoadOptions(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	sc.Study = scenarios.Study{}
	sc.Placement = scenarios.Placement{Policy: p.Policy, Args: p.Args}
	for i := range sc.HostGroups {
		sc.HostGroups[i].RAMAllocationRatio = ratio
	}
	sc.Duration = dur(sim.Time(hours) * sim.Hour)
	sc.VMGroups[0].Count = hours * 20
	sc.Output.SampleInterval = dur(10 * sim.Minute)
	return sc
}

// wavesScenario: a few guests settle and their host sleeps for hours
// (its working-set sampling going on unseen); then a wave of guests
// squeezes it, and who gives memory back depends on those samples.
const wavesScenario = `
duration = "5h"
[[host_group]]
count = 1
cores = 16
mips_per_core = 2400
ram_gib = 32
ram_allocation_ratio = 3
[[vm_group]]
name = "early"
count = 3
vcpus = 1
mips = 2400
ram_gib = 4
utilization = { model = "constant", level = 0.3 }
memory = { active = 0.3 }
[[vm_group]]
name = "wave"
count = 12
vcpus = 1
mips = 2400
ram_gib = 4
submit_at = "3h"
interarrival = "1m"
utilization = { model = "constant", level = 0.8 }
memory = { active = 0.6 }
[memory]
enabled = true
mechanisms = ["balloon", "compress", "swap"]
`

// Sleeping hosts change nothing: stepping every host every epoch and
// skipping the epochs of hosts at a fixed point give the same records,
// bit for bit — under pressure (mem-datacenter at ratio 2.5, with swapping
// and blocking possible) and without (quickstart, whose hosts mostly
// sleep). Memory is conserved at every epoch of every host, and every VM
// ends placed, finished or rejected with a reason.
func TestMemorySkipMatchesStepping(t *testing.T) {
	quick := func(sets ...string) *scenarios.Scenario {
		sc, err := scenarios.LoadEmbedded("quickstart", LoadOptions(append([]string{"memory.enabled=true"}, sets...), nil))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	pl := scenarios.DefaultMemoryPlacements()
	cases := []struct {
		name    string
		sc      func() *scenarios.Scenario
		sleepLt float64 // skipping must step less than this share of what stepping every epoch steps
	}{
		{"quickstart", func() *scenarios.Scenario { return quick() }, 0.25},
		{"quickstart without sharing", func() *scenarios.Scenario {
			return quick(`memory.mechanisms=["balloon","compress","swap"]`, "memory.sample_pages=0")
		}, 0.01},
		{"sleep, then pressure", func() *scenarios.Scenario {
			sc, err := scenarios.LoadBytes("waves.toml", []byte(wavesScenario), LoadOptions(nil, nil))
			if err != nil {
				t.Fatal(err)
			}
			return sc
		}, 0.5},
		{"mem-datacenter ratio 2.5", func() *scenarios.Scenario { return memDatacenter(t, 2.5, pl[0], 6) }, 1.01},
		{"mem-datacenter sharing 2.5", func() *scenarios.Scenario { return memDatacenter(t, 2.5, pl[2], 6) }, 1.01},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m1, r1 := runMem(t, tc.sc(), true)
			m2, r2 := runMem(t, tc.sc(), false)
			if !bytes.Equal(recordBytes(t, r1), recordBytes(t, r2)) {
				t.Fatal("skipping quiet epochs changed the records")
			}
			// Every epoch steps every host with guests (a host without
			// any sleeps in both).
			all, total := m1.MemoryEpochs()
			some, _ := m2.MemoryEpochs()
			if some > all || float64(some) >= tc.sleepLt*float64(all) {
				t.Errorf("stepped %d (every epoch) and %d (skipping) of %d host-epochs", all, some, total)
			}
			t.Logf("skipping stepped %d of %d host-epochs (%.1f %%)", some, total, 100*float64(some)/float64(total))
			s := r2.Summary
			if s.VMsPlaced+s.VMsRejected != s.VMsRequested || s.VMsFinished+s.VMsRunningAtEnd > s.VMsPlaced {
				t.Errorf("VMs: %d requested, %d placed, %d rejected, %d finished, %d running", s.VMsRequested, s.VMsPlaced, s.VMsRejected, s.VMsFinished, s.VMsRunningAtEnd)
			}
			for _, o := range r2.Outcomes {
				switch {
				case o.State == "rejected" && o.Reason == "":
					t.Fatalf("VM %d rejected without a reason", o.VM)
				case o.State != "rejected" && o.State != "finished" && o.State != "running" && o.State != "booting" && o.State != "requested":
					t.Fatalf("VM %d ended %q", o.VM, o.State)
				}
			}
		})
	}
}

// With room for every guest and no page sharing (no scanner, no
// copy-on-write) nothing is reclaimed, nobody slows down, and the run is
// the run without the memory model: the same records, and the same
// summary but for the memory metrics and the memory epochs' events.
func TestMemoryNoPressureIdentical(t *testing.T) {
	load := func(sets ...string) *scenarios.Scenario {
		sc, err := scenarios.LoadEmbedded("quickstart", LoadOptions(sets, nil))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	_, off := run(t, load())
	m, on := runMem(t, load("memory.enabled=true", `memory.mechanisms=["balloon","compress","swap"]`, "memory.touched=0.5"), false)
	mt := on.Summary.Metrics
	for _, k := range []string{"mem_reclaimed_mib", "mem_balloon_mib", "mem_swapped_mib", "mem_compressed_saved_mib", "mem_shared_saved_mib", "mem_reclaim_cpu_core_s", "mem_blocked_vm_s"} {
		if mt[k] != 0 {
			t.Errorf("%s = %v, want 0", k, mt[k])
		}
	}
	if mt["mem_slowdown"] != 1 || mt["mem_slowdown_max"] != 1 {
		t.Errorf("slowdown %v (max %v), want 1", mt["mem_slowdown"], mt["mem_slowdown_max"])
	}
	if len(on.HostMemory) == 0 {
		t.Error("no host_memory samples")
	}
	on.HostMemory = nil
	for k := range mt {
		if strings.HasPrefix(k, "mem_") {
			delete(mt, k)
		}
	}
	ticks := uint64(m.mem.tick)
	if on.Summary.Events != off.Summary.Events+ticks {
		t.Errorf("events %d, want %d + %d epochs", on.Summary.Events, off.Summary.Events, ticks)
	}
	on.Summary.Events, on.Summary.ScenarioSHA256, on.Summary.Overrides = off.Summary.Events, off.Summary.ScenarioSHA256, off.Summary.Overrides
	if a, b := recordBytes(t, off), recordBytes(t, on); !bytes.Equal(a, b) {
		t.Error("the memory model without pressure changed the run")
	}
}

// The study: one row per placement and ratio, in order, the same bytes
// whatever GOMAXPROCS; the ratio alone admits by bookings, sharing-aware
// admission admits more at ratio 1, and the working-set filter keeps the
// slowdown at a high ratio below the ratio alone's.
func TestMemoryPlacementStudy(t *testing.T) {
	load := func() *scenarios.Scenario {
		sc, err := scenarios.LoadEmbedded("mem-datacenter", LoadOptions([]string{"study.ratios=[1.0, 2.5]", "duration=6h",
			"host_group.0.count=4", "vm_group.0.count=120"}, nil))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	var outs [][]byte
	var rows []results.MemPlacementRow
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		rec := study(t, load())
		runtime.GOMAXPROCS(old)
		var b bytes.Buffer
		if err := results.WriteCSV(&b, rec.MemPlacement); err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(rec.Summary)
		outs = append(outs, append(b.Bytes(), j...))
		rows = rec.MemPlacement
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("study output differs between GOMAXPROCS 1 and 2")
	}
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 4 placements × 2 ratios", len(rows))
	}
	by := map[string]results.MemPlacementRow{}
	for _, r := range rows {
		by[fmt.Sprintf("%s %g", r.Placement, r.Ratio)] = r
		if r.VMsPlaced+r.VMsRejected != r.VMsRequested || r.VMsRequested != 120 {
			t.Errorf("%s %g: %d placed + %d rejected of %d", r.Placement, r.Ratio, r.VMsPlaced, r.VMsRejected, r.VMsRequested)
		}
	}
	// Ratio 1: 8 guests of 8 GiB per 64 GiB host, 32 on the 4 hosts (none
	// ends within 6 h); nothing is ballooned, and only copy-on-write of
	// shared pages slows the guests (by less than 0.1 %).
	if r := by["ratio 1"]; r.VMsPlaced != 32 || r.Slowdown > 1.001 || r.BalloonMiB != 0 || r.SwappedMiB != 0 {
		t.Errorf("ratio 1 without overcommit: %+v", r)
	}
	if by["sharing 1"].VMsPlaced <= by["ratio 1"].VMsPlaced {
		t.Errorf("sharing-aware admission placed %d, the ratio alone %d", by["sharing 1"].VMsPlaced, by["ratio 1"].VMsPlaced)
	}
	if p, r := by["pressure 2.5"], by["ratio 2.5"]; p.VMsPlaced >= r.VMsPlaced || p.Slowdown >= r.Slowdown {
		t.Errorf("pressure-aware at 2.5: %d placed, slowdown %v; the ratio alone %d, %v", p.VMsPlaced, p.Slowdown, r.VMsPlaced, r.Slowdown)
	}
}

// Bad input names the key (and line where it can).
func TestMemoryBadInput(t *testing.T) {
	base := strings.Replace(slowScenario, "[memory]\n", "[memory]\n# EXTRA\n", 1)
	for _, tc := range []struct {
		extra, vmMem string
		want         string
	}{
		{"tax = -1", "", "memory.tax: must be in [0, 1), got -1"},
		{"", `working_set = "cpus"`, `vm_group[0].memory.working_set: unknown value "cpus" (did you mean "cpu"?)`},
		{"", "reservation_gib = 3", "vm_group[0].memory.reservation_gib: must be ≤ the group's ram_gib (1.953125), got 3"},
		{"", "shared_intra = 0.6, shared_inter = 0.6", "vm_group[0].memory.shared_inter: shared_intra + shared_inter must be ≤ 1, got 1.2"},
		{"", "tuched = 0.5", `vm_group[0].memory.tuched: unknown key (did you mean "touched"?)`},
	} {
		src := strings.Replace(base, "# EXTRA", tc.extra, 1)
		if tc.vmMem != "" {
			src = strings.Replace(src, "memory = { active = 0.75,", "memory = { "+tc.vmMem+", active = 0.75,", 1)
		}
		_, err := scenarios.LoadBytes("bad.toml", []byte(src), LoadOptions(nil, nil))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q %q: error %v, want %q", tc.extra, tc.vmMem, err, tc.want)
		}
	}
	if _, err := scenarios.LoadBytes("bad.toml", []byte(slowScenario), LoadOptions([]string{"tolerance=1"}, nil)); err == nil ||
		!strings.Contains(err.Error(), "memory.progress_tolerance: must be in [0, 1), got 1") {
		t.Errorf("tolerance 1: %v", err)
	}
	// A study's placements are checked like [placement], each named.
	_, err := scenarios.LoadEmbedded("mem-datacenter", LoadOptions([]string{`study.placements.2.args.admission="shared"`, `study.placements.1.name="ratio"`}, nil))
	for _, want := range []string{"study.placements[2].args.admission: unknown value shared", `study.placements[1].name: duplicate name "ratio"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want %q", err, want)
		}
	}
	// A host whose memory leaves nothing for guests after the hypervisor's
	// overhead and minFree (its free memory would start negative and the
	// metrics be NaN) is refused, in a datacenter run and in either study:
	// 1536 − 1400 − 200 < 0; 64 GiB − 10⁶ MiB < 0. So is an epoch so short
	// that the run would step the hosts for days.
	for _, c := range []struct {
		sc   func() (*scenarios.Scenario, error)
		want string
	}{
		{func() (*scenarios.Scenario, error) {
			return scenarios.LoadBytes("bad.toml", []byte(strings.Replace(slowScenario, "overhead_mib = 436", "overhead_mib = 1400", 1)), LoadOptions(nil, nil))
		}, "host_group[0].ram_gib: 1.5 GiB (1536 MiB) leaves no memory for guests after memory.overhead_mib (1400) and memory.min_free_mib (200)"},
		{func() (*scenarios.Scenario, error) {
			return scenarios.LoadEmbedded("mem-datacenter", LoadOptions([]string{"memory.overhead_mib=1e6"}, nil))
		}, "host_group[0].ram_gib: 64 GiB (65536 MiB) leaves no memory for guests after memory.overhead_mib (1e+06)"},
		{func() (*scenarios.Scenario, error) {
			return scenarios.LoadEmbedded("mem-overcommit", LoadOptions([]string{"memory.overhead_mib=1e6"}, nil))
		}, "host_group[0].ram_gib: 64 GiB (65536 MiB) leaves no memory for guests"},
		// 24 h of 1 µs epochs on 8 hosts: 6.9e11 host-epochs (it ran for
		// days rather than failing).
		{func() (*scenarios.Scenario, error) {
			return scenarios.LoadEmbedded("mem-datacenter", LoadOptions([]string{`memory.epoch="1us"`, `memory.sample="30s"`}, nil))
		}, "memory.epoch: 1µs over 24h0m0s of run and 8 hosts is 6.91e+11 host-epochs, too much work (limit 2e9)"},
	} {
		sc, err := c.sc()
		if err == nil {
			err = Check(sc)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want %q", err, c.want)
		}
	}
	// The memory model does not follow migrations, in a datacenter run or
	// in a memory-placement study (whose runs all simulate memory; it was
	// refused only once running).
	for _, c := range []struct{ name, set string }{{"planetlab", "memory.enabled=true"}, {"mem-datacenter", `consolidation.overload="thr"`}} {
		sc, err := scenarios.LoadEmbedded(c.name, LoadOptions([]string{c.set}, nil))
		if err == nil {
			err = Check(sc)
		}
		if err == nil || !strings.Contains(err.Error(), "memory.enabled: the memory model does not follow migrations yet") {
			t.Errorf("%s: consolidation with memory: %v", c.name, err)
		}
	}
}

// Reservations are honoured: a host admits a guest only while its memory
// not yet reserved covers the guest's reservation (ESX's admission
// control), whatever the placement booked. One 8 GiB host at a RAM ratio
// of 4 (first fit books 16 guests of 2 GiB), guests reserving all their
// 2 GiB: the host holds 8192 − 512 (overhead) − 409.6 (minFree: 6 % of the
// first 4 GiB, 4 % of the next 4) = 7270.4 MiB for guests, so 3 guests
// (6144 MiB) are admitted and the rest refused. Before, all 16 were
// placed, the reservations stopped all reclamation, the guests could not
// back their pages, and nobody slowed down. Through the control plane the
// NC refuses the same way.
func TestMemoryReservationAdmission(t *testing.T) {
	src := `
duration = "1h"
[[host_group]]
count = 1
cores = 16
mips_per_core = 2000
ram_gib = 8
ram_allocation_ratio = 4
[[vm_group]]
count = 16
vcpus = 1
mips = 1000
ram_gib = 2
utilization = { model = "constant", level = 0.5 }
memory = { reservation_gib = 2, active = 0.8 }
[memory]
enabled = true
`
	const reason = "memory admission control: the guests' reservations would exceed the host's memory"
	for _, c := range []struct {
		name, extra string
		sets        []string
		placed      int
	}{
		{"placement", "", nil, 3},
		{"control plane", "[cloud]\n[[cloud.image]]\nname = \"i\"\nsize_gib = 1\n", nil, 3},
		// First fit, which does not see memory, keeps choosing the full
		// host; mem-aware's reservation filter fills the second one too
		// (its working-set filter off, so that it alone decides).
		{"two hosts, first fit", "", []string{"host_group.0.count=2"}, 3},
		{"two hosts, mem-aware", "", []string{"host_group.0.count=2", `placement.policy="mem-aware"`, "placement.args.working_set_fit=0"}, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			sc, err := scenarios.LoadBytes("res.toml", []byte(src+c.extra), LoadOptions(c.sets, nil))
			if err != nil {
				t.Fatal(err)
			}
			_, rec := runMem(t, sc, false)
			s := rec.Summary
			if s.VMsPlaced != c.placed || s.VMsRejected != 16-c.placed {
				t.Fatalf("%d placed, %d rejected (%v), want %d and %d", s.VMsPlaced, s.VMsRejected, s.RejectionReasons, c.placed, 16-c.placed)
			}
			if c.extra == "" && c.placed == 3 && s.RejectionReasons[reason] != 13 {
				t.Errorf("reasons %v, want 13 × %q", s.RejectionReasons, reason)
			}
		})
	}
}
