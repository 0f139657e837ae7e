package results

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteMemoryMarkdown writes a memory study's rows as a Markdown table:
// per mechanism set and ratio, the memory each mechanism gives back, the
// guests' slowdown and the host CPU it costs.
func WriteMemoryMarkdown(w io.Writer, rows []MemoryRow) error {
	var b strings.Builder
	b.WriteString("| mechanisms | ratio | VMs | shared (MiB) | balloon (MiB) | compressed (MiB) | swapped (MiB) | reclaimed (MiB) | slowdown | worst VM | blocked (%) | swap-ins/s | host CPU (cores) |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.2f | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.3f | %.3f | %.1f | %.0f | %.3f |\n",
			r.Mechanisms, r.Ratio, r.VMs, r.SharedSavedMiB, r.BalloonMiB, r.CompressedSavedMiB, r.SwappedMiB,
			r.ReclaimedMiB, r.Slowdown, r.WorstSlowdown, 100*r.BlockedFrac, r.SwapInsPerS, r.HostCPUCores)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// memoryCharts draws what each mechanism reclaims (stacked bars, one per
// set and ratio), the slowdown against the ratio (one line per set) or
// per set, and the slowdown over time when several sets are compared.
func memoryCharts(rows []MemoryRow, series []MemorySample, title string) []namedChart {
	sets := order(rows, func(r *MemoryRow) string { return r.Mechanisms })
	label := func(r *MemoryRow) string {
		if len(sets) == 1 {
			return fmt.Sprintf("%.2g", r.Ratio)
		}
		if len(rows) == len(sets) {
			return r.Mechanisms
		}
		return fmt.Sprintf("%s %.2g", r.Mechanisms, r.Ratio)
	}
	rec := &Bars{Title: title + "memory given back, by mechanism", YLabel: "MiB (mean after warm-up)", Stacked: true}
	seg := []Series{{Label: "page sharing"}, {Label: "ballooning"}, {Label: "compression"}, {Label: "swapping"}}
	for i := range rows {
		r := &rows[i]
		rec.Categories = append(rec.Categories, label(r))
		for k, v := range []float64{r.SharedSavedMiB, r.BalloonMiB, r.CompressedSavedMiB, r.SwappedMiB} {
			seg[k].Values = append(seg[k].Values, v)
		}
	}
	rec.Series = seg
	out := []namedChart{{"memory_reclaimed", rec}}
	ratios := order(rows, func(r *MemoryRow) string { return fmt.Sprint(r.Ratio) })
	if len(ratios) > 1 {
		l := &Lines{Title: title + "guest slowdown from memory pressure", XLabel: "memory overcommit ratio", YLabel: "slowdown (× unpressured time)", HLine: 1, HLineLabel: "no pressure"}
		for _, set := range sets {
			s := Series{Label: set}
			var x []float64
			for _, r := range rows {
				if r.Mechanisms == set {
					x = append(x, r.Ratio)
					s.Values = append(s.Values, r.Slowdown)
				}
			}
			l.X = x
			l.Series = append(l.Series, s)
		}
		out = append(out, namedChart{"memory_slowdown", l})
	} else {
		b := &Bars{Title: title + "guest slowdown from memory pressure", YLabel: "slowdown (× unpressured time)", HLine: 1, HLineLabel: "no pressure"}
		mean, worst := Series{Label: "mean guest"}, Series{Label: "slowest guest"}
		for i := range rows {
			b.Categories = append(b.Categories, label(&rows[i]))
			mean.Values = append(mean.Values, rows[i].Slowdown)
			worst.Values = append(worst.Values, rows[i].WorstSlowdown)
		}
		b.Series = []Series{mean, worst}
		out = append(out, namedChart{"memory_slowdown", b})
	}
	if len(sets) > 1 && len(series) > 0 {
		l := &Lines{Title: title + "guest slowdown over time", XLabel: "time (min)", YLabel: "mean slowdown (× unpressured time)", NoPoints: true, HLine: 1, HLineLabel: "no pressure"}
		for _, set := range sets {
			s := Series{Label: set}
			var x []float64
			for _, p := range series {
				if p.Mechanisms == set && p.Ratio == series[0].Ratio {
					x = append(x, p.TimeS/60)
					s.Values = append(s.Values, p.Slowdown)
				}
			}
			if len(l.X) == 0 || slices.Equal(l.X, x) {
				l.X = x
				l.Series = append(l.Series, s)
			}
		}
		out = append(out, namedChart{"memory_over_time", l})
	}
	return out
}
