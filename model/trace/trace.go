package trace

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/simrun/simrun/sim"
)

// Set is the CPU utilization of a set of VMs, sampled at a fixed interval:
// VM i's utilization during [k·Interval, (k+1)·Interval) is CPU[i][k], a
// fraction of its capacity in [0, 1].
type Set struct {
	// Names identify the VMs (file names for PlanetLab, ids for CSV), in
	// the set's order.
	Names    []string
	CPU      [][]float64
	Interval sim.Time
}

// Len is the number of VMs.
func (s *Set) Len() int { return len(s.Names) }

// Limits on what the readers accept, so that a wrong path cannot exhaust
// memory.
const (
	maxLineBytes   = 4096
	maxSamples     = 1 << 20
	maxVMs         = 1 << 20
	maxTotalValues = 1 << 24 // 128 MiB of samples; ten PlanetLab days are 3 M
)

// ReadPlanetLab reads a PlanetLab day in the format CloudSim ships: a
// directory with one file per VM, one integer CPU percentage per line, one
// line per 5-minute interval. The VMs are ordered as listed in the file
// "<dir>.vm-order.tsv" beside the directory (index TAB name, one per line:
// the order of the Java reference run) when it exists, by name otherwise.
// Errors name the file and the line.
func ReadPlanetLab(fsys fs.FS, dir string) (*Set, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasPrefix(e.Name(), ".") && !strings.EqualFold(path.Ext(e.Name()), ".md") {
			names = append(names, e.Name())
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no trace files", dir)
	}
	if len(names) > maxVMs {
		return nil, fmt.Errorf("%s: more than %d trace files", dir, maxVMs)
	}
	slices.Sort(names)
	orderFile := path.Clean(dir) + ".vm-order.tsv"
	if f, err := fsys.Open(orderFile); err == nil {
		order, err := readOrder(f, orderFile, names)
		f.Close()
		if err != nil {
			return nil, err
		}
		names = order
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	s := &Set{Names: names, CPU: make([][]float64, len(names)), Interval: 5 * sim.Minute}
	total := 0
	for i, n := range names {
		file := path.Join(dir, n)
		f, err := fsys.Open(file)
		if err != nil {
			return nil, err
		}
		vals, err := readPercentages(f, file)
		f.Close()
		if err != nil {
			return nil, err
		}
		total += len(vals)
		if total > maxTotalValues {
			return nil, fmt.Errorf("%s: more than %d samples in all", dir, maxTotalValues)
		}
		s.CPU[i] = vals
	}
	return s, nil
}

// readOrder reads "index TAB name" lines; every name must be a file of the
// directory and every file must be listed once.
func readOrder(r io.Reader, file string, files []string) ([]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxLineBytes)
	var out []string
	seen := map[string]bool{}
	line := 0
	for sc.Scan() {
		line++
		t := strings.TrimRight(sc.Text(), "\r")
		if t == "" {
			continue
		}
		idx, name, ok := strings.Cut(t, "\t")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want \"index<TAB>name\", got %q", file, line, t)
		}
		if n, err := strconv.Atoi(idx); err != nil || n != len(out) {
			return nil, fmt.Errorf("%s:%d: index %q, want %d", file, line, idx, len(out))
		}
		if _, found := slices.BinarySearch(files, name); !found {
			return nil, fmt.Errorf("%s:%d: no trace file %q in the directory", file, line, name)
		}
		if seen[name] {
			return nil, fmt.Errorf("%s:%d: %q listed twice", file, line, name)
		}
		seen[name] = true
		out = append(out, name)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", file, line+1, err)
	}
	if len(out) != len(files) {
		return nil, fmt.Errorf("%s: lists %d of the directory's %d trace files", file, len(out), len(files))
	}
	return out, nil
}

// readPercentages reads one number in [0, 100] per line (blank lines
// skipped) and returns fractions.
func readPercentages(r io.Reader, file string) ([]float64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLineBytes)
	out := make([]float64, 0, 288) // a PlanetLab day
	line := 0
	for sc.Scan() {
		line++
		t := bytes.TrimSpace(sc.Bytes())
		if len(t) == 0 {
			continue
		}
		v, ok := smallInt(t)
		if !ok {
			var err error
			v, err = strconv.ParseFloat(string(t), 64)
			if err != nil || math.IsNaN(v) || v < 0 || v > 100 {
				return nil, fmt.Errorf("%s:%d: want a CPU percentage in [0, 100], got %q", file, line, t)
			}
		}
		if len(out) == maxSamples {
			return nil, fmt.Errorf("%s:%d: more than %d samples", file, line, maxSamples)
		}
		out = append(out, v/100)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", file, line+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no samples", file)
	}
	return out, nil
}

