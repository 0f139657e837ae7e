package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sweep"
)

// The embedded sizing scenario, end to end: 50 VMs of 4 vCPUs, 8 per host
// (16 cores × cpu_allocation_ratio 2 = 32 vCPUs; the 128 GiB would hold
// 16), so h hosts reject max(0, 50 − 8h) VMs (deterministic: arrivals and
// sizes are fixed) and place min(50, 8h). By hand: "vms_rejected<1" first
// holds at ⌈50/8⌉ = 7 hosts, "vms_placed>=40" at 40/8 = 5.
func TestPlanSizingByHand(t *testing.T) {
	tmp := t.TempDir()
	for _, c := range []struct {
		target, key string
		want        string
	}{
		{"vms_rejected<1", "hosts", "answer: hosts = 7 "},
		{"vms_placed>=40", "hosts", "answer: hosts = 5 "},
		{"vms_rejected<1", "host_group.0.count", "answer: host_group.0.count = 7 "},
	} {
		dir := filepath.Join(tmp, c.key+c.target)
		args := []string{"plan", "sizing", "--target", c.target, "--vary", c.key, "--range", "1:40", "--replications", "3", "-j", "2", "-o", dir}
		code, out, e := runCLI(t, args...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, e)
		}
		// The files: plan.json has the answer and one probe per value.
		b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
		if err != nil {
			t.Fatal(err)
		}
		var pf struct {
			Found  bool
			Answer int
			Probes []struct {
				Value  int
				AllMet bool `json:"all_met"`
			}
		}
		if err := json.Unmarshal(b, &pf); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"vms_rejected<1": 7, "vms_placed>=40": 5}[c.target]
		if !pf.Found || pf.Answer != want {
			t.Errorf("plan.json: %+v", pf)
		}
		for _, p := range pf.Probes {
			if p.AllMet != (p.Value >= want) {
				t.Errorf("%s at %d: met %v", c.target, p.Value, p.AllMet)
			}
		}
		for _, f := range []string{"plan.csv", "scenario.toml", "plan_" + strings.FieldsFunc(c.target, func(r rune) bool { return r == '<' || r == '>' })[0] + ".svg"} {
			if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", f, err)
			}
		}
		// Run again: every run is reused, the same files are written.
		before, _ := os.ReadFile(filepath.Join(dir, "plan.csv"))
		code, out, e = runCLI(t, args...)
		after, _ := os.ReadFile(filepath.Join(dir, "plan.csv"))
		if code != 0 || !strings.Contains(out, " 0 runs run and ") || string(before) != string(after) {
			t.Errorf("re-run: exit %d\n%s%s", code, out, e)
		}
	}
}

// A range where the targets never hold exits 1 with the reason; one whose
// low end already meets them answers it and says so.
func TestPlanEdges(t *testing.T) {
	tmp := t.TempDir()
	code, out, e := runCLI(t, "plan", "sizing", "--target", "vms_rejected<1", "--vary", "hosts", "--range", "1:6", "--replications", "2", "-o", filepath.Join(tmp, "none"))
	if code != 1 || !strings.Contains(e, "no value in range meets every target: at hosts = 6, vms_rejected = 2 [2, 2], target vms_rejected<1") || !strings.Contains(out, "answer: none in [1, 6]") {
		t.Errorf("not met: exit %d\n%s%s", code, out, e)
	}
	if _, err := os.Stat(filepath.Join(tmp, "none", "plan.csv")); err != nil {
		t.Errorf("no plan.csv for an unmet plan: %v", err)
	}
	code, out, e = runCLI(t, "plan", "sizing", "--target", "vms_rejected<1", "--vary", "hosts", "--range", "9:12", "--replications", "2", "-o", filepath.Join(tmp, "lo"))
	if code != 0 || !strings.Contains(out, "answer: hosts = 9, the low end of the range") {
		t.Errorf("met at lo: exit %d\n%s%s", code, out, e)
	}
}

