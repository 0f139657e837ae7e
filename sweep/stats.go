package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/internal/suggest"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// Stat summarizes one metric over a point's replications: the mean, the
// sample standard deviation and the Student-t 95 % confidence interval of
// the mean, mean ± t(0.975, n−1)·sd/√n. With one replication the spread
// and the interval are unknown (NaN).
type Stat struct {
	N                      int
	Mean, SD, Low, High, H float64
}

// Summarize computes the Stat of xs (NaNs are left out).
func Summarize(xs []float64) Stat {
	v := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	s := Stat{N: len(v), Mean: math.NaN(), SD: math.NaN(), Low: math.NaN(), High: math.NaN(), H: math.NaN()}
	if len(v) == 0 {
		return s
	}
	if len(v) == 1 {
		s.Mean = v[0]
		return s
	}
	s.Mean, s.SD = stat.MeanStdDev(v, nil)
	s.H = tQuantile975(len(v)-1) * s.SD / math.Sqrt(float64(len(v)))
	s.Low, s.High = s.Mean-s.H, s.Mean+s.H
	return s
}

// tQuantiles caches t(0.975; ν) by ν: a sweep asks for the same few
// degrees of freedom for every point and metric, and gonum inverts the
// incomplete beta function for each (about 7 µs).
var tQuantiles sync.Map

func tQuantile975(nu int) float64 {
	if q, ok := tQuantiles.Load(nu); ok {
		return q.(float64)
	}
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(nu)}.Quantile(0.975)
	tQuantiles.Store(nu, q)
	return q
}

// numField is a numeric field of results.Summary and its JSON name.
type numField struct {
	index     int
	name      string
	kind      reflect.Kind
	omitEmpty bool
}

// summaryNumbers lists the numeric fields of results.Summary as
// encoding/json names them, seed aside.
var summaryNumbers = sync.OnceValue(func() []numField {
	var fs []numField
	t := reflect.TypeFor[results.Summary]()
	for i := range t.NumField() {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		k := f.Type.Kind()
		switch k {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
			reflect.Float32, reflect.Float64:
		default:
			continue
		}
		if name == "seed" {
			continue
		}
		fs = append(fs, numField{i, name, k, slices.Contains(strings.Split(opts, ","), "omitempty")})
	}
	return fs
})

// Metrics flattens a summary's numbers: its numeric fields (seed aside)
// and its metrics map, by their JSON names, as its summary.json has them
// (a sanitized summary: no NaN).
func Metrics(s *results.Summary) map[string]float64 {
	fields := summaryNumbers()
	out := make(map[string]float64, len(fields)+len(s.Metrics))
	v := reflect.ValueOf(s).Elem()
	for _, f := range fields {
		fv := v.Field(f.index)
		if f.omitEmpty && fv.IsZero() {
			continue
		}
		switch f.kind {
		case reflect.Float32, reflect.Float64:
			out[f.name] = fv.Float()
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			out[f.name] = float64(fv.Uint())
		default:
			out[f.name] = float64(fv.Int())
		}
	}
	for k, v := range s.Metrics {
		if _, clash := out[k]; clash {
			k = "metrics." + k
		}
		out[k] = v
	}
	return out
}

// PointStats are the statistics of one grid point.
type PointStats struct {
	Point  int
	Values []string
	Stats  map[string]Stat
}

// Aggregated is what Aggregate wrote: the files, and the statistics of
// every point for the metrics (sorted by name).
type Aggregated struct {
	Files   []string
	Points  []PointStats
	Metrics []string
	// Runs are the metrics of every run, by run index.
	Runs []map[string]float64
}

// Aggregate reads the runs in dir and, when all are there, writes
// runs.csv (one row per run), stats.csv and stats.json (per point and
// metric: n, mean, sd, 95 % CI) and the plots, writing up to workers
// files at once. It returns the files written and the statistics, or nil
// when a run is missing.
func Aggregate(dir string, workers int) (*Aggregated, error) {
	var b results.Batch
	a, err := aggregate(dir, workers, nil, &b)
	if err = commit(&b, err); err != nil {
		return nil, err
	}
	return a, nil
}

// Results are a complete sweep directory read back: its grid, its runs
// (with their seeds), the build revisions that ran them, and the
// statistics Aggregate computes.
type Results struct {
	Grid Grid
	// Hashes are the scenario SHA-256 of each point.
	Hashes []string
	// Runs are the grid's runs in order, and Revisions the distinct build
	// revisions of their summaries, sorted.
	Runs      []Run
	Revisions []string
	Aggregated
}

