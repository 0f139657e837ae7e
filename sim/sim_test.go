package sim

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"
)

func TestOrderAndTies(t *testing.T) {
	s := New(1)
	var got []string
	add := func(at Time, name string) { s.At(at, func() { got = append(got, name) }) }
	add(5, "c")
	add(1, "a")
	add(5, "d") // same time as c, scheduled later: runs after c
	add(3, "b")
	s.At(0, func() { s.After(5, func() { got = append(got, "e") }) }) // at 5, scheduled last
	s.Run()
	if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
		t.Fatalf("order %v, want %v", got, want)
	}
	if s.Now() != 5 || s.Processed() != 6 {
		t.Fatalf("now %v processed %d", s.Now(), s.Processed())
	}
}

func TestCancel(t *testing.T) {
	s := New(1)
	ran := map[string]bool{}
	a := s.At(10, func() { ran["a"] = true })
	b := s.At(20, func() { ran["b"] = true })
	if !s.Cancel(a) {
		t.Fatal("cancel of a pending event returned false")
	}
	if s.Cancel(a) {
		t.Fatal("second cancel returned true")
	}
	if s.Cancel(0) || s.Cancel(EventID(1<<40|999)) {
		t.Fatal("cancel of an unknown id returned true")
	}
	s.Run()
	if ran["a"] || !ran["b"] {
		t.Fatalf("ran %v", ran)
	}
	if s.Cancel(b) {
		t.Fatal("cancel after run returned true")
	}
	// The freed slot is reused; the stale id must not cancel the new event.
	c := s.At(30, func() { ran["c"] = true })
	if s.Cancel(a) || s.Cancel(b) {
		t.Fatal("stale id cancelled a reused slot")
	}
	s.Run()
	if !ran["c"] || s.Cancel(c) {
		t.Fatal("c did not run")
	}
}

func TestRunUntilAndStop(t *testing.T) {
	s := New(1)
	n := 0
	for i := 1; i <= 10; i++ {
		s.At(Time(i)*Second, func() { n++ })
	}
	s.RunUntil(5 * Second)
	if n != 5 || s.Now() != 5*Second {
		t.Fatalf("after RunUntil(5s): n=%d now=%v", n, s.Now())
	}
	s.RunUntil(5500 * Millisecond)
	if n != 5 || s.Now() != 5500*Millisecond {
		t.Fatalf("clock not moved to the limit: now=%v", s.Now())
	}
	s.At(7*Second, func() { s.Stop() })
	s.RunUntil(100 * Second)
	if s.Now() != 7*Second || n != 7 {
		t.Fatalf("Stop: now=%v n=%d, want 7s and 7", s.Now(), n)
	}
	s.Run()
	if n != 10 || s.Pending() != 0 {
		t.Fatalf("resume: n=%d pending=%d", n, s.Pending())
	}
}

func TestPanics(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		f          func(s *Sim)
	}{
		{"past", "sim: At: time", func(s *Sim) { s.At(-1, func() {}) }},
		{"negative after", "sim: After: negative", func(s *Sim) { s.After(-1, func() {}) }},
		{"nil fn", "nil callback", func(s *Sim) { s.At(1, nil) }},
		{"timeavg backwards", "TimeAvg.Set", func(*Sim) { var a TimeAvg; a.Set(5, 1); a.Set(4, 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), tc.want) {
					t.Fatalf("panic %v, want %q", r, tc.want)
				}
			}()
			tc.f(New(1))
		})
	}
}

// A random mix of At and Cancel must run exactly the events a sorted-slice
// reference runs, in the same order.
func TestAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for trial := range 50 {
		s := New(1)
		type ref struct {
			at  Time
			seq int
			id  EventID
		}
		var refs []ref
		var got []int
		cancelled := map[int]bool{}
		for k := range 500 {
			at := Time(r.IntN(100))
			k := k
			id := s.At(at, func() { got = append(got, k) })
			refs = append(refs, ref{at, k, id})
			if r.IntN(4) == 0 {
				victim := r.IntN(len(refs))
				if s.Cancel(refs[victim].id) != !cancelled[victim] {
					t.Fatalf("trial %d: cancel result wrong", trial)
				}
				cancelled[victim] = true
			}
		}
		s.Run()
		var want []int
		slices.SortStableFunc(refs, func(a, b ref) int { return int(a.at - b.at) })
		for _, x := range refs {
			if !cancelled[x.seq] {
				want = append(want, x.seq)
			}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: order differs from reference", trial)
		}
	}
}

func TestStreams(t *testing.T) {
	draw := func(r *rand.Rand) []uint64 { return []uint64{r.Uint64(), r.Uint64(), r.Uint64()} }
	a := draw(NewStream(42, "arrivals"))
	if !slices.Equal(a, draw(NewStream(42, "arrivals"))) {
		t.Fatal("same seed and name give different draws")
	}
	if slices.Equal(a, draw(NewStream(42, "placement"))) || slices.Equal(a, draw(NewStream(43, "arrivals"))) {
		t.Fatal("different names or seeds give the same draws")
	}
	// Creating another stream first does not change this one.
	s := New(42)
	s.Stream("other").Uint64()
	if !slices.Equal(a, draw(s.Stream("arrivals"))) {
		t.Fatal("creating a stream changed another stream's draws")
	}
	if s.Stream("arrivals") != s.Stream("arrivals") {
		t.Fatal("Stream does not cache")
	}
}

func TestTallyAgainstGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 1000)
	var tl Tally
	for i := range xs {
		xs[i] = 1e6 + r.NormFloat64()*3
		tl.Add(xs[i])
	}
	mean, variance := stat.MeanVariance(xs, nil)
	if d := tl.Mean() - mean; d > 1e-9 || d < -1e-9 {
		t.Errorf("mean %v, gonum %v", tl.Mean(), mean)
	}
	if d := tl.Variance() - variance; d > 1e-6 || d < -1e-6 {
		t.Errorf("variance %v, gonum %v", tl.Variance(), variance)
	}
	if tl.Min() != slices.Min(xs) || tl.Max() != slices.Max(xs) || tl.N() != 1000 {
		t.Error("min/max/n wrong")
	}
	var one Tally
	one.Add(3)
	if one.Variance() != 0 || one.Mean() != 3 {
		t.Error("single observation")
	}
}

func TestTimeAvg(t *testing.T) {
	var a TimeAvg
	a.Set(0, 100)         // 100 for 30 s
	a.Set(30*Second, 200) // 200 for 60 s
	a.Set(90*Second, 0)   // 0 for 10 s
	if got := a.Integral(100 * Second); got != 100*30+200*60 {
		t.Fatalf("integral %v, want 15000", got)
	}
	if got := a.Mean(100 * Second); got != 150 {
		t.Fatalf("mean %v, want 150", got)
	}
	if a.Max() != 200 || a.Current() != 0 {
		t.Fatal("max/current")
	}
	var c Counter
	c.Add(2)
	c.Add(3)
	if c.Value() != 5 || c.Count() != 2 {
		t.Fatal("counter")
	}
}

func TestTimeConversions(t *testing.T) {
	for _, tc := range []struct {
		s    float64
		want Time
	}{{1.5, 1500 * Millisecond}, {0, 0}, {1e-9, 1}, {-2, -2 * Second}, {1e300, Forever}} {
		if got := FromSeconds(tc.s); got != tc.want {
			t.Errorf("FromSeconds(%v) = %v, want %v", tc.s, got, tc.want)
		}
	}
	if Seconds(90*Minute) != 5400 || (1500*Millisecond).String() != "1.5s" {
		t.Error("Seconds/String")
	}
}
