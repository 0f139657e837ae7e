package results

import (
	"bytes"
	"errors"
	"image"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func TestWriteCSV(t *testing.T) {
	rows := []CloudletRecord{
		{Cloudlet: 0, Group: "c", VM: 3, LengthMI: 1e6, SubmitS: 0, StartS: 0.1, FinishS: 600, State: "finished"},
		{Cloudlet: 1, Group: `a,"b"`, VM: 4, LengthMI: 1e21, SubmitS: 3, StartS: -1, FinishS: -1, State: "rejected"},
	}
	var b bytes.Buffer
	if err := WriteCSV(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := "cloudlet,group,vm,length_mi,submit_s,start_s,finish_s,state\n" +
		"0,c,3,1e+06,0,0.1,600,finished\n" +
		"1,\"a,\"\"b\"\"\",4,1e+21,3,-1,-1,rejected\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteCSV(&b, []DatacenterSample{{TimeS: 300, ActiveHosts: 2, OnHosts: 3, RunningVMs: 5, DemandMIPS: 1.5, AllocMIPS: 1.25, Util: 0.125, PowerW: 250}}); err != nil {
		t.Fatal(err)
	}
	if want := "time_s,active_hosts,on_hosts,running_vms,demand_mips,alloc_mips,util,power_w\n300,2,3,5,1.5,1.25,0.125,250\n"; b.String() != want {
		t.Fatalf("got %q", b.String())
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.txt")
	if err := WriteFileAtomic(p, func(w io.Writer) error { _, err := w.Write([]byte("old")); return err }); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteFileAtomic(p, func(w io.Writer) error { w.Write([]byte("partial")); return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("existing file changed to %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestBatch(t *testing.T) {
	write := func(s string) func(io.Writer) error {
		return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
	}
	read := func(p string) string { b, _ := os.ReadFile(p); return string(b) }
	names := func(dir string) []string {
		var ns []string
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			ns = append(ns, e.Name())
		}
		return ns
	}
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	if err := WriteFileAtomic(a, write("old a")); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomicNoSync(c, write("c")); err != nil {
		t.Fatal(err)
	}

	// Written files stay invisible until Commit; then all are in place.
	var bt Batch
	if err := bt.Write(a, write("new a")); err != nil {
		t.Fatal(err)
	}
	if err := bt.Write(b, write("first b")); err != nil {
		t.Fatal(err)
	}
	if err := bt.Write(b, write("b")); err != nil { // replaces the first
		t.Fatal(err)
	}
	bt.Sync(c)
	if got := read(a); got != "old a" {
		t.Fatalf("a before commit: %q", got)
	}
	if _, err := os.Stat(b); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("b visible before commit: %v", err)
	}
	if err := bt.Commit(); err != nil {
		t.Fatal(err)
	}
	if read(a) != "new a" || read(b) != "b" || read(c) != "c" {
		t.Fatalf("after commit: %q %q %q", read(a), read(b), read(c))
	}
	if fi, _ := os.Stat(b); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
	if got := names(dir); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("files %v", got)
	}

	// A failed write, an abort, or a failed sync leaves the files in place
	// as they were and no temporary file behind.
	boom := errors.New("boom")
	if err := bt.Write(a, func(w io.Writer) error { io.WriteString(w, "partial"); return boom }); !errors.Is(err, boom) {
		t.Fatalf("write error %v", err)
	}
	bt.Write(a, write("aborted a"))
	bt.Abort()
	bt.Write(a, write("unsynced a"))
	bt.Sync(filepath.Join(dir, "missing"))
	if err := bt.Commit(); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("sync of a missing file: %v", err)
	}
	if read(a) != "new a" {
		t.Fatalf("a changed to %q", read(a))
	}
	if got := names(dir); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("files %v", got)
	}
	if err := bt.Commit(); err != nil { // empty after a commit
		t.Fatal(err)
	}
}

