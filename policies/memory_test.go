package policies

import (
	"math"
	"slices"
	"strings"
	"testing"
)

// guest is a 4 GiB guest of image img that touches 90 % of its memory,
// 5 % shareable within itself and 25 % with guests of its image (the
// calibration note's defaults), with a working set of ws MiB.
func guest(id, img int, ws float64) Request {
	q := req(id, 1, 4096)
	q.Mem = &MemRequest{Image: img, TouchedMiB: 0.9 * 4096, SharedIntra: 0.05, SharedInter: 0.25, WorkingSetMiB: ws}
	return q
}

func memHost(ramMiB float64) HostState {
	h := hostState(16, 1000, ramMiB)
	h.Mem = &MemState{MemoryMiB: ramMiB - 512, MinFreeMiB: 500}
	return h
}

// Expected sharing, by hand: a guest touches 3686.4 MiB, of which 5 %
// (184.32) is shared within it and 25 % (921.6) with its image; k guests
// of one image keep one copy of the latter: saved = k·184.32 + k·921.6·(1 −
// 1/k). The cases book guests one after the other.
func TestSharedMiB(t *testing.T) {
	c := NewCluster([]HostState{memHost(65536)})
	m := c.Host(0).Mem
	for _, tc := range []struct {
		booked []Request
		r      *MemRequest
		want   float64
	}{
		{nil, nil, 0},
		{nil, guest(0, 0, 0).Mem, 184.32},                                // alone: only its zero pages
		{[]Request{guest(0, 0, 0)}, nil, 184.32},                         // the same, booked
		{[]Request{guest(1, 0, 0)}, guest(2, 0, 0).Mem, 552.96 + 1843.2}, // three of one image: 3·184.32 + 2764.8·2/3
		{[]Request{guest(3, 0, 0)}, guest(4, 1, 0).Mem, 737.28 + 1843.2}, // another image adds its zero pages only
		{[]Request{guest(5, 0, 0), guest(6, 0, 0)}, nil, 921.6 + 3686.4}, // five of one image: 5·184.32 + 4608·4/5
	} {
		for i := range tc.booked {
			c.Allocate(0, &tc.booked[i])
		}
		if got := m.SharedMiB(tc.r); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("booked %v, request %v: saved %v MiB, want %v", m.images, tc.r, got, tc.want)
		}
	}
	// Releasing everything leaves no images and no residue.
	for _, id := range []int{0, 1, 3, 5, 6} {
		q := guest(id, 0, 0)
		c.Release(0, &q)
	}
	if len(m.images) != 0 || m.intraMiB != 0 || m.SharedMiB(nil) != 0 {
		t.Errorf("after release: %+v", *m)
	}
}

// Sharing-aware admission on one 16 GiB host at ratio 1: by the booking
// alone four 4 GiB guests fit. With sharing, five of one image book 20480
// − (5·184.32 + 5·921.6·4/5) = 20480 − 4608 = 15872 ≤ 16384 MiB; a sixth
// would book 24576 − (6·184.32 + 6·921.6·5/6) = 24576 − 5713.92 =
// 18862.08 > 16384.
func TestSharingAdmission(t *testing.T) {
	batch := func() []Request {
		var rs []Request
		for i := range 6 {
			rs = append(rs, guest(i, 0, 1024))
		}
		return rs
	}
	for _, tc := range []struct {
		args map[string]any
		want []int
	}{
		{nil, []int{0, 0, 0, 0, -1, -1}},
		{map[string]any{"admission": "sharing"}, []int{0, 0, 0, 0, 0, -1}},
	} {
		d, c := place(t, "mem-aware", tc.args, []HostState{memHost(16384)}, batch()...)
		if got := hostsOf(d); !slices.Equal(got, tc.want) {
			t.Errorf("%v: hosts %v, want %v", tc.args, got, tc.want)
		}
		if tc.args != nil {
			h := c.Host(0)
			if got := h.UsedRAMMiB - h.Mem.SharedMiB(nil); math.Abs(got-15872) > 1e-6 {
				t.Errorf("booked less sharing %v MiB, want 15872", got)
			}
			if d[5].Reason != "0/1 hosts fit: 1 short on RAM after sharing" {
				t.Errorf("reason %q", d[5].Reason)
			}
		}
	}
	// Guests of six different images share only their zero pages:
	// 4·4096 + 4096 − 5·184.32 = 19558.4 > 16384, so four fit.
	var mixed []Request
	for i := range 6 {
		mixed = append(mixed, guest(i, i, 1024))
	}
	d, _ := place(t, "mem-aware", map[string]any{"admission": "sharing"}, []HostState{memHost(16384)}, mixed...)
	if got := hostsOf(d); !slices.Equal(got, []int{0, 0, 0, 0, -1, -1}) {
		t.Errorf("six images: hosts %v", got)
	}
}

