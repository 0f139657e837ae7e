package datacenter

import (
	"reflect"
	"strings"
	"testing"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

func study(t *testing.T, sc *scenarios.Scenario) *results.Recorder {
	t.Helper()
	rec := &results.Recorder{}
	if err := RunStudy(sc, rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// Every embedded scenario runs end to end: datacenter runs finish with
// every VM accounted for, studies produce their records.
func TestEmbeddedScenariosRun(t *testing.T) {
	for _, in := range scenarios.Embedded() {
		t.Run(in.Name, func(t *testing.T) {
			sets := []string(nil)
			switch in.Name {
			case "cloudsim-scale":
				sets = []string{"hosts=20", "vms=80", "cloudlets=200"}
			case "virt-io":
				sets = []string{"study.duration=200ms", "study.warmup=20ms"}
			case "planetlab", "planetlab-compare":
				// Two hours of the day keep the test quick; the full day
				// is measured by the benchmarks.
				sets = []string{"duration=2h"}
			case "mem-datacenter":
				sets = []string{"duration=2h", "vm_group.0.count=40", "study.ratios=[2.0]"}
			}
			sc, err := scenarios.LoadEmbedded(in.Name, LoadOptions(sets, nil))
			if err != nil {
				t.Fatal(err)
			}
			if IsStudy(sc) {
				rec := study(t, sc)
				if len(rec.Overheads)+len(rec.IOPoints)+len(rec.Capacity)+len(rec.Comparison)+len(rec.Memory)+len(rec.MemPlacement)+len(rec.CloudRows) == 0 {
					t.Fatal("study produced no records")
				}
				return
			}
			_, rec := run(t, sc)
			s := rec.Summary
			if s.VMsPlaced+s.VMsRejected != s.VMsRequested || len(rec.Outcomes) == 0 {
				t.Errorf("VMs lost: %+v", s)
			}
		})
	}
}

const studyHead = `
[[host_group]]
count = 1
cores = 8
mips_per_core = 2000
ram_gib = 32
hypervisor = { cpu = "hw", mmu = "nested", io = "paravirtual" }
[[vm_group]]
count = 1
vcpus = 2
mips = 2000
ram_gib = 4
`

func TestOverheadStudyRows(t *testing.T) {
	sc := load(t, studyHead+`
[study]
kind = "overhead"
profiles = ["compute-bound", "oltp"]
cpu = ["bt", "hw"]
mmu = ["shadow", "nested"]
io = ["paravirtual"]
generations = ["p4", "sandybridge"]
`)
	rec := study(t, sc)
	// bt: shadow only (1 config, generation irrelevant); hw: shadow and
	// nested × 2 generations (4): 5 configurations × 2 profiles.
	if len(rec.Overheads) != 10 {
		t.Fatalf("%d rows, want 10", len(rec.Overheads))
	}
	if rec.Summary.Metrics["configurations"] != 5 {
		t.Errorf("configurations = %v", rec.Summary.Metrics["configurations"])
	}
	for _, r := range rec.Overheads {
		hasGen := strings.Contains(r.Config, "sandybridge") || strings.Contains(r.Config, " p4")
		if r.Slowdown < 1 || (r.CPU == "hw") != hasGen {
			t.Errorf("row %s: slowdown %v", r.Config, r.Slowdown)
		}
	}
}

// Capacity without I/O is a pure CPU/memory/vCPU bound, checked by hand.
// 8 cores × 2000 MIPS = 16 000 MIPS; each VM wants 2 × 2000 × 0.5 = 2000
// MIPS. Bare metal: 16 000 / 2000 = 8 VMs, and 8 cores × ratio 2 / 2
// vCPUs = 8 as well. Under hw/nested the compute-bound profile costs
// S > 1, so 7 fit (CPU-bound).
func TestCapacityStudyByHand(t *testing.T) {
	sc := load(t, strings.Replace(studyHead, "cores = 8", "cores = 8\ncpu_allocation_ratio = 2", 1)+`
utilization = { model = "constant", level = 0.5 }
[study]
kind = "capacity"
latency_target = "1ms"
`)
	rec := study(t, sc)
	if len(rec.Capacity) != 1 {
		t.Fatalf("%d rows", len(rec.Capacity))
	}
	c := rec.Capacity[0]
	if c.NativeMaxVMs != 8 || c.MaxVMs != 7 || c.LimitedBy != "cpu" {
		t.Errorf("capacity %+v, want 7 (cpu) against 8 native", c)
	}
	if want := 7 * 2000 * c.Slowdown / 16000; !near(c.CPUUtil, want) {
		t.Errorf("CPU utilization %v, want %v", c.CPUUtil, want)
	}
}

func TestIOStudyDeterministic(t *testing.T) {
	src := strings.Replace(studyHead, "ram_gib = 4\n", "ram_gib = 4\nprofile = \"net-stream\"\n", 1) + `
[study]
kind = "io-consolidation"
io = ["emulated", "paravirtual"]
vms = [1, 4]
rate_per_vm = 5000
duration = "300ms"
warmup = "30ms"
`
	a := study(t, load(t, src))
	b := study(t, load(t, src))
	if len(a.IOPoints) != 4 || !reflect.DeepEqual(a.IOPoints, b.IOPoints) {
		t.Fatalf("points %d, equal %v", len(a.IOPoints), reflect.DeepEqual(a.IOPoints, b.IOPoints))
	}
	for _, p := range a.IOPoints {
		// 5000 requests/s per VM of 1500 bytes: 60 Mb/s per VM.
		if want := float64(p.VMs) * 5000 * 1500 * 8 / 1e9; p.DropFraction == 0 && (p.ThroughputGbps < 0.9*want || p.ThroughputGbps > 1.1*want) {
			t.Errorf("%s %d VMs: %v Gb/s, want ≈ %v", p.Config, p.VMs, p.ThroughputGbps, want)
		}
		if strings.Contains(p.Config, "emulated") && p.BackendCores <= 0 {
			t.Errorf("%s: no backend CPU", p.Config)
		}
	}
}

func TestStudyInputErrors(t *testing.T) {
	for _, c := range []struct{ study, want string }{
		{`kind = "overheads"`, `did you mean "overhead"`},
		{`kind = "capacity"`, `study.latency_target`},
		{`kind = "overhead"` + "\nprofiles = [\"webserver\"]", `did you mean "web-server"`},
		{`kind = "overhead"` + "\nlarge_pages = [\"both\"]", `study.large_pages[0]`},
		{`kind = "io-consolidation"` + "\nvms = [0]", `study.vms[0]`},
	} {
		_, err := scenarios.LoadBytes("s.toml", []byte(studyHead+"[study]\n"+c.study+"\n"), LoadOptions(nil, nil))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.study, err, c.want)
		}
	}
	// An I/O study of a profile without I/O says so.
	sc := load(t, studyHead+"[study]\nkind = \"io-consolidation\"\n")
	if err := RunStudy(sc, &results.Recorder{}); err == nil || !strings.Contains(err.Error(), "does no I/O") {
		t.Errorf("error %v", err)
	}
}
