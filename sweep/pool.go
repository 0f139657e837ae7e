package sweep

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/simrun/simrun/results"
)

// pool runs tasks on at most its size of goroutines at a time, and lets a
// running task spread its own work onto the goroutines the pool is not
// using (a chart's PNG rows while the other workers have finished), so
// that -j bounds everything and no worker idles while a long task runs.
type pool struct{ tokens chan struct{} }

func newPool(workers int) *pool { return &pool{tokens: make(chan struct{}, max(workers, 1))} }

// parallel calls f(0..n-1) on up to workers goroutines.
func parallel(n, workers int, f func(i int)) { newPool(workers).run(n, f) }

// drain calls f(i) for the items i it takes from next, in increasing
// order, until none is left below n.
func drain(next *atomic.Int64, n int, f func(i int)) {
	for {
		i := int(next.Add(1) - 1)
		if i >= n {
			return
		}
		f(i)
	}
}

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
			drain(&next, n, task)
		}()
	}
	wg.Wait()
}

// spread, called from a task, runs work(0..n−1) in increasing order of
// start: the caller works through them, helped by one goroutine for each
// place free in the pool when it starts (none if the pool is busy).
func (p *pool) spread(n int, work func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
helpers:
	for range n - 1 {
		select {
		case p.tokens <- struct{}{}:
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-p.tokens }()
				drain(&next, n, work)
			}()
		default:
			break helpers
		}
	}
	drain(&next, n, work)
	wg.Wait()
}

// outFile is a file of a results directory and what writes it.
type outFile struct {
	name  string
	write func() error
}

// tableFile writes dir/name atomically from content.
func tableFile(dir, name string, content func(w io.Writer) error) outFile {
	return outFile{name, func() error { return results.WriteFileAtomic(filepath.Join(dir, name), content) }}
}

// chartFiles are a chart's PNG (its rows filtered on the pool's free
// places) and SVG.
func chartFiles(dir string, c chartJob, work *pool) (png, svg outFile) {
	png = outFile{c.base + ".png", func() error {
		return results.WriteChartSpread(filepath.Join(dir, c.base+".png"), c.chart, work.spread)
	}}
	svg = outFile{c.base + ".svg", func() error { return results.WriteChart(filepath.Join(dir, c.base+".svg"), c.chart) }}
	return png, svg
}

// writeFiles writes the files on the pool, started in the order given,
// and returns the first error in that order.
func writeFiles(work *pool, files []outFile) error {
	errs := make([]error, len(files))
	work.run(len(files), func(i int) { errs[i] = files[i].write() })
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("%s: %w", files[i].name, err)
		}
	}
	return nil
}