func TestPlanBadInput(t *testing.T) {
	tmp := t.TempDir()
	base := []string{"plan", "sizing", "--vary", "hosts", "--range", "1:8", "--replications", "2"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plan", "sizing", "--vary", "hosts", "--range", "1:8"}, "at least one --target"},
		{append(base, "--target", "vms_rejected=1"), "want metric<value"},
		{append(base, "--target", "vms_rejectd<1"), `did you mean "vms_rejected"?`},
		{[]string{"plan", "sizing", "--target", "vms_rejected<1", "--range", "1:8"}, "needs --vary KEY"},
		{[]string{"plan", "sizing", "--target", "vms_rejected<1", "--vary", "hosts"}, "needs --range"},
		{[]string{"plan", "sizing", "--target", "vms_rejected<1", "--vary", "hosts", "--range", "8:1"}, "low end is above"},
		{[]string{"plan", "sizing", "--target", "vms_rejected<1", "--vary", "hosts", "--range", "1-8"}, "want LO:HI"},
		{[]string{"plan", "sizing", "--target", "vms_rejected<1", "--vary", "hosts", "--range", "0:8"}, "must be > 0"},
		{[]string{"plan", "sizing", "--target", "vms_rejected<1", "--vary", "hots", "--range", "1:8"}, `--vary hots at 1: --set hots`},
		{append(base[:len(base)-2], "--target", "vms_rejected<1", "--replications", "1"), "at least 2 replications"},
	} {
		code, out, e := runCLI(t, append(c.args, "-o", filepath.Join(tmp, "x"))...)
		if code != 2 || !strings.Contains(e, c.want) {
			t.Errorf("%v: exit %d, stderr %q (want %q)\n%s", c.args, code, e, c.want, out)
		}
	}
	// A plan directory of another query's runs is refused.
	dir := filepath.Join(tmp, "p")
	if code, _, e := runCLI(t, append(base, "--target", "vms_rejected<1", "-o", dir)...); code != 0 {
		t.Fatal(e)
	}
	if code, _, e := runCLI(t, append(base, "--target", "vms_rejected<1", "--seed", "9", "-o", dir)...); code != 2 || !strings.Contains(e, "holds a plan of another") {
		t.Errorf("other plan: exit %d %s", code, e)
	}
}

// The control plane's CLC as an M/M/c queue (the euca-mmc scenario of the
// Eucalyptus model; skipped where it is not embedded): Poisson launches at
// λ = 0.8/s, exponential service with μ = 1/s at c workers, every other
// stage instant. Erlang C, by its closed form here,
// C = (aᶜ/c!)·c/(c−a) / (Σ_{k<c} aᵏ/k! + (aᶜ/c!)·c/(c−a)) and
// Wq = C/(cμ−λ), gives Wq(2) = 0.1905 s and Wq(3) = 0.02365 s, so the
// smallest number of workers with clc_wait_mean_s < 0.1 s is 3.
func TestPlanEucaMMc(t *testing.T) {
	if _, err := scenarios.LoadEmbedded("euca-mmc", scenarios.Options{}); err != nil {
		t.Skip("no euca-mmc scenario in this tree (it comes with model/cloud)")
	}
	const lambda, mu, target = 0.8, 1.0, 0.1
	a := lambda / mu
	wq := func(c int) float64 {
		sum, term := 0.0, 1.0 // term = aᵏ/k!
		for k := range c {
			sum += term
			term *= a / float64(k+1)
		}
		last := term * float64(c) / (float64(c) - a)
		return last / (sum + last) / (float64(c)*mu - lambda)
	}
	want := 1
	for wq(want) >= target {
		want++
	}
	if want != 3 {
		t.Fatalf("Erlang C: smallest c %d (Wq(2) = %.4f, Wq(3) = %.4f)", want, wq(2), wq(3))
	}
	dir := t.TempDir()
	code, out, e := runCLI(t, "plan", "euca-mmc", "--target", "clc_wait_mean_s<0.1", "--vary", "cloud.clc.workers", "--range", "1:8",
		"--replications", "5", "--set", "launches=4000", "-o", dir)
	if code != 0 || !strings.Contains(out, "answer: cloud.clc.workers = 3 ") {
		t.Fatalf("exit %d\n%s%s", code, out, e)
	}
	// The simulated means agree with Erlang C where it matters.
	_, res, err := sweep.ReadPlan(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []int{2, 3} {
		p, ok := res.Probe(c)
		if got := p.Stats["clc_wait_mean_s"].Mean; !ok || math.Abs(got-wq(c)) > 0.35*wq(c) {
			t.Errorf("c = %d: simulated mean wait %.4f s, Erlang C %.4f s", c, got, wq(c))
		}
	}
}

// A scenario whose [sweep] table has one replication cannot be planned
// without --replications: the error says where the 1 comes from.
func TestPlanReplicationsFromTheScenario(t *testing.T) {
	tmp := t.TempDir()
	p := writeFile(t, tmp, "one.toml", okScenario+"\n[sweep]\nreplications = 1\n")
	code, _, e := runCLI(t, "plan", p, "--target", "vms_rejected<1", "--vary", "host_group.0.count", "--range", "1:4", "-o", filepath.Join(tmp, "x"))
	if code != 2 || !strings.Contains(e, "[sweep] replications = 1") || !strings.Contains(e, "give --replications") {
		t.Errorf("exit %d: %s", code, e)
	}
}
