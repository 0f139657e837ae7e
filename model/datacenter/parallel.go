package datacenter

import (
	"runtime"
	"sync"
)

// inParallel runs f(0) … f(n−1), as many at once as GOMAXPROCS allows, and
// returns the lowest index whose call failed and its error (−1, nil when
// none did). Each call writes its own results (by index), so what a study
// records never depends on the scheduling. (The cloud study's; the
// consolidation and memory studies keep their own loops here.)
func inParallel(n int, f func(i int) error) (int, error) {
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				errs[i] = f(i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return i, err
		}
	}
	return -1, nil
}
