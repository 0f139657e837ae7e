package results

import (
	"fmt"
	"io"
	"strings"
)

// MemPlacementRow is one run of a memory-placement study
// (mem_placement.csv): a placement policy at a RAM allocation ratio, on a
// datacenter whose memory is simulated. Memory figures are MiB given back
// by each mechanism, means over the run summed over the hosts.
type MemPlacementRow struct {
	Placement    string  `csv:"placement"`
	Policy       string  `csv:"policy"`
	Ratio        float64 `csv:"ram_allocation_ratio"`
	VMsRequested int     `csv:"vms_requested"`
	VMsPlaced    int     `csv:"vms_placed"`
	VMsRejected  int     `csv:"vms_rejected"`
	// Slowdown is the guests' mean progress under memory pressure,
	// inverted (summary metric mem_slowdown); WorstSlowdown the largest
	// any guest had in any epoch.
	Slowdown      float64 `csv:"slowdown"`
	WorstSlowdown float64 `csv:"worst_slowdown"`
	// UnmetDemandFraction is the share of the CPU work asked for that was
	// not done (memory stalls and CPU contention).
	UnmetDemandFraction float64 `csv:"unmet_demand_fraction"`
	EnergyKWh           float64 `csv:"energy_kwh"`
	EnergyPerVMKWh      float64 `csv:"energy_per_vm_kwh"`
	MeanActiveHosts     float64 `csv:"mean_active_hosts"`
	SharedSavedMiB      float64 `csv:"shared_saved_mib"`
	BalloonMiB          float64 `csv:"balloon_mib"`
	CompressedSavedMiB  float64 `csv:"compressed_saved_mib"`
	SwappedMiB          float64 `csv:"swapped_mib"`
	// ReclaimCPUCores is host CPU spent on scanning and compression (all
	// hosts);
	// TimeHardLow the share of host time with guests in the hard or low
	// state.
	ReclaimCPUCores float64 `csv:"reclaim_cpu_cores"`
	TimeHardLow     float64 `csv:"time_hard_low"`
}

