package results

import (
	"fmt"
	"slices"
)

type namedChart struct {
	name  string
	chart Chart
}

// studyCharts draws the figures of a virtualization study from its records.
func studyCharts(r *Recorder, title string) []namedChart {
	if title != "" {
		title += ": "
	}
	out := comparisonCharts(r, title)
	out = append(out, cloudCharts(r, title)...)
	if len(r.Overheads) > 0 {
		out = append(out, overheadCharts(r.Overheads, title)...)
	}
	if len(r.IOPoints) > 0 {
		out = append(out, ioCharts(r.IOPoints, title)...)
	}
	if len(r.Memory) > 0 {
		out = append(out, memoryCharts(r.Memory, r.MemorySeries, title)...)
	}
	if len(r.HostMemory) > 0 {
		out = append(out, hostMemoryCharts(r.HostMemory, title)...)
	}
	if len(r.MemPlacement) > 0 {
		out = append(out, memPlacementCharts(r.MemPlacement, title)...)
	}
	if len(r.Capacity) > 0 {
		b := &Bars{Title: title + "VMs per host at the latency target", YLabel: "VMs per host"}
		virt := Series{Label: "virtualized"}
		native := Series{Label: "bare metal (same limits)"}
		for _, c := range r.Capacity {
			b.Categories = append(b.Categories, fmt.Sprintf("%s (%s)", c.Config, c.LimitedBy))
			virt.Values = append(virt.Values, float64(c.MaxVMs))
			native.Values = append(native.Values, float64(c.NativeMaxVMs))
		}
		b.Series = []Series{virt, native}
		out = append(out, namedChart{"capacity", b})
	}
	return out
}

// order returns the distinct values of key over rows, in first-seen order.
func order[T any](rows []T, key func(*T) string) []string {
	var out []string
	for i := range rows {
		if k := key(&rows[i]); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func overheadCharts(rows []OverheadRow, title string) []namedChart {
	profiles := order(rows, func(r *OverheadRow) string { return r.Profile })
	configs := order(rows, func(r *OverheadRow) string { return label(r) })
	// Slowdown: one group of bars per profile, one bar per configuration.
	sl := &Bars{Title: title + "slowdown by workload and hypervisor", YLabel: "slowdown (× native time)", Categories: profiles, HLine: 1, HLineLabel: "native"}
	for _, c := range configs {
		s := Series{Label: c}
		for _, p := range profiles {
			v := 0.0
			for i := range rows {
				if rows[i].Profile == p && label(&rows[i]) == c {
					v = rows[i].Slowdown
				}
			}
			s.Values = append(s.Values, v)
		}
		sl.Series = append(sl.Series, s)
	}
	// Breakdown: one stacked bar per (profile, configuration).
	br := &Bars{Title: title + "where the cycles go", YLabel: "CPU time relative to native", Stacked: true, HLine: 1, HLineLabel: "native"}
	seg := []Series{{Label: "native work"}, {Label: "cpu"}, {Label: "mmu"}, {Label: "io"}, {Label: "host backend (outside the VM)"}}
	for i := range rows {
		r := &rows[i]
		br.Categories = append(br.Categories, r.Profile+": "+label(r))
		c0 := r.NativeCycles
		for k, v := range []float64{1, r.CPUCycles / c0, r.MMUCycles / c0, r.IOCycles / c0, r.HostCycles / c0} {
			seg[k].Values = append(seg[k].Values, max(0, v))
		}
	}
	br.Series = seg
	return []namedChart{{"slowdown", sl}, {"breakdown", br}}
}

func label(r *OverheadRow) string {
	if r.Generation != "" {
		return r.Config + " " + r.Generation
	}
	return r.Config
}

func ioCharts(pts []IOPoint, title string) []namedChart {
	configs := order(pts, func(p *IOPoint) string { return p.Config })
	var xs []float64
	for _, p := range pts {
		if p.Config == configs[0] {
			xs = append(xs, float64(p.VMs))
		}
	}
	line := func(name, what, ylabel string, y func(*IOPoint) float64, logY bool) namedChart {
		l := &Lines{Title: title + what, XLabel: "VMs per host", YLabel: ylabel, X: xs, LogY: logY}
		for _, c := range configs {
			s := Series{Label: c}
			for i := range pts {
				if pts[i].Config == c {
					s.Values = append(s.Values, y(&pts[i]))
				}
			}
			if len(s.Values) == len(xs) {
				l.Series = append(l.Series, s)
			}
		}
		return namedChart{name, l}
	}
	return []namedChart{
		line("io_throughput", "I/O throughput of the host", "throughput (Gb/s)", func(p *IOPoint) float64 { return p.ThroughputGbps }, false),
		line("io_latency", "99th-percentile request latency", "p99 latency (µs, log scale)", func(p *IOPoint) float64 { return p.P99Us }, true),
		line("io_host_cpu", "host CPU spent on I/O (vCPUs + backend)", "cores", func(p *IOPoint) float64 { return p.GuestCores + p.BackendCores }, false),
	}
}
