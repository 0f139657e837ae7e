package report

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sweep"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runDir writes a run's directory as simrun run would: summary.json, a
// chart as SVG, scenario.toml, and a study's comparison.md.
func runDir(t *testing.T) string {
	dir := t.TempDir()
	s := &results.Summary{Scenario: "tiny", ScenarioSHA256: "ab12", Seed: 7, Revision: "rev1", Overrides: []string{"hosts=3"},
		Policy: "first-fit", SimulatedS: 3600, Events: 42, Hosts: 3, VMsRequested: 5, VMsRejected: 1, EnergyKWh: 1.25,
		RejectionReasons: map[string]int{"0/3 hosts fit: 3 short on cores": 1}, Metrics: map[string]float64{"slav": 0.5},
		Warnings: []string{"1 of 5 VMs were rejected & <noted>"}}
	err := results.WriteFileAtomic(filepath.Join(dir, "summary.json"), func(w io.Writer) error { return results.WriteSummaryJSON(w, s) })
	if err != nil {
		t.Fatal(err)
	}
	chart := &results.Lines{Title: "tiny: power", XLabel: "t", YLabel: "W", X: []float64{0, 1, 2}, Series: []results.Series{{Label: "power", Values: []float64{1, 3, 2}}}}
	if err := results.WriteChart(filepath.Join(dir, "power.svg"), chart); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "scenario.toml"), "name = \"tiny\" # <b>not bold</b>\n")
	write(t, filepath.Join(dir, "comparison.md"), "| policy | energy (kWh) |\n|---|---:|\n| npa | 2419.20 |\n| thr-mmt | 173.49 |\n")
	return dir
}

