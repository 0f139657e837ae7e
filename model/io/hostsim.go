package iovirt

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/sim"
)

// HostSim is a request-level simulation of the I/O path of one host: N VMs
// issue requests (Poisson arrivals), each request is processed on its VM's
// vCPU (the guest driver plus the virtualization overhead), then by the
// host-side backend shared by all the VMs of the host (device model or
// paravirtual backend, BackendThreads servers, FCFS), then sent on the
// host's link (FCFS at the link rate). A VM holds at most RingSlots
// requests in flight; arrivals beyond are dropped, as a full ring drops
// packets. This is where consolidation interference comes from: every VM
// added to the host queues at the same backend and link.
type HostSim struct {
	VMs int
	// RatePerVM is each VM's offered load, requests per second.
	RatePerVM float64
	// Bytes per request.
	Bytes float64
	// GuestCycles and HostCycles are the mean per-request cycles on the
	// vCPU and at the backend (0: the stage is skipped).
	GuestCycles, HostCycles float64
	// ClockHz converts cycles to time.
	ClockHz float64
	// BackendThreads serve the shared backend queue (default 1).
	BackendThreads int
	// LinkBps is the host link's rate in bits per second (0: no link stage).
	LinkBps float64
	// CV is the coefficient of variation of the vCPU and backend service
	// times (Gamma distributed with the given mean; 0: deterministic).
	CV float64
	// RingSlots bounds a VM's requests in flight (0: unbounded).
	RingSlots int
	// Duration is the simulated time; requests arriving in the first
	// Warmup are not measured.
	Duration, Warmup sim.Time
	// Seed of the run's random streams ("io/arrivals/<vm>", "io/service").
	Seed uint64
}

// HostResult is what a HostSim measured after its warm-up.
type HostResult struct {
	Offered, Completed, Dropped int
	// ThroughputRPS and ThroughputGbps of completed requests.
	ThroughputRPS, ThroughputGbps float64
	// Latency of completed requests, seconds: arrival to the end of its
	// link transmission.
	MeanLatency, P50, P90, P99 float64
	// BackendCores and GuestCores: host CPU in cores busy in the backend
	// and on the VMs' vCPUs for I/O; BackendUtil is the backend's
	// utilization (busy threads / threads).
	BackendCores, GuestCores, BackendUtil float64
	LinkUtil                              float64
	// Latencies are the measured latencies in completion order.
	Latencies []float64
}

type fcfs struct {
	servers, busy int
	queue         []int32 // request ids waiting
	head          int
	busyTime      float64 // server-seconds after warm-up
}

func (q *fcfs) push(id int32) {
	if q.head > 0 && q.head == len(q.queue) {
		q.queue, q.head = q.queue[:0], 0
	}
	q.queue = append(q.queue, id)
}

func (q *fcfs) pop() (int32, bool) {
	if q.head == len(q.queue) {
		return 0, false
	}
	id := q.queue[q.head]
	q.head++
	return id, true
}

// Validate reports bad parameters.
func (h *HostSim) Validate() error {
	var errs []error
	if h.VMs < 1 {
		errs = append(errs, fmt.Errorf("vms: must be ≥ 1, got %d", h.VMs))
	}
	if !(h.RatePerVM > 0) || math.IsInf(h.RatePerVM, 0) {
		errs = append(errs, fmt.Errorf("rate per VM: must be > 0, got %g", h.RatePerVM))
	}
	if !(h.ClockHz > 0) {
		errs = append(errs, fmt.Errorf("clock: must be > 0, got %g", h.ClockHz))
	}
	if h.GuestCycles < 0 || h.HostCycles < 0 || h.LinkBps < 0 || h.Bytes < 0 || h.CV < 0 || h.RingSlots < 0 {
		errs = append(errs, errors.New("cycles, bytes, link rate, CV and ring slots must be ≥ 0"))
	}
	if h.Duration <= h.Warmup {
		errs = append(errs, fmt.Errorf("duration (%v) must exceed the warm-up (%v)", h.Duration, h.Warmup))
	}
	return errors.Join(errs...)
}

