package datacenter

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

func dur(t sim.Time) scenarios.Duration { return scenarios.Duration{Time: t} }

// hostGroup and vmGroup give fully defaulted groups (tests bypass the loader).
func hostGroup(name string, count, cores int, mips, ramGiB float64) scenarios.HostGroup {
	return scenarios.HostGroup{Name: name, Count: count, Cores: cores, MIPSPerCore: mips, RAMGiB: ramGiB,
		BandwidthGbps: 10, StorageGB: 1000, VMScheduler: "time-shared",
		Power: scenarios.Power{Model: "linear", IdleWatts: 100, MaxWatts: 250}}
}

func vmGroup(name string, count, vcpus int, mips, ramGiB float64) scenarios.VMGroup {
	return scenarios.VMGroup{Name: name, Count: count, VCPUs: vcpus, MIPS: mips, RAMGiB: ramGiB,
		BandwidthMbps: 100, ImageGB: 2.5, CloudletScheduler: "time-shared",
		Utilization: scenarios.Utilization{Model: "constant", Level: 1, Interval: dur(5 * sim.Minute),
			Period: dur(24 * sim.Hour), PeakAt: dur(14 * sim.Hour)}}
}

func cloudlets(name string, count int, lengthMI float64) scenarios.CloudletGroup {
	return scenarios.CloudletGroup{Name: name, Count: count, LengthMI: lengthMI, Cores: 1, Assign: "round-robin"}
}

func newScenario() *scenarios.Scenario {
	return &scenarios.Scenario{Name: "test", File: "test.toml", Seed: 1, Placement: scenarios.Placement{Policy: "first-fit"}}
}