// smallInt parses the PlanetLab files' usual line, an integer from 0 to
// 100 of at most three digits, without the general float parser; it gives
// the value strconv.ParseFloat would (integers are exact). ok is false for
// anything else, which goes to ParseFloat.
func smallInt(t []byte) (float64, bool) {
	if len(t) == 0 || len(t) > 3 {
		return 0, false
	}
	n := 0
	for _, c := range t {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = 10*n + int(c-'0')
	}
	return float64(n), n <= 100
}

// ReadCSV reads a generic trace: a header naming the columns, then one row
// per VM and interval. Columns: "vm" (an id), "cpu_percent" (0-100), and
// either "interval" (0, 1, 2, … per VM) or "time_s" (seconds, on a grid of
// interval seconds from 0). Other columns (ram_percent, net_mbps, …) are
// allowed and ignored. VMs are ordered by first appearance; a VM missing an
// interval holds its previous value (or 0 before its first). interval is
// the sampling interval, needed to place time_s rows.
func ReadCSV(r io.Reader, file string, interval sim.Time) (*Set, error) {
	if interval <= 0 {
		return nil, fmt.Errorf("%s: the sampling interval must be > 0", file)
	}
	cr := csv.NewReader(io.LimitReader(r, 1<<31))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = 0
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s:1: %w", file, csvErr(err))
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	vmCol, okVM := col["vm"]
	cpuCol, okCPU := col["cpu_percent"]
	ivCol, okIv := col["interval"]
	tCol, okT := col["time_s"]
	if !okVM || !okCPU || okIv == okT {
		return nil, fmt.Errorf("%s:1: the header needs columns vm, cpu_percent, and one of interval or time_s; got %q", file, strings.Join(head, ","))
	}
	s := &Set{Interval: interval}
	index := map[string]int{}
	step := sim.Seconds(interval)
	total := 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s:%d: %w", file, pe.Line, pe.Err)
			}
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		line, _ := cr.FieldPos(0)
		id := strings.TrimSpace(rec[vmCol])
		if id == "" {
			return nil, fmt.Errorf("%s:%d: empty vm id", file, line)
		}
		cpu, err := strconv.ParseFloat(strings.TrimSpace(rec[cpuCol]), 64)
		if err != nil || math.IsNaN(cpu) || cpu < 0 || cpu > 100 {
			return nil, fmt.Errorf("%s:%d: cpu_percent: want a number in [0, 100], got %q", file, line, rec[cpuCol])
		}
		var k int
		if okIv {
			n, err := strconv.Atoi(strings.TrimSpace(rec[ivCol]))
			if err != nil || n < 0 || n >= maxSamples {
				return nil, fmt.Errorf("%s:%d: interval: want an integer in [0, %d), got %q", file, line, maxSamples, rec[ivCol])
			}
			k = n
		} else {
			t, err := strconv.ParseFloat(strings.TrimSpace(rec[tCol]), 64)
			q := t / step
			if err != nil || math.IsNaN(t) || t < 0 || q >= maxSamples || math.Abs(q-math.Round(q)) > 1e-6 {
				return nil, fmt.Errorf("%s:%d: time_s: want a non-negative multiple of the %gs interval, got %q", file, line, step, rec[tCol])
			}
			k = int(math.Round(q))
		}
		i, ok := index[id]
		if !ok {
			if len(s.Names) == maxVMs {
				return nil, fmt.Errorf("%s:%d: more than %d VMs", file, line, maxVMs)
			}
			i = len(s.Names)
			index[id] = i
			s.Names = append(s.Names, id)
			s.CPU = append(s.CPU, nil)
		}
		v := s.CPU[i]
		if k < len(v) {
			return nil, fmt.Errorf("%s:%d: vm %q: interval %d repeated or out of order", file, line, id, k)
		}
		total += k + 1 - len(v)
		if total > maxTotalValues {
			return nil, fmt.Errorf("%s:%d: more than %d samples in all", file, line, maxTotalValues)
		}
		for len(v) < k { // a gap holds the previous value
			prev := 0.0
			if len(v) > 0 {
				prev = v[len(v)-1]
			}
			v = append(v, prev)
		}
		s.CPU[i] = append(v, cpu/100)
	}
	if len(s.Names) == 0 {
		return nil, fmt.Errorf("%s: no rows", file)
	}
	return s, nil
}

func csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
