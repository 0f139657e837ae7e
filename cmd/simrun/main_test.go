package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/simrun/simrun/internal/dirtest"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = realMain(args, &o, &e)
	return code, o.String(), e.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const okScenario = `
name = "small"
duration = "1h"
[[host_group]]
count = 2
cores = 4
mips_per_core = 1000
ram_gib = 8
[[vm_group]]
count = 3
vcpus = 1
mips = 1000
ram_gib = 1
`

func TestBadInputExitCodes(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		args    []string
		want    string
	}{
		{"malformed", "name = \n", nil, "bad.toml:1:"},
		{"unknown key", okScenario + "ram_gb = 1\n", nil, `vm_group[0].ram_gb: unknown key (did you mean "ram_gib"?)`},
		{"zero capacity", strings.Replace(okScenario, "cores = 4", "cores = 0", 1), nil, "host_group[0].cores: must be > 0 (got 0)"},
		{"negative capacity", strings.Replace(okScenario, "ram_gib = 8", "ram_gib = -8", 1), nil, "host_group[0].ram_gib: must be > 0 (got -8)"},
		{"missing trace", okScenario + "utilization = { model = \"trace\", trace = \"missing.txt\" }\n", nil, "vm_group[0].utilization.trace: cannot open the trace"},
		{"unknown policy", okScenario + "[placement]\npolicy = \"frist-fit\"\n", nil, `placement.policy: unknown placement policy "frist-fit" (did you mean "first-fit"?)`},
		{"huge counts", strings.Replace(okScenario, "count = 3", "count = 900_000_000_000", 1), nil, "would need about"},
		{"bad duration", strings.Replace(okScenario, `"1h"`, `"an hour"`, 1), nil, `duration: want a duration such as "90s"`},
		{"forever", strings.Replace(okScenario, `duration = "1h"`, "", 1), nil, "runs forever"},
		{"bad set", okScenario, []string{"--set", "nope=1"}, `--set nope: no key "nope" here`},
		{"cloud key", okScenario + "[cloud]\nview = \"polll\"\n[[cloud.image]]\nname = \"i\"\nsize_gib = 1\n", nil, `cloud.view: unknown value "polll" (did you mean "poll"?)`},
		{"cloud set", okScenario + "[cloud]\n[[cloud.image]]\nname = \"i\"\nsize_gib = 1\n", []string{"--set", "cloud.clc.worker=2"}, `--set cloud.clc.worker: no key "worker" here (did you mean "workers"?)`},
		// Rates that overflowed the clock (a panic) and a memory that left
		// guests nothing (NaN metrics).
		{"cloud rate", okScenario + "[cloud]\n[[cloud.image]]\nname = \"i\"\nsize_gib = 1\n", []string{"--set", "cloud.walrus.bandwidth_gbps=1e-300"},
			`cloud.walrus.bandwidth_gbps: too slow: image "i" (1 GiB) would take`},
		{"memory overhead", okScenario + "[memory]\nenabled = true\noverhead_mib = 8192\n", nil,
			"host_group[0].ram_gib: 8 GiB (8192 MiB) leaves no memory for guests after memory.overhead_mib (8192)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, dir, "bad.toml", tc.content)
			out := filepath.Join(dir, "out-"+strings.ReplaceAll(tc.name, " ", "-"))
			code, _, stderr := runCLI(t, append([]string{"run", p, "-o", out}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 and %q", code, stderr, tc.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatal("bad input left an output directory")
			}
			if code, _, _ := runCLI(t, append([]string{"validate", p}, tc.args...)...); code != 2 {
				t.Fatalf("validate exit %d, want 2", code)
			}
		})
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"run"}, {"run", "quickstart", "--seed", "x"}, {"run", "nosuchscenario"}} {
		if code, _, _ := runCLI(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// A VM larger than every host is a result, not an input error.
func TestOversizedVMIsAResult(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "big.toml", strings.Replace(okScenario, "vcpus = 1", "vcpus = 64", 1))
	code, stdout, stderr := runCLI(t, "run", p, "-o", filepath.Join(dir, "o"))
	if code != 0 || !strings.Contains(stdout, "3 rejected") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "o", "vm_outcomes.csv"))
	if !strings.Contains(string(b), "rejected,-1,0,-1,-1,0,0,0/2 hosts fit: 2 short on cores") {
		t.Fatalf("outcomes:\n%s", b)
	}
}

