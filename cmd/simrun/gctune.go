package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// The garbage collector's target, tuned to simrun's heaps.
//
// Go collects when the heap has grown by GOGC % (100) of what the last
// collection left live, and at 4 MB at the least. A simulation keeps
// little alive (a quickstart run a few megabytes), so a sweep of short
// runs would collect every few runs: a collection's marking takes a
// quarter of the processors and slows the runs while it goes. While a
// command runs, simrun lets the heap grow by max(live, min(4 × live,
// gcHeadroom)) between collections, re-reading the live heap after each
// one:
//
//	live heap   8 MB    32 MB    64 MB    ≥ 128 MB
//	GOGC        400     400      200      100
//
// so a small heap is collected a quarter as often, and a large one as Go
// would, with at most gcHeadroom more memory. Measured on a 40-run
// quickstart sweep as a separate process (2 vCPUs, median of 20 runs,
// GOGC=100 against 400): -j 1 57.4 → 54.0 ms, -j 2 38.3 → 32.7 ms; GOGC
// 1600 gained nothing more. A GOGC set in the environment is the user's
// choice and is left alone; GOMEMLIMIT bounds the heap as it always does.
const (
	gcHeadroom   = 128 << 20
	gcMaxPercent = 400
)

// gcPercentFor is the GOGC for a live heap of live bytes.
func gcPercentFor(live uint64) int {
	if live == 0 {
		return gcMaxPercent
	}
	return int(min(gcMaxPercent, max(100, gcHeadroom*100/live)))
}

// gcTune is the process's tuner: started by the first command that runs
// and stopped, the previous setting restored, when the last one ends
// (tests run commands concurrently).
var gcTune struct {
	mu      sync.Mutex
	users   int
	gen     int // which start the armed cleanups belong to
	old     int
	percent int
}

// tuneGC starts tuning unless GOGC is set, and returns what stops it.
func tuneGC() (stop func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	gcTune.mu.Lock()
	defer gcTune.mu.Unlock()
	gcTune.users++
	if gcTune.users == 1 {
		gcTune.gen++
		gcTune.percent = gcMaxPercent
		gcTune.old = debug.SetGCPercent(gcMaxPercent)
		armGCTune(gcTune.gen)
	}
	return func() {
		gcTune.mu.Lock()
		defer gcTune.mu.Unlock()
		gcTune.users--
		if gcTune.users == 0 {
			debug.SetGCPercent(gcTune.old)
		}
	}
}

// gcSentinel is garbage as soon as it is made; its cleanup runs after the
// collection that finds it, re-reads the live heap and makes the next
// sentinel. (It holds a pointer, so that it is not packed with other
// small objects and freed only with them.)
type gcSentinel struct {
	p *int
	_ [48]byte
}

func armGCTune(gen int) {
	runtime.AddCleanup(&gcSentinel{}, retuneGC, gen)
}

func retuneGC(gen int) {
	gcTune.mu.Lock()
	defer gcTune.mu.Unlock()
	if gcTune.users == 0 || gen != gcTune.gen {
		return // stopped, or restarted since with sentinels of its own
	}
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	if live[0].Value.Kind() == metrics.KindUint64 {
		if p := gcPercentFor(live[0].Value.Uint64()); p != gcTune.percent {
			debug.SetGCPercent(p)
			gcTune.percent = p
		}
	}
	armGCTune(gen)
}