// writePage writes dir's report and returns it.
func writePage(t *testing.T, dir string, opt Options) string {
	t.Helper()
	path, err := Write(dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// selfContained fails unless the page loads nothing: no src, no link, no
// href or url() other than a fragment, no @import.
func selfContained(t *testing.T, html string) {
	t.Helper()
	for _, re := range []string{`(?i)\ssrc\s*=`, `(?i)<link`, `(?i)href\s*=\s*["']?[^"'#\s]`, `(?i)url\(\s*["']?[^"'#)]`, `(?i)@import`, `(?i)<script`} {
		if m := regexp.MustCompile(re).FindString(html); m != "" {
			t.Errorf("the page is not self-contained: %q", m)
		}
	}
}

func TestRunReport(t *testing.T) {
	dir := runDir(t)
	path, err := Write(dir, Options{Revision: "writer-rev"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	html := string(b)
	for _, want := range []string{
		`data-kind="run" data-figures="1"`, "<h1>tiny <small>(run)</small></h1>",
		"<th>seed</th><td>7</td>", "<th>build revision</th><td>rev1</td>", "<th>overrides</th><td>hosts=3</td>",
		"<td>energy_kwh</td><td class=\"n\">1.25</td>", "<td>slav</td><td class=\"n\">0.5</td>",
		"<td>vms_rejected</td><td class=\"n\">1</td>", "0/3 hosts fit: 3 short on cores",
		"1 of 5 VMs were rejected &amp; &lt;noted&gt;", // escaped
		"<td>thr-mmt</td><td class=\"n\">173.49</td>", "Consolidation policies compared (comparison.md)",
		"<svg", "tiny: power", "<figcaption>power.svg</figcaption>",
		`name = &#34;tiny&#34; # &lt;b&gt;not bold&lt;/b&gt;`, // the scenario text, escaped
		"<li>comparison.md</li>", "Written by simrun writer-rev",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(html, "<?xml") || strings.Contains(html, "<li>report.html</li>") {
		t.Error("XML prolog inlined, or the report lists itself")
	}
	selfContained(t, html)
	// The same directory gives the same bytes (the report itself aside).
	if _, err := Write(dir, Options{Revision: "writer-rev"}); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); string(again) != html {
		t.Error("a second report of the same directory differs")
	}
}

func fakeLoad(sets []string, seed uint64) (*scenarios.Scenario, error) {
	return &scenarios.Scenario{Name: "fake", Seed: seed, SHA256: strings.Join(sets, ";"), Source: []byte("name = \"fake\"\n")}, nil
}

// fakeExec's metric "y" is the swept value x plus the replication's seed
// mod 3.
func fakeExec(_ context.Context, sc *scenarios.Scenario) (*results.Summary, error) {
	x := 0.0
	for _, s := range strings.Split(sc.SHA256, ";") {
		if v, ok := strings.CutPrefix(s, "x="); ok {
			x = float64(len(v)) * 10
		}
	}
	return &results.Summary{Scenario: "fake", Seed: sc.Seed, ScenarioSHA256: sc.SHA256, Revision: "r9",
		Metrics: map[string]float64{"y": x + float64(sc.Seed%3)}}, nil
}

func TestSweepReport(t *testing.T) {
	dir := t.TempDir()
	g := &sweep.Grid{Scenario: "fake", Sets: []string{"a=1"}, Axes: []sweep.Axis{{Key: "x", Values: []string{"1", "22"}}}, Replications: 3, MasterSeed: 5, Plots: []string{"y"}}
	if _, err := sweep.Execute(context.Background(), dir, g, fakeLoad, fakeExec, sweep.Options{Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if k, err := Detect(dir); k != Sweep || err != nil {
		t.Fatalf("detect: %v %v", k, err)
	}
	html := writePage(t, dir, Options{})
	r, _ := sweep.Read(dir)
	y := r.Points[1].Stats["y"]
	for _, want := range []string{
		`data-kind="sweep" data-figures="1"`, "<th>swept x</th><td>1, 22</td>", "<th>master seed</th><td>5</td>",
		"<th>build revisions</th><td>r9</td>", "2 points × 3 replications = 6 runs",
		"<td class=\"n\">22</td><td class=\"n\">" + ci(y) + "</td>",
		"<td class=\"n\">" + strconv.FormatUint(sweep.ReplicationSeed(5, 2), 10) + "</td>",
		"sweep_y.svg", `name = &#34;fake&#34;`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	selfContained(t, html)
}

func TestPlanReport(t *testing.T) {
	dir := t.TempDir()
	q := &sweep.PlanSpec{Scenario: "fake", Key: "x", Lo: 1, Hi: 9, Replications: 2, MasterSeed: 3}
	tg, _ := sweep.ParseTarget("y<25")
	q.Targets = []sweep.Target{tg}
	res, err := sweep.Plan(context.Background(), q.Lo, q.Hi, q.Targets, sweep.PlanEvaluator(dir, q, fakeLoad, fakeExec, sweep.Options{Workers: 2}, nil))
	if err != nil {
		t.Fatal(err)
	}
	// y = 10·digits(x) + seed mod 3 ≤ 12 for every x in 1..9: met at lo.
	if !res.MetAtLo {
		t.Fatalf("%+v", res)
	}
	if _, err := sweep.WritePlan(dir, q, res, []byte("name = \"fake\"\n"), 2); err != nil {
		t.Fatal(err)
	}
	html := writePage(t, dir, Options{})
	for _, want := range []string{`data-kind="plan"`, "x = 1, the low end of the range", "y&lt;25", "✓", "<li>points/</li>", "plan_y.svg", "<th>build revisions</th><td>r9</td>"} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	selfContained(t, html)
}

// An SVG that could run code or fetch something is listed, not inlined.
func TestUnsafeSVG(t *testing.T) {
	for _, c := range []struct {
		svg string
		ok  bool
	}{
		{`<?xml version="1.0"?><svg width="1" height="1" xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><path d="M0,0L1,1"/></svg>`, true},
		{`<svg><script>alert(1)</script></svg>`, false},
		{`<svg><rect onload="alert(1)"/></svg>`, false},
		{`<svg><image href="http://example.com/x.png"/></svg>`, false},
		{`<svg><image xlink:href='file:///etc/passwd'/></svg>`, false},
		{`<svg><rect style="fill:url(http://x/y)"/></svg>`, false},
		{`<svg><use href="#a"/><rect style="fill:url(#g)"/></svg>`, true},
		{`<svg><foreignObject><div>x</div></foreignObject></svg>`, false},
		{`<svg><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>`, false},
		{`<svg><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>`, false},
		{`just text`, false},
	} {
		got, why := inlineSVG([]byte(c.svg))
		if (got != "") != c.ok || (c.ok && !strings.HasPrefix(got, "<svg")) || (!c.ok && why == "") {
			t.Errorf("%q: inlined %q (%s)", c.svg, got, why)
		}
	}
	dir := runDir(t)
	write(t, filepath.Join(dir, "evil.svg"), `<svg><script>alert(1)</script></svg>`)
	path, err := Write(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "<script") || !strings.Contains(string(b), "evil.svg: not inlined") {
		t.Errorf("unsafe SVG handled wrong")
	}
}

func TestNotAResultsDirectory(t *testing.T) {
	var ie *scenarios.InputError
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		if _, err := Write(dir, Options{}); !errors.As(err, &ie) {
			t.Errorf("%s: %v", dir, err)
		}
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "report.html")); err == nil {
		t.Error("report written for a non-results directory")
	}
}

// A shard's directory (an incomplete sweep) is bad input, with the way out.
func TestIncompleteSweep(t *testing.T) {
	dir := t.TempDir()
	g := &sweep.Grid{Scenario: "fake", Axes: []sweep.Axis{{Key: "x", Values: []string{"1", "2"}}}, Replications: 2, MasterSeed: 1}
	if _, err := sweep.Execute(context.Background(), dir, g, fakeLoad, fakeExec, sweep.Options{Shard: 0, Shards: 2}); err != nil {
		t.Fatal(err)
	}
	var ie *scenarios.InputError
	if _, err := Write(dir, Options{}); !errors.As(err, &ie) || !strings.Contains(err.Error(), "simrun merge") {
		t.Errorf("incomplete sweep: %v", err)
	}
}

// A damaged results directory is bad input naming the file, never a panic
// or a page of nonsense, and no report.html is written.
func TestDamagedDirectories(t *testing.T) {
	var ie *scenarios.InputError
	plan := `{"query":{"scenario":"s","key":"hosts","lo":1,"hi":4,"replications":2,"targets":[{"metric":"x","op":"<","value":1}]},"probes":[]}`
	for _, c := range []struct {
		file, content, want string
	}{
		{"summary.json", "{", "summary.json: unexpected EOF"},
		{"summary.json", `{"scenario": 5}`, "summary.json: json: cannot unmarshal"},
		{"sweep.json", "garbage", "sweep.json: invalid character"},
		{"plan.json", "{", "plan.json: unexpected end of JSON input"},
		{"plan.json", "{}", "\nno target"},
		{"plan.json", strings.Replace(plan, `"op":"<"`, `"op":""`, 1), `plan.json: target 1: operator ""`},
		{"plan.json", strings.Replace(plan, `"metric":"x"`, `"metric":""`, 1), "plan.json: target 1: no metric"},
		{"plan.json", strings.Replace(plan, `"lo":1`, `"lo":7`, 1), "plan.json: range 7:4"},
		{"plan.json", strings.Replace(plan, `"key":"hosts"`, `"key":"../../etc"`, 1), `plan.json: key "../../etc"`},
		{"plan.json", strings.Replace(plan, `"key":"hosts"`, `"key":""`, 1), `plan.json: key ""`},
		{"plan.json", strings.Replace(plan, `"replications":2`, `"replications":0`, 1), "plan.json: replications 0"},
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, c.file), c.content)
		_, err := Write(dir, Options{})
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %q: %v (want %q)", c.file, c.content, err, c.want)
		}
		if _, err := os.Stat(filepath.Join(dir, "report.html")); err == nil {
			t.Errorf("%s %q: report written", c.file, c.content)
		}
	}
}

// Every kind of study directory, as results.WriteDir writes it: the
// report has the study's own table (its Markdown table, or its CSV when
// it has no Markdown one), under its caption. A study table file that does
// not parse is bad input naming it.
func TestStudyTables(t *testing.T) {
	for _, c := range []struct {
		kind, file, caption string
		fill                func(r *results.Recorder)
	}{
		{"overhead", "overhead.csv", "Virtualization overhead", func(r *results.Recorder) {
			r.Overheads = []results.OverheadRow{{Profile: "web", Slowdown: 1.0123456789}}
		}},
		{"io-consolidation", "io.csv", "I/O consolidation", func(r *results.Recorder) { r.IOPoints = []results.IOPoint{{Config: "pv", VMs: 2}} }},
		{"capacity", "capacity.csv", "VMs per host", func(r *results.Recorder) { r.Capacity = []results.CapacityRow{{Config: "hw", MaxVMs: 3}} }},
		{"consolidation", "comparison.md", "Consolidation policies compared", func(r *results.Recorder) { r.Comparison = []results.ComparisonRow{{}} }},
		{"memory", "memory.md", "Memory overcommitment", func(r *results.Recorder) { r.Memory = []results.MemoryRow{{}} }},
		{"memory-placement", "mem_placement.md", "Memory-aware placement", func(r *results.Recorder) { r.MemPlacement = []results.MemPlacementRow{{}} }},
		{"cloud", "cloud.md", "Control-plane variants", func(r *results.Recorder) { r.CloudRows = []results.CloudRow{{}} }},
	} {
		dir := t.TempDir()
		rec := &results.Recorder{Study: c.kind}
		rec.Summary.Scenario = c.kind
		c.fill(rec)
		files, err := results.WriteDir(dir, rec, results.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(files, c.file) {
			t.Fatalf("%s: WriteDir wrote %v, not %s", c.kind, files, c.file)
		}
		path, err := Write(dir, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.kind, err)
		}
		b, _ := os.ReadFile(path)
		html := string(b)
		id := strings.TrimSuffix(strings.TrimSuffix(c.file, ".md"), ".csv")
		if !strings.Contains(html, `<table id="`+id+`">`) || !strings.Contains(html, c.caption) || !strings.Contains(html, "("+c.file+")") {
			t.Errorf("%s: the report has no %s table (%q)", c.kind, c.file, c.caption)
		}
		// Every Markdown table the study wrote is on the page.
		for _, f := range files {
			if strings.HasSuffix(f, ".md") && !strings.Contains(html, "("+f+")</caption>") {
				t.Errorf("%s: %s is not on the page", c.kind, f)
			}
		}
	}
	dir := t.TempDir()
	rec := &results.Recorder{Study: "overhead", Overheads: []results.OverheadRow{{Profile: "web"}}}
	if _, err := results.WriteDir(dir, rec, results.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "overhead.csv"), "profile,slowdown\nweb,\"1.5\n")
	var ie *scenarios.InputError
	if _, err := Write(dir, Options{}); !errors.As(err, &ie) || !strings.Contains(err.Error(), "overhead.csv") {
		t.Errorf("damaged overhead.csv: %v", err)
	}
}

// Readable as a page: a chart wider than the usual 453.5 pt (a bar per
// configuration or policy) takes a whole row instead of being shrunk into
// a column; a CSV table's numbers are shown to six significant digits (the
// file keeps them all), its text as it is; a wide table scrolls on its
// own; a long summary is folded.
func TestReadableLayout(t *testing.T) {
	dir := t.TempDir()
	rec := &results.Recorder{Study: "overhead", Overheads: []results.OverheadRow{{Profile: "web-server", Config: "hw/nested", Slowdown: 1.8711978958333333, NativeCycles: 1.2e9}}}
	rec.Summary.Scenario = "o"
	rec.Summary.Metrics = map[string]float64{}
	for i := range 60 {
		rec.Summary.Metrics[fmt.Sprintf("m%02d", i)] = float64(i)
	}
	if _, err := results.WriteDir(dir, rec, results.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "wide.svg"), `<svg xmlns="http://www.w3.org/2000/svg" width="1088.5pt" height="340.16pt" viewBox="0 0 1088.5 340.16"><path d="M0,0L1,1"/></svg>`)
	write(t, filepath.Join(dir, "usual.svg"), `<svg xmlns="http://www.w3.org/2000/svg" width="453.54pt" height="340.16pt" viewBox="0 0 453.54 340.16"><path d="M0,0L1,1"/></svg>`)
	html := writePage(t, dir, Options{})
	for _, want := range []string{
		`<figure class="wide"><svg xmlns="http://www.w3.org/2000/svg" width="1088.5pt"`,
		`<figure><svg xmlns="http://www.w3.org/2000/svg" width="453.54pt"`,
		`<td class="n">1.8712</td>`, `<td class="n">1200000000</td>`, `<td>web-server</td>`, `<td>hw/nested</td>`,
		`<div class="scroll"><table id="overhead">`,
		`<details><summary>Summary (summary.json)`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %q", want)
		}
	}
}
