package sweep

import (
	"sync"
	"sync/atomic"
)

// pool runs tasks on at most its size of goroutines at a time, and lets a
// running task spread its own work onto the goroutines the pool is not
// using (a chart's PNG rows while the other workers have finished), so
// that -j bounds everything and no worker idles while a long task runs.
type pool struct{ tokens chan struct{} }

func newPool(workers int) *pool { return &pool{tokens: make(chan struct{}, max(workers, 1))} }

// run calls task(0..n−1), each holding one of the pool's places.
func (p *pool) run(n int, task func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(cap(p.tokens), n) {
		wg.Add(1)
		p.tokens <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-p.tokens }()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				task(i)
			}
		}()
	}
	wg.Wait()
}

// spread, called from a task, runs work(0..n−1) in increasing order of
// start: the caller works through them, helped by one goroutine for each
// place free in the pool when it starts (none if the pool is busy).
func (p *pool) spread(n int, work func(i int)) {
	var next atomic.Int64
	loop := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			work(i)
		}
	}
	var wg sync.WaitGroup
helpers:
	for range n - 1 {
		select {
		case p.tokens <- struct{}{}:
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-p.tokens }()
				loop()
			}()
		default:
			break helpers
		}
	}
	loop()
	wg.Wait()
}
