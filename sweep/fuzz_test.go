package sweep

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/simrun/simrun/scenarios"
)

// ParseTarget never panics, and a target it accepts reads back the same
// from its String.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"vms_rejected<1", "p95_launch_latency_s <= 120", "mean_util>0.5", "x>=-3e2", "x<", "<1", "a<b<c", "x<1e400", "x<=NaN", "x<0x10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseTarget(s)
		if err != nil {
			return
		}
		again, err := ParseTarget(tg.String())
		if err != nil || again != tg {
			t.Fatalf("%q parsed as %+v, whose String %q reads back as %+v, %v", s, tg, tg.String(), again, err)
		}
	})
}

// A sweep.json or plan.json, damaged any way, is read back or refused as
// bad input, never a panic (Read, Merge and the report read them).
func FuzzReadDirFiles(f *testing.F) {
	f.Add(`{"grid":{"scenario":"q","sets":[],"axes":[{"key":"x","values":["1","2"]}],"replications":2,"master_seed":7},"scenario_sha256":["a","b"]}`,
		`{"query":{"scenario":"q","sets":[],"key":"c","lo":1,"hi":8,"targets":[{"metric":"w","op":"<","value":1}],"replications":2,"master_seed":1},"found":true,"answer":3,"met_at_lo":false,"warnings":[],"probes":[{"value":1,"order":0,"all_met":false,"targets":[{"target":"w<1","metric":"w","n":2,"mean":2,"sd":0,"ci95_low":2,"ci95_high":2,"met":false}]}]}`)
	f.Add(`{"grid":{"axes":[],"replications":-5}}`, `{"query":{"targets":[{"op":""}]},"probes":[{"targets":[{}]}]}`)
	f.Add(`{"grid":{"axes":[{"key":"x","values":[]}],"replications":100000000000}}`, `{}`)
	f.Fuzz(func(t *testing.T, sweepJSON, planJSON string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "sweep.json"), []byte(sweepJSON), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "plan.json"), []byte(planJSON), 0o644); err != nil {
			t.Fatal(err)
		}
		var ie *scenarios.InputError
		if _, err := Read(dir); err == nil || !errors.As(err, &ie) {
			t.Fatalf("Read of a sweep without runs: %v", err)
		}
		q, res, err := ReadPlan(dir)
		if err != nil {
			if !errors.As(err, &ie) {
				t.Fatalf("ReadPlan: %v is not bad input", err)
			}
			return
		}
		if q.Lo > q.Hi || len(q.Targets) == 0 || len(res.Probes) > 0 && len(res.Probes[0].Met) != len(q.Targets) {
			t.Fatalf("ReadPlan accepted %+v %+v", q, res)
		}
		for _, p := range res.Probes {
			for i, tg := range q.Targets {
				_ = p.Cell(i, tg, func(float64) string { return "" })
			}
		}
	})
}
