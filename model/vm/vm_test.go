package vm

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

// runCloudlets drives one VM with a fixed allocation through all its
// cloudlets and returns their finish times in seconds (independent of the
// orchestrator: it only uses the scheduler's own API).
func runCloudlets(t *testing.T, vcpus int, mips float64, space bool, lengths []float64, cores []int32) []float64 {
	t.Helper()
	cls := make([]Cloudlet, len(lengths))
	v := &VM{Spec: &Spec{VCPUs: vcpus, MIPS: mips, SpaceShared: space}}
	v.Cloudlets = NewCloudletScheduler(vcpus, space, len(lengths))
	for i := range cls {
		cls[i] = Cloudlet{Length: lengths[i], Cores: cores[i], Start: -1, Finish: -1}
		v.Cloudlets.Submit(0, int32(i), cls)
	}
	now := sim.Time(0)
	v.Alloc = v.Cloudlets.Demand(mips)
	for steps := 0; !v.Cloudlets.AllDone(); steps++ {
		if steps > 100 {
			t.Fatal("no progress")
		}
		next := v.Cloudlets.NextFinish(now, v.Alloc, cls)
		if next == sim.Forever {
			t.Fatal("nothing scheduled but not done")
		}
		now = next
		v.Advance(now, cls)
		v.Cloudlets.CompleteDue(now, v.Alloc, cls, nil)
		v.SetAlloc(now, v.Cloudlets.Demand(mips), cls)
	}
	out := make([]float64, len(cls))
	for i := range cls {
		out[i] = sim.Seconds(cls[i].Finish)
	}
	return out
}

func TestCloudletSchedulers(t *testing.T) {
	tests := []struct {
		name    string
		vcpus   int
		space   bool
		lengths []float64
		cores   []int32
		want    []float64 // seconds, computed by hand at 1000 MIPS per vCPU
	}{
		// 3 cloudlets of 1000 MI on 1 vCPU, time-shared: each gets 1000/3 MIPS, all done at 3 s.
		{"time-shared 1 vcpu", 1, false, []float64{1000, 1000, 1000}, []int32{1, 1, 1}, []float64{3, 3, 3}},
		// Space-shared: one after another: 1, 2, 3 s.
		{"space-shared 1 vcpu", 1, true, []float64{1000, 1000, 1000}, []int32{1, 1, 1}, []float64{1, 2, 3}},
		// Time-shared, lengths 1000 and 3000 on 1 vCPU: both at 500 until t=2 (1000 done, 2000 left),
		// then 1000 MIPS: done at t=4.
		{"time-shared unequal", 1, false, []float64{1000, 3000}, []int32{1, 1}, []float64{2, 4}},
		// CloudSim-scale shape: 2 vCPUs, 3 cloudlets of 1e6 MI: 2000/3 MIPS... at 1000 MIPS/vCPU each
		// gets 2000/3, done at 1e6/(2000/3) = 1500 s.
		{"2 vcpus 3 cloudlets", 2, false, []float64{1e6, 1e6, 1e6}, []int32{1, 1, 1}, []float64{1500, 1500, 1500}},
		// Fewer cloudlets than vCPUs: each runs at a full vCPU: 1000 MI in 1 s.
		{"underloaded", 4, false, []float64{1000, 2000}, []int32{1, 1}, []float64{1, 2}},
		// Space-shared 2 vCPUs: a 2-core cloudlet (2000 MI → 1 s) then two 1-core ones in parallel.
		{"space-shared multicore", 2, true, []float64{2000, 1000, 1000}, []int32{2, 1, 1}, []float64{1, 2, 2}},
		// Space-shared backfill: 2 vCPUs, [1 core 1000][2 cores 2000][1 core 500]: the 2-core one
		// waits; the 500 MI one fits beside the first (done 0.5 s); the 2-core starts at 1 s, done 2 s.
		{"space-shared backfill", 2, true, []float64{1000, 2000, 500}, []int32{1, 2, 1}, []float64{1, 2, 0.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runCloudlets(t, tc.vcpus, 1000, tc.space, tc.lengths, tc.cores)
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-9 {
					t.Errorf("cloudlet %d finished at %v s, want %v s", i, got[i], tc.want[i])
				}
			}
		})
	}
}

func TestAdvanceAccountsWork(t *testing.T) {
	v := &VM{Spec: &Spec{VCPUs: 1, MIPS: 1000}}
	v.Touch(0)
	v.Want, v.Alloc = 1000, 600
	v.Advance(10*sim.Second, nil)
	if v.WorkMI != 6000 || v.WantMI != 10000 {
		t.Fatalf("work %v want %v, expected 6000 and 10000", v.WorkMI, v.WantMI)
	}
	v.SetAlloc(10*sim.Second, 1000, nil)
	v.Advance(15*sim.Second, nil)
	if v.WorkMI != 11000 {
		t.Fatalf("work %v, want 11000", v.WorkMI)
	}
}

