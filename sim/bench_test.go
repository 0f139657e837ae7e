package sim

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// The hold model (Vaucher & Duval, CACM 1975): N events pending; each event,
// when run, schedules one new event at now + an exponential delay. Delays are
// pre-drawn into a ring so the benchmark measures the queue, not the RNG.
func holdDelays() []Time {
	r := rand.New(rand.NewPCG(1, 1))
	d := make([]Time, 4096)
	for i := range d {
		d[i] = Time(r.ExpFloat64() * float64(Second))
	}
	return d
}

func BenchmarkHold(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			delays := holdDelays()
			s := New(1)
			k := 0
			var hold func()
			hold = func() {
				s.After(delays[k&4095], hold)
				k++
			}
			for range n {
				hold()
			}
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				s.Step()
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

// container/heap baseline: the textbook event queue with interface boxing.
type cItem struct {
	at  Time
	seq uint64
	fn  func()
}
type cHeap []*cItem

func (h cHeap) Len() int { return len(h) }
func (h cHeap) Less(i, j int) bool {
	return h[i].at < h[j].at || (h[i].at == h[j].at && h[i].seq < h[j].seq)
}
func (h cHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cHeap) Push(x any)   { *h = append(*h, x.(*cItem)) }
func (h *cHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func BenchmarkHoldContainerHeap(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			delays := holdDelays()
			var h cHeap
			var now Time
			var seq uint64
			k := 0
			var hold func()
			hold = func() {
				seq++
				heap.Push(&h, &cItem{at: now + delays[k&4095], seq: seq, fn: hold})
				k++
			}
			for range n {
				hold()
			}
			b.ReportAllocs()
			start := time.Now()
			for b.Loop() {
				it := heap.Pop(&h).(*cItem)
				now = it.at
				it.fn()
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

func BenchmarkCancel(b *testing.B) {
	s := New(1)
	delays := holdDelays()
	fn := func() {}
	ids := make([]EventID, 1000)
	for i := range ids {
		ids[i] = s.At(delays[i], fn)
	}
	b.ReportAllocs()
	k := 0
	for b.Loop() {
		i := k % len(ids)
		s.Cancel(ids[i])
		ids[i] = s.At(s.Now()+delays[k&4095], fn)
		k++
	}
}