// Read reads a sweep directory's grid and runs and computes its
// statistics, writing nothing. A run missing is a *scenarios.InputError
// (a shard's directory, say).
func Read(dir string) (*Results, error) {
	c, err := collect(dir, nil)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, &scenarios.InputError{Problems: []error{fmt.Errorf("%s: the sweep is not complete (runs are missing from %s): finish it, or merge its shards with simrun merge, first", dir, filepath.Join(dir, "runs"))}}
	}
	revs := map[string]bool{}
	for _, s := range c.sums {
		revs[s.Revision] = true
	}
	r := &Results{Grid: c.spec.Grid, Hashes: c.spec.Hashes, Runs: c.runs, Revisions: slices.Sorted(maps.Keys(revs)),
		Aggregated: Aggregated{Points: c.pts, Metrics: c.metrics, Runs: c.vals}}
	return r, nil
}

// collected is a sweep directory's runs and statistics.
type collected struct {
	spec    spec
	runs    []Run
	sums    []*results.Summary
	vals    []map[string]float64
	metrics []string
	pts     []PointStats
}

// atHand is what Execute has in memory of a sweep it ran: the spec it
// wrote to sweep.json and, by run index, the summaries and their metrics
// (nil where it has not).
type atHand struct {
	spec *spec
	sums []*results.Summary
	vals []map[string]float64
}

// collect reads the grid and the runs of dir (those not at hand, when
// have is not nil) and computes every point's statistics; nil when a run
// is missing.
func collect(dir string, have *atHand) (*collected, error) {
	if have == nil {
		have = &atHand{}
	}
	var sp spec
	if have.spec != nil {
		sp = *have.spec
	} else {
		var err error
		if sp, err = readSpec(dir); err != nil {
			return nil, err
		}
	}
	g := &sp.Grid
	runs := g.Runs()
	sums := make([]*results.Summary, len(runs))
	vals := make([]map[string]float64, len(runs))
	names := map[string]bool{}
	for i, r := range runs {
		var s *results.Summary
		var v map[string]float64
		if i < len(have.sums) {
			s = have.sums[i]
		}
		if i < len(have.vals) {
			v = have.vals[i]
		}
		if s == nil {
			v = nil
			var err error
			_, s, err = loadRunOf(filepath.Join(dir, "runs", r.Name()), r, sp.Hashes[r.Point])
			if errors.Is(err, os.ErrNotExist) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
		}
		sums[i] = s
		if v == nil {
			v = Metrics(s)
		}
		vals[i] = v
		for k := range vals[i] {
			names[k] = true
		}
	}
	metrics := slices.Sorted(maps.Keys(names))

	// Per-point statistics.
	pts := make([]PointStats, g.Points())
	xs := make([]float64, 0, g.Replications)
	for p := range pts {
		pts[p] = PointStats{Point: p, Values: g.PointValues(p), Stats: make(map[string]Stat, len(metrics))}
		for _, k := range metrics {
			xs = xs[:0]
			for r := range g.Replications {
				if v, ok := vals[p*g.Replications+r][k]; ok {
					xs = append(xs, v)
				}
			}
			pts[p].Stats[k] = Summarize(xs)
		}
	}
	return &collected{sp, runs, sums, vals, metrics, pts}, nil
}

// aggregate is Aggregate with what is at hand (nil: read everything from
// dir), writing its files into b, which the caller commits.
func aggregate(dir string, workers int, have *atHand, b *results.Batch) (*Aggregated, error) {
	c, err := collect(dir, have)
	if c == nil || err != nil {
		return nil, err
	}
	g, runs, vals, metrics, pts := &c.spec.Grid, c.runs, c.vals, c.metrics, c.pts
	charts, err := plotJobs(g, pts, metrics)
	if err != nil {
		return nil, err
	}

	// The files, written Workers at a time into one batch (synced
	// together): each chart as PNG and SVG, and the three tables. Files
	// lists them tables first, each chart's PNG before its SVG. The PNGs,
	// the slowest (a drawing and an encoding twice as long, together about
	// ten times an SVG), are drawn first and encoded next, then come the
	// SVGs and tables, so that the workers finish together.
	tables := []outFile{
		tableFile(dir, "runs.csv", func(w io.Writer) error { return writeRunsCSV(w, g, runs, vals, metrics) }),
		tableFile(dir, "stats.csv", func(w io.Writer) error { return writeStatsCSV(w, g, pts, metrics) }),
		tableFile(dir, "stats.json", func(w io.Writer) error { return writeStatsJSON(w, g, pts, metrics) }),
	}
	work := newPool(workers)
	var draws []func()
	var pngs, svgs []outFile
	files := []string{"runs.csv", "stats.csv", "stats.json"}
	for _, c := range charts {
		draw, png, svg := chartFiles(dir, c)
		draws, pngs, svgs = append(draws, draw), append(pngs, png), append(svgs, svg)
		files = append(files, png.name, svg.name)
	}
	if err := writeFiles(work, b, draws, slices.Concat(pngs, svgs, tables)); err != nil {
		return nil, err
	}
	return &Aggregated{Files: files, Points: pts, Metrics: metrics, Runs: vals}, nil
}

