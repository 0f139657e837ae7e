package cloud

import (
	"slices"

	"gonum.org/v1/gonum/stat"

	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/sim"
)

// Job is one request to a controller: its operation (an index into the
// server's service-time samplers), the id of what it concerns (a launch,
// a node, a cluster) and, when it has one, a fixed time added to the drawn
// service time (a volume's creation grows with its size).
type Job struct {
	Op    uint8
	ID    int32
	Extra sim.Time
	enq   sim.Time
}

// Server is a controller: one FCFS queue served by Workers identical
// workers; a job's service time is drawn from its operation's distribution
// when its service starts. It is the M/G/c station of queueing theory
// (M/M/c when arrivals are Poisson and service exponential: the wait then
// follows Erlang's C formula; Kleinrock, Queueing Systems vol. 1, §3.5).
//
// The server calls Started when a job's service begins and Done when it
// ends; the next queued job starts before Done runs, so jobs that Done
// submits queue behind those already waiting. Serving allocates nothing:
// each worker's completion callback is made once.
type Server struct {
	Name    string
	s       *sim.Sim
	workers int
	queue   []Job
	head    int
	idle    []int32
	cur     []Job
	fns     []func()
	ops     []vm.Sampler

	// Started (optional) and Done are the server's owner's callbacks.
	Started func(j *Job)
	Done    func(j Job)

	busy     int
	busyAvg  sim.TimeAvg
	waits    []float64 // seconds, the measured jobs'
	served   int
	measured uint64
}

// NewServer is a server with the given workers and per-operation samplers;
// the waits of the operations whose bit is set in measured are recorded
// (the launch path's, so that polls and terminations do not dilute them).
func NewServer(s *sim.Sim, name string, workers int, ops []vm.Sampler, measured uint64) *Server {
	v := &Server{Name: name, s: s, workers: workers, ops: ops, cur: make([]Job, workers), fns: make([]func(), workers), measured: measured}
	for i := range workers {
		w := int32(workers - 1 - i) // pop order: worker 0 first
		v.idle = append(v.idle, w)
		v.fns[w] = func() { v.finish(w) }
	}
	v.busyAvg.Set(0, 0)
	return v
}

// Submit puts a job in the queue (served at once when a worker is free).
func (v *Server) Submit(j Job) {
	j.enq = v.s.Now()
	if v.busy < v.workers {
		v.start(j)
		return
	}
	if v.head > 0 && v.head == len(v.queue) {
		v.queue, v.head = v.queue[:0], 0
	}
	v.queue = append(v.queue, j)
}

func (v *Server) start(j Job) {
	now := v.s.Now()
	w := v.idle[len(v.idle)-1]
	v.idle = v.idle[:len(v.idle)-1]
	v.busy++
	v.busyAvg.Set(now, float64(v.busy))
	if v.measured&(1<<j.Op) != 0 {
		v.waits = append(v.waits, sim.Seconds(now-j.enq))
	}
	v.cur[w] = j
	if v.Started != nil {
		v.Started(&v.cur[w])
	}
	v.s.After(v.ops[j.Op].Draw()+j.Extra, v.fns[w])
}

func (v *Server) finish(w int32) {
	j := v.cur[w]
	v.busy--
	v.served++
	v.idle = append(v.idle, w)
	if v.head < len(v.queue) {
		next := v.queue[v.head]
		v.head++
		v.start(next)
	} else {
		v.busyAvg.Set(v.s.Now(), float64(v.busy))
	}
	v.Done(j)
}

// Queued is the number of jobs waiting.
func (v *Server) Queued() int { return len(v.queue) - v.head }

// Busy is the number of workers serving a job now.
func (v *Server) Busy() int { return v.busy }

// ServerStats summarize a server (or several) over a run.
type ServerStats struct {
	Jobs              int     // measured jobs whose service started
	WaitMean, WaitP95 float64 // seconds in the queue
	Utilization       float64 // mean busy workers / workers
	MeanBusy          float64 // mean busy workers
	Workers           int
	WaitMax           float64 // seconds
}

// Stats summarizes servers up to end: waits pooled, utilization as the
// mean busy workers over all their workers.
func Stats(end sim.Time, servers ...*Server) ServerStats {
	var st ServerStats
	var all []float64
	for _, v := range servers {
		all = append(all, v.waits...)
		st.MeanBusy += v.busyAvg.Mean(end)
		st.Workers += v.workers
	}
	st.Jobs = len(all)
	if st.Workers > 0 {
		st.Utilization = st.MeanBusy / float64(st.Workers)
	}
	if len(all) == 0 {
		return st
	}
	slices.Sort(all)
	st.WaitMean = stat.Mean(all, nil)
	st.WaitP95 = stat.Quantile(0.95, stat.Empirical, all, nil)
	st.WaitMax = all[len(all)-1]
	return st
}

// Waits are the queueing times of the jobs served so far, in the order
// their service started (seconds; read only).
func (v *Server) Waits() []float64 { return v.waits }
