package mem

import (
	"math"
	"math/rand/v2"
	"testing"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// vSphere 5+'s minFree: 6 % of 4 GiB + 4 % of 8 GiB + 2 % of 16 GiB =
// 245.76 + 327.68 + 327.68 = 901.12 MiB for 28 GiB (the calibration note
// quotes ≈ 899 MB), and 901.12 + 1 % of 100 GiB = 1925.12 MiB for 128 GiB
// (≈ 1.92 GB).
func TestMinFree(t *testing.T) {
	for _, c := range []struct{ m, want float64 }{
		{2048, 122.88}, {4096, 245.76}, {28 * 1024, 901.12}, {128 * 1024, 1925.12},
	} {
		if got := MinFree(c.m); !near(got, c.want, 1e-9) {
			t.Errorf("MinFree(%v) = %v, want %v", c.m, got, c.want)
		}
	}
}

// The states go down at once and come back up only past the hysteresis.
func TestStates(t *testing.T) {
	h, _ := NewHost(Config{MemoryMiB: 10000, MinFreeMiB: 1000, Hysteresis: 0.01, EpochS: 1}, nil, nil)
	// Thresholds 1000, 640, 320, 160; δ = 100.
	for _, c := range []struct {
		free float64
		from State
		want State
	}{
		{1500, High, High}, {999, High, Clear}, {600, High, Soft}, {300, Clear, Hard}, {100, High, Low},
		{700, Soft, Soft},  // above 640 but not 740
		{750, Soft, Clear}, // past 640 + 100
		{1150, Hard, High}, // past every threshold + 100
		{500, Low, Soft},   // past 160 + 100 and 320 + 100, not 640 + 100
		{650, Hard, Soft},  // 640 ≤ 650 < 740: up one
	} {
		if got := h.stateFor(c.free, c.from); got != c.want {
			t.Errorf("free %v from %v: %v, want %v", c.free, c.from, got, c.want)
		}
	}
}

// twoVMs holds two VMs of 1000 MiB resident each on a host, with exact
// active fractions (no sampling).
func twoVMs(t *testing.T, alloc Allocation, tax float64, a, b VM) *Host {
	t.Helper()
	a.ConfigMiB, b.ConfigMiB = 2000, 2000
	h, err := NewHost(Config{MemoryMiB: 4000, EpochS: 1, Allocation: alloc, Tax: tax}, []*VM{&a, &b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range h.VMs {
		v.Resident = 1000
	}
	h.estimate(1)
	return h
}

// Targets, computed by hand from ρ = S/(P·(f + k(1−f))), k = 1/(1−τ):
// the VMs that give memory end at equal ρ, so P_i = λ·S_i/(f_i + k(1−f_i)),
// with Σ P_i = 2000 − need.
func TestTargets(t *testing.T) {
	idle := VM{Name: "idle", Shares: 1, ActiveMiB: 0}
	active := VM{Name: "active", Shares: 1, ActiveMiB: 1000}
	cases := []struct {
		name   string
		alloc  Allocation
		tax    float64
		a, b   VM
		need   float64
		ta, tb float64
	}{
		// τ = 0: pure shares, 1 : 3 → 250 and 750, whatever the activity.
		{"shares 1:3, no tax", SharesTax, 0, VM{Shares: 1}, VM{Shares: 3, ActiveMiB: 1000}, 1000, 250, 750},
		{"proportional 1:3", Proportional, 0.75, VM{Shares: 1}, VM{Shares: 3, ActiveMiB: 1000}, 1000, 250, 750},
		// τ = 0.75, k = 4: the idle VM's pages cost 4×: 1 : 4 → 200, 800.
		{"idle vs active, tax 0.75", SharesTax, 0.75, idle, active, 1000, 200, 800},
		// τ = 0.99, k = 100: 1 : 100 → 1000/101 and 100000/101.
		{"idle vs active, tax 0.99", SharesTax, 0.99, idle, active, 1000, 1000.0 / 101, 100000.0 / 101},
		// A reservation stops the idle VM at 500; the active one gives the rest.
		{"reservation", SharesTax, 0.75, VM{Shares: 1, ReservationMiB: 500}, active, 1000, 500, 500},
		// Need is small: only the idle VM gives (its ρ rises to the active's).
		{"small need", SharesTax, 0.75, idle, active, 100, 900, 1000},
		// First come: the newer VM (b) gives first.
		{"first come", FirstCome, 0.75, idle, active, 700, 1000, 300},
		{"first come, beyond one", FirstCome, 0.75, idle, active, 1300, 700, 0},
		// No need: nobody gives.
		{"no need", SharesTax, 0.75, idle, active, 0, 1000, 1000},
		// A limit takes the excess even without need.
		{"limit", SharesTax, 0.75, VM{Shares: 1, LimitMiB: 600}, active, 0, 600, 1000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := twoVMs(t, c.alloc, c.tax, c.a, c.b)
			got := h.Targets(c.need)
			if !near(got[0], c.ta, 1e-6) || !near(got[1], c.tb, 1e-6) {
				t.Errorf("targets %v, want [%v %v]", got, c.ta, c.tb)
			}
		})
	}
}

// A host of 8 identical guests (4 GiB, half of it active, one image).
func squeeze(t *testing.T, memMiB float64, mech Mechanisms, tweak func(*Config)) *Host {
	t.Helper()
	cfg := Defaults(memMiB)
	cfg.Mech = mech
	if tweak != nil {
		tweak(&cfg)
	}
	var vms []*VM
	for i := range 8 {
		vms = append(vms, &VM{Name: string(rune('a' + i)), ConfigMiB: 4096, Image: "linux", SharedIntra: 0.05,
			SharedInter: 0.25, TouchedFrac: 0.9, ActiveMiB: 2048, TouchRate: 20000, GuestMinMiB: 512})
	}
	h, err := NewHost(cfg, vms, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// With room to spare nothing is reclaimed and no guest slows down; with
// sharing on, the only slowdown is the copy-on-write term.
func TestNoPressure(t *testing.T) {
	for _, share := range []bool{false, true} {
		h := squeeze(t, 64*1024, Mechanisms{Share: share, Balloon: true, Compress: true, Swap: true}, nil)
		for range 600 {
			h.Step()
			if err := h.Check(); err != nil {
				t.Fatal(err)
			}
			for _, v := range h.VMs {
				want := 1 + v.CowBreaks*h.Cfg.CowS
				if v.Slowdown != want || v.Blocked {
					t.Fatalf("share=%v: slowdown %v, want %v", share, v.Slowdown, want)
				}
				if !share && v.Slowdown != 1 {
					t.Fatalf("slowdown %v without sharing", v.Slowdown)
				}
			}
		}
		tot := h.Totals
		if tot.Ballooned+tot.Compressed+tot.Swapped != 0 || h.State != High {
			t.Errorf("share=%v: reclaimed %+v in state %v", share, tot, h.State)
		}
		if share && tot.Shared == 0 {
			t.Errorf("the scanner shared nothing")
		}
	}
}

// Memory is conserved at every epoch, under every mechanism set, and the
// mechanisms start in the order of the states: the balloon at soft or
// below, compression at hard or below; swapping only where the balloon
// could not free enough in that epoch.
func TestReclamationOrderAndConservation(t *testing.T) {
	sets := map[string]Mechanisms{
		"full": AllMechanisms, "balloon-only": {Balloon: true}, "swap-only": {Swap: true},
		"no-share": {Balloon: true, Compress: true, Swap: true},
	}
	for name, mech := range sets {
		// 8 × 4096 × 0.9 = 29491 MiB wanted on a 24 GiB host.
		h := squeeze(t, 24*1024, mech, nil)
		first := map[string]State{}
		for range 900 {
			before := make([][2]float64, len(h.VMs))
			for i, v := range h.VMs {
				before[i] = [2]float64{v.Balloon, v.Swapped}
			}
			tot := h.Totals
			h.Step()
			if err := h.Check(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			// The state the host was in while it reclaimed is at least the
			// one it ends the epoch in, or one above (hysteresis).
			note := func(k string, moved bool) {
				if _, ok := first[k]; !ok && moved {
					first[k] = h.State
				}
			}
			note("balloon", h.Totals.Ballooned > tot.Ballooned)
			note("compress", h.Totals.Compressed > tot.Compressed)
			note("swap", h.Totals.Swapped > tot.Swapped)
			for i, v := range h.VMs {
				swapped := v.Swapped - before[i][1]
				ballooned := v.Balloon - before[i][0]
				if swapped > 1e-6 && mech.Balloon {
					fast := ballooned >= h.Cfg.BalloonMiBps*h.Cfg.EpochS-1e-6
					full := v.Balloon >= min(h.Cfg.BalloonMaxFrac*v.ConfigMiB, v.ConfigMiB-v.GuestMinMiB)-1e-6
					if !fast && !full {
						t.Fatalf("%s: VM %s swapped %v MiB while its balloon took only %v", name, v.Name, swapped, ballooned)
					}
				}
			}
		}
		for mech, least := range map[string]State{"balloon": Soft, "swap": Soft, "compress": Hard} {
			if s, ok := first[mech]; ok && s < least {
				t.Errorf("%s: %s began at %v, before %v", name, mech, s, least)
			}
		}
		t.Logf("%s: first in states %v; totals %+v", name, first, h.Totals)
		switch name {
		case "full", "balloon-only":
			if h.Totals.Ballooned == 0 {
				t.Errorf("%s: no ballooning", name)
			}
		case "swap-only":
			if h.Totals.Swapped == 0 || h.Totals.Ballooned != 0 {
				t.Errorf("swap-only: %+v", h.Totals)
			}
		}
	}
}

// A balloon that can take, in one epoch, the guest's free pages (which
// free nothing on the host) and then the pages the host needs handles the
// squeeze alone: no swapping, no compression. A slow one cannot, and
// swapping makes up the difference.
func TestBalloonSpeedDecidesSwapping(t *testing.T) {
	fast := squeeze(t, 24*1024, AllMechanisms, func(c *Config) { c.BalloonMiBps = 4096 })
	slow := squeeze(t, 24*1024, AllMechanisms, func(c *Config) { c.BalloonMiBps = 0.5 })
	for range 900 {
		fast.Step()
		slow.Step()
	}
	if fast.Totals.Swapped != 0 || fast.Totals.Compressed != 0 || fast.Totals.Ballooned == 0 {
		t.Errorf("fast balloon: %+v", fast.Totals)
	}
	if slow.Totals.Swapped == 0 {
		t.Errorf("slow balloon: nothing swapped: %+v", slow.Totals)
	}
}

// Guest paging after ballooning follows the formula: a working set W
// larger than the memory the balloon leaves the guest (C − b) faults
// h·(W − (C − b))/W times a second, each a guest disk read.
func TestGuestPagingSlowdown(t *testing.T) {
	v := &VM{Name: "g", ConfigMiB: 1000, ActiveMiB: 800, TouchRate: 1000}
	h, _ := NewHost(Config{MemoryMiB: 4000, EpochS: 1, GuestPageInS: 5e-3, MinFreeMiB: 10}, []*VM{v}, nil)
	v.Resident, v.Balloon = 600, 400
	h.rebase()
	h.Step()
	// Visible 600 < W 800: λ = 1000·200/800 = 250/s; S = 1 + 250·0.005 = 2.25.
	if !near(v.GuestFaults, 250, 1e-9) || !near(v.Slowdown, 2.25, 1e-9) {
		t.Errorf("faults %v, slowdown %v; want 250 and 2.25", v.GuestFaults, v.Slowdown)
	}
	// Host swapping: λ = h·s/(C − b): with 100 of 1000 MiB swapped, 100/s,
	// S = 1 + 100·0.005 = 1.5 (the pages swapped back in come later).
	w := &VM{Name: "s", ConfigMiB: 1000, ActiveMiB: 500, TouchRate: 1000}
	h2, _ := NewHost(Config{MemoryMiB: 4000, EpochS: 1, SwapInS: 5e-3, MinFreeMiB: 10}, []*VM{w}, nil)
	w.Resident, w.Swapped = 900, 100
	h2.rebase()
	h2.Step()
	if !near(w.SwapIns, 100, 1e-9) || !near(w.Slowdown, 1.5, 1e-9) {
		t.Errorf("swap-ins %v, slowdown %v; want 100 and 1.5", w.SwapIns, w.Slowdown)
	}
	if err := h2.Check(); err != nil {
		t.Error(err)
	}
}

// Identical guests share: k guests of one image keep SharedInter of their
// pages in 1/k of the frames, and zero pages cost nothing.
func TestSharingSavings(t *testing.T) {
	h := squeeze(t, 64*1024, Mechanisms{Share: true}, func(c *Config) { c.CowRate = 0 })
	for range 20000 { // the scanner needs a while: ≈ 0.1 % of a VM per second
		h.Step()
	}
	saved := 0.0
	for _, v := range h.VMs {
		saved += v.Shared * (1 - v.frame)
		// Converged: σ = 0.30 of the touched memory (0.9 × 4096).
		if !near(v.Shared, 0.30*0.9*4096, 1) {
			t.Errorf("VM %s shares %v MiB, want %v", v.Name, v.Shared, 0.30*0.9*4096)
		}
	}
	// Per VM: 0.05 intra at 0 frames, 0.25 inter at 1/8: saved = Σ d·(1 − (0.25/8)/0.30).
	want := 8 * 0.30 * 0.9 * 4096 * (1 - (0.25/8)/0.30)
	if !near(saved, want, 8) {
		t.Errorf("saved %v MiB, want %v", saved, want)
	}
	// Large pages: nothing shared while memory is plentiful.
	lp := squeeze(t, 64*1024, Mechanisms{Share: true}, nil)
	for _, v := range lp.VMs {
		v.LargePages = true
	}
	for range 600 {
		lp.Step()
	}
	if lp.Totals.Shared != 0 {
		t.Errorf("large pages shared %v MiB", lp.Totals.Shared)
	}
}

// A host at a fixed point may skip epochs: stepping every epoch and
// skipping the quiet ones give the same pages, the same estimates of the
// active fractions and the same random stream afterwards, bit for bit —
// also once an input change and then pressure (where the estimates decide
// who gives memory) follow.
func TestSkipMatchesStepping(t *testing.T) {
	build := func() *Host {
		cfg := Defaults(32 * 1024)
		cfg.Mech.Share = false // page sharing with copy-on-write never settles
		var vms []*VM
		for i := range 4 {
			vms = append(vms, &VM{Name: string(rune('a' + i)), ConfigMiB: 4096, TouchedFrac: 0.9,
				ActiveMiB: float64(512 * (i + 1)), TouchRate: 2000, GuestMinMiB: 256})
		}
		h, err := NewHost(cfg, vms, rand.New(rand.NewPCG(7, 8)))
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	const quietUntil, after = 5000, 900
	stepped, skipped := build(), build()
	for range quietUntil {
		stepped.Step()
	}
	var k int64
	for k < quietUntil {
		k++
		if skipped.StepQuiet() {
			break
		}
	}
	if k >= 1000 {
		t.Fatalf("no fixed point after %d epochs", k)
	}
	skipped.Skip(quietUntil - k)
	if skipped.Now() != stepped.Now() {
		t.Fatalf("skipped host at %v s, stepped at %v s", skipped.Now(), stepped.Now())
	}
	// An input change, then four more guests: the host is short.
	for _, h := range []*Host{stepped, skipped} {
		h.VMs[0].ActiveMiB = 3000
		for i := range 4 {
			if err := h.Add(&VM{Name: string(rune('e' + i)), ConfigMiB: 6144, TouchedFrac: 0.9, ActiveMiB: 1024, TouchRate: 2000, GuestMinMiB: 256}); err != nil {
				t.Fatal(err)
			}
		}
		for range after {
			h.Step()
			if err := h.Check(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if stepped.Totals.Ballooned == 0 {
		t.Fatalf("no pressure after the change: %+v", stepped.Totals)
	}
	for i, a := range stepped.VMs {
		b := skipped.VMs[i]
		if snapOf(a) != snapOf(b) || a.fFast != b.fFast || a.fSlow != b.fSlow || a.fEst != b.fEst || a.sampleAt != b.sampleAt {
			t.Errorf("VM %s differs:\nstepped %+v\nskipped %+v", a.Name, *a, *b)
		}
	}
	if stepped.Free != skipped.Free || stepped.State != skipped.State || stepped.rng.Uint64() != skipped.rng.Uint64() {
		t.Errorf("host differs: free %v vs %v, state %v vs %v (or the random streams)", stepped.Free, skipped.Free, stepped.State, skipped.State)
	}
	for s := range stepped.Totals.StateS {
		if !near(stepped.Totals.StateS[s], skipped.Totals.StateS[s], 1e-6) {
			t.Errorf("time in state %v: %v vs %v", State(s), stepped.Totals.StateS[s], skipped.Totals.StateS[s])
		}
	}
}

// Remove takes a VM's pages away and keeps the others in order.
func TestRemove(t *testing.T) {
	h := squeeze(t, 64*1024, Mechanisms{}, nil)
	for range 200 {
		h.Step()
	}
	gone := h.VMs[2]
	before := h.Free
	if err := h.Remove(gone); err != nil {
		t.Fatal(err)
	}
	if err := h.Remove(gone); err == nil {
		t.Error("removed twice")
	}
	// 200 s × 32 MiB/s = 6400 MiB wanted, 0.9 × 4096 = 3686.4 MiB touched: it held 3686.4.
	if len(h.VMs) != 7 || h.VMs[2].Name != "d" || !near(h.Free-before, 0.9*4096, 1e-9) {
		t.Errorf("after Remove: %d VMs, third %s, free grew %v", len(h.VMs), h.VMs[2].Name, h.Free-before)
	}
	if err := h.Check(); err != nil {
		t.Error(err)
	}
}
