package sweep

import (
	"sync/atomic"
	"testing"
	"time"
)

// gauge tracks how many goroutines are inside a section, and the most.
type gauge struct{ now, most atomic.Int32 }

func (g *gauge) enter() {
	n := g.now.Add(1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			return
		}
	}
}
func (g *gauge) leave() { g.now.Add(-1) }

// Every task runs once, and never more at a time than the pool's size;
// with more tasks than workers, the pool is used to its size.
func TestPool(t *testing.T) {
	for _, workers := range []int{1, 2, 3} {
		var g gauge
		runs := make([]atomic.Int32, 20)
		newPool(workers).run(len(runs), func(i int) {
			g.enter()
			defer g.leave()
			runs[i].Add(1)
			time.Sleep(time.Millisecond)
		})
		for i := range runs {
			if n := runs[i].Load(); n != 1 {
				t.Errorf("%d workers: task %d ran %d times", workers, i, n)
			}
		}
		if m := g.most.Load(); m > int32(workers) || (workers > 1 && m < 2) {
			t.Errorf("%d workers: %d tasks at once", workers, m)
		}
	}
}
