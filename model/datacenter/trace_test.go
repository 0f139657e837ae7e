package datacenter

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/simrun/simrun/scenarios"
)

// VMs 1..3 of the shipped PlanetLab day (trace_offset 1), one 1000-MIPS
// vCPU each, on a host that never saturates: the work demanded over 24 h
// is Σ_vm Σ_k (percent_k / 100) × 1000 MIPS × 300 s, computed here from
// the raw files, independently of the reader.
func TestPlanetLabUtilization(t *testing.T) {
	data, err := filepath.Abs("../../scenarios/data/planetlab")
	if err != nil {
		t.Fatal(err)
	}
	order, err := os.ReadFile(filepath.Join(data, "20110303.vm-order.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(order), "\n")
	want := 0.0
	for _, l := range lines[1:4] {
		_, name, _ := strings.Cut(l, "\t")
		raw, err := os.ReadFile(filepath.Join(data, "20110303", name))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range strings.Fields(string(raw)) {
			p, _ := strconv.Atoi(f)
			want += float64(p) / 100 * 1000 * 300
		}
	}
	dir := t.TempDir()
	src := `
duration = "24h"
[[host_group]]
count = 1
cores = 4
mips_per_core = 1000
ram_gib = 16
[[vm_group]]
count = 3
vcpus = 1
mips = 1000
ram_gib = 1
utilization = { model = "planetlab", trace_dir = "` + filepath.ToSlash(filepath.Join(data, "20110303")) + `", trace_offset = 1 }
`
	p := filepath.Join(dir, "pl.toml")
	os.WriteFile(p, []byte(src), 0o644)
	sc, err := scenarios.Load(p, LoadOptions(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, rec := run(t, sc)
	if got := rec.Summary.Metrics["demanded_work_mi"]; !near(got, want) || !near(rec.Summary.FinishedWorkMI, want) {
		t.Errorf("demanded %v MI, done %v MI, want %v", got, rec.Summary.FinishedWorkMI, want)
	}

	// Too many VMs for the day's 1052 traces: an error naming the key.
	bad := strings.Replace(src, "count = 3", "count = 1052", 1)
	os.WriteFile(p, []byte(bad), 0o644)
	sc, err = scenarios.Load(p, LoadOptions(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(sc, nil); err == nil || !strings.Contains(err.Error(), "vm_group[0].count") {
		t.Errorf("error %v", err)
	}
}

// A CSV trace: VM "a" at 50 % then 100 %, VM "b" at 20 %, 10-minute
// samples, over 20 minutes on 1000-MIPS vCPUs: a does 0.5·1000·600 +
// 1·1000·600 = 900 000 MI, b 0.2·1000·1200 = 240 000 MI.
func TestCSVUtilization(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "t.csv"), []byte("interval,vm,cpu_percent\n0,a,50\n1,a,100\n0,b,20\n"), 0o644)
	src := `
duration = "20m"
[[host_group]]
count = 1
cores = 4
mips_per_core = 1000
ram_gib = 16
[[vm_group]]
count = 2
vcpus = 1
mips = 1000
ram_gib = 1
utilization = { model = "csv", trace = "t.csv", interval = "10m" }
`
	p := filepath.Join(dir, "c.toml")
	os.WriteFile(p, []byte(src), 0o644)
	sc, err := scenarios.Load(p, LoadOptions(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, rec := run(t, sc)
	if got := rec.Outcomes[0].WorkMI; !near(got, 900000) {
		t.Errorf("VM a: %v MI, want 900000", got)
	}
	if got := rec.Outcomes[1].WorkMI; !near(got, 240000) {
		t.Errorf("VM b: %v MI, want 240000", got)
	}
}
