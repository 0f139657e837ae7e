package vm

import (
	"math"

	"github.com/simrun/simrun/sim"
)

// CloudletState is where a cloudlet is in its life.
type CloudletState uint8

// Cloudlet states.
const (
	CloudletCreated  CloudletState = iota // not yet submitted
	CloudletWaiting                       // submitted, waiting for its VM to run or for free vCPUs
	CloudletRunning                       // executing
	CloudletFinished                      // done
	CloudletRejected                      // its VM was rejected or ended first
)

var cloudletStateNames = [...]string{"created", "waiting", "running", "finished", "rejected"}

func (s CloudletState) String() string {
	if int(s) < len(cloudletStateNames) {
		return cloudletStateNames[s]
	}
	return "unknown"
}

// Cloudlet is a CloudSim-style unit of work: Length million instructions on
// Cores vCPUs. Cloudlets live in one slice owned by the orchestrator; the
// scheduler refers to them by index.
type Cloudlet struct {
	Length float64
	// target is the scheduler's per-core work coordinate at which the
	// cloudlet is done (start coordinate + Length/Cores).
	target                float64
	Submit, Start, Finish sim.Time
	VM                    int32
	Group                 int32
	Cores                 int32
	State                 CloudletState
}

// CloudletScheduler shares a VM's allocated MIPS among its cloudlets.
//
// Time-shared: every submitted cloudlet runs at once; each of its cores gets
// alloc/Σcores MIPS, so with Σcores ≤ vCPUs and no host contention a core
// runs at the vCPU's full MIPS, and with more cores than vCPUs they share
// (CloudSim's CloudletSchedulerTimeShared gives each core
// totalMIPS/max(vCPUs, cores in use), which is the same under our demand rule
// below).
//
// Space-shared: a cloudlet runs only when enough vCPUs are free; the others
// wait in submission order, and when vCPUs free up the waiting ones that fit
// start, in order (a waiting cloudlet larger than the VM starts alone when
// the VM is empty).
//
// Progress uses one per-core work coordinate w for the whole VM: all running
// cores advance at the same rate r, so a cloudlet started at coordinate w0
// with length L on k cores finishes when w = w0 + L/k. Running cloudlets sit in
// a min-heap on that target, so a rate change costs O(1) and only the VM's
// next completion needs an event.
type CloudletScheduler struct {
	vcpus       int
	space       bool
	w           float64
	activeCores int
	heap        []int32
	waiting     []int32
	wHead       int
	// Assigned is how many cloudlets will be submitted to the VM in all;
	// Done how many have finished; Submitted how many have arrived.
	Assigned, Done, Submitted int
}

// NewCloudletScheduler makes a scheduler for a VM with vcpus vCPUs.
func NewCloudletScheduler(vcpus int, spaceShared bool, assigned int) *CloudletScheduler {
	return &CloudletScheduler{vcpus: vcpus, space: spaceShared, Assigned: assigned}
}

// ActiveCores is the number of cores of running cloudlets.
func (s *CloudletScheduler) ActiveCores() int { return s.activeCores }

// Running is the number of running cloudlets.
func (s *CloudletScheduler) Running() int { return len(s.heap) }

// Waiting is the number of submitted cloudlets not yet running.
func (s *CloudletScheduler) Waiting() int { return len(s.waiting) - s.wHead }

// AllDone reports whether every assigned cloudlet has finished.
func (s *CloudletScheduler) AllDone() bool { return s.Done >= s.Assigned }

// Demand is the MIPS the cloudlets can use: one vCPU per running core, at
// most all vCPUs.
func (s *CloudletScheduler) Demand(mips float64) float64 {
	return float64(min(s.activeCores, s.vcpus)) * mips
}

func (s *CloudletScheduler) advance(alloc, dt float64) {
	if s.activeCores > 0 {
		s.w += alloc / float64(s.activeCores) * dt
	}
}

// Submit hands cloudlet id to the scheduler at now (the VM must be running
// and advanced to now).
func (s *CloudletScheduler) Submit(now sim.Time, id int32, cls []Cloudlet) {
	s.Submitted++
	c := &cls[id]
	if !s.space || s.activeCores+int(c.Cores) <= s.vcpus || s.activeCores == 0 {
		s.start(now, id, cls)
		return
	}
	c.State = CloudletWaiting
	s.waiting = append(s.waiting, id)
}

