package report

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"html/template"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sweep"
)

// Options control Write.
type Options struct {
	// Revision is the build revision of the program writing the report.
	Revision string
}

// Kind is what a results directory holds.
type Kind string

// The kinds of directory a report is written for.
const (
	Run   Kind = "run"
	Sweep Kind = "sweep"
	Plan  Kind = "plan"
)

// Detect tells what dir holds: a plan (plan.json), a sweep (sweep.json)
// or a run (summary.json). Anything else is a *scenarios.InputError.
func Detect(dir string) (Kind, error) {
	st, err := os.Stat(dir)
	if err != nil || !st.IsDir() {
		return "", &scenarios.InputError{Problems: []error{fmt.Errorf("%s: not a directory", dir)}}
	}
	for _, c := range []struct {
		file string
		kind Kind
	}{{"plan.json", Plan}, {"sweep.json", Sweep}, {"summary.json", Run}} {
		if _, err := os.Stat(filepath.Join(dir, c.file)); err == nil {
			return c.kind, nil
		}
	}
	return "", &scenarios.InputError{Problems: []error{fmt.Errorf("%s holds no summary.json, sweep.json or plan.json: not the output directory of simrun run, sweep or plan", dir)}}
}

// Write writes dir/report.html (atomically) and returns its path.
func Write(dir string, opt Options) (string, error) {
	kind, err := Detect(dir)
	if err != nil {
		return "", err
	}
	p := &page{Kind: kind, Revision: opt.Revision}
	switch kind {
	case Run:
		err = p.run(dir)
	case Sweep:
		err = p.sweep(dir)
	case Plan:
		err = p.plan(dir)
	}
	if err != nil {
		return "", err
	}
	if err := p.common(dir); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "report.html")
	if err := results.WriteFileAtomic(path, func(w io.Writer) error { return pageTmpl.Execute(w, p) }); err != nil {
		return "", err
	}
	return path, nil
}

// page is what the template renders.
type page struct {
	Kind        Kind
	Title       string
	Description string
	Facts       []fact
	Answer      string
	Notes       []string
	Tables      []*table
	Figures     []figure
	Scenario    string
	Files       []string
	Revision    string
}

type fact struct{ Key, Value string }

type table struct {
	ID, Caption string
	Head        []string
	Rows        [][]string
	// Collapsed tables are shown folded (<details>).
	Collapsed bool
}

type figure struct {
	Name    string
	SVG     template.HTML
	Skipped string
	// Wide figures (a bar per configuration or policy) take a whole row.
	Wide bool
}

func (p *page) fact(k, v string) {
	if v == "" {
		v = "none"
	}
	p.Facts = append(p.Facts, fact{k, v})
}

// num formats a number for a table: integers as such, others to six
// significant digits; NaN as a dash.
func num(x float64) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return "–"
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', 6, 64)
}

// ci formats a mean and its 95 % interval.
func ci(s sweep.Stat) string {
	if math.IsNaN(s.H) {
		return num(s.Mean)
	}
	return num(s.Mean) + " ± " + strconv.FormatFloat(s.H, 'g', 2, 64)
}

func (p *page) run(dir string) error {
	f, err := os.Open(filepath.Join(dir, "summary.json"))
	if err != nil {
		return err
	}
	defer f.Close()
	s, err := results.ReadSummaryJSON(f)
	if err != nil {
		return &scenarios.InputError{Problems: []error{fmt.Errorf("%s: %w", filepath.Join(dir, "summary.json"), err)}}
	}
	p.Title = s.Scenario
	p.fact("scenario", s.Scenario)
	p.fact("scenario SHA-256", s.ScenarioSHA256)
	p.fact("seed", strconv.FormatUint(s.Seed, 10))
	p.fact("build revision", s.Revision)
	p.fact("overrides", strings.Join(s.Overrides, " "))
	p.fact("placement policy", s.Policy)
	if s.Consolidation != "" {
		p.fact("consolidation", s.Consolidation)
	}
	p.fact("simulated", num(s.SimulatedS)+" s, "+strconv.FormatUint(s.Events, 10)+" events")
	p.Notes = append(p.Notes, s.Warnings...)

	// A study's own table first: the Markdown table of those that write
	// one, the CSV of the others (results.WriteDir names them).
	for _, st := range studyTables {
		path := filepath.Join(dir, st.file)
		var t *table
		if strings.HasSuffix(st.file, ".md") {
			t, err = markdownTable(path)
		} else {
			t, err = csvTable(path, 2000)
		}
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return &scenarios.InputError{Problems: []error{err}}
		}
		t.ID = strings.TrimSuffix(strings.TrimSuffix(st.file, ".md"), ".csv")
		t.Caption = st.caption + " (" + st.file + ")" + t.Caption
		p.Tables = append(p.Tables, t)
	}
	m := sweep.Metrics(s)
	t := &table{ID: "summary", Caption: "Summary (summary.json)", Head: []string{"metric", "value"}, Collapsed: len(m) > 40}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		t.Rows = append(t.Rows, []string{k, num(m[k])})
	}
	p.Tables = append(p.Tables, t)
	if len(s.RejectionReasons) > 0 {
		t := &table{ID: "rejections", Caption: "Rejected VMs by reason", Head: []string{"reason", "VMs"}}
		for _, k := range slices.Sorted(maps.Keys(s.RejectionReasons)) {
			t.Rows = append(t.Rows, []string{k, strconv.Itoa(s.RejectionReasons[k])})
		}
		p.Tables = append(p.Tables, t)
	}
	return nil
}

