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
// running task spread its own work over the pool's other goroutines: those
// free when it starts, and those that run out of tasks while it goes (a
// chart's PNG rows, while the other workers have finished theirs), so that
// -j bounds everything and no worker idles while a long task runs.
type pool struct {
	tokens chan struct{}
	mu     sync.Mutex
	open   []*spreadJob // spreads with items nobody has taken yet
}

// spreadJob is the work of one spread call.
type spreadJob struct {
	next, done atomic.Int64
	n          int
	work       func(i int)
	finished   chan struct{}
}

// help runs the job's items it can take; the last to finish an item
// closes finished.
func (j *spreadJob) help() {
	for {
		i := int(j.next.Add(1) - 1)
		if i >= j.n {
			return
		}
		j.work(i)
		if int(j.done.Add(1)) == j.n {
			close(j.finished)
		}
	}
}

func newPool(workers int) *pool { return &pool{tokens: make(chan struct{}, max(workers, 1))} }

// parallel calls f(0..n-1) on up to workers goroutines.
func parallel(n, workers int, f func(i int)) { newPool(workers).run(n, f) }

// run calls task(0..n−1), each holding one of the pool's places; a
// goroutine left without a task helps the spreads under way before it
// gives its place back.
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
					break
				}
				task(i)
			}
			for j := p.openJob(); j != nil; j = p.openJob() {
				j.help()
			}
		}()
	}
	wg.Wait()
}

// openJob is a spread with items left, or nil.
func (p *pool) openJob() *spreadJob {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.open) > 0 {
		j := p.open[0]
		if int(j.next.Load()) < j.n {
			return j
		}
		p.open = p.open[1:]
	}
	return nil
}

// spread, called from a task, runs work(0..n−1), started in increasing
// order: the caller works through them, helped by a goroutine for each
// place free in the pool now, and by the pool's goroutines that run out
// of tasks before the items do.
func (p *pool) spread(n int, work func(i int)) {
	if n <= 0 {
		return
	}
	j := &spreadJob{n: n, work: work, finished: make(chan struct{})}
	p.mu.Lock()
	p.open = append(p.open, j)
	p.mu.Unlock()
helpers:
	for range n - 1 {
		select {
		case p.tokens <- struct{}{}:
			go func() {
				defer func() { <-p.tokens }()
				j.help()
			}()
		default:
			break helpers
		}
	}
	j.help()
	<-j.finished
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
