package results

import (
	"bufio"
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
)

// Recorder collects a run's records in memory; the model appends, the
// writers read. It does no I/O.
type Recorder struct {
	Hosts      []HostSample
	VMs        []VMSample
	Datacenter []DatacenterSample
	Outcomes   []VMOutcome
	Cloudlets  []CloudletRecord
	Summary    Summary

	// Study is the kind of virtualization study ("" for a datacenter run);
	// its records follow.
	Study     string
	Overheads []OverheadRow
	IOPoints  []IOPoint
	Capacity  []CapacityRow

	// Consolidation holds one sample per consolidation decision.
	Consolidation []ConsolidationSample
	// Comparison holds one row per policy of a consolidation study, and
	// PolicyHosts the active hosts over time of its highlighted policies.
	Comparison  []ComparisonRow
	PolicyHosts []PolicyHosts
	// Memory holds one row per host of a memory study, MemorySeries its
	// samples over time.
	Memory       []MemoryRow
	MemorySeries []MemorySample
	// HostMemory samples the hosts' memory in a datacenter run that
	// simulates it.
	HostMemory []HostMemorySample
	// MemPlacement holds one row per run of a memory-placement study.
	MemPlacement []MemPlacementRow
	// Launches holds one record per launch through the control plane,
	// Walrus its throughput and Nodes its nodes' power states over time;
	// CloudRows one row per variant of a cloud study.
	Launches  []LaunchRecord
	Walrus    []WalrusSample
	Nodes     []NodeSample
	CloudRows []CloudRow
}

// WriteOptions control WriteDir.
type WriteOptions struct {
	// Plots draws the figures (when there are at least two samples).
	Plots bool
	// Title prefixes plot titles (the scenario name).
	Title string
}

// Files WriteDir may write; a file of these names that a run does not write
// is removed, so a directory always reflects one run.
var managedFiles = []string{
	"summary.json", "vm_outcomes.csv", "cloudlets.csv", "hosts.csv", "vms.csv", "datacenter.csv",
	"utilization.png", "utilization.svg", "power.png", "power.svg", "active_hosts.png", "active_hosts.svg",
	"overhead.csv", "io.csv", "capacity.csv", "consolidation.csv", "consolidation.png", "consolidation.svg", "comparison.csv", "comparison.md",
	"energy_vs_slav.png", "energy_vs_slav.svg", "energy.png", "energy.svg", "slav.png", "slav.svg",
	"migrations.png", "migrations.svg", "active_hosts_by_policy.png", "active_hosts_by_policy.svg",
	"slowdown.png", "slowdown.svg", "breakdown.png", "breakdown.svg",
	"io_throughput.png", "io_throughput.svg", "io_latency.png", "io_latency.svg", "io_host_cpu.png", "io_host_cpu.svg",
	"capacity.png", "capacity.svg",
	"memory.csv", "memory.md", "memory_series.csv", "memory_reclaimed.png", "memory_reclaimed.svg",
	"memory_slowdown.png", "memory_slowdown.svg", "memory_over_time.png", "memory_over_time.svg",
	"host_memory.csv", "host_memory.png", "host_memory.svg", "host_memory_slowdown.png", "host_memory_slowdown.svg", "mem_placement.csv", "mem_placement.md",
	"mem_admitted.png", "mem_admitted.svg", "mem_placement_slowdown.png", "mem_placement_slowdown.svg",
	"mem_energy.png", "mem_energy.svg", "mem_placement_reclaimed.png", "mem_placement_reclaimed.svg",
	"launches.csv", "walrus.csv", "nodes.csv", "cloud.csv", "cloud.md",
	"launch_latency_cdf.png", "launch_latency_cdf.svg", "launch_stages.png", "launch_stages.svg",
	"launches.png", "launches.svg", "walrus_throughput.png", "walrus_throughput.svg",
	"node_states.png", "node_states.svg", "energy_vs_latency.png", "energy_vs_latency.svg",
}