func TestUtilizationModels(t *testing.T) {
	tr := Trace{Values: []float64{0.1, 0.5, 0.9}, Interval: 300 * sim.Second}
	for _, tc := range []struct {
		at       sim.Time
		wantU    float64
		wantNext sim.Time
	}{
		{0, 0.1, 300 * sim.Second},
		{300 * sim.Second, 0.5, 600 * sim.Second},
		{600 * sim.Second, 0.9, sim.Forever},
		{10 * sim.Hour, 0.9, sim.Forever},
	} {
		u, next := tr.Next(tc.at)
		if u != tc.wantU || next != tc.wantNext {
			t.Errorf("trace at %v: got (%v, %v), want (%v, %v)", tc.at, u, next, tc.wantU, tc.wantNext)
		}
	}
	if u, next := (Constant{Level: 1.5}).Next(0); u != 1 || next != sim.Forever {
		t.Errorf("constant clamps to 1: got %v %v", u, next)
	}
	// Diurnal: peak at 14h with mean 0.5 amplitude 0.4, 1h intervals: the interval
	// [13.5h,14.5h) is evaluated at its midpoint 14h → 0.9; the one centred 12 h
	// away → 0.1.
	d := Diurnal{Mean: 0.5, Amplitude: 0.4, Period: 24 * sim.Hour, PeakAt: 14 * sim.Hour, Interval: sim.Hour, Start: 0}
	if u, next := d.Next(13*sim.Hour + 30*sim.Minute); math.Abs(u-0.9) > 1e-12 || next != 14*sim.Hour+30*sim.Minute {
		t.Errorf("diurnal peak: got %v next %v", u, next)
	}
	if u, _ := d.Next(sim.Hour + 30*sim.Minute); math.Abs(u-0.1) > 1e-12 {
		t.Errorf("diurnal trough: got %v", u)
	}
	un := &Uniform{Min: 0.2, Max: 0.4, Interval: sim.Minute, Rand: rand.New(rand.NewPCG(1, 2))}
	for i := range 1000 {
		u, next := un.Next(sim.Time(i) * sim.Minute)
		if u < 0.2 || u > 0.4 || next != sim.Time(i+1)*sim.Minute {
			t.Fatalf("uniform draw %v next %v out of range", u, next)
		}
	}
}

func TestParseTrace(t *testing.T) {
	tests := []struct {
		name, in string
		want     []float64
		err      string
	}{
		{"planetlab", "12\n0\n99\n", []float64{0.12, 0, 0.99}, ""},
		{"comments and blanks", "# cpu\n\n50\n 25.5 \n", []float64{0.5, 0.255}, ""},
		{"bad number", "12\nabc\n", nil, "t.txt:2: want a CPU percentage"},
		{"out of range", "12\n101\n", nil, "t.txt:2: CPU percentage 101 is outside 0..100"},
		{"negative", "-1\n", nil, "t.txt:1: CPU percentage -1"},
		{"nan", "NaN\n", nil, "t.txt:1: want a CPU percentage"},
		{"empty", "\n\n", nil, "t.txt: no utilization values"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTrace(strings.NewReader(tc.in), "t.txt")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want it to contain %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if math.Abs(got[i]-tc.want[i]) > 1e-15 {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func FuzzParseTrace(f *testing.F) {
	for _, s := range []string{"12\n0\n99\n", "# x\n1.5\n", "abc", "", "1e400", "-0", "100\n100"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vals, err := ParseTrace(strings.NewReader(s), "fuzz")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, v := range vals {
			if v < 0 || v > 1 || math.IsNaN(v) {
				t.Fatalf("value %v outside [0,1]", v)
			}
		}
	})
}

// Memory stalls: with progress p the vCPUs do at most Cap·p/S of work and
// each unit costs S + h of host CPU, so the demand is min(want,
// Cap·p/S)·(S+h); work per host CPU stays 1/(S+h). Hand-computed for a
// 2 × 1000 MIPS VM (Cap 2000).
func TestMemProgressDemand(t *testing.T) {
	for _, tc := range []struct {
		name         string
		s, h, p      float64
		want, demand float64
	}{
		{"none", 1, 0, 1, 2000, 2000},
		{"saturated, p = 0.5", 1, 0, 0.5, 2000, 1000},
		{"slack absorbs the stalls", 1, 0, 0.5, 800, 800},
		{"just at the limit", 1, 0, 0.4, 800, 800},
		{"blocked", 1, 0, 0, 2000, 0},
		// S = 1.25, h = 0.25, p = 0.5: work ≤ 2000·0.5/1.25 = 800, host 800·1.5 = 1200.
		{"on a hypervisor", 1.25, 0.25, 0.5, 2000, 1200},
		// want 400 < 800: 400·1.5 = 600, as without stalls.
		{"on a hypervisor, with slack", 1.25, 0.25, 0.5, 400, 600},
	} {
		v := &VM{Spec: &Spec{VCPUs: 2, MIPS: 1000}, Cap: 2000}
		v.SetOverhead(tc.s, tc.h)
		v.SetMemProgress(tc.p)
		if got := v.HostDemand(tc.want); math.Abs(got-tc.demand) > 1e-9 {
			t.Errorf("%s: demand %v, want %v", tc.name, got, tc.demand)
		}
		if v.MemProgress() != tc.p {
			t.Errorf("%s: progress %v", tc.name, v.MemProgress())
		}
	}
	// A cloudlet of 2000 MI at full demand: 1 s without stalls, 1/p s with.
	v := &VM{Spec: &Spec{VCPUs: 2, MIPS: 1000}, Cap: 2000}
	v.SetMemProgress(0.25)
	v.SetAlloc(0, v.HostDemand(2000), nil)
	if r := v.Rate(); 2000/r != 4 {
		t.Errorf("2000 MI at %v MIPS: %v s, want 4", r, 2000/r)
	}
}
