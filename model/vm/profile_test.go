package vm

import (
	"strings"
	"testing"
)

func TestBuiltinProfilesValid(t *testing.T) {
	for _, name := range ProfileNames() {
		p, ok := BuiltinProfile(name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if p.Description == "" {
			t.Errorf("%s: no description", name)
		}
	}
}

func TestParseProfile(t *testing.T) {
	cases := []struct {
		name, src, err string
		check          func(p Profile) bool
	}{
		{"base and override", "base = \"web-server\"\nsyscalls = 5\n", "", func(p Profile) bool {
			w, _ := BuiltinProfile("web-server")
			return p.Syscalls == 5 && p.TLBMisses == w.TLBMisses && p.Name == "mine"
		}},
		{"from scratch", "cpi = 2\ntlb_misses = 1e6\n", "", func(p Profile) bool {
			return p.CPI == 2 && p.TLBMisses == 1e6 && p.LargePageTLBFactor == 0.2
		}},
		{"named", "name = \"x\"\n", "", func(p Profile) bool { return p.Name == "x" && p.CPI == 1 }},
		{"typo", "syscals = 3\n", "did you mean \"syscalls\"", nil},
		{"bad base", "base = \"web\"\n", "unknown profile \"web\"", nil},
		{"negative", "tlb_misses = -1\n", "tlb_misses: must be in", nil},
		{"string", "cpi = \"fast\"\n", "cpi: must be a number", nil},
		{"syntax", "cpi = = 2\n", "mine.toml:1:", nil},
		{"io without bytes", "io_requests = 10\n", "io_bytes: must be set", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := ParseProfile(strings.NewReader(c.src), "dir/mine.toml")
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one containing %q", err, c.err)
				}
				if !strings.Contains(err.Error(), "mine.toml") {
					t.Errorf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(p) {
				t.Errorf("unexpected profile %+v", p)
			}
		})
	}
}

func TestCyclesSum(t *testing.T) {
	var c Cycles
	c[EvSyscall], c[EvTLBMiss] = 2, 3
	var d Cycles
	d.Add(&c)
	d.Add(&c)
	if d.Sum() != 10 || EvTLBMiss.String() != "tlb_miss" || NumEvents.String() != "unknown" {
		t.Errorf("sum %v", d.Sum())
	}
}

func FuzzParseProfile(f *testing.F) {
	f.Add("base = \"oltp\"\ncpi = 1.5\n")
	f.Add("tlb_misses = 1e7\nio_requests = 1\nio_bytes = 10\n")
	f.Add("[x]\ny = 1\n")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := ParseProfile(strings.NewReader(src), "f.toml")
		if err == nil {
			if verr := p.Validate(); verr != nil {
				t.Fatalf("accepted an invalid profile: %v", verr)
			}
		}
	})
}
