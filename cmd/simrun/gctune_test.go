package main

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gcPercent reads the collector's current target.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestGCPercentFor(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 400},
		{4 * mb, 400},  // 128/4 = 3200 %, capped at 400
		{32 * mb, 400}, // 128/32 = 400 %
		{64 * mb, 200}, // 128/64
		{100 * mb, 128},
		{128 * mb, 100},
		{1024 * mb, 100}, // never below Go's default
	} {
		if got := gcPercentFor(tc.live); got != tc.want {
			t.Errorf("gcPercentFor(%d MB) = %d, want %d", tc.live/mb, got, tc.want)
		}
	}
}

// The tuner sets 400 %, follows the live heap after collections, and
// restores the previous target when the last command ends.
func TestTuneGC(t *testing.T) {
	t.Setenv("GOGC", "")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)

	stop := tuneGC()
	if got := gcPercent(); got != 400 {
		t.Fatalf("GOGC while a command runs = %d, want 400", got)
	}
	stop2 := tuneGC() // a second, concurrent command
	stop2()
	if got := gcPercent(); got != 400 {
		t.Fatalf("GOGC after one of two commands ended = %d, want 400", got)
	}

	// A 96 MB live heap: 128/96 → 133 %.
	ballast := make([]byte, 96<<20)
	for i := range ballast {
		ballast[i] = byte(i)
	}
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	want := 0
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the cleanup runs after the collection
		metrics.Read(live)
		want = gcPercentFor(live[0].Value.Uint64())
		if gcPercent() == want {
			break
		}
	}
	if got := gcPercent(); got != want || got >= 400 || got < 100 {
		t.Errorf("GOGC with a %d MB live heap = %d, want %d", live[0].Value.Uint64()>>20, got, want)
	}
	runtime.KeepAlive(ballast)

	stop()
	if got := gcPercent(); got != 100 {
		t.Errorf("GOGC after the last command = %d, want the previous 100", got)
	}
}

// A GOGC in the environment is left alone.
func TestTuneGCLeavesGOGC(t *testing.T) {
	t.Setenv("GOGC", "150")
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)
	stop := tuneGC()
	defer stop()
	if got := gcPercent(); got != 150 {
		t.Errorf("GOGC=150 in the environment, collector target %d", got)
	}
}