// studyTables are the tables of the studies, by kind: consolidation,
// memory, memory-placement and cloud write a Markdown table, overhead,
// io-consolidation and capacity a CSV file only.
var studyTables = []struct{ file, caption string }{
	{"comparison.md", "Consolidation policies compared"},
	{"memory.md", "Memory overcommitment"},
	{"mem_placement.md", "Memory-aware placement: one row per placement policy and RAM ratio"},
	{"cloud.md", "Control-plane variants: launch latency, throughput and energy"},
	{"overhead.csv", "Virtualization overhead by profile and configuration"},
	{"io.csv", "I/O consolidation: one row per configuration and VMs per host"},
	{"capacity.csv", "VMs per host by hypervisor configuration"},
}

func (p *page) sweep(dir string) error {
	r, err := sweep.Read(dir)
	if err != nil {
		return err
	}
	g := &r.Grid
	p.Title = g.Scenario
	p.fact("scenario", g.Scenario)
	p.fact("grid", fmt.Sprintf("%d points × %d replications = %d runs", g.Points(), g.Replications, len(r.Runs)))
	for _, a := range g.Axes {
		p.fact("swept "+a.Key, strings.Join(a.Values, ", "))
	}
	p.fact("overrides", strings.Join(g.Sets, " "))
	p.fact("master seed", strconv.FormatUint(g.MasterSeed, 10))
	p.fact("build revisions", strings.Join(r.Revisions, ", "))

	show := g.PlotMetrics(r.Metrics)
	head := []string{}
	for _, a := range g.Axes {
		head = append(head, a.Key)
	}
	t := &table{ID: "means", Caption: "Means and 95 % confidence intervals (Student t) per grid point", Head: head}
	for _, m := range show {
		t.Head = append(t.Head, m)
	}
	for _, ps := range r.Points {
		row := unquoted(ps.Values)
		for _, m := range show {
			row = append(row, ci(ps.Stats[m]))
		}
		t.Rows = append(t.Rows, row)
	}
	p.Tables = append(p.Tables, t)
	all := &table{ID: "stats", Caption: "Every metric per grid point (stats.csv)", Collapsed: true,
		Head: append(slices.Clone(head), "metric", "n", "mean", "sd", "ci95 low", "ci95 high")}
	for _, ps := range r.Points {
		for _, m := range r.Metrics {
			s := ps.Stats[m]
			all.Rows = append(all.Rows, append(unquoted(ps.Values), m, strconv.Itoa(s.N), num(s.Mean), num(s.SD), num(s.Low), num(s.High)))
		}
	}
	p.Tables = append(p.Tables, all)
	hashes := &table{ID: "hashes", Caption: "Scenario SHA-256 per grid point (the text and its overrides)", Collapsed: true, Head: append(slices.Clone(head), "scenario SHA-256")}
	for i, h := range r.Hashes {
		hashes.Rows = append(hashes.Rows, append(unquoted(g.PointValues(i)), h))
	}
	p.Tables = append(p.Tables, hashes)
	p.Tables = append(p.Tables, seedTable(g.MasterSeed, g.Replications))
	return nil
}

// seedTable lists the seed of every replication (the same at every point).
func seedTable(master uint64, reps int) *table {
	t := &table{ID: "seeds", Caption: fmt.Sprintf("Replication seeds (SplitMix64 of master seed %d; the same at every point)", master), Head: []string{"replication", "seed"}, Collapsed: reps > 10}
	for r := range reps {
		t.Rows = append(t.Rows, []string{strconv.Itoa(r), strconv.FormatUint(sweep.ReplicationSeed(master, r), 10)})
	}
	return t
}

func unquoted(vals []string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = strings.Trim(v, `"`)
	}
	return out
}

