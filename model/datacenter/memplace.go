package datacenter

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// memoryPlacementStudy runs the scenario as a datacenter with its memory
// simulated, once per placement of study.placements at every RAM
// allocation ratio of study.ratios, as many at a time as there are cores,
// and records one row per run in a fixed order (placements outermost).
// The runs share everything else, the seed included.
func memoryPlacementStudy(sc *scenarios.Scenario, rec *results.Recorder) error {
	type job struct {
		p     scenarios.StudyPlacement
		ratio float64
	}
	var jobs []job
	for _, p := range sc.Study.Placements {
		for _, r := range sc.Study.Ratios {
			jobs = append(jobs, job{p, r})
		}
	}
	rows := make([]results.MemPlacementRow, len(jobs))
	warns := make([][]string, len(jobs))
	errs := make([]error, len(jobs))
	parallel(len(jobs), func(i int) {
		rows[i], warns[i], errs[i] = memoryPlacementRun(sc, jobs[i].p, jobs[i].ratio)
	})
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("study.placements (%s at ratio %g): %w", jobs[i].p.Name, jobs[i].ratio, err)
		}
	}
	rec.MemPlacement = rows
	s := &rec.Summary
	s.Metrics["configurations"] = float64(len(rows))
	for i, w := range warns {
		for _, x := range w {
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s at ratio %g: %s", jobs[i].p.Name, jobs[i].ratio, x))
		}
	}
	return nil
}

// memoryPlacementRun runs sc with its memory simulated, the placement p
// and every host group's ram_allocation_ratio at ratio.
func memoryPlacementRun(sc *scenarios.Scenario, p scenarios.StudyPlacement, ratio float64) (results.MemPlacementRow, []string, error) {
	row := results.MemPlacementRow{Placement: p.Name, Policy: p.Policy, Ratio: ratio}
	c := *sc
	c.Study = scenarios.Study{}
	c.Output.SampleInterval.Time = 0
	c.Memory.Enabled = true
	c.Placement = scenarios.Placement{Policy: p.Policy, Args: p.Args}
	c.HostGroups = slices.Clone(sc.HostGroups)
	for i := range c.HostGroups {
		c.HostGroups[i].RAMAllocationRatio = ratio
	}
	r := &results.Recorder{}
	m, err := New(&c, r)
	if err != nil {
		return row, nil, err
	}
	m.Run()
	s := &r.Summary
	mt := s.Metrics
	row.VMsRequested, row.VMsPlaced, row.VMsRejected = s.VMsRequested, s.VMsPlaced, s.VMsRejected
	row.Slowdown, row.WorstSlowdown = mt["mem_slowdown"], mt["mem_slowdown_max"]
	row.UnmetDemandFraction = mt["unmet_demand_fraction"]
	row.EnergyKWh, row.MeanActiveHosts = s.EnergyKWh, s.MeanActiveHosts
	if s.VMsPlaced > 0 {
		row.EnergyPerVMKWh = s.EnergyKWh / float64(s.VMsPlaced)
	}
	row.SharedSavedMiB, row.BalloonMiB = mt["mem_shared_saved_mib"], mt["mem_balloon_mib"]
	row.CompressedSavedMiB, row.SwappedMiB = mt["mem_compressed_saved_mib"], mt["mem_swapped_mib"]
	row.ReclaimCPUCores = mt["mem_reclaim_cpu_cores"]
	row.TimeHardLow = mt["mem_time_hard"] + mt["mem_time_low"]
	var warn []string
	for _, w := range s.Warnings {
		// Rejections are the study's subject, not a warning.
		if !strings.HasSuffix(w, "VMs were rejected (see rejection_reasons and vm_outcomes.csv)") {
			warn = append(warn, w)
		}
	}
	return row, warn, nil
}

// parallel runs run(0), …, run(n−1), as many at a time as GOMAXPROCS
// allows; each run writes only its own results, so the outcome does not
// depend on the scheduling.
func parallel(n int, run func(i int)) {
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				run(i)
			}
		}()
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
}
