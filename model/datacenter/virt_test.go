package datacenter

import (
	"strings"
	"testing"

	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

func load(t *testing.T, src string) *scenarios.Scenario {
	t.Helper()
	sc, err := scenarios.LoadBytes("virt.toml", []byte(src), LoadOptions(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// One 1000-MIPS core with a hw/nested/paravirtual hypervisor (exit 1000
// cycles, kappa 0) and a VM whose profile does nothing but 100 000 I/O
// requests of 1000 bytes per 10⁹ instructions. By hand, per request:
// guest = ring 300 + (exit 1000 + kick 500)/8 + (2·1000 + 300 + 1000)/8 = 900
// cycles, host backend = 4000 + 0.5·1000 = 4500 cycles. So
// S = 1 + 100 000·900/10⁹ = 1.09 and h = 100 000·4500/10⁹ = 0.45.
const virtScenario = `
duration = "1h"
[[host_group]]
count = 1
cores = 1
mips_per_core = 1000
ram_gib = 8
power = { model = "linear", idle_watts = 100, max_watts = 250 }
hypervisor = { cpu = "hw", mmu = "nested", io = "paravirtual", exit_cycles = 1000, kappa = 0 }
[[profile]]
name = "io-only"
io_requests = 100000
io_bytes = 1000
[[vm_group]]
count = 1
vcpus = 1
mips = 1000
ram_gib = 1
profile = "io-only"
utilization = { model = "constant", level = "$level" }
[parameters]
level = 0.5
`

func TestOverheadChargedToHost(t *testing.T) {
	const S, h = 1.09, 0.45
	cases := []struct {
		level          float64
		util, workMIPS float64
	}{
		// Wants 500 MIPS of work: vCPU 545, host 545·(S+h)/S = 745.
		{0.5, 500 * (S + h) / 1000, 500},
		// Wants 1000: the vCPU caps at 1000, the host would need
		// 1000·(S+h)/S > 1000 and gives 1000, so the work rate is
		// 1000/(S+h).
		{1, 1, 1000 / (S + h)},
	}
	for _, c := range cases {
		src := strings.Replace(virtScenario, "level = 0.5", "level = "+map[float64]string{0.5: "0.5", 1: "1.0"}[c.level], 1)
		sc := load(t, src)
		m, rec := run(t, sc)
		hst := m.Hosts()[0]
		if !near(hst.Util(), c.util) {
			t.Errorf("level %v: host utilization %v, want %v", c.level, hst.Util(), c.util)
		}
		if got, want := rec.Summary.FinishedWorkMI, c.workMIPS*3600; !near(got, want) {
			t.Errorf("level %v: work %v MI, want %v", c.level, got, want)
		}
		if got, want := rec.Summary.EnergyKWh, (100+150*c.util)*3600/3.6e6; !near(got, want) {
			t.Errorf("level %v: energy %v kWh, want %v", c.level, got, want)
		}
		if got, want := rec.Summary.Metrics["virt_overhead_mi"], c.util*1000*3600-c.workMIPS*3600; !near(got, want) {
			t.Errorf("level %v: virtualization overhead %v MI, want %v", c.level, got, want)
		}
	}
}

// Under binary translation the cold translation cache delays the start:
// 160 KiB of kernel code = 10 240 blocks of 16 bytes, 3000 cycles each, at
// 1 GHz: 30.72 ms.
func TestTranslationWarmupDelaysStart(t *testing.T) {
	src := strings.Replace(virtScenario, `hypervisor = { cpu = "hw", mmu = "nested", io = "paravirtual", exit_cycles = 1000, kappa = 0 }`,
		`hypervisor = { cpu = "bt" }`, 1)
	src = strings.Replace(src, "io_requests = 100000\nio_bytes = 1000", "kernel_share = 0.5\nkernel_footprint_kib = 160", 1)
	m, rec := run(t, load(t, src))
	_ = m
	if got := rec.Outcomes[0].RunningS; !near(got, 0.03072) {
		t.Errorf("running at %v s, want 0.03072", got)
	}
}

// Shadow page tables cost host memory: placement books it. A host of 4 GiB
// takes 3 VMs of 1 GiB natively (plus one more: 4), but under shadow paging
// each VM books 1 GiB·(1 + 0.5·8·8/4096) and only 3 fit.
func TestPageTableMemoryBooked(t *testing.T) {
	for _, c := range []struct {
		hyp  string
		want int
	}{{`{ cpu = "native" }`, 4}, {`{ cpu = "hw", mmu = "shadow" }`, 3}} {
		src := `
duration = "1h"
[[host_group]]
count = 1
cores = 8
mips_per_core = 1000
ram_gib = 4
hypervisor = ` + c.hyp + `
[[profile]]
name = "many"
base = "compute-bound"
address_spaces = 64
[[vm_group]]
count = 4
vcpus = 1
mips = 1000
ram_gib = 1
profile = "many"
`
		_, rec := run(t, load(t, src))
		if rec.Summary.VMsPlaced != c.want {
			t.Errorf("%s: %d VMs placed, want %d", c.hyp, rec.Summary.VMsPlaced, c.want)
		}
	}
}

func TestBadHypervisorInput(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`hypervisor = { cpu = "vmx" }`, `host_group[0].hypervisor.cpu`},
		{`hypervisor = { cpu = "bt", mmu = "nested" }`, `needs hardware-assisted guest mode`},
		{`hypervisor = { cpu = "hw", io = "passthrough-posted", kapa = 1 }`, `kapa`},
		{`hypervisor = { cpu = "pv", io = "passthrough-posted" }`, `posted interrupts`},
	} {
		src := "duration = \"1h\"\n[[host_group]]\ncount = 1\ncores = 1\nmips_per_core = 1000\nram_gib = 1\n" + c.src +
			"\n[[vm_group]]\ncount = 1\nvcpus = 1\nmips = 1000\nram_gib = 1\nprofile = \"oltpp\"\n"
		_, err := scenarios.LoadBytes("bad.toml", []byte(src), LoadOptions(nil, nil))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `did you mean "oltp"`) {
			t.Errorf("%s: error %v, want %q and the profile typo", c.src, err, c.want)
		}
	}
}

var _ = sim.Second
var _ = results.Summary{}