func (p *page) plan(dir string) error {
	q, res, err := sweep.ReadPlan(dir)
	if err != nil {
		return err
	}
	p.Title = q.Scenario
	names := make([]string, len(q.Targets))
	for i, t := range q.Targets {
		names[i] = t.String()
	}
	p.fact("scenario", q.Scenario)
	p.fact("question", fmt.Sprintf("the smallest %s in [%d, %d] with %s at 95 %% confidence", q.Key, q.Lo, q.Hi, strings.Join(names, " and ")))
	p.fact("replications per value", strconv.Itoa(q.Replications))
	p.fact("overrides", strings.Join(q.Sets, " "))
	p.fact("master seed", strconv.FormatUint(q.MasterSeed, 10))
	switch {
	case res.MetAtLo:
		p.Answer = fmt.Sprintf("%s = %d, the low end of the range (smaller values were not examined)", q.Key, res.Answer)
	case res.Found:
		p.Answer = fmt.Sprintf("%s = %d (%s = %d does not meet every target)", q.Key, res.Answer, q.Key, res.Answer-1)
	default:
		p.Answer = fmt.Sprintf("no value of %s in [%d, %d] meets every target", q.Key, q.Lo, q.Hi)
	}
	p.Notes = append(p.Notes, res.Warnings...)
	t := &table{ID: "probes", Caption: "Probed values: the targets' means with their 95 % confidence intervals", Head: []string{q.Key, "probed"}}
	for _, tg := range res.Targets {
		t.Head = append(t.Head, tg.String())
	}
	t.Head = append(t.Head, "all met")
	revs := map[string]bool{}
	hashes := &table{ID: "hashes", Caption: "Scenario SHA-256 per probed value (the text and its overrides)", Collapsed: true, Head: []string{q.Key, "scenario SHA-256"}}
	for _, pr := range res.Probes {
		row := []string{strconv.Itoa(pr.Value), ordinal(pr.Order + 1)}
		for i, tg := range res.Targets {
			row = append(row, pr.Cell(i, tg, num))
		}
		row = append(row, map[bool]string{true: "yes", false: "no"}[pr.AllMet])
		t.Rows = append(t.Rows, row)
		if r, err := sweep.Read(q.PointDir(dir, pr.Value)); err == nil {
			for _, v := range r.Revisions {
				revs[v] = true
			}
			if len(r.Hashes) > 0 {
				hashes.Rows = append(hashes.Rows, []string{strconv.Itoa(pr.Value), r.Hashes[0]})
			}
		}
	}
	p.fact("build revisions", strings.Join(slices.Sorted(maps.Keys(revs)), ", "))
	p.Tables = append(p.Tables, t, hashes, seedTable(q.MasterSeed, q.Replications))
	return nil
}

func ordinal(n int) string {
	suf := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suf = "st"
	case n%10 == 2:
		suf = "nd"
	case n%10 == 3:
		suf = "rd"
	}
	return strconv.Itoa(n) + suf
}

// common adds what every kind has: the figures, the scenario text and
// the file list.
func (p *page) common(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") || name == "report.html" {
			continue
		}
		if e.IsDir() {
			p.Files = append(p.Files, name+"/")
			continue
		}
		p.Files = append(p.Files, name)
		if strings.HasSuffix(name, ".svg") {
			b, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				return err
			}
			svg, why := inlineSVG(b)
			p.Figures = append(p.Figures, figure{Name: name, SVG: template.HTML(svg), Skipped: why, Wide: svgWidthPt(svg) > wideFigurePt})
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "scenario.toml")); err == nil {
		p.Scenario = string(b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

var (
	svgStart = regexp.MustCompile(`(?i)<svg[\s>]`)
	// unsafeSVG matches what could run code or fetch something: scripts,
	// event handlers, foreign HTML, entities, references that are not
	// fragments of the document itself, and animations (which can set an
	// href to a javascript: URL after the check).
	unsafeSVG = regexp.MustCompile(`(?is)<script|<foreignobject|<!entity|<iframe|<object|<embed|<animate|<set[\s/>]|javascript:|\son[a-z]+\s*=|href\s*=\s*["']?\s*[^"'#\s]|url\(\s*["']?\s*[^"'#\s)]|@import`)
)

// wideFigurePt is the width beyond which a figure takes a whole row of the
// page: the charts are 453.5 pt wide (16 cm) unless they have a bar per
// configuration or policy.
const wideFigurePt = 600

var svgWidth = regexp.MustCompile(`^<svg[^>]*\swidth="([0-9.]+)pt"`)

// svgWidthPt is the width of an <svg> element in points, 0 if it does not
// give one.
func svgWidthPt(svg string) float64 {
	m := svgWidth.FindStringSubmatch(svg)
	if m == nil {
		return 0
	}
	w, _ := strconv.ParseFloat(m[1], 64)
	return w
}

// inlineSVG returns the <svg> element of an SVG file (its XML prolog and
// doctype removed), or "" and why it is not inlined.
func inlineSVG(b []byte) (string, string) {
	loc := svgStart.FindIndex(b)
	if loc == nil {
		return "", "not an SVG document"
	}
	body := b[loc[0]:]
	if m := unsafeSVG.Find(body); m != nil {
		return "", fmt.Sprintf("not inlined: it holds %q, which could run code or fetch a resource", strings.TrimSpace(string(m)))
	}
	return string(bytes.TrimSpace(body)), ""
}

// markdownTable reads a Markdown pipe table (header, rule, rows).
func markdownTable(path string) (*table, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	split := func(line string) []string {
		line = strings.TrimSpace(line)
		line = strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
		cells := strings.Split(line, "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		return cells
	}
	t := &table{}
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "|") {
			continue
		}
		switch {
		case i == 0:
			t.Head = split(line)
		case strings.Trim(line, "|-: ") == "":
		default:
			t.Rows = append(t.Rows, split(line))
		}
	}
	if t.Head == nil {
		return nil, fmt.Errorf("%s: no Markdown table in it", path)
	}
	return t, nil
}

// csvTable reads a CSV file with a header, up to limit rows.
func csvTable(path string, limit int) (*table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: empty", path)
	}
	t := &table{Head: recs[0], Rows: recs[1:]}
	// The page shows numbers to six significant digits; the file keeps
	// every digit.
	for _, row := range t.Rows {
		for i, c := range row {
			if c == "" || !strings.ContainsAny(c[:1], "0123456789+-.") {
				continue
			}
			if x, err := strconv.ParseFloat(c, 64); err == nil {
				row[i] = num(x)
			}
		}
	}
	if len(t.Rows) > limit {
		t.Rows = t.Rows[:limit]
		t.Caption = fmt.Sprintf(" (the first %d of %d rows)", limit, len(recs)-1)
	}
	return t, nil
}

var pageTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	// numeric cells (a number, possibly "± h" or "[lo, hi]" after it) are
	// right-aligned.
	"numeric": func(s string) bool {
		f := strings.Fields(s)
		if len(f) == 0 {
			return false
		}
		_, err := strconv.ParseFloat(f[0], 64)
		return err == nil || f[0] == "–"
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>simrun {{.Kind}}: {{.Title}}</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 70em; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.25em; margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-size: 0.9em; }
caption { text-align: left; font-weight: 600; padding: 0.3em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
table.facts th { width: 14em; }
.answer { font-size: 1.15em; background: #eef6ee; border-left: 4px solid #2a7; padding: 0.5em 0.8em; }
.note { background: #fff6e0; border-left: 4px solid #e90; padding: 0.4em 0.8em; margin: 0.3em 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(30em, 1fr)); gap: 1em; }
figure { margin: 0; }
figure.wide { grid-column: 1 / -1; }
.scroll { overflow-x: auto; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 0.85em; color: #555; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
details { margin: 0.5em 0; }
footer { margin-top: 3em; font-size: 0.8em; color: #666; }
</style>
</head>
<body data-kind="{{.Kind}}" data-figures="{{len .Figures}}">
<h1>{{.Title}} <small>({{.Kind}})</small></h1>
<section id="provenance">
<h2>Provenance</h2>
<table class="facts">
{{range .Facts}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>
{{end}}</table>
</section>
{{if .Answer}}<section id="answer"><h2>Answer</h2><p class="answer">{{.Answer}}</p></section>
{{end}}{{if .Notes}}<section id="warnings"><h2>Warnings</h2>
{{range .Notes}}<p class="note">{{.}}</p>
{{end}}</section>
{{end}}{{if .Figures}}<section id="figures">
<h2>Figures</h2>
<div class="figures">
{{range .Figures}}<figure{{if .Wide}} class="wide"{{end}}>{{if .SVG}}{{.SVG}}{{else}}<p class="note">{{.Name}}: {{.Skipped}}</p>{{end}}<figcaption>{{.Name}}</figcaption></figure>
{{end}}</div>
</section>
{{end}}<section id="tables">
<h2>Tables</h2>
{{range .Tables}}{{if .Collapsed}}<details><summary>{{.Caption}}</summary>{{end}}
<div class="scroll"><table id="{{.ID}}">{{if not .Collapsed}}<caption>{{.Caption}}</caption>{{end}}
<thead><tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td{{if numeric .}} class="n"{{end}}>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table></div>
{{if .Collapsed}}</details>{{end}}
{{end}}</section>
<section id="scenario">
<h2>Scenario</h2>
{{if .Scenario}}<pre>{{.Scenario}}</pre>{{else}}<p>scenario.toml is not in this directory.</p>{{end}}
</section>
<section id="files">
<h2>Files</h2>
<ul>
{{range .Files}}<li>{{.}}</li>
{{end}}</ul>
</section>
<footer>Written by simrun {{.Revision}} from the files above; it depends on nothing outside this page.</footer>
</body>
</html>
`))