// WriteDir writes the run's files into dir (created if needed) and returns
// their names, sorted. Every file is written to a temporary file and renamed.
func WriteDir(dir string, r *Recorder, opt WriteOptions) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var written []string
	write := func(name string, f func(io.Writer) error) error {
		written = append(written, name)
		return WriteFileAtomic(filepath.Join(dir, name), f)
	}
	r.Summary.Sanitize()
	steps := []struct {
		name string
		on   bool
		f    func(io.Writer) error
	}{
		{"summary.json", true, func(w io.Writer) error { return WriteSummaryJSON(w, &r.Summary) }},
		{"vm_outcomes.csv", r.Study == "" && len(r.Outcomes) > 0, func(w io.Writer) error { return WriteCSV(w, r.Outcomes) }},
		{"overhead.csv", len(r.Overheads) > 0, func(w io.Writer) error { return WriteCSV(w, r.Overheads) }},
		{"io.csv", len(r.IOPoints) > 0, func(w io.Writer) error { return WriteCSV(w, r.IOPoints) }},
		{"capacity.csv", len(r.Capacity) > 0, func(w io.Writer) error { return WriteCSV(w, r.Capacity) }},
		{"cloudlets.csv", len(r.Cloudlets) > 0, func(w io.Writer) error { return WriteCSV(w, r.Cloudlets) }},
		{"hosts.csv", len(r.Hosts) > 0, func(w io.Writer) error { return WriteCSV(w, r.Hosts) }},
		{"vms.csv", len(r.VMs) > 0, func(w io.Writer) error { return WriteCSV(w, r.VMs) }},
		{"datacenter.csv", len(r.Datacenter) > 0, func(w io.Writer) error { return WriteCSV(w, r.Datacenter) }},
		{"consolidation.csv", len(r.Consolidation) > 0, func(w io.Writer) error { return WriteCSV(w, r.Consolidation) }},
		{"comparison.csv", len(r.Comparison) > 0, func(w io.Writer) error { return WriteCSV(w, r.Comparison) }},
		{"comparison.md", len(r.Comparison) > 0, func(w io.Writer) error { return WriteComparisonMarkdown(w, r.Comparison) }},
		{"memory.csv", len(r.Memory) > 0, func(w io.Writer) error { return WriteCSV(w, r.Memory) }},
		{"memory.md", len(r.Memory) > 0, func(w io.Writer) error { return WriteMemoryMarkdown(w, r.Memory) }},
		{"memory_series.csv", len(r.MemorySeries) > 0, func(w io.Writer) error { return WriteCSV(w, r.MemorySeries) }},
		{"host_memory.csv", len(r.HostMemory) > 0, func(w io.Writer) error { return WriteCSV(w, r.HostMemory) }},
		{"mem_placement.csv", len(r.MemPlacement) > 0, func(w io.Writer) error { return WriteCSV(w, r.MemPlacement) }},
		{"mem_placement.md", len(r.MemPlacement) > 0, func(w io.Writer) error { return WriteMemPlacementMarkdown(w, r.MemPlacement) }},
		{"launches.csv", len(r.Launches) > 0, func(w io.Writer) error { return WriteCSV(w, r.Launches) }},
		{"walrus.csv", len(r.Walrus) > 0, func(w io.Writer) error { return WriteCSV(w, r.Walrus) }},
		{"nodes.csv", len(r.Nodes) > 0, func(w io.Writer) error { return WriteCSV(w, r.Nodes) }},
		{"cloud.csv", len(r.CloudRows) > 0, func(w io.Writer) error { return WriteCSV(w, r.CloudRows) }},
		{"cloud.md", len(r.CloudRows) > 0, func(w io.Writer) error { return WriteCloudMarkdown(w, r.CloudRows) }},
	}
	for _, s := range steps {
		if !s.on {
			continue
		}
		if err := write(s.name, s.f); err != nil {
			return nil, err
		}
	}
	if opt.Plots && len(r.Datacenter) >= 2 {
		for _, p := range figures(r.Datacenter, opt.Title) {
			for _, ext := range []string{"png", "svg"} {
				name := p.name + "." + ext
				if err := write(name, func(w io.Writer) error { return p.render(w, ext) }); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
			}
		}
	}
	if opt.Plots {
		for _, c := range studyCharts(r, opt.Title) {
			for _, ext := range []string{".png", ".svg"} {
				name := c.name + ext
				if err := WriteChart(filepath.Join(dir, name), c.chart); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				written = append(written, name)
			}
		}
	}
	for _, name := range managedFiles {
		if !slices.Contains(written, name) {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, err
			}
		}
	}
	slices.Sort(written)
	return written, nil
}

// WriteFileAtomic writes path through a temporary file in the same
// directory: buffered, synced, closed, then renamed over path. On any error
// the temporary file is removed and an existing file at path is untouched.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	return writeFileAtomic(path, true, write)
}

// WriteFileAtomicNoSync is WriteFileAtomic without the fsync: the file
// still appears whole or not at all to every reader, whatever happens to
// the writing process, but a crash of the machine itself may leave it
// empty. For many small files whose loss is detected and repaired (a
// sweep's run summaries, re-run when unreadable).
func WriteFileAtomicNoSync(path string, write func(w io.Writer) error) error {
	return writeFileAtomic(path, false, write)
}