func (s *CloudletScheduler) start(now sim.Time, id int32, cls []Cloudlet) {
	c := &cls[id]
	c.State = CloudletRunning
	c.Start = now
	c.target = s.w + c.Length/float64(c.Cores)
	s.activeCores += int(c.Cores)
	s.push(id, cls)
}

// NextFinish is when the next running cloudlet finishes at allocation alloc,
// or sim.Forever if none runs or alloc is zero.
func (s *CloudletScheduler) NextFinish(now sim.Time, alloc float64, cls []Cloudlet) sim.Time {
	if len(s.heap) == 0 || alloc <= 0 {
		return sim.Forever
	}
	r := alloc / float64(s.activeCores)
	dt := (cls[s.heap[0]].target - s.w) / r
	if dt < 0 {
		dt = 0
	}
	d := sim.FromSeconds(dt)
	if d >= sim.Forever-now {
		return sim.Forever
	}
	return now + d
}

// CompleteDue finishes, at now, every running cloudlet whose remaining work
// is within rounding of zero (the completion event is rounded to the
// nanosecond), then starts waiting cloudlets that now fit. It appends the
// finished cloudlets' ids to out and returns it. The VM must have been
// advanced to now with the allocation that was in force.
func (s *CloudletScheduler) CompleteDue(now sim.Time, alloc float64, cls []Cloudlet, out []int32) []int32 {
	if len(s.heap) == 0 {
		return out
	}
	r := alloc / float64(s.activeCores)
	// Remaining per-core work below what 2 ns of progress would do, or below
	// a relative 1e-12 of the coordinate, counts as done.
	for len(s.heap) > 0 {
		id := s.heap[0]
		c := &cls[id]
		tol := max(2e-9*r, 1e-12*math.Abs(c.target))
		if c.target-s.w > tol {
			break
		}
		s.pop(cls)
		s.activeCores -= int(c.Cores)
		c.State = CloudletFinished
		c.Finish = now
		s.Done++
		out = append(out, id)
	}
	if s.activeCores == 0 {
		// Re-anchor the coordinate so it does not grow without bound.
		s.w = 0
	}
	if s.space {
		s.startWaiting(now, cls)
	}
	return out
}

func (s *CloudletScheduler) startWaiting(now sim.Time, cls []Cloudlet) {
	kept := s.waiting[:s.wHead]
	for i := s.wHead; i < len(s.waiting); i++ {
		id := s.waiting[i]
		if s.activeCores+int(cls[id].Cores) <= s.vcpus || s.activeCores == 0 {
			s.start(now, id, cls)
			continue
		}
		kept = append(kept, id)
	}
	s.waiting = kept
	s.wHead = 0
}

// Abort ends every running and waiting cloudlet as rejected (its VM ended
// first) and returns their ids appended to out.
func (s *CloudletScheduler) Abort(cls []Cloudlet, out []int32) []int32 {
	for _, id := range s.heap {
		cls[id].State = CloudletRejected
		out = append(out, id)
	}
	for _, id := range s.waiting[s.wHead:] {
		cls[id].State = CloudletRejected
		out = append(out, id)
	}
	s.heap, s.waiting, s.wHead, s.activeCores = s.heap[:0], s.waiting[:0], 0, 0
	return out
}

// Min-heap of cloudlet ids on (target, id).

func less(cls []Cloudlet, a, b int32) bool {
	ta, tb := cls[a].target, cls[b].target
	return ta < tb || (ta == tb && a < b)
}

func (s *CloudletScheduler) push(id int32, cls []Cloudlet) {
	s.heap = append(s.heap, id)
	h := s.heap
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !less(cls, h[i], h[p]) {
			break
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (s *CloudletScheduler) pop(cls []Cloudlet) int32 {
	h := s.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	h = h[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && less(cls, h[r], h[l]) {
			m = r
		}
		if !less(cls, h[m], h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	s.heap = h
	return top
}
