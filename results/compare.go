package results

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// ComparisonRow is one consolidation policy's run in a comparison
// (comparison.csv, comparison.md): the metrics of Beloglazov & Buyya
// (CCPE 2012) and a few more.
type ComparisonRow struct {
	Policy    string  `csv:"policy"`
	EnergyKWh float64 `csv:"energy_kwh"`
	// SLAV = SLATAH × PDM; ESV = energy × SLAV.
	SLAV   float64 `csv:"slav"`
	SLATAH float64 `csv:"slatah"`
	PDM    float64 `csv:"pdm"`
	ESV    float64 `csv:"esv"`
	// SLAViolation is the unmet share of the CPU demanded.
	SLAViolation    float64 `csv:"sla_violation"`
	Migrations      int     `csv:"migrations"`
	Shutdowns       int     `csv:"host_shutdowns"`
	MeanActiveHosts float64 `csv:"mean_active_hosts"`
	// Mean times before a host shutdown and before a VM migration.
	TimeBeforeShutdownS  float64 `csv:"mean_time_before_shutdown_s"`
	TimeBeforeMigrationS float64 `csv:"mean_time_before_migration_s"`
	Warnings             int     `csv:"warnings"`
}

// PolicyHosts is the number of active hosts over time under one policy.
type PolicyHosts struct {
	Policy      string
	TimeS       []float64
	ActiveHosts []float64
}

// WriteComparisonMarkdown writes the comparison as a Markdown table, in
// the order of rows.
func WriteComparisonMarkdown(w io.Writer, rows []ComparisonRow) error {
	var b strings.Builder
	b.WriteString("| policy | energy (kWh) | SLAV (×10⁻⁵) | SLATAH (%) | PDM (%) | ESV (×10⁻³) | SLA violation (%) | migrations | shutdowns | mean active hosts |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.2f | %.3f | %.3f | %.4f | %.3f | %.3f | %d | %d | %.1f |\n",
			r.Policy, r.EnergyKWh, r.SLAV*1e5, r.SLATAH*100, r.PDM*100, r.ESV*1e3, r.SLAViolation*100, r.Migrations, r.Shutdowns, r.MeanActiveHosts)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// comparisonCharts draws energy against SLAV, bars of energy, SLAV and
// migrations, and the active hosts of the highlighted policies.
func comparisonCharts(r *Recorder, title string) []namedChart {
	if len(r.Consolidation) >= 2 {
		// A single run: hosts and migrations over time.
		l := &Lines{Title: title + "consolidation over time", XLabel: "time (h)", YLabel: "hosts, migrations per decision", NoPoints: true}
		act, over, migs := Series{Label: "active hosts"}, Series{Label: "overloaded hosts"}, Series{Label: "migrations decided"}
		for _, c := range r.Consolidation {
			l.X = append(l.X, c.TimeS/3600)
			act.Values = append(act.Values, float64(c.ActiveHosts))
			over.Values = append(over.Values, float64(c.OverloadedHosts))
			migs.Values = append(migs.Values, float64(c.Migrations))
		}
		l.Series = []Series{act, over, migs}
		return []namedChart{{"consolidation", l}}
	}
	if len(r.Comparison) == 0 {
		return nil
	}
	// Energy against SLAV for the detector × selection policies (colour:
	// detector, shape: selection); the baselines, at SLAV 0 and far more
	// energy, are named in the title instead of squashing the axis.
	sc := &Scatter{Title: title + "energy and SLA violation", XLabel: "SLAV = SLATAH × PDM", YLabel: "energy (kWh)"}
	var base []string
	var dets, sels []string
	var cats []string
	energy, slav, migs := Series{Label: "energy (kWh)"}, Series{Label: "SLAV (×10⁻⁵)"}, Series{Label: "migrations"}
	for _, c := range r.Comparison {
		cats = append(cats, c.Policy)
		energy.Values = append(energy.Values, c.EnergyKWh)
		slav.Values = append(slav.Values, c.SLAV*1e5)
		migs.Values = append(migs.Values, float64(c.Migrations))
		d, sl, ok := strings.Cut(c.Policy, "-")
		if !ok {
			base = append(base, fmt.Sprintf("%s %.0f kWh", c.Policy, c.EnergyKWh))
			continue
		}
		if !slices.Contains(dets, d) {
			dets = append(dets, d)
		}
		if !slices.Contains(sels, sl) {
			sels = append(sels, sl)
		}
		sc.Points = append(sc.Points, Point{Label: c.Policy, X: c.SLAV, Y: c.EnergyKWh,
			Color: slices.Index(dets, d), Shape: slices.Index(sels, sl)})
	}
	if len(base) > 0 {
		sc.Title += " (" + strings.Join(base, ", ") + ")"
	}
	var out []namedChart
	if len(sc.Points) > 0 {
		out = append(out, namedChart{"energy_vs_slav", sc})
	}
	out = append(out, []namedChart{
		{"energy", &Bars{Title: title + "energy by policy", YLabel: "energy (kWh)", Categories: cats, Series: []Series{energy}}},
		{"slav", &Bars{Title: title + "SLA violation by policy", YLabel: "SLAV (×10⁻⁵)", Categories: cats, Series: []Series{slav}}},
		{"migrations", &Bars{Title: title + "VM migrations by policy", YLabel: "migrations", Categories: cats, Series: []Series{migs}}},
	}...)
	if len(r.PolicyHosts) > 0 && len(r.PolicyHosts[0].TimeS) >= 2 {
		l := &Lines{Title: title + "active hosts over time", XLabel: "time (h)", YLabel: "active hosts", NoPoints: true}
		for _, t := range r.PolicyHosts[0].TimeS {
			l.X = append(l.X, t/3600)
		}
		for _, p := range r.PolicyHosts {
			if len(p.ActiveHosts) == len(l.X) {
				l.Series = append(l.Series, Series{Label: p.Policy, Values: p.ActiveHosts})
			}
		}
		out = append(out, namedChart{"active_hosts_by_policy", l})
	}
	return out
}
