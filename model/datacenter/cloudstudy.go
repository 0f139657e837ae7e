package datacenter

import (
	"fmt"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// cloudStudy runs each [[study.variant]] of the scenario — its text with
// the variant's set overrides applied after the scenario's own — as many
// at once as there are cores, each with its own model and the scenario's
// seed, and records one row per variant in the listed order.
func cloudStudy(sc *scenarios.Scenario, rec *results.Recorder) error {
	vs := sc.Study.Variants
	rows := make([]results.CloudRow, len(vs))
	warns := make([][]string, len(vs))
	seed := sc.Seed
	runVariant := func(i int) error {
		v, err := scenarios.Reload(sc, LoadOptions(vs[i].Set, &seed))
		if err != nil {
			return err
		}
		v.Study = scenarios.Study{}
		v.Output.SampleInterval.Time = 0 // the totals are exact without
		r := &results.Recorder{}
		m, err := New(v, r)
		if err != nil {
			return err
		}
		m.Run()
		rows[i] = cloudRow(vs[i].Name, r)
		warns[i] = r.Summary.Warnings
		return nil
	}
	errs := make([]error, len(vs))
	parallel(len(vs), func(i int) { errs[i] = runVariant(i) })
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("study.variant[%d] (%s): %w", i, vs[i].Name, err)
		}
	}
	rec.CloudRows = rows
	s := &rec.Summary
	s.Metrics["variants"] = float64(len(rows))
	// Each variant's headline figures, for sweeps over the study.
	for _, r := range rows {
		k := scenarios.VariantMetricName(r.Variant) + "."
		for name, v := range map[string]float64{"mean_launch_latency_s": r.MeanS, "p50_launch_latency_s": r.P50S,
			"p95_launch_latency_s": r.P95S, "p99_launch_latency_s": r.P99S, "launches_rejected": float64(r.Rejected),
			"nc_refusals": float64(r.Refusals), "energy_kwh": r.EnergyKWh, "cache_hit_rate": r.CacheHitRate} {
			s.Metrics[k+name] = v
		}
	}
	for i, w := range warns {
		for _, x := range w {
			s.Warnings = append(s.Warnings, vs[i].Name+": "+x)
		}
	}
	return nil
}

// cloudRow summarizes one variant's run.
func cloudRow(name string, r *results.Recorder) results.CloudRow {
	sm := &r.Summary
	m := sm.Metrics
	row := results.CloudRow{Variant: name, Launches: int(m["launches"]), Running: int(m["launches_running"]),
		Rejected: int(m["launches_rejected"]), MeanS: m["mean_launch_latency_s"], P50S: m["p50_launch_latency_s"],
		P95S: m["p95_launch_latency_s"], P99S: m["p99_launch_latency_s"], Refusals: int(m["nc_refusals"]),
		ClusterRetries: int(m["cluster_retries"]), CacheHitRate: m["cache_hit_rate"], WalrusGiB: m["walrus_gib"],
		LaunchesPerS: m["launches_per_s"], EnergyKWh: sm.EnergyKWh, MeanOnHosts: sm.MeanOnHosts,
		Wakeups: int(m["node_wakeups"]), CLCWaitMeanS: m["clc_wait_mean_s"], CCWaitMeanS: m["cc_wait_mean_s"],
		NCWaitMeanS: m["nc_wait_mean_s"]}
	row.Latencies, row.StageMeans = results.LaunchStats(r.Launches, "")
	return row
}