func writeRunsCSV(w io.Writer, g *Grid, runs []Run, vals []map[string]float64, metrics []string) error {
	head := []string{"run", "point", "replication", "seed"}
	for _, a := range g.Axes {
		head = append(head, a.Key)
	}
	writeRow(w, append(head, metrics...))
	row := make([]string, 0, len(head)+len(metrics))
	for i, r := range runs {
		row = append(row[:0], strconv.Itoa(r.Index), strconv.Itoa(r.Point), strconv.Itoa(r.Replication), strconv.FormatUint(r.Seed, 10))
		row = append(row, r.Values...)
		for _, k := range metrics {
			row = append(row, num(vals[i], k))
		}
		writeRow(w, row)
	}
	return nil
}

func writeStatsCSV(w io.Writer, g *Grid, pts []PointStats, metrics []string) error {
	head := []string{"point"}
	for _, a := range g.Axes {
		head = append(head, a.Key)
	}
	writeRow(w, append(head, "metric", "n", "mean", "sd", "ci95_low", "ci95_high"))
	for _, ps := range pts {
		for _, k := range metrics {
			s := ps.Stats[k]
			row := append([]string{strconv.Itoa(ps.Point)}, ps.Values...)
			row = append(row, k, strconv.Itoa(s.N), fnum(s.Mean), fnum(s.SD), fnum(s.Low), fnum(s.High))
			writeRow(w, row)
		}
	}
	return nil
}

func num(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return ""
	}
	return fnum(v)
}

func fnum(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func writeRow(w io.Writer, cells []string) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(w, ",")
		}
		if strings.ContainsAny(c, ",\"\n\r") {
			c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
		io.WriteString(w, c)
	}
	io.WriteString(w, "\n")
}

// jnum is a JSON number, or null for NaN.
type jnum float64

func (v jnum) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return []byte("null"), nil
	}
	return []byte(strconv.FormatFloat(float64(v), 'g', -1, 64)), nil
}

func (v *jnum) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*v = jnum(math.NaN())
		return nil
	}
	f, err := strconv.ParseFloat(string(b), 64)
	*v = jnum(f)
	return err
}

func writeStatsJSON(w io.Writer, g *Grid, pts []PointStats, metrics []string) error {
	type jstat struct {
		N      int  `json:"n"`
		Mean   jnum `json:"mean"`
		SD     jnum `json:"sd"`
		CILow  jnum `json:"ci95_low"`
		CIHigh jnum `json:"ci95_high"`
	}
	type kv struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	type jmetric struct {
		Name string `json:"name"`
		jstat
	}
	type jpoint struct {
		Point   int       `json:"point"`
		Values  []kv      `json:"values"`
		Metrics []jmetric `json:"metrics"`
	}
	out := struct {
		Scenario     string   `json:"scenario"`
		Replications int      `json:"replications"`
		MasterSeed   uint64   `json:"master_seed"`
		Axes         []Axis   `json:"axes"`
		Points       []jpoint `json:"points"`
	}{Scenario: g.Scenario, Replications: g.Replications, MasterSeed: g.MasterSeed, Axes: g.Axes}
	for _, ps := range pts {
		jp := jpoint{Point: ps.Point}
		for i, a := range g.Axes {
			jp.Values = append(jp.Values, kv{a.Key, ps.Values[i]})
		}
		for _, k := range metrics {
			s := ps.Stats[k]
			jp.Metrics = append(jp.Metrics, jmetric{k, jstat{s.N, jnum(s.Mean), jnum(s.SD), jnum(s.Low), jnum(s.High)}})
		}
		out.Points = append(out.Points, jp)
	}
	return writeJSON(w, out)
}

