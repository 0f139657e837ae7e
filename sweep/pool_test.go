package sweep

import (
	"sync"
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

// Every task and every item of a spread runs once; never more goroutines
// work than the pool's places; a worker that runs out of tasks helps a
// spread under way (task 0 spreads 40 items of 1 ms while task 1 is short,
// so the second worker must join task 0's items).
func TestPoolSpread(t *testing.T) {
	for _, workers := range []int{1, 2, 3} {
		p := newPool(workers)
		var g gauge
		var mu sync.Mutex
		ran := map[[2]int]int{}
		mark := func(task, item int) {
			mu.Lock()
			ran[[2]int{task, item}]++
			mu.Unlock()
		}
		var helped atomic.Int32
		p.run(3, func(task int) {
			g.enter()
			defer g.leave()
			switch task {
			case 0:
				g.leave() // the spread's items count themselves
				p.spread(40, func(i int) {
					g.enter()
					defer g.leave()
					if g.now.Load() > 1 {
						helped.Add(1)
					}
					time.Sleep(time.Millisecond)
					mark(0, i)
				})
				g.enter()
			default:
				mark(task, 0)
			}
		})
		if int(g.most.Load()) > workers {
			t.Errorf("%d workers: %d at once", workers, g.most.Load())
		}
		if len(ran) != 42 {
			t.Errorf("%d workers: %d items ran, want 42", workers, len(ran))
		}
		for k, n := range ran {
			if n != 1 {
				t.Errorf("%d workers: %v ran %d times", workers, k, n)
			}
		}
		if workers > 1 && helped.Load() == 0 {
			t.Errorf("%d workers: nobody helped the spread", workers)
		}
	}
}
