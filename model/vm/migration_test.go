package vm

import (
	"math"
	"testing"

	"github.com/simrun/simrun/sim"
)

func TestReferenceMigration(t *testing.T) {
	// The calibration's figure: 1024 MiB at 1 Gb/s, half the bandwidth:
	// 8192 Mb / 500 Mb/s = 16.384 s.
	m, err := ReferenceMigration(1024, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if m.Duration != 16384*sim.Millisecond || m.SourceShare != 0.9 || m.TargetReserve != 0.1 || m.Downtime != 0 {
		t.Errorf("%+v", m)
	}
	if _, err := ReferenceMigration(0, 1000); err == nil {
		t.Error("0 MiB accepted")
	}
}

func TestPreCopy(t *testing.T) {
	// 1024 MiB over 800 Mb/s (100 MiB/s), dirtying 10 MiB/s (ratio 0.1):
	// rounds send 1024 (10.24 s) and 102.4 (1.024 s); 10.24 MiB are left,
	// under the 16 MiB stop threshold: downtime 0.1024 s + 5 ms resume.
	// Total 11.3664 s + 5 ms; 1136.64 MiB sent.
	p := PreCopy{DirtyMiBps: 10, ResumeOverhead: 5 * sim.Millisecond}
	m, err := p.Plan(1024, 800)
	if err != nil {
		t.Fatal(err)
	}
	near := func(a sim.Time, s float64) bool { return math.Abs(sim.Seconds(a)-s) < 1e-9 }
	if m.Rounds != 2 || !near(m.Downtime, 0.1074) || !near(m.Duration, 11.3714) || math.Abs(m.TransferredMiB-1136.64) > 1e-9 {
		t.Errorf("%+v", m)
	}
	// A VM that dirties memory faster than the link sends it never
	// converges: one stop-and-copy of everything.
	m, _ = PreCopy{DirtyMiBps: 200}.Plan(1024, 800)
	if m.Rounds != 0 || !near(m.Downtime, 10.24) {
		t.Errorf("non-converging: %+v", m)
	}
	// The round limit stops a slowly converging one.
	m, _ = PreCopy{DirtyMiBps: 99, MaxRounds: 3}.Plan(1024, 800)
	if m.Rounds != 3 {
		t.Errorf("round limit: %+v", m)
	}
	// More dirtying never shortens the migration or the traffic while
	// pre-copy converges (the downtime alone is not monotone: where the
	// last round ends under the threshold varies).
	var prev Migration
	for _, d := range []float64{0, 1, 10, 50, 90, 110, 120} {
		m, _ := PreCopy{DirtyMiBps: d}.Plan(2048, 1000)
		if m.Duration < prev.Duration || m.TransferredMiB < prev.TransferredMiB {
			t.Errorf("dirty %v: %+v after %+v", d, m, prev)
		}
		prev = m
	}
}