// writers lends the 64 KiB buffers of atomic writes from one file to the
// next (a sweep writes one file per run).
var writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 1<<16) }}

func writeFileAtomic(path string, sync bool, write func(w io.Writer) error) (err error) {
	f, err := writeTemp(path, write)
	if err != nil {
		return err
	}
	if sync {
		if err = f.Sync(); err != nil {
			discard(f)
			return err
		}
	}
	return place(f, path)
}

// writeTemp writes a temporary file beside path, flushed but not synced,
// and returns it open; on error it is removed.
func writeTemp(path string, write func(w io.Writer) error) (f *tempFile, err error) {
	f, err = createTemp(path)
	if err != nil {
		return nil, err
	}
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(f)
	defer func() {
		bw.Reset(nil)
		writers.Put(bw)
	}()
	if err = write(bw); err == nil {
		err = bw.Flush()
	}
	if err != nil {
		discard(f)
		return nil, err
	}
	return f, nil
}

// place closes a temporary file and renames it over path.
func place(f *tempFile, path string) error {
	err := f.Close()
	if err == nil {
		err = f.rename(path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// discard closes and removes a temporary file.
func discard(f *tempFile) {
	f.Close()
	os.Remove(f.Name())
}

// Batch writes a set of files atomically and syncs them together. Write
// puts each file's content in a temporary file beside it; Commit syncs
// them all with their fsyncs issued at once, which a journalling file
// system commits in one transaction instead of one each (eleven files
// take about 3 ms instead of 6–13 ms here, ext4), then renames each into
// place. Every file appears whole or not at all to any reader, and all are
// on disk when Commit returns nil. Creating files while another is being
// synced also stalls on the journal, which a batch avoids. Write may be
// called from several goroutines.
type Batch struct {
	mu      sync.Mutex
	pending map[string]*tempFile
	synced  []string
}

// Write writes path's content to its temporary file. A second Write of the
// same path replaces the first.
func (b *Batch) Write(path string, write func(w io.Writer) error) error {
	f, err := writeTemp(path, write)
	if err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.pending == nil {
		b.pending = map[string]*tempFile{}
	}
	if old := b.pending[path]; old != nil {
		discard(old)
	}
	b.pending[path] = f
	return nil
}

// Sync adds a file already in place, written without a sync (by
// WriteFileAtomicNoSync), to those Commit syncs.
func (b *Batch) Sync(path string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.synced = append(b.synced, path)
}

// Commit syncs every file of the batch, then renames the written ones
// into place in path order. On a failed sync nothing is renamed and the
// temporary files are removed. The batch is empty afterwards.
func (b *Batch) Commit() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	paths := make([]string, 0, len(b.pending))
	for p := range b.pending {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	errs := make([]error, len(paths)+len(b.synced))
	// At most syncAtOnce files open for syncing at a time (a merge syncs
	// every run file it copies).
	var wg sync.WaitGroup
	slots := make(chan struct{}, syncAtOnce)
	start := func(i int, do func() error) {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			errs[i] = do()
		})
	}
	for i, p := range paths {
		start(i, b.pending[p].Sync)
	}
	for i, p := range b.synced {
		start(len(paths)+i, func() error { return syncPath(p) })
	}
	wg.Wait()
	err := errors.Join(errs...)
	for _, p := range paths {
		if err != nil {
			discard(b.pending[p])
		} else if perr := place(b.pending[p], p); perr != nil {
			err = perr
		}
	}
	b.pending, b.synced = nil, nil
	return err
}

// Abort removes the batch's temporary files; the files in place are
// untouched.
func (b *Batch) Abort() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, f := range b.pending {
		discard(f)
	}
	b.pending, b.synced = nil, nil
}

const syncAtOnce = 64

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// ---- CSV ----

type column struct {
	index int
	kind  reflect.Kind
}