func run(t *testing.T, sc *scenarios.Scenario) (*Model, *results.Recorder) {
	t.Helper()
	rec := &results.Recorder{}
	m, err := New(sc, rec)
	if err != nil {
		t.Fatal(err)
	}
	m.Run()
	return m, rec
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// The cloudsim-scale shape at (100, 400, 1000): first fit puts 4 VMs on each
// host (8 cores / 2 vCPUs). 1000 cloudlets round-robin over 400 VMs: VMs
// 0..199 get 3, VMs 200..399 get 2. A VM's 5000 MIPS split over 3 cloudlets
// finishes them at 1e6/(5000/3) = 600 s; over 2 at 1e6/2500 = 400 s.
// Hosts 0..49 hold VMs 0..199 (util 20000/80000 = 0.25 until 600 s); hosts
// 50..99 hold VMs 200..399 (0.25 until 400 s, then idle). Linear power
// 100..250 W: P(0.25) = 137.5 W. Energy = 50·137.5·600 + 50·(137.5·400 +
// 100·200) = 7,875,000 J = 2.1875 kWh.
func TestCloudSimScaleShape(t *testing.T) {
	sc := newScenario()
	sc.HostGroups = []scenarios.HostGroup{hostGroup("h", 100, 8, 10000, 64)}
	sc.VMGroups = []scenarios.VMGroup{vmGroup("v", 400, 2, 2500, 4)}
	sc.CloudletGroups = []scenarios.CloudletGroup{cloudlets("c", 1000, 1e6)}
	m, rec := run(t, sc)
	s := rec.Summary
	if s.CloudletsFinished != 1000 || s.VMsFinished != 400 || s.VMsRejected != 0 {
		t.Fatalf("finished %d cloudlets, %d VMs, %d rejected", s.CloudletsFinished, s.VMsFinished, s.VMsRejected)
	}
	if !near(s.LastCompletionS, 600) || !near(s.SimulatedS, 600) {
		t.Errorf("last completion %v s, simulated %v s, want 600", s.LastCompletionS, s.SimulatedS)
	}
	for i, c := range rec.Cloudlets {
		want := 400.0
		if c.VM < 200 {
			want = 600
		}
		if c.VM != i%400 || !near(c.FinishS, want) {
			t.Fatalf("cloudlet %d on VM %d finished at %v, want VM %d at %v", i, c.VM, c.FinishS, i%400, want)
		}
	}
	for i, v := range m.VMs() {
		if v.Host != i/4 {
			t.Fatalf("VM %d on host %d, want %d", i, v.Host, i/4)
		}
	}
	if !near(s.EnergyKWh, 7875000/3.6e6) {
		t.Errorf("energy %v kWh, want %v", s.EnergyKWh, 7875000/3.6e6)
	}
	// All work done: 1000 cloudlets × 1e6 MI.
	if !near(s.FinishedWorkMI, 1e9) {
		t.Errorf("work %v MI, want 1e9", s.FinishedWorkMI)
	}
}

// Two 1-vCPU VMs of 1000 MIPS on one 1000-MIPS core: the host is
// overcommitted 2:1 and each gets 500 MIPS. Cloudlets of 1000 and 3000 MI:
// the first ends at 2 s; then the second VM alone gets 1000 MIPS for its
// remaining 2000 MI and ends at 4 s.
func TestTimeSharedHostContention(t *testing.T) {
	sc := newScenario()
	hg := hostGroup("h", 1, 1, 1000, 8)
	hg.CPUAllocationRatio = 2
	sc.HostGroups = []scenarios.HostGroup{hg}
	sc.VMGroups = []scenarios.VMGroup{vmGroup("a", 1, 1, 1000, 1), vmGroup("b", 1, 1, 1000, 1)}
	ca, cb := cloudlets("ca", 1, 1000), cloudlets("cb", 1, 3000)
	ca.VMGroup, cb.VMGroup = "a", "b"
	sc.CloudletGroups = []scenarios.CloudletGroup{ca, cb}
	_, rec := run(t, sc)
	if got := rec.Cloudlets[0].FinishS; !near(got, 2) {
		t.Errorf("first cloudlet at %v s, want 2", got)
	}
	if got := rec.Cloudlets[1].FinishS; !near(got, 4) {
		t.Errorf("second cloudlet at %v s, want 4", got)
	}
	// Host fully busy for 4 s at 250 W: 1000 J.
	if !near(rec.Summary.EnergyKWh*3.6e6, 1000) {
		t.Errorf("energy %v J, want 1000", rec.Summary.EnergyKWh*3.6e6)
	}
}

// A VM wider than every host is rejected with the policy's reason; the other
// VMs run; every VM has exactly one outcome.
func TestRejectionAndNothingLost(t *testing.T) {
	sc := newScenario()
	sc.Duration = dur(100 * sim.Second)
	sc.HostGroups = []scenarios.HostGroup{hostGroup("h", 2, 4, 1000, 8)}
	big := vmGroup("big", 2, 16, 1000, 4)
	big.Lifetime = dur(10 * sim.Second)
	small := vmGroup("small", 3, 2, 1000, 2)
	small.Lifetime = dur(50 * sim.Second)
	late := vmGroup("late", 1, 1, 1000, 1)
	late.SubmitAt = dur(200 * sim.Second)
	late.Lifetime = dur(10 * sim.Second)
	sc.VMGroups = []scenarios.VMGroup{big, small, late}
	_, rec := run(t, sc)
	s := rec.Summary
	if s.VMsRejected != 2 || s.VMsFinished != 3 || s.VMsRequested != 5 {
		t.Fatalf("rejected %d finished %d requested %d", s.VMsRejected, s.VMsFinished, s.VMsRequested)
	}
	if len(rec.Outcomes) != 6 {
		t.Fatalf("%d outcomes for 6 VMs", len(rec.Outcomes))
	}
	states := map[string]int{}
	for _, o := range rec.Outcomes {
		states[o.State]++
		if o.State == "rejected" && !strings.Contains(o.Reason, "0/2 hosts fit") {
			t.Errorf("rejection reason %q", o.Reason)
		}
		if o.State == "requested" && o.Reason == "" {
			t.Errorf("VM %d requested after the end has no reason", o.VM)
		}
	}
	if states["rejected"] != 2 || states["finished"] != 3 || states["requested"] != 1 {
		t.Errorf("states %v", states)
	}
	// Small VMs run 50 s at full demand 2000 MIPS each: work 3 × 1e5 MI.
	if !near(s.FinishedWorkMI, 3e5) {
		t.Errorf("work %v", s.FinishedWorkMI)
	}
}

// With power_off_idle, a host draws nothing once its last VM ends; energy
// equals the integral of power computed by hand, and mean power × time equals
// energy.
func TestPowerOffIdleEnergy(t *testing.T) {
	sc := newScenario()
	sc.Duration = dur(100 * sim.Second)
	hg := hostGroup("h", 2, 2, 1000, 8)
	hg.PowerOffIdle = true
	sc.HostGroups = []scenarios.HostGroup{hg}
	g := vmGroup("v", 1, 1, 1000, 1)
	g.Utilization.Level = 0.5
	g.Lifetime = dur(40 * sim.Second)
	sc.VMGroups = []scenarios.VMGroup{g}
	sc.Output.SampleInterval = dur(10 * sim.Second)
	_, rec := run(t, sc)
	// Host 0 on for 40 s at util 500/2000 = 0.25 → 137.5 W → 5500 J; host 1 never on.
	if got := rec.Summary.EnergyKWh * 3.6e6; !near(got, 5500) {
		t.Errorf("energy %v J, want 5500", got)
	}
	if got := rec.Summary.Metrics["mean_power_w"] * 100; !near(got, 5500) {
		t.Errorf("mean power × duration %v J, want 5500", got)
	}
	if !near(rec.Summary.MeanActiveHosts, 0.4) {
		t.Errorf("mean active hosts %v, want 0.4", rec.Summary.MeanActiveHosts)
	}
	// Samples every 10 s from 0 to 100: 11 datacenter samples; host 0 is on at
	// 0..30 and off from 40 on.
	if len(rec.Datacenter) != 11 {
		t.Fatalf("%d datacenter samples, want 11", len(rec.Datacenter))
	}
	for _, d := range rec.Datacenter {
		wantOn := 0
		if d.TimeS < 40 {
			wantOn = 1
		}
		if d.OnHosts != wantOn {
			t.Errorf("at %v s %d hosts on, want %d", d.TimeS, d.OnHosts, wantOn)
		}
	}
}

// Booting delays the start; work accrues only while running. The host is
// off until the VM is placed at 0 (power_off_idle), idle (100 W) while it
// boots for 30 s, then at 0.5 utilization (175 W) for 5 s: 3875 J, and the
// datacenter power series agrees with the per-host energy.
func TestBootTime(t *testing.T) {
	sc := newScenario()
	hg := hostGroup("h", 1, 2, 1000, 8)
	hg.PowerOffIdle = true
	sc.HostGroups = []scenarios.HostGroup{hg}
	g := vmGroup("v", 1, 1, 1000, 1)
	g.BootTime = dur(30 * sim.Second)
	sc.VMGroups = []scenarios.VMGroup{g}
	sc.CloudletGroups = []scenarios.CloudletGroup{cloudlets("c", 1, 5000)}
	_, rec := run(t, sc)
	o := rec.Outcomes[0]
	if o.PlacedS != 0 || o.RunningS != 30 || !near(o.EndedS, 35) || o.State != "finished" {
		t.Errorf("outcome %+v, want placed 0 running 30 ended 35", o)
	}
	if got := rec.Summary.EnergyKWh * 3.6e6; !near(got, 3875) {
		t.Errorf("energy %v J, want 3875", got)
	}
	if got := rec.Summary.Metrics["mean_power_w"] * 35; !near(got, 3875) {
		t.Errorf("mean power × 35 s = %v J, want 3875", got)
	}
}

func TestDeterministic(t *testing.T) {
	mk := func() *scenarios.Scenario {
		sc := newScenario()
		sc.Duration = dur(6 * sim.Hour)
		sc.HostGroups = []scenarios.HostGroup{hostGroup("h", 5, 4, 2000, 16)}
		g := vmGroup("v", 20, 1, 1500, 2)
		g.Utilization = scenarios.Utilization{Model: "uniform", Min: 0.1, Max: 0.9, Interval: dur(5 * sim.Minute)}
		g.Interarrival = dur(7 * sim.Minute)
		g.Lifetime = dur(2 * sim.Hour)
		sc.VMGroups = []scenarios.VMGroup{g}
		sc.Output.SampleInterval = dur(10 * sim.Minute)
		return sc
	}
	_, a := run(t, mk())
	_, b := run(t, mk())
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs of the same scenario and seed differ")
	}
	sc := mk()
	sc.Seed = 2
	_, c := run(t, sc)
	if reflect.DeepEqual(a.Summary.FinishedWorkMI, c.Summary.FinishedWorkMI) {
		t.Error("a different seed gave the same work: the uniform stream ignores the seed")
	}
}
