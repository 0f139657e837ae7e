package maxmin

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// Hand-computed max-min rates. Links: W (walrus, 90), U (uplink, 40),
// N0 and N1 (nodes, 100 each), D (a disk, 30) that no other flow touches.
//
//   - a and b cross W, U, N0; c crosses W, N1; d crosses D.
//   - U's level 40/2 = 20 is lowest: a and b get 20; W has 90 − 40 = 50 for
//     c alone, N1 100: c gets 50. d gets 30 in its own component.
func TestFillByHand(t *testing.T) {
	var n Net
	w, u, n0, n1, d := n.AddLink(90), n.AddLink(40), n.AddLink(100), n.AddLink(100), n.AddLink(30)
	n.Start(0, w, u, n0)
	n.Start(1, w, u, n0)
	n.Start(2, w, n1)
	n.Start(3, d)
	flows := n.Component(w)
	if len(flows) != 3 || flows[0] != 0 || flows[1] != 1 || flows[2] != 2 {
		t.Fatalf("component of W: %v, want [0 1 2]", flows)
	}
	n.Fill()
	for f, want := range []float64{20, 20, 50, 0} {
		if got := n.Rate(int32(f)); !near(got, want) {
			t.Errorf("flow %d: %v, want %v", f, got, want)
		}
	}
	n.Component(d)
	n.Fill()
	if !near(n.Rate(3), 30) || !near(n.Load(w), 90) || !near(n.Load(u), 40) {
		t.Errorf("d %v, W load %v, U load %v", n.Rate(3), n.Load(w), n.Load(u))
	}
	// b stops: U's level is 40 for a, W's (90)/2 = 45: a gets 40, c 50.
	n.Stop(1)
	n.Component(w)
	n.Fill()
	if !near(n.Rate(0), 40) || !near(n.Rate(2), 50) || n.Active(1) || n.Rate(1) != 0 {
		t.Errorf("after b stopped: a %v, c %v, b active %v", n.Rate(0), n.Rate(2), n.Active(1))
	}
	// k equal flows on one link of capacity B each get B/k.
	var one Net
	l := one.AddLink(125)
	for f := range int32(5) {
		one.Start(f, l)
	}
	one.Component(l)
	one.Fill()
	for f := range int32(5) {
		if !near(one.Rate(f), 25) {
			t.Errorf("equal share: flow %d at %v, want 25", f, one.Rate(f))
		}
	}
}

func TestStartPanics(t *testing.T) {
	for name, f := range map[string]func(n *Net){
		"twice":     func(n *Net) { n.Start(0, 0); n.Start(0, 0) },
		"no links":  func(n *Net) { n.Start(0) },
		"same link": func(n *Net) { n.Start(0, 0, 0) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			var n Net
			n.AddLink(1)
			f(&n)
		})
	}
}

// Recomputing the rates of a steady network allocates nothing.
func TestFillAllocs(t *testing.T) {
	var n Net
	w := n.AddLink(100)
	for f := range int32(50) {
		n.Start(f, w, n.AddLink(float64(10+f)))
	}
	n.Component(w)
	n.Fill()
	if a := testing.AllocsPerRun(100, func() { n.Component(w); n.Fill() }); a != 0 {
		t.Errorf("%v allocations per Component+Fill", a)
	}
}