// WriteCSV writes rows as CSV with a header taken from each field's `csv`
// tag, in field order. Floats use the shortest exact form
// (strconv.FormatFloat(v, 'g', -1, 64)); strings are quoted only when they
// hold a comma, quote or line break. Reflection is done once per call.
func WriteCSV[T any](w io.Writer, rows []T) error {
	t := reflect.TypeFor[T]()
	var cols []column
	var header []string
	for i := range t.NumField() {
		f := t.Field(i)
		name := f.Tag.Get("csv")
		if name == "" || name == "-" {
			continue
		}
		switch f.Type.Kind() {
		case reflect.Float64, reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint64, reflect.String, reflect.Bool:
		default:
			return fmt.Errorf("results: WriteCSV: field %s has unsupported type %s", f.Name, f.Type)
		}
		cols = append(cols, column{i, f.Type.Kind()})
		header = append(header, name)
	}
	bw, ok := w.(*bufio.Writer)
	if !ok {
		bw = bufio.NewWriter(w)
	}
	bw.WriteString(strings.Join(header, ","))
	bw.WriteByte('\n')
	buf := make([]byte, 0, 64)
	for i := range rows {
		v := reflect.ValueOf(&rows[i]).Elem()
		for j, c := range cols {
			if j > 0 {
				bw.WriteByte(',')
			}
			fv := v.Field(c.index)
			buf = buf[:0]
			switch c.kind {
			case reflect.Float64:
				buf = strconv.AppendFloat(buf, fv.Float(), 'g', -1, 64)
			case reflect.Int, reflect.Int64, reflect.Int32:
				buf = strconv.AppendInt(buf, fv.Int(), 10)
			case reflect.Uint64:
				buf = strconv.AppendUint(buf, fv.Uint(), 10)
			case reflect.Bool:
				buf = strconv.AppendBool(buf, fv.Bool())
			case reflect.String:
				buf = appendCSVString(buf, fv.String())
			}
			bw.Write(buf)
		}
		if err := bw.WriteByte('\n'); err != nil {
			return err
		}
	}
	return bw.Flush()
}

func appendCSVString(buf []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") && (s == "" || (s[0] != ' ' && s[0] != '\t')) {
		return append(buf, s...)
	}
	buf = append(buf, '"')
	buf = append(buf, strings.ReplaceAll(s, `"`, `""`)...)
	return append(buf, '"')
}

// ---- JSON ----

// Sanitize makes the summary encodable and honest: NaN or infinite numbers
// are replaced by 0 with a warning naming the field, and nil maps and slices
// become empty ones (written as {} and [] rather than null).
func (s *Summary) Sanitize() {
	fix := func(name string, p *float64) {
		s.Warnings = append(s.Warnings, fmt.Sprintf("%s was %v (not a number); written as 0", name, *p))
		*p = 0
	}
	bad := func(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
	v := reflect.ValueOf(s).Elem()
	for _, f := range summaryFloats() {
		if p := v.Field(f.index).Addr().Interface().(*float64); bad(*p) {
			fix(f.name, p)
		}
	}
	// The metrics, in key order when one is bad (and only read otherwise:
	// a summary already sanitized may be shared by goroutines).
	anyBad := false
	for _, x := range s.Metrics {
		anyBad = anyBad || bad(x)
	}
	if anyBad {
		for _, k := range slices.Sorted(maps.Keys(s.Metrics)) {
			if x := s.Metrics[k]; bad(x) {
				fix("metrics."+k, &x)
				s.Metrics[k] = x
			}
		}
	}
	if s.Overrides == nil {
		s.Overrides = []string{}
	}
	if s.RejectionReasons == nil {
		s.RejectionReasons = map[string]int{}
	}
	if s.Metrics == nil {
		s.Metrics = map[string]float64{}
	}
	if s.Warnings == nil {
		s.Warnings = []string{}
	}
}

type floatField struct {
	index int
	name  string
}

// summaryFloats are the float fields of Summary: their indexes and JSON
// names.
var summaryFloats = sync.OnceValue(func() []floatField {
	var out []floatField
	t := reflect.TypeFor[Summary]()
	for i := range t.NumField() {
		if f := t.Field(i); f.Type.Kind() == reflect.Float64 {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			out = append(out, floatField{i, name})
		}
	}
	return out
})

// WriteSummaryJSON writes s as indented JSON (fields in declaration order,
// map keys sorted) with a trailing newline.
func WriteSummaryJSON(w io.Writer, s *Summary) error {
	s.Sanitize()
	buf := summaryBufs.Get().(*[]byte)
	*buf = appendSummaryJSON((*buf)[:0], s)
	_, err := w.Write(*buf)
	summaryBufs.Put(buf)
	return err
}

// summaryBufs are the buffers summaries are encoded into.
var summaryBufs = sync.Pool{New: func() any { return new([]byte) }}

// ReadSummaryJSON reads a summary written by WriteSummaryJSON.
func ReadSummaryJSON(r io.Reader) (*Summary, error) {
	var s Summary
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, err
	}
	return &s, nil
}
