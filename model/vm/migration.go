package vm

import (
	"fmt"
	"math"

	"github.com/simrun/simrun/sim"
)

// Migration is the plan of one live migration.
type Migration struct {
	// Duration from start until the VM runs on the target; Downtime the
	// part of it during which the VM runs nowhere (stop-and-copy).
	Duration, Downtime sim.Time
	// TransferredMiB is the memory sent over the link in all; Rounds the
	// pre-copy rounds (0 for the reference model).
	TransferredMiB float64
	Rounds         int
	// SourceShare is the fraction of its demand the VM gets on the source
	// while migrating; TargetReserve the fraction of its demand the target
	// reserves from the start.
	SourceShare, TargetReserve float64
}

// ReferenceSourceShare and ReferenceTargetReserve are the reference
// model's shares: during a migration the VM gets 90 % of its demand on the
// source and the target reserves 10 % (Beloglazov & Buyya 2012).
const (
	ReferenceSourceShare   = 0.9
	ReferenceTargetReserve = 0.1
)

// ReferenceMigration is CloudSim's model (PowerDatacenter; Beloglazov &
// Buyya 2012): the VM's RAM crosses the link at half its bandwidth, so
// T = RAM·8 / (bandwidth/2) (MiB, Mb/s: 1024 MiB at 1 Gb/s take 16.384
// s); during it the VM gets 90 % of its demand on the source and the
// target reserves 10 %. No downtime is modelled.
func ReferenceMigration(ramMiB, linkMbps float64) (Migration, error) {
	if !(ramMiB > 0) || !(linkMbps > 0) || math.IsInf(ramMiB, 0) || math.IsInf(linkMbps, 0) {
		return Migration{}, fmt.Errorf("migration: RAM (%v MiB) and link (%v Mb/s) must be > 0", ramMiB, linkMbps)
	}
	return Migration{
		Duration:       sim.FromSeconds(ramMiB * 8 / (linkMbps / 2)),
		TransferredMiB: ramMiB, SourceShare: ReferenceSourceShare, TargetReserve: ReferenceTargetReserve,
	}, nil
}

// PreCopy is iterative pre-copy live migration (Clark et al., NSDI 2005):
// round 0 sends all memory while the VM runs; each later round sends the
// pages dirtied during the previous one; when what is left is at most
// StopCopyMiB, or after MaxRounds, or when the VM dirties memory as fast as
// the link sends it, the VM stops and the rest is sent (the downtime, plus
// ResumeOverhead to restart on the target). With link rate R and dirty rate
// D (MiB/s), round i sends V_i = V_0·(D/R)^i.
type PreCopy struct {
	DirtyMiBps     float64  // memory the guest dirties per second
	StopCopyMiB    float64  // stop when at most this much is left (default 16)
	MaxRounds      int      // pre-copy rounds at most (default 30)
	ResumeOverhead sim.Time // restarting on the target (default 0)
}

// Limits are StopCopyMiB and MaxRounds with their defaults (16 MiB, 30
// rounds) in place of zeros.
func (p PreCopy) Limits() (stopMiB float64, rounds int) {
	stopMiB, rounds = p.StopCopyMiB, p.MaxRounds
	if stopMiB == 0 {
		stopMiB = 16
	}
	if rounds == 0 {
		rounds = 30
	}
	return stopMiB, rounds
}

// Plan computes a migration of ramMiB over linkMbps (the share of the
// host's link the migration gets). The VM runs on the source at its full
// demand until the stop, and the target reserves its whole demand from
// the start.
func (p PreCopy) Plan(ramMiB, linkMbps float64) (Migration, error) {
	if !(ramMiB > 0) || !(linkMbps > 0) || p.DirtyMiBps < 0 || math.IsInf(ramMiB+linkMbps+p.DirtyMiBps, 0) {
		return Migration{}, fmt.Errorf("migration: RAM (%v MiB) and link (%v Mb/s) must be > 0 and the dirty rate (%v MiB/s) ≥ 0", ramMiB, linkMbps, p.DirtyMiBps)
	}
	stop, rounds := p.Limits()
	rate := linkMbps / 8 // MiB/s
	v, sent, t := ramMiB, 0.0, 0.0
	n := 0
	for n < rounds && v > stop && p.DirtyMiBps < rate {
		dt := v / rate
		t += dt
		sent += v
		v = min(p.DirtyMiBps*dt, ramMiB)
		n++
	}
	down := v/rate + sim.Seconds(p.ResumeOverhead)
	return Migration{
		Duration: sim.FromSeconds(t + down), Downtime: sim.FromSeconds(down),
		TransferredMiB: sent + v, Rounds: n, SourceShare: 1, TargetReserve: 1,
	}, nil
}
