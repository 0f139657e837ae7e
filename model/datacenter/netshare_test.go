package datacenter

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// loadShared is the small consolidation case with nHosts hosts and the
// link shared by the migrations.
func loadShared(t *testing.T, nHosts int, sets ...string) *Model {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "t.csv"), []byte(smallTrace), 0o644)
	p := filepath.Join(dir, "s.toml")
	text := strings.Replace(smallConsolidation, "count = 2", "count = "+string(rune('0'+nHosts)), 1)
	os.WriteFile(p, []byte(text), 0o644)
	sc, err := scenarios.Load(p, LoadOptions(append([]string{"consolidation.share_link=true"}, sets...), nil))
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(sc, &results.Recorder{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// startAt starts a migration of VM v from src to dst at time at (s).
func startAt(m *Model, at float64, v, src, dst int) {
	m.s.At(sim.FromSeconds(at), func() {
		m.assign(&m.vms[v], dst, false)
		mi := m.cons.alloc(migration{vm: v, src: src, dst: dst})
		m.cons.vmMig[v] = mi
		m.startMigration(mi)
		m.startFlows()
	})
}

// Two 1 GiB migrations out of host 0 (1 Gb/s), the second 4 s after the
// first, by hand. Reference model: a flow sends RAM at half its rate.
//
//   - 10 s: a alone, 500 Mb/s → 62.5 MiB/s; by 14 s it has sent 250 MiB.
//   - 14 s: b starts; host 0's link is split: 31.25 MiB/s each. a's 774
//     MiB left take 24.768 s: a ends at 38.768 s (alone it would have at
//     26.384 s).
//   - b has sent 774 MiB by then; its 250 MiB left go at 62.5 MiB/s in 4 s:
//     b ends at 42.768 s.
//
// Pre-copy with no dirtying sends at the whole rate: a alone 125 MiB/s,
// 500 MiB by 14 s; then 62.5 MiB/s each: a's 524 MiB take 8.384 s (ends
// 22.384 s); b's last 500 MiB at 125 MiB/s take 4 s (ends 26.384 s).
func TestSharedLinkByHand(t *testing.T) {
	for _, c := range []struct {
		name         string
		sets         []string
		aEnd, bEnd   float64
		aMid, sentAt float64
	}{
		{"reference", nil, 38.768, 42.768, 31.25, 250},
		{"precopy", []string{"consolidation.migration=precopy", "consolidation.dirty_mibps=0"}, 22.384, 26.384, 62.5, 500},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := loadShared(t, 3, c.sets...)
			startAt(m, 10, 0, 0, 1)
			startAt(m, 14, 1, 0, 2)
			stepTo(m, 20)
			fa := m.cons.migs[m.cons.vmMig[0]].fl
			fb := m.cons.migs[m.cons.vmMig[1]].fl
			if !near(m.cons.sendRate(&fa), c.aMid) || !near(m.cons.sendRate(&fb), c.aMid) || !near(fb.rem, 1024) {
				t.Errorf("at 20 s: rates %v and %v MiB/s, b left %v", m.cons.sendRate(&fa), m.cons.sendRate(&fb), fb.rem)
			}
			if !near(fa.rem, 1024-c.sentAt) {
				t.Errorf("a's left at 14 s: %v MiB, want %v", fa.rem, 1024-c.sentAt)
			}
			a, b := &m.vms[0], &m.vms[1]
			stepTo(m, c.aEnd-1e-6)
			if a.Host != 0 {
				t.Errorf("a moved before %v s", c.aEnd)
			}
			stepTo(m, c.aEnd+1e-6)
			if a.Host != 1 || b.Host != 0 {
				t.Errorf("at %v s: a on %d, b on %d", c.aEnd, a.Host, b.Host)
			}
			stepTo(m, c.bEnd-1e-6)
			if b.Host != 0 {
				t.Errorf("b moved before %v s", c.bEnd)
			}
			stepTo(m, c.bEnd+1e-6)
			if b.Host != 2 || m.cons.hostMigs[0] != 0 || len(m.cons.links.net.Flows(0)) != 0 {
				t.Errorf("at %v s: b on %d, host 0 migrations %d flows %v", c.bEnd, b.Host, m.cons.hostMigs[0], m.cons.links.net.Flows(0))
			}
			if got := m.cons.migratedMiB; !near(got, 2048) {
				t.Errorf("migrated %v MiB, want 2048", got)
			}
		})
	}
}