// Run simulates and measures.
func (h *HostSim) Run() (HostResult, error) {
	if err := h.Validate(); err != nil {
		return HostResult{}, err
	}
	s := sim.New(h.Seed)
	threads := max(1, h.BackendThreads)
	svc := s.Stream("io/service")
	draw := serviceDraw(h.CV, svc)
	type req struct {
		arrive sim.Time
		vm     int32
	}
	var (
		reqs     []req
		inflight = make([]int, h.VMs)
		vcpu     = make([]fcfs, h.VMs)
		backend  = fcfs{servers: threads}
		link     = fcfs{servers: 1}
		res      HostResult
		lat      []float64
	)
	for i := range vcpu {
		vcpu[i].servers = 1
	}
	measured := func(id int32) bool { return reqs[id].arrive >= h.Warmup }
	// busy accrues a service's time after the warm-up.
	busy := func(q *fcfs, start sim.Time, d sim.Time) {
		from := max(start, h.Warmup)
		to := min(start+d, h.Duration)
		if to > from {
			q.busyTime += sim.Seconds(to - from)
		}
	}
	guestMean := h.GuestCycles / h.ClockHz
	hostMean := h.HostCycles / h.ClockHz
	wire := 0.0
	if h.LinkBps > 0 {
		wire = h.Bytes * 8 / h.LinkBps
	}

	var startVCPU, startBackend, startLink func(id int32)
	var doneVCPU, doneBackend, doneLink func(id int32)
	_ = startLink
	finish := func(id int32) {
		r := reqs[id]
		inflight[r.vm]--
		if measured(id) {
			res.Completed++
			lat = append(lat, sim.Seconds(s.Now()-r.arrive))
		}
	}
	one := func() float64 { return 1 }
	var serve func(q *fcfs, id int32, mean float64, d func() float64, done func(int32))
	serve = func(q *fcfs, id int32, mean float64, dr func() float64, done func(int32)) {
		q.busy++
		d := sim.FromSeconds(mean * dr())
		busy(q, s.Now(), d)
		s.After(d, func() {
			q.busy--
			if next, ok := q.pop(); ok {
				serve(q, next, mean, dr, done)
			}
			done(id)
		})
	}
	enter := func(q *fcfs, id int32, mean float64, dr func() float64, done func(int32)) {
		if q.busy < q.servers {
			serve(q, id, mean, dr, done)
			return
		}
		q.push(id)
	}
	startVCPU = func(id int32) { enter(&vcpu[reqs[id].vm], id, guestMean, draw, doneVCPU) }
	startBackend = func(id int32) { enter(&backend, id, hostMean, draw, doneBackend) }
	// The wire time is deterministic.
	startLink = func(id int32) { enter(&link, id, wire, one, doneLink) }
	doneVCPU = func(id int32) {
		if h.HostCycles > 0 {
			startBackend(id)
		} else if wire > 0 {
			startLink(id)
		} else {
			finish(id)
		}
	}
	doneBackend = func(id int32) {
		if wire > 0 {
			startLink(id)
		} else {
			finish(id)
		}
	}
	doneLink = finish

	// Arrivals: one Poisson stream per VM.
	for v := range h.VMs {
		rng := s.Stream(fmt.Sprintf("io/arrivals/%d", v))
		var arrive func()
		arrive = func() {
			now := s.Now()
			if now >= h.Duration {
				return
			}
			if now >= h.Warmup {
				res.Offered++
			}
			if h.RingSlots > 0 && inflight[v] >= h.RingSlots {
				if now >= h.Warmup {
					res.Dropped++
				}
			} else {
				id := int32(len(reqs))
				reqs = append(reqs, req{arrive: now, vm: int32(v)})
				inflight[v]++
				if h.GuestCycles > 0 {
					startVCPU(id)
				} else {
					doneVCPU(id)
				}
			}
			s.After(sim.FromSeconds(rng.ExpFloat64()/h.RatePerVM), arrive)
		}
		s.At(sim.FromSeconds(rng.ExpFloat64()/h.RatePerVM), arrive)
	}
	s.RunUntil(h.Duration)

	T := sim.Seconds(h.Duration - h.Warmup)
	res.ThroughputRPS = float64(res.Completed) / T
	res.ThroughputGbps = res.ThroughputRPS * h.Bytes * 8 / 1e9
	res.BackendCores = backend.busyTime / T
	res.BackendUtil = res.BackendCores / float64(threads)
	for i := range vcpu {
		res.GuestCores += vcpu[i].busyTime / T
	}
	res.LinkUtil = link.busyTime / T
	res.Latencies = lat
	if len(lat) > 0 {
		sorted := slices.Clone(lat)
		slices.Sort(sorted)
		res.MeanLatency = stat.Mean(sorted, nil)
		res.P50 = stat.Quantile(0.5, stat.Empirical, sorted, nil)
		res.P90 = stat.Quantile(0.9, stat.Empirical, sorted, nil)
		res.P99 = stat.Quantile(0.99, stat.Empirical, sorted, nil)
	}
	return res, nil
}

// serviceDraw returns a sampler of service-time multipliers with mean 1 and
// the given coefficient of variation: 1 when cv = 0, exponential when
// cv = 1, Gamma(1/cv², rate 1/cv²) otherwise.
func serviceDraw(cv float64, r *rand.Rand) func() float64 {
	if cv == 0 {
		return func() float64 { return 1 }
	}
	if cv == 1 {
		return r.ExpFloat64
	}
	k := 1 / (cv * cv)
	g := distuv.Gamma{Alpha: k, Beta: k, Src: r}
	return g.Rand
}

// MG1Sojourn is the mean time in an M/G/1 FCFS queue (wait plus service)
// by the Pollaczek–Khinchine formula: W = λ·E[S²] / (2(1 − ρ)) + E[S],
// with E[S²] = (1 + cv²)·E[S]². It is +Inf when ρ ≥ 1. For cv = 1 it is the
// M/M/1 result 1/(μ − λ).
func MG1Sojourn(lambda, meanService, cv float64) float64 {
	rho := lambda * meanService
	if rho >= 1 {
		return math.Inf(1)
	}
	es2 := (1 + cv*cv) * meanService * meanService
	return lambda*es2/(2*(1-rho)) + meanService
}
