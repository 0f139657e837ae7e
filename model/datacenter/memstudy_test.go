package datacenter

import (
	"bytes"
	"math"
	"runtime"
	"testing"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// The memory study: one row per ratio; below a ratio of 1 with room for
// every guest nothing is reclaimed and nobody slows down; the guests'
// working sets stop fitting where Σ W exceeds the host's usable memory
// plus what sharing saves, and only then do they slow down. Output is the
// same bytes whatever GOMAXPROCS.
func TestMemoryStudy(t *testing.T) {
	load := func() *scenarios.Scenario {
		sc, err := scenarios.LoadEmbedded("mem-overcommit", LoadOptions([]string{
			"study.ratios=[0.5, 1.5, 2.5]", "study.duration=40m", "study.warmup=30m"}, nil))
		if err != nil {
			t.Fatal(err)
		}
		return sc
	}
	var outs [][]byte
	for _, procs := range []int{1, 2} {
		old := runtime.GOMAXPROCS(procs)
		rec := study(t, load())
		runtime.GOMAXPROCS(old)
		var b bytes.Buffer
		if err := results.WriteCSV(&b, rec.Memory); err != nil {
			t.Fatal(err)
		}
		if err := results.WriteCSV(&b, rec.MemorySeries); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, b.Bytes())
		if len(rec.Memory) != 3 {
			t.Fatalf("%d rows", len(rec.Memory))
		}
		low, mid, high := rec.Memory[0], rec.Memory[1], rec.Memory[2]
		// 0.5 × 64 GiB / 4 GiB = 8 guests; 24 and 40.
		if low.VMs != 8 || mid.VMs != 24 || high.VMs != 40 {
			t.Errorf("guests %d %d %d, want 8 24 40", low.VMs, mid.VMs, high.VMs)
		}
		if low.BalloonMiB+low.SwappedMiB+low.CompressedSavedMiB != 0 || low.Slowdown-1 > 1e-3 {
			t.Errorf("ratio 0.5 reclaimed or slowed: %+v", low)
		}
		// 1.5: 24 × 2 GiB working sets fit in 64 GiB: ballooning takes the
		// idle memory, no guest pages.
		if mid.BalloonMiB == 0 || mid.GuestFaultsPerS != 0 || mid.Slowdown > 1.01 {
			t.Errorf("ratio 1.5: %+v", mid)
		}
		// 2.5: 40 × 2 GiB = 80 GiB of working sets cannot fit: the guests
		// page, and the slowdown follows S = 1 + h·(W − (C − b))/W·t.
		if high.GuestFaultsPerS == 0 || high.Slowdown < 1.5 {
			t.Errorf("ratio 2.5: %+v", high)
		}
		// More guests, more given back.
		if math.IsNaN(high.Slowdown) || high.ReclaimedMiB <= mid.ReclaimedMiB {
			t.Errorf("reclaimed %v at 2.5, %v at 1.5", high.ReclaimedMiB, mid.ReclaimedMiB)
		}
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("memory study output differs between GOMAXPROCS 1 and 2")
	}
}

// At steady state with the working set over what the balloon leaves, the
// slowdown is the formula's: per guest, λ = h·(W − (C − b))/W page-ins a
// second at 5 ms each.
func TestMemoryStudySlowdownFormula(t *testing.T) {
	sc, err := scenarios.LoadEmbedded("mem-overcommit", LoadOptions([]string{
		"study.ratios=[2.5]", "study.duration=60m", "study.warmup=50m", "memory.sample_pages=0"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	rec := study(t, sc)
	r := rec.Memory[0]
	// Guest faults are summed over guests; each guest's S − 1 = λ·0.005
	// when nothing is swapped, so mean S ≈ 1 + (Σλ/n)·0.005 (equal guests).
	want := 1 + r.GuestFaultsPerS/float64(r.VMs)*0.005 + r.SwapInsPerS/float64(r.VMs)*0.005
	if math.Abs(r.Slowdown-want)/want > 0.01 {
		t.Errorf("slowdown %v, formula %v (%+v)", r.Slowdown, want, r)
	}
}