// TestDrawPNG: drawing then encoding gives the bytes WriteChart writes,
// and a second chart drawn on the pooled pixels is not stained by the
// first.
func TestDrawPNG(t *testing.T) {
	dir := t.TempDir()
	one := &Lines{Title: "one", X: []float64{1, 2, 3}, Series: []Series{{Label: "s", Values: []float64{1, 4, 9}}}}
	two := &Lines{Title: "two", X: []float64{1, 2}, Series: []Series{{Label: "t", Values: []float64{5, 1}}}}
	for i, c := range []*Lines{one, two, one} {
		name := c.Title + ".png"
		if i == 0 {
			name = "one-first.png"
		}
		if err := WriteChart(filepath.Join(dir, name), c); err != nil {
			t.Fatal(err)
		}
	}
	want, _ := os.ReadFile(filepath.Join(dir, "one.png"))
	if first, _ := os.ReadFile(filepath.Join(dir, "one-first.png")); len(want) == 0 || !bytes.Equal(first, want) {
		t.Error("a chart drawn after another on its pixels differs from the same chart drawn first")
	}
	var bt Batch
	r, err := DrawPNG(two)
	if err != nil {
		t.Fatal(err)
	}
	r1, _ := DrawPNG(one)
	if err := bt.WritePNG(filepath.Join(dir, "two-batch.png"), r); err != nil {
		t.Fatal(err)
	}
	if err := bt.WritePNG(filepath.Join(dir, "one-batch.png"), r1); err != nil {
		t.Fatal(err)
	}
	if err := bt.Commit(); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"one-batch.png": want, "two-batch.png": must(os.ReadFile(filepath.Join(dir, "two.png")))} {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		if len(want) == 0 || !bytes.Equal(got, want) {
			t.Errorf("%s differs from WriteChart's (%d and %d bytes)", name, len(got), len(want))
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestSummaryJSON(t *testing.T) {
	s := Summary{Scenario: "x", EnergyKWh: math.NaN(), Metrics: map[string]float64{"b": 1, "a": math.Inf(1)}}
	var b bytes.Buffer
	if err := WriteSummaryJSON(&b, &s); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`"overrides": []`, `"rejection_reasons": {}`, `"a": 0,`, `"energy_kwh": 0,`,
		"energy_kwh was NaN", "metrics.a was +Inf"} {
		if !strings.Contains(out, want) {
			t.Errorf("summary lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, `"scenario"`) > strings.Index(out, `"seed"`) || strings.Index(out, `"a"`) > strings.Index(out, `"b"`) {
		t.Error("field or key order")
	}
	back, err := ReadSummaryJSON(strings.NewReader(out))
	if err != nil || back.Scenario != "x" || len(back.Warnings) != 2 {
		t.Fatalf("round trip: %v %+v", err, back)
	}
}

func sampleRecorder() *Recorder {
	r := &Recorder{Summary: Summary{Scenario: "t"}}
	for i := range 50 {
		x := float64(i)
		r.Datacenter = append(r.Datacenter, DatacenterSample{TimeS: 600 * x, ActiveHosts: i % 7, OnHosts: 8,
			DemandMIPS: 1000 + 30*x, AllocMIPS: 1000 + 20*x, Util: 0.1 + 0.01*x, PowerW: 800 + 10*math.Sin(x)})
		r.Hosts = append(r.Hosts, HostSample{TimeS: 600 * x, Host: 0, Group: "h", State: "on"})
	}
	r.Outcomes = []VMOutcome{{VM: 0, Group: "v", State: "finished"}}
	return r
}

func TestWriteDirDeterministicAndClean(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	// A stale file from an earlier run that this run does not write.
	os.WriteFile(filepath.Join(a, "cloudlets.csv"), []byte("stale"), 0o644)
	fa, err := WriteDir(a, sampleRecorder(), WriteOptions{Plots: true, Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	fb, err := WriteDir(b, sampleRecorder(), WriteOptions{Plots: true, Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"active_hosts.png", "active_hosts.svg", "datacenter.csv", "hosts.csv", "power.png", "power.svg",
		"summary.json", "utilization.png", "utilization.svg", "vm_outcomes.csv"}
	if !slices.Equal(fa, want) || !slices.Equal(fb, want) {
		t.Fatalf("files %v", fa)
	}
	if _, err := os.Stat(filepath.Join(a, "cloudlets.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Error("stale cloudlets.csv not removed")
	}
	for _, f := range want {
		x, _ := os.ReadFile(filepath.Join(a, f))
		y, _ := os.ReadFile(filepath.Join(b, f))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two writes of the same records (or is empty)", f)
		}
	}
	// One sample: no plots.
	r := sampleRecorder()
	r.Datacenter = r.Datacenter[:1]
	fc, _ := WriteDir(t.TempDir(), r, WriteOptions{Plots: true})
	if slices.Contains(fc, "power.png") {
		t.Error("plot drawn from a single sample")
	}
}

func BenchmarkWriteCSV(b *testing.B) {
	rows := make([]CloudletRecord, 1_000_000)
	for i := range rows {
		rows[i] = CloudletRecord{Cloudlet: i, Group: "c", VM: i % 4000, LengthMI: 1e6, SubmitS: 0, StartS: 0, FinishS: 600, State: "finished"}
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteCSV(io.Discard, rows); err != nil {
			b.Fatal(err)
		}
	}
}

// Memory records: a datacenter run's host memory samples and a
// memory-placement study's rows each give their CSV, table and charts,
// and the Markdown rows read as computed (100 × fractions, per-VM energy).
func TestWriteDirMemory(t *testing.T) {
	r := sampleRecorder()
	for _, tm := range []float64{0, 600, 1200} {
		for h := range 2 {
			r.HostMemory = append(r.HostMemory, HostMemorySample{TimeS: tm, Host: h, State: "soft", VMs: 2, FreeMiB: 900,
				ActiveMiB: 4096, BalloonMiB: 1024 * tm / 600, Slowdown: 1 + tm/6000})
		}
	}
	files, err := WriteDir(t.TempDir(), r, WriteOptions{Plots: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"host_memory.csv", "host_memory.png", "host_memory.svg", "host_memory_slowdown.png"} {
		if !slices.Contains(files, f) {
			t.Errorf("no %s in %v", f, files)
		}
	}
	s := &Recorder{Study: "memory-placement", MemPlacement: []MemPlacementRow{
		{Placement: "ratio", Policy: "first-fit", Ratio: 1, VMsRequested: 10, VMsPlaced: 8, VMsRejected: 2, Slowdown: 1, WorstSlowdown: 1, EnergyKWh: 4, EnergyPerVMKWh: 0.5},
		{Placement: "ratio", Policy: "first-fit", Ratio: 2, VMsRequested: 10, VMsPlaced: 10, Slowdown: 1.25, WorstSlowdown: 2, UnmetDemandFraction: 0.015, EnergyKWh: 5, EnergyPerVMKWh: 0.5, TimeHardLow: 0.1},
	}}
	files, err = WriteDir(t.TempDir(), s, WriteOptions{Plots: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"mem_placement.csv", "mem_placement.md", "mem_admitted.png", "mem_placement_slowdown.png", "mem_energy.png", "mem_placement_reclaimed.png"} {
		if !slices.Contains(files, f) {
			t.Errorf("no %s in %v", f, files)
		}
	}
	var b bytes.Buffer
	if err := WriteMemPlacementMarkdown(&b, s.MemPlacement); err != nil {
		t.Fatal(err)
	}
	if want := "| ratio | 2.00 | 10 | 0 | 1.250 | 2.00 | 1.50 | 5.0 | 0.500 | 0.0 | 0 | 0 | 0 | 0 | 0.000 | 10.0 |"; !strings.Contains(b.String(), want) {
		t.Errorf("table %s lacks %s", b.String(), want)
	}
}

// TestDrawPNGSamePixelsAsPlot: skipping the plot's own white background
// fill (vgimg has painted the canvas white already) changes no pixel:
// every chart kind is compared with gonum/plot's own path, a new vgimg
// canvas of the same pixels and the plot drawn with its background.
func TestDrawPNGSamePixelsAsPlot(t *testing.T) {
	charts := []Chart{
		&Lines{Title: "lines", X: []float64{1, 2, 3}, Series: []Series{{Label: "s", Values: []float64{1, 4, 9}}}},
		&Bars{Title: "bars", Categories: []string{"a", "b"}, Series: []Series{{Label: "x", Values: []float64{3, 5}}}},
		&Scatter{Title: "scatter", Points: []Point{{Label: "p", X: 1, Y: 2}, {Label: "q", X: 2, Y: 1}}},
	}
	for _, c := range charts {
		r, err := DrawPNG(c)
		if err != nil {
			t.Fatal(err)
		}
		p, err := c.plot()
		if err != nil {
			t.Fatal(err)
		}
		if p.BackgroundColor == nil {
			t.Fatal("the plot has no background to skip")
		}
		cv := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(r.img.Rect)), vgimg.UseDPI(vgimg.DefaultDPI))
		p.Draw(draw.New(cv))
		want := cv.Image().(*image.RGBA)
		if !want.Rect.Eq(r.img.Rect) || !bytes.Equal(want.Pix, r.img.Pix) {
			t.Errorf("%T: DrawPNG's pixels differ from gonum/plot's", c)
		}
		rasters.put(r.img)
	}
}

// BenchmarkWriteRunFile writes a sweep run's summary (about 1 KB of JSON)
// atomically, without a sync, as the sweep's writer does for every run,
// into a directory of b.TempDir (TMPDIR=/dev/shm puts it in memory):
//
//	TMPDIR=/dev/shm go test -run '^$' -bench WriteRunFile ./results/
func BenchmarkWriteRunFile(b *testing.B) {
	s := &Summary{Scenario: "quickstart", ScenarioSHA256: strings.Repeat("d7", 32), Seed: 10451216379200822465,
		Revision: "unknown", Overrides: []string{"small_hosts=2"}, Policy: "first-fit", SimulatedS: 86400, Events: 3385,
		Hosts: 6, VMsRequested: 44, VMsPlaced: 38, VMsRejected: 6, EnergyKWh: 20.66291343072708,
		RejectionReasons: map[string]int{"0/6 hosts fit: 6 short on cores": 6},
		Metrics:          map[string]float64{"demanded_work_mi": 4280407464.5283365, "mean_power_w": 860.9547262802951},
		Warnings:         []string{"6 of 44 VMs were rejected"}}
	dir := b.TempDir()
	i := 0
	for b.Loop() {
		i++
		path := filepath.Join(dir, strconv.Itoa(i%50)+".json")
		if err := WriteFileAtomicNoSync(path, func(w io.Writer) error { return WriteSummaryJSON(w, s) }); err != nil {
			b.Fatal(err)
		}
	}
}

// Sanitize replaces each NaN or infinity by 0 with a warning naming it
// (fields in declaration order, then metrics by key), makes nil maps and
// slices empty, and leaves a clean summary as it is.
func TestSanitize(t *testing.T) {
	s := &Summary{EnergyKWh: math.NaN(), SimulatedS: 5, PeakPowerW: math.Inf(1),
		Metrics: map[string]float64{"b": math.Inf(-1), "a": math.NaN(), "c": 1.5}}
	s.Sanitize()
	want := []string{
		"energy_kwh was NaN (not a number); written as 0",
		"peak_power_w was +Inf (not a number); written as 0",
		"metrics.a was NaN (not a number); written as 0",
		"metrics.b was -Inf (not a number); written as 0",
	}
	if !slices.Equal(s.Warnings, want) {
		t.Errorf("warnings %q, want %q", s.Warnings, want)
	}
	if s.EnergyKWh != 0 || s.PeakPowerW != 0 || s.SimulatedS != 5 || s.Metrics["a"] != 0 || s.Metrics["b"] != 0 || s.Metrics["c"] != 1.5 {
		t.Errorf("values after Sanitize: %+v", s)
	}
	if s.Overrides == nil || s.RejectionReasons == nil {
		t.Error("nil slice or map left")
	}
	before := *s
	before.Warnings = slices.Clone(s.Warnings)
	s.Sanitize()
	if !reflect.DeepEqual(*s, before) {
		t.Errorf("a second Sanitize changed the summary: %+v", s)
	}
	var empty Summary
	empty.Sanitize()
	if empty.Metrics == nil || empty.Warnings == nil || len(empty.Warnings) != 0 {
		t.Errorf("empty summary after Sanitize: %+v", empty)
	}
}