// The memory filters and the scorer, by hand. The host: 16384 MiB less
// 512 for the hypervisor, minFree 500, so guests hold 15372 MiB in the
// high state; working sets 10000 MiB.
func TestMemoryFiltersAndScorer(t *testing.T) {
	h := memHost(16384)
	h.Mem.ActiveMiB = 10000
	small, big := guest(0, 0, 2000), guest(1, 0, 6000)
	for _, tc := range []struct {
		name string
		f    Filter
		st   int
		r    Request
		ok   bool
	}{
		{"high passes", MemStateFilter{MemSoft}, MemHigh, small, true},
		{"soft passes", MemStateFilter{MemSoft}, MemSoft, small, true},
		{"hard refused", MemStateFilter{MemSoft}, MemHard, small, false},
		{"low refused", MemStateFilter{MemHard}, MemLow, small, false},
		{"12000 ≤ 15372", WorkingSetFilter{1}, MemHigh, small, true},
		{"16000 > 15372", WorkingSetFilter{1}, MemHigh, big, false},
		{"12000 > 0.5 × 15372", WorkingSetFilter{0.5}, MemHigh, small, false},
		{"no memory described", WorkingSetFilter{0.5}, MemHigh, req(2, 1, 4096), true},
	} {
		h.Mem.State = tc.st
		if ok, why := tc.f.Filter(&h, &tc.r); ok != tc.ok || (!ok && why == "") {
			t.Errorf("%s: %v %q, want %v", tc.name, ok, why, tc.ok)
		}
	}
	// Reservations: 15372 MiB for guests, 12000 reserved already.
	h.Mem.ReservedMiB = 12000
	small.Mem.ReservationMiB, big.Mem.ReservationMiB = 3000, 4000
	if ok, _ := (ReservationFilter{}).Filter(&h, &small); !ok {
		t.Error("15000 ≤ 15372 reserved: refused")
	}
	if ok, why := (ReservationFilter{}).Filter(&h, &big); ok || why != "reservations would not fit" {
		t.Errorf("16000 > 15372 reserved: %v %q", ok, why)
	}
	small.Mem.ReservationMiB, big.Mem.ReservationMiB = 0, 0
	plain := hostState(16, 1000, 16384)
	if ok, _ := (MemStateFilter{MemHigh}).Filter(&plain, &small); !ok {
		t.Error("a host without a simulated memory must pass")
	}
	// 1 − 12000/15372 = 3372/15372.
	if got := (MemPressureScorer{}).Score(&h, &small); math.Abs(got-3372.0/15372) > 1e-12 {
		t.Errorf("score %v, want %v", got, 3372.0/15372)
	}
	if got := (MemPressureScorer{}).Score(&h, &big); got != 0 {
		t.Errorf("score %v, want 0 (clamped)", got)
	}
	if got := (MemPressureScorer{}).Score(&plain, &small); got != 0 {
		t.Errorf("score %v without a simulated memory", got)
	}
}

// mem-aware on two hosts: with pressure_weight it prefers the host with
// room for working sets, it skips one under pressure, and without weights
// it is first fit; within a batch a guest's working set counts for the
// next.
func TestMemAwarePlacement(t *testing.T) {
	busy, calm := memHost(65536), memHost(65536)
	busy.Mem.ActiveMiB, calm.Mem.ActiveMiB = 40000, 10000
	two := []HostState{busy, calm}
	spread := map[string]any{"pressure_weight": 1.0}
	for _, tc := range []struct {
		name  string
		args  map[string]any
		hosts []HostState
		reqs  []Request
		want  []int
	}{
		{"prefers low pressure", spread, two, []Request{guest(0, 0, 2000)}, []int{1}},
		{"first fit without weights", nil, two, []Request{guest(0, 0, 2000)}, []int{0}},
		// The calm host takes guests until its working sets pass the busy
		// one's: 10000 + 16·2000 = 42000 > 40000 + 2000 → the 16th goes to
		// the busy host (ties to the lowest index: at 15, 40000 vs 40000).
		{"batch sees its own working sets", spread, two, func() []Request {
			var rs []Request
			for i := range 16 {
				rs = append(rs, guest(i, 0, 2000))
			}
			return rs
		}(), append(slices.Repeat([]int{1}, 15), 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, _ := place(t, "mem-aware", tc.args, tc.hosts, tc.reqs...)
			if got := hostsOf(d); !slices.Equal(got, tc.want) {
				t.Errorf("hosts %v, want %v", got, tc.want)
			}
		})
	}
	hard := memHost(65536)
	hard.Mem.State = MemHard
	d, _ := place(t, "mem-aware", nil, []HostState{hard}, guest(0, 0, 1))
	if d[0].Placed() || d[0].Reason != "0/1 hosts fit: 1 under memory pressure" {
		t.Errorf("host at hard: %+v", d[0])
	}
	full := memHost(65536)
	full.Mem.ActiveMiB = 64000
	d, _ = place(t, "mem-aware", nil, []HostState{full}, guest(0, 0, 1000))
	if d[0].Placed() || d[0].Reason != "0/1 hosts fit: 1 working sets would not fit" {
		t.Errorf("full host: %+v", d[0])
	}
}

func TestMemAwareArgs(t *testing.T) {
	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"admission": "sharng"}, `placement.args.admission: unknown value sharng (did you mean "sharing"?) (known: ratio, sharing)`},
		{map[string]any{"max_state": 2}, "placement.args.max_state: unknown value 2"},
		{map[string]any{"working_set_fit": -1.0}, "placement.args.working_set_fit: must be ≥ 0 (0: off), got -1"},
		{map[string]any{"pressure_wieght": 1.0}, `placement.args.pressure_wieght: unknown argument for mem-aware (did you mean "pressure_weight"?)`},
	} {
		_, err := New("mem-aware", tc.args)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.want)
		}
	}
}