// writeJSON writes v as indented JSON and a newline (stats.json,
// plan.json).
func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// defaultPlots are drawn when the sweep names none, if the runs have them.
var defaultPlots = []string{"energy_kwh", "mean_active_hosts", "vms_rejected", "slav", "sla_violation", "migrations", "p95_launch_latency_s"}

// PlotMetrics are the metrics the sweep plots: its Plots, or the usual
// ones among metrics.
func (g *Grid) PlotMetrics(metrics []string) []string {
	if len(g.Plots) > 0 {
		return g.Plots
	}
	var plots []string
	for _, k := range defaultPlots {
		if slices.Contains(metrics, k) {
			plots = append(plots, k)
		}
	}
	return plots
}

// chartJob is a chart and the base name of its files.
type chartJob struct {
	base  string
	chart results.Chart
}

// plotJobs lays out each plotted metric against the first axis, one line
// per combination of the other axes, with 95 % CI error bars; and the
// scatter of two metrics (one point per grid point).
func plotJobs(g *Grid, pts []PointStats, metrics []string) ([]chartJob, error) {
	if len(g.Axes) == 0 {
		return nil, nil
	}
	plots := g.PlotMetrics(metrics)
	first := g.Axes[0]
	x := make([]float64, len(first.Values))
	numeric := true
	for i, v := range first.Values {
		f, err := strconv.ParseFloat(strings.Trim(v, `"`), 64)
		if err != nil {
			numeric = false
		}
		x[i] = f
	}
	var names []string
	if !numeric {
		names = make([]string, len(first.Values))
		for i, v := range first.Values {
			x[i] = float64(i)
			names[i] = strings.Trim(v, `"`)
		}
	}
	per := len(pts) / len(first.Values) // points per first-axis value
	var jobs []chartJob
	for _, k := range plots {
		if !slices.Contains(metrics, k) {
			return nil, unknownMetric("plot", k, metrics)
		}
		l := &results.Lines{Title: g.Scenario + ": " + k + " (mean, 95 % CI)", XLabel: first.Key, YLabel: k, X: x, XNames: names}
		for o := range per {
			s := results.Series{Label: otherLabel(g, pts[o].Values), Values: make([]float64, len(x)), Err: make([]float64, len(x))}
			for i := range x {
				st := pts[i*per+o].Stats[k]
				s.Values[i], s.Err[i] = st.Mean, st.H
			}
			l.Series = append(l.Series, s)
		}
		jobs = append(jobs, chartJob{"sweep_" + sanitize(k), l})
	}
	if len(g.Scatter) == 2 {
		a, b := g.Scatter[0], g.Scatter[1]
		for _, k := range g.Scatter {
			if !slices.Contains(metrics, k) {
				return nil, unknownMetric("scatter", k, metrics)
			}
		}
		sc := &results.Scatter{Title: g.Scenario + ": " + b + " against " + a + " (means)", XLabel: a, YLabel: b}
		for _, ps := range pts {
			sc.Points = append(sc.Points, results.Point{Label: describePoint(g, ps.Values), X: ps.Stats[a].Mean, Y: ps.Stats[b].Mean, Color: ps.Point, Shape: ps.Point})
		}
		jobs = append(jobs, chartJob{"sweep_" + sanitize(b) + "_vs_" + sanitize(a), sc})
	}
	return jobs, nil
}

// unknownMetric is the error of a plot or scatter of a metric no run has:
// bad input, with the runs kept for the sweep run again with another name.
func unknownMetric(what, k string, metrics []string) error {
	return &scenarios.InputError{Problems: []error{fmt.Errorf("sweep: %s of %q: no run has this metric%s (metrics: %s); the runs are kept: run the sweep again with the metric's name",
		what, k, suggest.DidYouMean(k, metrics), strings.Join(metrics, ", "))}}
}

// otherLabel names a line by the axes other than the first.
func otherLabel(g *Grid, vals []string) string {
	if len(g.Axes) == 1 {
		return "mean"
	}
	parts := make([]string, 0, len(vals)-1)
	for i := 1; i < len(vals); i++ {
		parts = append(parts, g.Axes[i].Key+"="+strings.Trim(vals[i], `"`))
	}
	return strings.Join(parts, " ")
}

func sanitize(k string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '/' || r == ' ' {
			return '_'
		}
		return r
	}, k)
}
