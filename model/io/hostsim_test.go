package iovirt

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/sim"
)

// backendOnly is a shared backend and nothing else: N VMs with Poisson
// arrivals into one FCFS server.
func backendOnly(vms int, ratePerVM, meanService, cv float64, seed uint64) HostSim {
	return HostSim{VMs: vms, RatePerVM: ratePerVM, HostCycles: meanService * 1e9, ClockHz: 1e9,
		BackendThreads: 1, CV: cv, Duration: 20 * sim.Second, Warmup: 2 * sim.Second, Seed: seed}
}

// replicate runs R independent replications and returns the mean latency's
// sample mean and the half-width of its 95 % Student-t confidence interval.
func replicate(t *testing.T, R int, mk func(seed uint64) HostSim) (mean, half float64) {
	t.Helper()
	xs := make([]float64, R)
	for i := range R {
		h := mk(uint64(1000 + i))
		r, err := h.Run()
		if err != nil {
			t.Fatal(err)
		}
		xs[i] = r.MeanLatency
	}
	m, sd := stat.MeanStdDev(xs, nil)
	tq := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(R - 1)}.Quantile(0.975)
	return m, tq * sd / math.Sqrt(float64(R))
}

func TestBackendMatchesQueueingTheory(t *testing.T) {
	if testing.Short() {
		t.Skip("replications take a few seconds")
	}
	const mu = 10000.0 // services per second
	cases := []struct {
		name   string
		vms    int
		rate   float64
		cv     float64
		theory float64
	}{
		// M/M/1: 1/(μ − λ).
		{"M/M/1 rho=0.7", 4, 1750, 1, 1 / (mu - 7000)},
		{"M/M/1 rho=0.5", 1, 5000, 1, 1 / (mu - 5000)},
		// M/G/1 by Pollaczek–Khinchine: Gamma service with cv 0.5, and
		// deterministic service (M/D/1).
		{"M/G/1 cv=0.5 rho=0.8", 8, 1000, 0.5, MG1Sojourn(8000, 1/mu, 0.5)},
		{"M/D/1 rho=0.6", 2, 3000, 0, MG1Sojourn(6000, 1/mu, 0)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, h := replicate(t, 20, func(seed uint64) HostSim { return backendOnly(c.vms, c.rate, 1/mu, c.cv, seed) })
			if math.Abs(m-c.theory) > h {
				t.Errorf("mean latency %.6g s ± %.3g, theory %.6g s: outside the 95%% CI", m, h, c.theory)
			}
			t.Logf("simulated %.6g ± %.3g s, theory %.6g s", m, h, c.theory)
		})
	}
	// The formula itself: for cv = 1 it is the M/M/1 result.
	if got, want := MG1Sojourn(7000, 1/mu, 1), 1/(mu-7000); math.Abs(got-want) > 1e-15 {
		t.Errorf("MG1Sojourn(cv=1) = %v, want %v", got, want)
	}
}

// More VMs on one shared backend never lower the mean I/O latency.
func TestConsolidationRaisesLatency(t *testing.T) {
	prev := 0.0
	for _, n := range []int{1, 2, 4, 8, 16, 24} {
		h := HostSim{VMs: n, RatePerVM: 500, Bytes: 1500, GuestCycles: 20000, HostCycles: 60000, ClockHz: 2.4e9,
			BackendThreads: 1, LinkBps: 10e9, CV: 1, RingSlots: 256, Duration: 10 * sim.Second, Warmup: sim.Second, Seed: 7}
		r, err := h.Run()
		if err != nil {
			t.Fatal(err)
		}
		if r.MeanLatency < prev {
			t.Errorf("%d VMs: mean latency %v fell below %v", n, r.MeanLatency, prev)
		}
		prev = r.MeanLatency
		if r.Completed+r.Dropped > r.Offered || r.Completed == 0 {
			t.Errorf("%d VMs: offered %d, completed %d, dropped %d", n, r.Offered, r.Completed, r.Dropped)
		}
	}
}

func TestHostSimDeterministicAndAccounted(t *testing.T) {
	h := HostSim{VMs: 8, RatePerVM: 2000, Bytes: 1500, GuestCycles: 30000, HostCycles: 40000, ClockHz: 2e9,
		BackendThreads: 1, LinkBps: 1e9, CV: 0.7, RingSlots: 64, Duration: 2 * sim.Second, Warmup: 200 * sim.Millisecond, Seed: 3}
	a, err := h.Run()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := h.Run()
	if a.MeanLatency != b.MeanLatency || a.Completed != b.Completed || a.P99 != b.P99 {
		t.Fatalf("same seed, different results: %+v vs %+v", a, b)
	}
	// Offered 16 000/s × 40 µs = 0.32 cores of backend... and the link:
	// 16 000 × 1500 B × 8 = 192 Mb/s of 1 Gb/s.
	if math.Abs(a.BackendCores-16000*20e-6)/(16000*20e-6) > 0.05 {
		t.Errorf("backend cores %v, want ≈ %v", a.BackendCores, 16000*20e-6)
	}
	if math.Abs(a.LinkUtil-0.192)/0.192 > 0.05 {
		t.Errorf("link utilization %v, want ≈ 0.192", a.LinkUtil)
	}
	if !(a.P50 <= a.P90 && a.P90 <= a.P99) {
		t.Errorf("percentiles out of order: %v %v %v", a.P50, a.P90, a.P99)
	}
	bad := h
	bad.VMs = 0
	if _, err := bad.Run(); err == nil {
		t.Error("0 VMs accepted")
	}
}
