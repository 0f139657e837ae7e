package vm

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat"

	"github.com/simrun/simrun/sim"
)

func TestArrivalTimes(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := sim.Second
	for _, c := range []struct {
		a    Arrivals
		want []sim.Time
	}{
		{Arrivals{Process: "fixed", Start: 5 * s, Mean: 2 * s}, []sim.Time{5 * s, 7 * s, 9 * s, 11 * s, 13 * s}},
		{Arrivals{Process: "burst", Start: 0, Mean: 60 * s, Size: 2}, []sim.Time{0, 0, 60 * s, 60 * s, 120 * s}},
		{Arrivals{Process: "trace", Start: 10 * s, Trace: []float64{0, 0.5, 1, 1, 7}}, []sim.Time{10 * s, 10*s + s/2, 11 * s, 11 * s, 17 * s}},
	} {
		got, err := c.a.Times(5, r)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v (%v), want %v", c.a.Process, got, err, c.want)
		}
	}
	if _, err := (&Arrivals{Process: "trace", Trace: []float64{1}}).Times(2, r); err == nil {
		t.Error("a trace shorter than the group was accepted")
	}
}

// Poisson: gaps are exponential with the given mean (mean and sd equal,
// within 3 % over 20000 gaps). Diurnal: a non-homogeneous Poisson process of
// rate (1/m)(1 + A·cos(2π(t − peak)/T)); over whole days the hour around the
// peak gets (1 + A·sinc)/(1 − A·sinc) times the requests of the hour around
// the trough, sinc = sin(π/24)/(π/24) = 0.99715 (the mean of the cosine over
// an hour): 1.79772/0.20228 = 8.887 for A = 0.8.
func TestRandomArrivals(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	p := Arrivals{Process: "poisson", Mean: 10 * sim.Second}
	ts, _ := p.Times(20000, r)
	gaps := make([]float64, len(ts))
	prev := 0.0
	for i, x := range ts {
		gaps[i], prev = sim.Seconds(x)-prev, sim.Seconds(x)
	}
	m, sd := stat.MeanStdDev(gaps, nil)
	if math.Abs(m-10) > 0.3 || math.Abs(sd-10) > 0.3 {
		t.Errorf("poisson gaps: mean %v, sd %v; want 10 and 10", m, sd)
	}
	d := Arrivals{Process: "diurnal", Mean: 20 * sim.Second, Amplitude: 0.8, PeakAt: 14 * sim.Hour, Period: 24 * sim.Hour}
	ts, err := d.Times(200000, r)
	if err != nil {
		t.Fatal(err)
	}
	peak, trough := 0.0, 0.0
	for _, x := range ts {
		h := math.Mod(sim.Seconds(x)/3600, 24)
		switch {
		case h >= 13.5 && h < 14.5:
			peak++
		case h >= 1.5 && h < 2.5:
			trough++
		}
	}
	sinc := math.Sin(math.Pi/24) / (math.Pi / 24)
	want := (1 + 0.8*sinc) / (1 - 0.8*sinc)
	if got := peak / trough; math.Abs(got-want)/want > 0.08 {
		t.Errorf("peak/trough hour ratio %v, want %v", got, want)
	}
	if !slices.IsSorted(ts) {
		t.Error("diurnal times not in order")
	}
}

// Samplers have the mean and coefficient of variation they were given.
func TestSamplers(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range []struct {
		kind     string
		cv, mean float64
	}{{"constant", 0, 2}, {"exponential", 1, 2}, {"lognormal", 1.5, 2}, {"gamma", 0.5, 2}, {"uniform", 1 / math.Sqrt(3), 2}} {
		s, err := NewSampler(c.kind, sim.FromSeconds(c.mean), c.cv, 0, 4*sim.Second, r)
		if err != nil {
			t.Fatal(err)
		}
		xs := make([]float64, 200000)
		for i := range xs {
			xs[i] = sim.Seconds(s.Draw())
		}
		m, sd := stat.MeanStdDev(xs, nil)
		if math.Abs(m-c.mean) > 0.03*c.mean || math.Abs(sd/m-c.cv) > 0.05*max(c.cv, 0.1) {
			t.Errorf("%s: mean %v, cv %v; want %v and %v", c.kind, m, sd/m, c.mean, c.cv)
		}
		if math.Abs(s.Mean()-c.mean) > 1e-9 {
			t.Errorf("%s: Mean() %v", c.kind, s.Mean())
		}
	}
	if _, err := NewSampler("weibull", sim.Second, 1, 0, 0, r); err == nil {
		t.Error("unknown distribution accepted")
	}
	s, _ := NewSampler("exponential", sim.Second, 1, 0, 0, r)
	if a := testing.AllocsPerRun(100, func() { s.Draw() }); a != 0 {
		t.Errorf("a draw allocates %v times", a)
	}
}

func TestParseArrivals(t *testing.T) {
	got, err := ParseArrivals(strings.NewReader("time_s\n# comment\n\n3.5\n1,web\n2\n"), "a.csv")
	if err != nil || !slices.Equal(got, []float64{1, 2, 3.5}) {
		t.Fatalf("%v %v", got, err)
	}
	for _, c := range []struct{ in, want string }{
		{"", "a.csv: no request times"},
		{"1\nx\n", "a.csv:2: want a request time in seconds ≥ 0"},
		{"-1\n", "a.csv:1: want a request time"},
		{"time\n1\nNaN\n", "a.csv:3:"},
	} {
		if _, err := ParseArrivals(strings.NewReader(c.in), "a.csv"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %q", c.in, err, c.want)
		}
	}
}

func FuzzParseArrivals(f *testing.F) {
	f.Add("time_s\n1\n2.5\n")
	f.Add("0,a\n1e12\n")
	f.Add("# x\n\n-0\n")
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := ParseArrivals(strings.NewReader(s), "fuzz")
		if err == nil && (len(ts) == 0 || !slices.IsSorted(ts) || ts[0] < 0) {
			t.Fatalf("accepted %q as %v", s, ts)
		}
	})
}