// A control plane whose launches were all turned away prints no latency
// (there is none), not zeros.
func TestNoLatencyWithoutInstances(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "c.toml", strings.Replace(okScenario, "vcpus = 1", "vcpus = 64", 1)+"[cloud]\n[[cloud.image]]\nname = \"i\"\nsize_gib = 1\n")
	code, stdout, stderr := runCLI(t, "run", p, "-o", filepath.Join(dir, "o"))
	if code != 0 || !strings.Contains(stdout, "launches: 3 requested, 0 running, 3 rejected, 0 pending; no instance came up") || strings.Contains(stdout, "latency") {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestListAndValidate(t *testing.T) {
	code, out, _ := runCLI(t, "list")
	for _, w := range []string{"quickstart", "cloudsim-scale", "openstack", "pabfd", "hp-ml110-g4"} {
		if code != 0 || !strings.Contains(out, w) {
			t.Errorf("list lacks %q", w)
		}
	}
	if code, out, _ := runCLI(t, "validate", "quickstart", "cloudsim-scale"); code != 0 || strings.Count(out, ": ok") != 2 {
		t.Errorf("validate: %d %s", code, out)
	}
}

// The same scenario and seed give byte-identical files with GOMAXPROCS=1
// and 2 (separate processes, so the runtime really differs).
func TestDeterministicOutputs(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "simrun")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	same := func(args ...string) []string {
		var dirs []string
		for _, procs := range []string{"1", "2", "2"} {
			out := filepath.Join(dir, args[1]+procs+string(rune('a'+len(dirs))))
			cmd := exec.Command(bin, append(args, "-o", out, "--quiet")...)
			cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("run: %v\n%s", err, b)
			}
			dirs = append(dirs, out)
		}
		entries, _ := os.ReadDir(dirs[0])
		if len(entries) < 5 {
			t.Fatalf("%v: only %d files", args, len(entries))
		}
		for _, e := range entries {
			a, _ := os.ReadFile(filepath.Join(dirs[0], e.Name()))
			for _, d := range dirs[1:] {
				b, err := os.ReadFile(filepath.Join(d, e.Name()))
				if err != nil || !bytes.Equal(a, b) {
					t.Errorf("%v: %s differs between runs (GOMAXPROCS 1 vs 2)", args, e.Name())
				}
			}
		}
		return dirs
	}
	dirs := same("run", "quickstart")
	// A request-level study too (random arrivals and service times).
	same("run", "virt-io", "--set", "study.duration=200ms", "--set", "study.warmup=20ms")
	// Consolidation with random selection (RS), and the comparison study,
	// whose runs go in parallel.
	same("run", "planetlab", "--set", "duration=6h", "--set", "consolidation.selection=rs")
	same("run", "planetlab-compare", "--set", "duration=3h", "--set", `study.policies=["npa","dvfs","thr-rs","iqr-mc","lr-mmt","mad-mu"]`,
		"--set", `study.highlight=["npa","lr-mmt"]`)
	// The control plane: a study (variants in parallel) and a run with
	// every cloud file.
	same("run", "euca-burst")
	same("run", "euca-day", "--set", `study.kind=""`, "--set", "cloud.policy=powersave", "--set", "duration=8h")
	// A plan, its points/ and its report included: -j 1 with GOMAXPROCS=1
	// and -j 2 with GOMAXPROCS=2 write the same bytes.
	var plans []string
	for _, procs := range []string{"1", "2"} {
		out := filepath.Join(dir, "plan"+procs)
		for _, args := range [][]string{
			{"plan", "sizing", "--target", "vms_rejected<1", "--target", "unmet_demand_fraction<0.01", "--vary", "hosts", "--range", "1:32", "-j", procs, "-o", out, "--quiet"},
			{"report", out, "--quiet"},
		} {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(os.Environ(), "GOMAXPROCS="+procs)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %v\n%s", args, err, b)
			}
		}
		plans = append(plans, out)
	}
	dirtest.Same(t, plans[0], plans[1])
	// A different seed changes the results.
	other := filepath.Join(dir, "seed2")
	exec.Command(bin, "run", "quickstart", "-o", other, "--seed", "2", "--quiet").Run()
	a, _ := os.ReadFile(filepath.Join(dirs[0], "vms.csv"))
	b, _ := os.ReadFile(filepath.Join(other, "vms.csv"))
	if bytes.Equal(a, b) {
		t.Error("seed 2 gave the same vms.csv as seed 1")
	}
}

// Nothing is lost: every requested VM of quickstart has one outcome, in a
// known final state, and every rejection has a reason.
func TestQuickstartNothingLost(t *testing.T) {
	dir := t.TempDir()
	if code, _, stderr := runCLI(t, "run", "quickstart", "-o", dir, "--quiet"); code != 0 {
		t.Fatal(stderr)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "vm_outcomes.csv"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
	if len(lines) != 44 {
		t.Fatalf("%d outcomes, want 44", len(lines))
	}
	for _, l := range lines {
		f := strings.Split(l, ",")
		switch f[4] {
		case "finished", "running":
		case "rejected":
			if !strings.Contains(l, "hosts fit") {
				t.Errorf("rejected without reason: %s", l)
			}
		default:
			t.Errorf("unexpected state: %s", l)
		}
	}
}

func TestTook(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want string
	}{
		{0, "under 1 ms"},
		{999 * time.Microsecond, "under 1 ms"},
		{time.Millisecond, "1 ms"},
		{37*time.Millisecond + 400*time.Microsecond, "37 ms"},
		{37*time.Millisecond + 500*time.Microsecond, "38 ms"},
		{999 * time.Millisecond, "999 ms"},
		{999*time.Millisecond + 600*time.Microsecond, "1.0 s"},
		{time.Second, "1.0 s"},
		{2449 * time.Millisecond, "2.4 s"},
		{95 * time.Second, "95.0 s"},
	} {
		if got := took(c.d); got != c.want {
			t.Errorf("took(%v) = %q, want %q", c.d, got, c.want)
		}
	}
}

func TestWorkersText(t *testing.T) {
	for n, want := range map[int]string{1: "1 worker", 2: "2 workers", 16: "16 workers"} {
		if got := workersText(n); got != want {
			t.Errorf("workersText(%d) = %q, want %q", n, got, want)
		}
	}
}
