package datacenter

import (
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// compareStudy runs the scenario once per policy of study.policies, as
// many at a time as there are cores, and records one comparison row per
// policy (in the listed order, whatever the scheduling) and the active
// hosts over time of the highlighted ones. Each run is the scenario with
// consolidation.overload and consolidation.selection replaced; everything
// else, the seed included, is shared, so the runs differ only by policy.
func compareStudy(sc *scenarios.Scenario, rec *results.Recorder) error {
	pols := sc.Study.Policies
	recs := make([]*results.Recorder, len(pols))
	errs := make([]error, len(pols))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(pols)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				recs[i], errs[i] = runPolicy(sc, pols[i])
			}
		}()
	}
	for i := range pols {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("study.policies[%d] (%s): %w", i, pols[i], err)
		}
	}
	s := &rec.Summary
	s.Metrics["policies"] = float64(len(pols))
	for i, r := range recs {
		rs := &r.Summary
		mt := rs.Metrics
		rec.Comparison = append(rec.Comparison, results.ComparisonRow{
			Policy: pols[i], EnergyKWh: rs.EnergyKWh, SLAV: mt["slav"], SLATAH: mt["slatah"], PDM: mt["pdm"], ESV: mt["esv"],
			SLAViolation: mt["sla_violation"], Migrations: int(mt["migrations"]), Shutdowns: int(mt["host_shutdowns"]),
			MeanActiveHosts: rs.MeanActiveHosts, TimeBeforeShutdownS: mt["mean_time_before_shutdown_s"],
			TimeBeforeMigrationS: mt["mean_time_before_migration_s"], Warnings: len(rs.Warnings),
		})
		for _, w := range rs.Warnings {
			s.Warnings = append(s.Warnings, pols[i]+": "+w)
		}
		if slices.Contains(sc.Study.Highlight, pols[i]) {
			ph := results.PolicyHosts{Policy: pols[i]}
			for _, c := range r.Consolidation {
				ph.TimeS = append(ph.TimeS, c.TimeS)
				ph.ActiveHosts = append(ph.ActiveHosts, float64(c.ActiveHosts))
			}
			rec.PolicyHosts = append(rec.PolicyHosts, ph)
		}
	}
	return nil
}

// runPolicy runs sc under one consolidation policy and returns its records
// (summary and consolidation samples only).
func runPolicy(sc *scenarios.Scenario, policy string) (*results.Recorder, error) {
	det, sel, err := scenarios.ParsePolicy(policy)
	if err != nil {
		return nil, err
	}
	c := *sc
	c.Study = scenarios.Study{}
	c.Output.SampleInterval.Time = 0
	c.Consolidation.Overload, c.Consolidation.Selection = det, sel
	rec := &results.Recorder{}
	m, err := New(&c, rec)
	if err != nil {
		return nil, err
	}
	m.Run()
	rec.Outcomes = nil
	return rec, nil
}
