package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOverheadJSON(t *testing.T) {
	code, out, errOut := runCLI(t, "overhead", "--profile", "fork-heavy", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	// Every valid combination at 4 KiB pages: 21 (see host.TestCombinationsValid).
	if len(rows) != 21 {
		t.Fatalf("%d rows, want 21", len(rows))
	}
	for _, r := range rows {
		for _, k := range []string{"cpu", "mmu", "io", "slowdown", "breakdown", "host_cpu_share"} {
			if _, ok := r[k]; !ok {
				t.Fatalf("row lacks %q: %v", k, r)
			}
		}
		b := r["breakdown"].(map[string]any)
		s := r["slowdown"].(float64)
		c0 := r["native_cycles"].(float64)
		sum := b["cpu"].(float64) + b["mmu"].(float64) + b["io"].(float64)
		if d := (c0+sum)/c0 - s; d > 1e-9 || d < -1e-9 {
			t.Errorf("%v: slowdown %v but breakdown gives %v", r["config"], s, (c0+sum)/c0)
		}
	}
}

func TestOverheadFlags(t *testing.T) {
	dir := t.TempDir()
	prof := writeFile(t, dir, "mine.toml", "base = \"oltp\"\ntlb_misses = 2e7\n")
	badProf := writeFile(t, dir, "bad.toml", "tlb_mises = 2e7\n")
	chart := filepath.Join(dir, "c", "chart.png")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"overhead", "--profile", prof, "--cpu", "hw", "--mmu", "nested", "--io", "paravirtual", "--large-pages", "all"}, 0, "hw/nested/paravirtual 2M/2M"},
		{[]string{"overhead", "--profile", "web-server", "--cpu", "hw", "-o", chart}, 0, "chart: "},
		{[]string{"overhead", "--profile", "oltp", "--cpu", "bt", "--mmu", "nested"}, 2, "needs hardware-assisted guest mode"},
		{[]string{"overhead", "--profile", "olt"}, 2, `did you mean "oltp"`},
		{[]string{"overhead", "--profile", badProf}, 2, `did you mean "tlb_misses"`},
		{[]string{"overhead", "--cpu", "vmx"}, 2, "unknown CPU technique"},
		{[]string{"overhead", "--profile", "oltp", "--cpu", "vt-x", "--mmu", "nested", "--io", "paravirtual"}, 0, "hw/nested/paravirtual"},
		{[]string{"overhead", "--large-pages", "huge"}, 2, "--large-pages"},
		{[]string{"overhead", "--generation", "pentium"}, 2, "unknown CPU generation"},
		{[]string{"overhead", "--list"}, 0, "fork-heavy"},
		{[]string{"overhead", "--profile", "fork-heavy", "--cpu", "bt", "--generation", "p4"}, 0, "cold translation cache"},
	}
	for _, tc := range tests {
		code, out, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("%v: exit %d (want %d), output lacks %q:\n%s%s", tc.args, code, tc.code, tc.want, out, errOut)
		}
	}
	if st, err := os.Stat(chart); err != nil || st.Size() < 1000 {
		t.Errorf("chart not written: %v", err)
	}
}