// WriteMemPlacementMarkdown writes a memory-placement study as a Markdown
// table, one row per placement and ratio.
func WriteMemPlacementMarkdown(w io.Writer, rows []MemPlacementRow) error {
	var b strings.Builder
	b.WriteString("| placement | RAM ratio | admitted | rejected | slowdown | worst | unmet CPU (%) | energy (kWh) | kWh per VM | active hosts | shared (MiB) | balloon (MiB) | compressed (MiB) | swapped (MiB) | reclaim CPU (cores) | hard+low (%) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.2f | %d | %d | %.3f | %.2f | %.2f | %.1f | %.3f | %.1f | %.0f | %.0f | %.0f | %.0f | %.3f | %.1f |\n",
			r.Placement, r.Ratio, r.VMsPlaced, r.VMsRejected, r.Slowdown, r.WorstSlowdown, 100*r.UnmetDemandFraction,
			r.EnergyKWh, r.EnergyPerVMKWh, r.MeanActiveHosts, r.SharedSavedMiB, r.BalloonMiB, r.CompressedSavedMiB,
			r.SwappedMiB, r.ReclaimCPUCores, 100*r.TimeHardLow)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// memPlacementCharts draws, against the RAM allocation ratio, one line per
// placement: VMs admitted, guest slowdown and energy; and the memory each
// mechanism gives back per placement and ratio (stacked bars).
func memPlacementCharts(rows []MemPlacementRow, title string) []namedChart {
	places := order(rows, func(r *MemPlacementRow) string { return r.Placement })
	line := func(name, what, ylabel string, y func(*MemPlacementRow) float64, hline float64) namedChart {
		l := &Lines{Title: title + what, XLabel: "RAM allocation ratio", YLabel: ylabel, HLine: hline}
		if hline == 1 {
			l.HLineLabel = "no pressure"
		}
		for _, p := range places {
			s := Series{Label: p}
			var x []float64
			for i := range rows {
				if rows[i].Placement == p {
					x = append(x, rows[i].Ratio)
					s.Values = append(s.Values, y(&rows[i]))
				}
			}
			if len(l.X) == 0 {
				l.X = x
			}
			if len(x) == len(l.X) {
				l.Series = append(l.Series, s)
			}
		}
		return namedChart{name, l}
	}
	rec := &Bars{Title: title + "memory given back, by mechanism", YLabel: "MiB (mean over the run, all hosts)", Stacked: true}
	seg := []Series{{Label: "page sharing"}, {Label: "ballooning"}, {Label: "compression"}, {Label: "swapping"}}
	for i := range rows {
		r := &rows[i]
		rec.Categories = append(rec.Categories, fmt.Sprintf("%s %.2g", r.Placement, r.Ratio))
		for k, v := range []float64{r.SharedSavedMiB, r.BalloonMiB, r.CompressedSavedMiB, r.SwappedMiB} {
			seg[k].Values = append(seg[k].Values, v)
		}
	}
	rec.Series = seg
	return []namedChart{
		line("mem_admitted", "VMs admitted", "VMs placed", func(r *MemPlacementRow) float64 { return float64(r.VMsPlaced) }, 0),
		line("mem_placement_slowdown", "guest slowdown from memory pressure", "mean slowdown (× unpressured time)", func(r *MemPlacementRow) float64 { return r.Slowdown }, 1),
		line("mem_energy", "energy", "energy (kWh)", func(r *MemPlacementRow) float64 { return r.EnergyKWh }, 0),
		{"mem_placement_reclaimed", rec},
	}
}

// hostMemoryCharts draws a datacenter run's memory over time: what each
// mechanism gives back and the guests' working sets, summed over the
// hosts, and the mean slowdown of the hosts with guests.
func hostMemoryCharts(samples []HostMemorySample, title string) []namedChart {
	var times []float64
	for _, s := range samples {
		if len(times) == 0 || times[len(times)-1] != s.TimeS {
			times = append(times, s.TimeS)
		}
	}
	if len(times) < 2 {
		return nil
	}
	unit, xl := 60.0, "time (min)"
	if times[len(times)-1] > 7200 {
		unit, xl = 3600, "time (h)"
	}
	mem := &Lines{Title: title + "guest memory given back by each mechanism, and working sets (all hosts)", XLabel: xl, YLabel: "GiB", NoPoints: true}
	slow := &Lines{Title: title + "guest slowdown from memory pressure", XLabel: xl, YLabel: "mean slowdown over hosts with guests", NoPoints: true, HLine: 1, HLineLabel: "no pressure"}
	names := []string{"page sharing", "ballooning", "compression", "swapping", "working sets"}
	ser := make([]Series, len(names))
	for k := range ser {
		ser[k].Label = names[k]
	}
	sl := Series{Label: "slowdown"}
	for i, j := 0, 0; i < len(times); i++ {
		var sum [5]float64
		ps, n := 0.0, 0
		for ; j < len(samples) && samples[j].TimeS == times[i]; j++ {
			s := &samples[j]
			for k, v := range []float64{s.SharedSavedMiB, s.BalloonMiB, s.CompressedSavedMiB, s.SwappedMiB, s.ActiveMiB} {
				sum[k] += v / 1024
			}
			if s.VMs > 0 {
				ps += s.Slowdown
				n++
			}
		}
		for k := range ser {
			ser[k].Values = append(ser[k].Values, sum[k])
		}
		if n > 0 {
			ps /= float64(n)
		} else {
			ps = 1
		}
		sl.Values = append(sl.Values, ps)
		mem.X = append(mem.X, times[i]/unit)
	}
	mem.Series = ser
	slow.X, slow.Series = mem.X, []Series{sl}
	return []namedChart{{"host_memory", mem}, {"host_memory_slowdown", slow}}
}
