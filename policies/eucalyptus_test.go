package policies

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

// The Eucalyptus node schedulers pick what their definitions give:
//
//   - GREEDY: the first node in index order that is awake (up or waking)
//     with free cores, memory and disk; else the first sleeping node that
//     fits; never a node marked down.
//   - ROUNDROBIN: the same, starting after the node chosen last, wrapping.
//   - POWERSAVE: places exactly as GREEDY.
//
// Nodes are 4-core, 8 GiB; "full" has its cores taken; a VM is 2 vCPUs.
func TestEucalyptusSchedulers(t *testing.T) {
	up := func() HostState { return hostState(4, 1000, 8192) }
	full := func() HostState { h := up(); h.UsedVCPUs = 4; h.NumVMs = 2; return h }
	asleep := func() HostState { h := up(); h.On = false; return h }
	down := func() HostState { h := up(); h.Down = true; return h }
	vm := req(0, 2, 1024)
	two := []Request{vm, req(1, 2, 1024)}
	four := []Request{req(0, 1, 1), req(1, 1, 1), req(2, 1, 1), req(3, 1, 1)}
	tests := []struct {
		name  string
		hosts []HostState
		reqs  []Request
		// want per policy: greedy, roundrobin, powersave (-1: rejected)
		greedy, rr []int
	}{
		{"the first awake node with room", []HostState{full(), up(), up()}, []Request{vm}, []int{1}, []int{1}},
		{"an awake node before an earlier sleeping one", []HostState{asleep(), full(), up()}, []Request{vm}, []int{2}, []int{2}},
		{"the first sleeping node when no awake one fits", []HostState{full(), asleep(), full(), asleep()}, []Request{vm}, []int{1}, []int{1}},
		{"never a node marked down", []HostState{down(), up()}, []Request{vm}, []int{1}, []int{1}},
		{"down and full: rejected", []HostState{down(), full()}, []Request{vm}, []int{-1}, []int{-1}},
		// A batch: each choice is booked before the next. GREEDY fills node
		// 0 (two 2-vCPU VMs), ROUNDROBIN moves on.
		{"greedy fills, round robin rotates", []HostState{up(), up()}, two, []int{0, 0}, []int{0, 1}},
		{"round robin wraps", []HostState{up(), up(), up()}, four, []int{0, 0, 0, 0}, []int{0, 1, 2, 0}},
		// Round robin skips a sleeping node while an awake one fits, and
		// a down one always.
		{"round robin skips sleeping and down nodes", []HostState{up(), asleep(), down(), up()}, four, []int{0, 0, 0, 0}, []int{0, 3, 0, 3}},
	}
	for _, tc := range tests {
		for _, p := range []struct {
			name string
			want []int
		}{{"euca-greedy", tc.greedy}, {"euca-roundrobin", tc.rr}, {"euca-powersave", tc.greedy}} {
			t.Run(p.name+": "+tc.name, func(t *testing.T) {
				d, _ := place(t, p.name, nil, slices.Clone(tc.hosts), tc.reqs...)
				if got := hostsOf(d); !slices.Equal(got, p.want) {
					t.Errorf("hosts %v, want %v", got, p.want)
				}
				for _, x := range d {
					if !x.Placed() && !strings.Contains(x.Reason, "1 down") {
						t.Errorf("rejection %q does not count the down node", x.Reason)
					}
				}
			})
		}
	}
}

// POWERSAVE's threshold: at least Eucalyptus's 300 s, and a node is due off
// only once idle for strictly longer.
func TestPowerSaveThreshold(t *testing.T) {
	if _, err := NewPowerSave(299 * sim.Second); err == nil || !strings.Contains(err.Error(), "at least 300s") {
		t.Errorf("299 s accepted: %v", err)
	}
	if _, err := New("euca-powersave", map[string]any{"idle_threshold_s": int64(120)}); err == nil || !strings.Contains(err.Error(), "placement.args.idle_threshold_s: must be ≥ 300") {
		t.Errorf("placement.args.idle_threshold_s = 120: %v", err)
	}
	p, err := NewPowerSave(600 * sim.Second)
	if err != nil {
		t.Fatal(err)
	}
	if p.DueOff(100*sim.Second, 700*sim.Second) || !p.DueOff(100*sim.Second, 700*sim.Second+1) || p.IdleOff() != 600*sim.Second {
		t.Error("DueOff is not idle time > threshold")
	}
}

// The CLC's cluster choice.
func TestZoneChoosers(t *testing.T) {
	free := []int{0, 3, 5, 5}
	for _, c := range []struct {
		name  string
		tried uint64
		want  []int // three choices in a row
	}{
		{"first-fit", 0, []int{1, 1, 1}},
		{"most-free", 0, []int{2, 2, 2}},
		{"round-robin", 0, []int{1, 2, 3}},
		{"most-free", 1 << 2, []int{3, 3, 3}},
		{"round-robin", 1<<1 | 1<<2 | 1<<3, []int{-1, -1, -1}},
	} {
		z, err := NewZoneChooser(c.name)
		if err != nil {
			t.Fatal(err)
		}
		var got []int
		for range 3 {
			got = append(got, z.Choose(free, c.tried))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s, tried %b: %v, want %v", c.name, c.tried, got, c.want)
		}
	}
	if _, err := NewZoneChooser("most-fre"); err == nil || !strings.Contains(err.Error(), `did you mean "most-free"`) {
		t.Errorf("unknown name: %v", err)
	}
}

func ExamplePowerSave() {
	p, _ := NewPowerSave(300 * sim.Second)
	// Seen idle at a poll at 6 s; polled again at 306 s and 312 s.
	fmt.Println(p.Name(), p.DueOff(6*sim.Second, 306*sim.Second), p.DueOff(6*sim.Second, 312*sim.Second))
	// Output: euca-powersave false true
}