// Max-min fairness, not an equal split per host: flows 0→1 and 0→2 share
// host 0's link; 0→2, 3→2 and 4→2 share host 2's. Host 2 is the bottleneck:
// its three flows get 1000/3 Mb/s; 0→1 then takes what host 0 has left,
// 2000/3 Mb/s.
func TestSharedLinkMaxMin(t *testing.T) {
	m := loadShared(t, 5)
	stepTo(m, 1)
	c := m.cons
	for i, p := range [][2]int{{0, 1}, {0, 2}, {3, 2}, {4, 2}} {
		mi := c.alloc(migration{vm: i % 3, src: p[0], dst: p[1]})
		c.migs[mi].fl = flow{rem: 1024, since: m.s.Now()}
		c.links.net.Start(mi, int32(p[0]), int32(p[1]))
	}
	m.reshareLinks(0, 1)
	want := []float64{2000.0 / 3, 1000.0 / 3, 1000.0 / 3, 1000.0 / 3}
	for i, w := range want {
		if got := c.migs[i].fl.mbps; !near(got, w) {
			t.Errorf("flow %d: %v Mb/s, want %v", i, got, w)
		}
	}
	// The 3→2 flow ends: host 2's two flows get 500 each, and 0→1 gets 500.
	c.links.net.Stop(2)
	c.migs[2].fl.mbps = 0
	m.reshareLinks(3, 2)
	for i, w := range []float64{500, 500, 0, 500} {
		if got := c.migs[i].fl.mbps; !near(got, w) {
			t.Errorf("after: flow %d: %v Mb/s, want %v", i, got, w)
		}
	}
}

// A VM that ends while migrating on a shared link gives its share back.
func TestSharedLinkAbort(t *testing.T) {
	m := loadShared(t, 3)
	startAt(m, 10, 0, 0, 1)
	startAt(m, 14, 1, 0, 2)
	stepTo(m, 20)
	m.endVM(&m.vms[1], vm.Finished)
	fa := m.cons.migs[m.cons.vmMig[0]].fl
	if !near(fa.mbps, 1000) || len(m.cons.links.net.Flows(0)) != 1 || len(m.cons.links.net.Flows(2)) != 0 {
		t.Fatalf("after abort: a at %v Mb/s, flows %v %v", fa.mbps, m.cons.links.net.Flows(0), m.cons.links.net.Flows(2))
	}
	// a: 250 MiB by 14 s, 187.5 more by 20 s at 31.25 MiB/s, then 586.5 MiB
	// at 62.5 MiB/s: 9.384 s, ending at 29.384 s.
	stepTo(m, 29.384+1e-6)
	if m.vms[0].Host != 1 {
		t.Errorf("a on %d at 29.384 s", m.vms[0].Host)
	}
	m.Run()
}

// Pre-copy rounds on a shared link, by hand (dirtying 10 MiB/s). a starts
// at 10 s alone (125 MiB/s), b at 12 s; from then both send at 62.5 MiB/s
// (b is still in its first round throughout a's migration).
//
//   - a's round 0: 250 MiB by 12 s, 774 MiB more by 24.384 s (14.384 s).
//   - round 1: 143.84 MiB dirtied, sent by 26.68544 s (2.30144 s).
//   - round 2: 23.0144 MiB (> 16), sent by 27.0536704 s.
//   - 3.682304 MiB left ≤ 16: stop and copy, 0.058916864 s of downtime; a
//     runs on host 1 from 27.112587264 s.
func TestSharedLinkPreCopyRounds(t *testing.T) {
	m := loadShared(t, 3, "consolidation.migration=precopy", "consolidation.dirty_mibps=10")
	startAt(m, 10, 0, 0, 1)
	startAt(m, 12, 1, 0, 2)
	a := &m.vms[0]
	stepTo(m, 27.0536704+1e-6)
	if f := m.cons.migs[m.cons.vmMig[0]].fl; !f.stopCopy || f.round != 3 || a.Degrade != 1 || a.Host != 0 {
		t.Errorf("at 27.0537 s: stop-copy %v after %d rounds, degrade %v, host %d", f.stopCopy, f.round, a.Degrade, a.Host)
	}
	stepTo(m, 27.112587264+1e-6)
	if a.Host != 1 || a.Degrade != 0 {
		t.Errorf("at 27.1126 s: a on %d degrade %v", a.Host, a.Degrade)
	}
	if got := sim.Seconds(m.cons.downtime); !near(got, 0.058916864) {
		t.Errorf("downtime %v s", got)
	}
	if got := m.cons.migratedMiB; !near(got, 1024+143.84+23.0144+3.682304+1024) {
		t.Errorf("migrated %v MiB (a's rounds and b's first)", got)
	}
}
