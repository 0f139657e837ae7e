package datacenter

import (
	"fmt"
	"testing"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// BenchmarkCloudSimScale runs the embedded cloudsim-scale scenario end to end
// (build, placement, simulation, summary; no file writing) at the sizes the
// issue compares with CloudSim. The largest size runs only without -short.
//
//	go test -run '^$' -bench CloudSimScale -benchmem -count 6 ./model/datacenter/
func BenchmarkCloudSimScale(b *testing.B) {
	sizes := []struct{ h, v, c int }{{100, 400, 1000}, {1000, 4000, 10000}, {10000, 40000, 100000}, {100000, 400000, 1000000}}
	for _, sz := range sizes {
		b.Run(fmt.Sprintf("H=%d/V=%d/C=%d", sz.h, sz.v, sz.c), func(b *testing.B) {
			if testing.Short() && sz.h > 10000 {
				b.Skip("largest size skipped with -short")
			}
			sets := []string{fmt.Sprintf("hosts=%d", sz.h), fmt.Sprintf("vms=%d", sz.v), fmt.Sprintf("cloudlets=%d", sz.c)}
			sc, err := scenarios.LoadEmbedded("cloudsim-scale", LoadOptions(sets, nil))
			if err != nil {
				b.Fatal(err)
			}
			rec := benchRuns(b, sc)
			if rec.Summary.CloudletsFinished != sz.c {
				b.Fatalf("%d of %d cloudlets finished", rec.Summary.CloudletsFinished, sz.c)
			}
		})
	}
}

// benchRuns runs sc once per iteration, reporting allocations and the
// events of a run, and returns the last run's records.
func benchRuns(b *testing.B, sc *scenarios.Scenario) *results.Recorder {
	b.Helper()
	b.ReportAllocs()
	var rec *results.Recorder
	for b.Loop() {
		rec = &results.Recorder{}
		m, err := New(sc, rec)
		if err != nil {
			b.Fatal(err)
		}
		m.Run()
	}
	b.ReportMetric(float64(rec.Summary.Events), "events/run")
	return rec
}

// BenchmarkQuickstart runs the embedded quickstart scenario (with sampling).
func BenchmarkQuickstart(b *testing.B) {
	sc, err := scenarios.LoadEmbedded("quickstart", LoadOptions(nil, nil))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		m, err := New(sc, &results.Recorder{})
		if err != nil {
			b.Fatal(err)
		}
		m.Run()
	}
}

// BenchmarkPlanetLab runs the embedded planetlab scenario (800 hosts, 1052
// PlanetLab VMs, 24 h, decisions every 5 minutes) end to end under each of
// the 22 policies: trace loading, initial placement, consolidation,
// migrations and summary (no file writing).
//
//	go test -run '^$' -bench PlanetLab/ -benchmem -count 6 ./model/datacenter/
func BenchmarkPlanetLab(b *testing.B) {
	for _, p := range scenarios.AllPolicies() {
		b.Run(p, func(b *testing.B) {
			det, sel, _ := scenarios.ParsePolicy(p)
			sc, err := scenarios.LoadEmbedded("planetlab", LoadOptions([]string{"consolidation.overload=" + det, "consolidation.selection=" + sel}, nil))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			var migs float64
			for b.Loop() {
				rec := &results.Recorder{}
				m, err := New(sc, rec)
				if err != nil {
					b.Fatal(err)
				}
				m.Run()
				migs = rec.Summary.Metrics["migrations"]
			}
			b.ReportMetric(migs, "migrations/run")
		})
	}
}

// BenchmarkPlanetLabCompare runs the planetlab-compare study: 22 runs,
// as many at once as GOMAXPROCS allows.
func BenchmarkPlanetLabCompare(b *testing.B) {
	sc, err := scenarios.LoadEmbedded("planetlab-compare", LoadOptions(nil, nil))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		rec := &results.Recorder{}
		if err := RunStudy(sc, rec); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemDatacenter runs the mem-datacenter study (4 placements × 4
// RAM ratios, each a 24 h run of 8 hosts with their memory simulated), as
// many at once as GOMAXPROCS allows; and, per placement, its run at ratio
// 2.5, reporting the share of host-epochs the memory model stepped (the
// rest slept at a fixed point).
//
//	go test -run '^$' -bench MemDatacenter -benchtime 3x ./model/datacenter/
func BenchmarkMemDatacenter(b *testing.B) {
	sc, err := scenarios.LoadEmbedded("mem-datacenter", LoadOptions(nil, nil))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("study", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := RunStudy(sc, &results.Recorder{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	for _, p := range sc.Study.Placements {
		b.Run("2.5/"+p.Name, func(b *testing.B) {
			c := *sc
			c.Study = scenarios.Study{}
			c.Placement = scenarios.Placement{Policy: p.Policy, Args: p.Args}
			c.HostGroups = []scenarios.HostGroup{sc.HostGroups[0]}
			c.HostGroups[0].RAMAllocationRatio = 2.5
			b.ReportAllocs()
			var stepped, total int64
			for b.Loop() {
				m, err := New(&c, &results.Recorder{})
				if err != nil {
					b.Fatal(err)
				}
				m.Run()
				stepped, total = m.MemoryEpochs()
			}
			b.ReportMetric(float64(stepped)/float64(total), "stepped/host-epoch")
		})
	}
}

// BenchmarkQuickstartMemory runs quickstart with its hosts' memory
// simulated (12 hosts × 86 400 epochs, most of them slept through).
func BenchmarkQuickstartMemory(b *testing.B) {
	sc, err := scenarios.LoadEmbedded("quickstart", LoadOptions([]string{"memory.enabled=true"}, nil))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var stepped, total int64
	for b.Loop() {
		m, err := New(sc, &results.Recorder{})
		if err != nil {
			b.Fatal(err)
		}
		m.Run()
		stepped, total = m.MemoryEpochs()
	}
	b.ReportMetric(float64(stepped)/float64(total), "stepped/host-epoch")
}

// BenchmarkEucaDay runs a day of the euca-day scenario through the control
// plane under each node scheduler (40 nodes, 1291 launches, polls
// every 6 s; no file writing), and the whole three-variant study.
//
//	go test -run '^$' -bench EucaDay -benchmem -count 6 ./model/datacenter/
func BenchmarkEucaDay(b *testing.B) {
	for _, p := range []string{"greedy", "roundrobin", "powersave"} {
		b.Run(p, func(b *testing.B) {
			sc, err := scenarios.LoadEmbedded("euca-day", LoadOptions([]string{`study.kind=""`, "cloud.policy=" + p}, nil))
			if err != nil {
				b.Fatal(err)
			}
			benchRuns(b, sc)
		})
	}
	b.Run("study", func(b *testing.B) {
		sc, err := scenarios.LoadEmbedded("euca-day", LoadOptions(nil, nil))
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			if err := RunStudy(sc, &results.Recorder{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
