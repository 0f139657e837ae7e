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
// in increasing order. The calling goroutine is one of them: it would
// only wait otherwise, and a goroutine handed to an idle processor starts
// late (tens of microseconds to wake it, on a virtual machine more).
func (p *pool) run(n int, task func(i int)) {
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			task(i)
		}
	}
	var wg sync.WaitGroup
	for range min(p.workers, n) - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// outFile is a file of a results directory and what writes it into a
// batch.
type outFile struct {
	name  string
	write func(b *results.Batch) error
}

// tableFile writes dir/name from content.
func tableFile(dir, name string, content func(w io.Writer) error) outFile {
	return outFile{name, func(b *results.Batch) error { return b.Write(filepath.Join(dir, name), content) }}
}

// chartFiles are a chart's PNG and SVG, and the task that draws the PNG's
// pixels, which must be started before the PNG's own (which waits for
// it): a pool that draws every chart before it encodes any keeps all its
// goroutines busy to the end, where three whole charts on two would leave
// one idle for a chart's time.
func chartFiles(dir string, c chartJob) (draw func(), png, svg outFile) {
	var raster *results.Raster
	var err error
	drawn := make(chan struct{})
	draw = func() {
		defer close(drawn)
		raster, err = results.DrawPNG(c.chart)
	}
	png = outFile{c.base + ".png", func(b *results.Batch) error {
		<-drawn
		if err != nil {
			return err
		}
		return b.WritePNG(filepath.Join(dir, c.base+".png"), raster)
	}}
	svg = outFile{c.base + ".svg", func(b *results.Batch) error { return b.WriteChart(filepath.Join(dir, c.base+".svg"), c.chart) }}
	return draw, png, svg
}

// writeFiles runs the draws, then writes the files into the batch, on the
// pool, started in the order given, and returns the first error in the
// files' order. The caller commits the batch (or aborts it on an error).
func writeFiles(work *pool, b *results.Batch, draws []func(), files []outFile) error {
	errs := make([]error, len(files))
	work.run(len(draws)+len(files), func(i int) {
		if i < len(draws) {
			draws[i]()
			return
		}
		errs[i-len(draws)] = files[i-len(draws)].write(b)
	})
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("%s: %w", files[i].name, err)
		}
	}
	return nil
}

// commit commits b after err == nil, aborts it otherwise, and returns
// the first error.
func commit(b *results.Batch, err error) error {
	if err != nil {
		b.Abort()
		return err
	}
	return b.Commit()
}
