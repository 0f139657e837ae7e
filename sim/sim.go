package sim

import (
	"fmt"
	"math/rand/v2"
)

// EventID identifies a scheduled event so it can be cancelled. The zero
// EventID is never issued, so it can mean "no event".
type EventID uint64

// entry is a heap element: the ordering key and the slot holding the
// callback. Keeping the key in the heap array means comparisons never leave
// it.
type entry struct {
	at   Time
	seq  uint64
	slot int32
}

// slot holds a pending event's callback, its position in the heap and a
// generation that makes stale EventIDs harmless.
type slot struct {
	fn  func()
	pos int32 // index in heap, -1 when free
	gen uint32
}

// Sim is a sequential discrete-event simulator: a clock, an event queue
// ordered by (time, scheduling sequence), and named random streams. It is not
// safe for concurrent use; run independent replications in independent Sims.
type Sim struct {
	now       Time
	seq       uint64
	heap      []entry
	slots     []slot
	free      []int32
	processed uint64
	stopped   bool
	seed      uint64
	streams   map[string]*rand.Rand
}

// New returns a simulator at time 0 whose random streams derive from seed.
func New(seed uint64) *Sim {
	return &Sim{seed: seed, streams: map[string]*rand.Rand{}}
}

// Seed is the master seed.
func (s *Sim) Seed() uint64 { return s.seed }

// Now is the current simulated time.
func (s *Sim) Now() Time { return s.now }

// Pending is the number of scheduled events not yet run or cancelled.
func (s *Sim) Pending() int { return len(s.heap) }

// Processed is the number of events run so far.
func (s *Sim) Processed() uint64 { return s.processed }

// At schedules fn at time t. Events at the same time run in the order they
// were scheduled. Scheduling before Now panics.
func (s *Sim) At(t Time, fn func()) EventID {
	if t < s.now {
		panic(fmt.Sprintf("sim: At: time %v is before now %v", t, s.now))
	}
	if fn == nil {
		panic("sim: At: nil callback")
	}
	var si int32
	if n := len(s.free); n > 0 {
		si = s.free[n-1]
		s.free = s.free[:n-1]
	} else {
		si = int32(len(s.slots))
		s.slots = append(s.slots, slot{})
	}
	sl := &s.slots[si]
	sl.fn = fn
	s.seq++
	i := len(s.heap)
	s.heap = append(s.heap, entry{at: t, seq: s.seq, slot: si})
	sl.pos = int32(i)
	s.up(i)
	return EventID(uint64(sl.gen)<<32 | uint64(si+1))
}

// After schedules fn d after Now. A negative d panics.
func (s *Sim) After(d Time, fn func()) EventID {
	if d < 0 {
		panic(fmt.Sprintf("sim: After: negative delay %v", d))
	}
	return s.At(s.now+d, fn)
}

// Cancel removes a pending event. It reports whether the event was pending;
// ids of events already run or cancelled, and the zero id, give false.
func (s *Sim) Cancel(id EventID) bool {
	si := int64(id&0xffffffff) - 1
	if si < 0 || si >= int64(len(s.slots)) {
		return false
	}
	sl := &s.slots[si]
	if sl.pos < 0 || sl.gen != uint32(id>>32) || sl.fn == nil {
		return false
	}
	s.removeAt(int(sl.pos))
	s.release(int32(si))
	return true
}

func (s *Sim) release(si int32) {
	sl := &s.slots[si]
	sl.fn = nil
	sl.pos = -1
	sl.gen++
	s.free = append(s.free, si)
}

// NextTime is the time of the next pending event.
func (s *Sim) NextTime() (Time, bool) {
	if len(s.heap) == 0 {
		return 0, false
	}
	return s.heap[0].at, true
}

// Step runs the next event, advancing the clock to its time. It reports
// false when no event is pending.
func (s *Sim) Step() bool {
	if len(s.heap) == 0 {
		return false
	}
	e := s.heap[0]
	s.removeAt(0)
	fn := s.slots[e.slot].fn
	s.release(e.slot)
	s.now = e.at
	s.processed++
	fn()
	return true
}

// RunUntil runs every event at or before t, in order, then sets the clock
// to t — unless Stop was called by an event, in which case it returns right
// after that event with the clock at the event's time.
func (s *Sim) RunUntil(t Time) {
	s.stopped = false
	for len(s.heap) > 0 && s.heap[0].at <= t {
		s.Step()
		if s.stopped {
			return
		}
	}
	if t > s.now {
		s.now = t
	}
}

// Run runs events until none is pending or an event calls Stop.
func (s *Sim) Run() {
	s.stopped = false
	for len(s.heap) > 0 {
		s.Step()
		if s.stopped {
			return
		}
	}
}

// Stop makes the current Run or RunUntil return after the running event.
// A later Run resumes from there.
func (s *Sim) Stop() { s.stopped = true }

// Stream returns the random stream called name, created on first use from
// the master seed and the name (see NewStream) and cached.
func (s *Sim) Stream(name string) *rand.Rand {
	if r, ok := s.streams[name]; ok {
		return r
	}
	r := NewStream(s.seed, name)
	s.streams[name] = r
	return r
}

// NewStream returns a PCG generator seeded with (seed, FNV-1a-64(name)).
// Streams are keyed by name, not by creation order, so adding a stream never
// changes the draws of another. A *rand.Rand satisfies gonum's rand.Source,
// so it can be a distuv distribution's Src.
func NewStream(seed uint64, name string) *rand.Rand {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= prime
	}
	return rand.New(rand.NewPCG(seed, h))
}

// ---- 4-ary min-heap on (at, seq) ----

func lessEntry(a, b *entry) bool {
	return a.at < b.at || (a.at == b.at && a.seq < b.seq)
}

func (s *Sim) up(i int) {
	h := s.heap
	e := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if !lessEntry(&e, &h[p]) {
			break
		}
		h[i] = h[p]
		s.slots[h[i].slot].pos = int32(i)
		i = p
	}
	h[i] = e
	s.slots[e.slot].pos = int32(i)
}

func (s *Sim) down(i int) {
	h := s.heap
	n := len(h)
	e := h[i]
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		end := min(c+4, n)
		for j := c + 1; j < end; j++ {
			if lessEntry(&h[j], &h[m]) {
				m = j
			}
		}
		if !lessEntry(&h[m], &e) {
			break
		}
		h[i] = h[m]
		s.slots[h[i].slot].pos = int32(i)
		i = m
	}
	h[i] = e
	s.slots[e.slot].pos = int32(i)
}

// removeAt deletes heap element i, keeping the heap ordered.
func (s *Sim) removeAt(i int) {
	n := len(s.heap) - 1
	if i != n {
		s.heap[i] = s.heap[n]
		s.heap = s.heap[:n]
		s.slots[s.heap[i].slot].pos = int32(i)
		if i > 0 && lessEntry(&s.heap[i], &s.heap[(i-1)/4]) {
			s.up(i)
		} else {
			s.down(i)
		}
		return
	}
	s.heap = s.heap[:n]
}
