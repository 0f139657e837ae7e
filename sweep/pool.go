package sweep

import (
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/simrun/simrun/results"
)

// pool runs tasks on at most its size of goroutines at a time: the
// sweep's scenario loads, its runs' files and its charts, so that -j
// bounds everything.
type pool struct{ workers int }

func newPool(workers int) *pool { return &pool{workers: max(workers, 1)} }

// parallel calls f(0..n-1) on up to workers goroutines.
func parallel(n, workers int, f func(i int)) { newPool(workers).run(n, f) }

// run calls task(0..n−1) on up to the pool's size of goroutines, started
// in increasing order.
func (p *pool) run(n int, task func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(p.workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
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

// outFile is a file of a results directory and what writes it.
type outFile struct {
	name  string
	write func() error
}

// tableFile writes dir/name atomically from content.
func tableFile(dir, name string, content func(w io.Writer) error) outFile {
	return outFile{name, func() error { return results.WriteFileAtomic(filepath.Join(dir, name), content) }}
}

// chartFiles are a chart's PNG and SVG.
func chartFiles(dir string, c chartJob) (png, svg outFile) {
	png = outFile{c.base + ".png", func() error { return results.WriteChart(filepath.Join(dir, c.base+".png"), c.chart) }}
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
