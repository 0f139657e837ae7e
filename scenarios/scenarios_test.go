package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simrun/simrun/sim"
)

func TestEmbeddedLoad(t *testing.T) {
	infos := Embedded()
	if len(infos) < 2 {
		t.Fatalf("embedded: %v", infos)
	}
	for _, in := range infos {
		sc, err := LoadEmbedded(in.Name, Options{PowerModels: []string{"hp-ml110-g4", "hp-ml110-g5", "ibm-x3550-x5670"}})
		if err != nil {
			t.Fatalf("%s: %v", in.Name, err)
		}
		if sc.Name != in.Name || in.Description == "" || len(sc.SHA256) != 64 {
			t.Errorf("%s: name %q description %q", in.Name, sc.Name, in.Description)
		}
	}
}

func TestQuickstartValues(t *testing.T) {
	sc, err := LoadEmbedded("quickstart", Options{PowerModels: []string{"hp-ml110-g5"}})
	if err != nil {
		t.Fatal(err)
	}
	hg := sc.HostGroups[0]
	if hg.Count != 8 || hg.Power.Model != "hp-ml110-g5" || !hg.PowerOffIdle || hg.BandwidthGbps != 10 || hg.VMScheduler != "time-shared" {
		t.Errorf("host group 0: %+v", hg)
	}
	if sc.Duration.Time != 24*sim.Hour || sc.Output.SampleInterval.Time != 5*sim.Minute {
		t.Errorf("duration %v sample %v", sc.Duration, sc.Output.SampleInterval)
	}
	web := sc.VMGroups[0]
	if web.Utilization.Model != "diurnal" || web.Utilization.Period.Time != 24*sim.Hour || web.Utilization.PeakAt.Time != 14*sim.Hour || web.BootTime.Time != 45*sim.Second {
		t.Errorf("web: %+v", web)
	}
	f, err := sc.Open(sc.VMGroups[2].Utilization.Trace)
	if err != nil {
		t.Fatalf("embedded trace: %v", err)
	}
	f.Close()
}

func TestSetOverrides(t *testing.T) {
	opts := Options{Sets: []string{"hosts=100", "vms=400", "placement.policy=best-fit", "host_group[0].cores=4", "vm_group.0.mips=1250.5", "duration=2h"}}
	sc, err := LoadEmbedded("cloudsim-scale", opts)
	if err != nil {
		t.Fatal(err)
	}
	if sc.HostGroups[0].Count != 100 || sc.VMGroups[0].Count != 400 || sc.Placement.Policy != "best-fit" ||
		sc.HostGroups[0].Cores != 4 || sc.VMGroups[0].MIPS != 1250.5 || sc.Duration.Time != 2*sim.Hour {
		t.Errorf("overrides not applied: %+v", sc)
	}
	if got := strings.Join(sc.Overrides(), " "); got != strings.Join(opts.Sets, " ") {
		t.Errorf("overrides %q", got)
	}
	plain, _ := LoadEmbedded("cloudsim-scale", Options{})
	again, _ := LoadEmbedded("cloudsim-scale", Options{})
	if plain.SHA256 == sc.SHA256 || plain.SHA256 != again.SHA256 {
		t.Error("hash must change with overrides and be stable without")
	}
	for _, tc := range []struct{ set, want string }{
		{"host_groop.0.count=5", `no key "host_groop" here (did you mean "host_group"?)`},
		{"host_group.5.count=1", "index 5 out of range (there are 1)"},
		{"host_group.0.coers=1", `did you mean "cores"?`},
		{"novalue", "want key=value"},
	} {
		_, err := LoadEmbedded("cloudsim-scale", Options{Sets: []string{tc.set}})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("--set %s: %v, want %q", tc.set, err, tc.want)
		}
	}
}

const good = `
name = "t"
duration = "1h"
[[host_group]]
count = 2
cores = 4
mips_per_core = 1000
ram_gib = 8
[[vm_group]]
count = 1
vcpus = 1
mips = 1000
ram_gib = 1
`

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // every one must appear; len(want) problems expected
	}{
		{"syntax", "name = \"x\"\n[[host_group]\ncount = 1\n", []string{"bad.toml:3:13: expected end of table array name delimiter"}},
		{"unknown key", strings.Replace(good, "cores = 4", "cores = 4\nram_gb = 3", 1),
			[]string{`bad.toml:7: host_group[0].ram_gb: unknown key (did you mean "ram_gib"?)`}},
		{"zero and negative", strings.Replace(strings.Replace(good, "count = 2", "count = 0", 1), "ram_gib = 8", "ram_gib = -4", 1),
			[]string{"host_group[0].count: must be > 0 (got 0)", "host_group[0].ram_gib: must be > 0 (got -4)"}},
		{"bad duration", strings.Replace(good, `"1h"`, `"3 parsecs"`, 1), []string{`bad.toml:3: duration: want a duration such as "90s"`}},
		{"unknown enum", good + "vm_scheduler = \"fair\"\n", []string{}}, // vm_scheduler under vm_group is an unknown key
		{"trace missing", good + "utilization = { model = \"trace\", trace = \"nope.txt\" }\n", []string{"vm_group[0].utilization.trace: cannot open the trace"}},
		{"type", strings.Replace(good, "cores = 4", `cores = "four"`, 1), []string{`host_group[0].cores: want a whole number, got "four"`}},
		{"undeclared parameter", strings.Replace(good, "count = 2", `count = "$n"`, 1), []string{`refers to parameter "n"`}},
		{"deep nesting", "a = " + strings.Repeat("{b=", 100) + "1" + strings.Repeat("}", 100), []string{"bad.toml:1: arrays or inline tables nested more than 32 deep"}},
		{"absurd counts", strings.Replace(good, "count = 2", "count = 1_000_000_000_000_000_000", 1), []string{"would need about", "reduce the counts"}},
		{"three at once", strings.Replace(strings.Replace(strings.Replace(good, "cores = 4", "cores = -1", 1), "mips = 1000", "mips = 0", 1), `name = "t"`, "nmae = 1", 1),
			[]string{"host_group[0].cores: must be > 0", "vm_group[0].mips: must be > 0", `nmae: unknown key (did you mean "name"?)`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadBytes("bad.toml", []byte(tc.src), Options{})
			ie := wantProblems(t, err, tc.want...)
			if tc.name == "three at once" && len(ie.Problems) != 3 {
				t.Errorf("%d problems, want 3: %v", len(ie.Problems), err)
			}
		})
	}
}

// wantProblems checks that err is an *InputError whose text has every
// string of want.
func wantProblems(t *testing.T, err error, want ...string) *InputError {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("want an *InputError, got %v", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error\n%v\nlacks %q", err, w)
		}
	}
	return ie
}

func TestEnumAndPlacementHook(t *testing.T) {
	src := strings.Replace(good, "ram_gib = 8", "ram_gib = 8\nvm_scheduler = \"fair\"", 1) + "[placement]\npolicy = \"frist-fit\"\n"
	_, err := LoadBytes("e.toml", []byte(src), Options{CheckPlacement: func(p string, _ map[string]any) error {
		if p != "first-fit" {
			return errors.New(`unknown placement policy "frist-fit"`)
		}
		return nil
	}})
	for _, w := range []string{`host_group[0].vm_scheduler: unknown value "fair"`, "(known: time-shared, space-shared)", `placement.policy: unknown placement policy "frist-fit"`} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error %v lacks %q", err, w)
		}
	}
}

func TestDefaultsVersusExplicit(t *testing.T) {
	sc, err := LoadBytes("d.toml", []byte(good+"utilization = { level = 0 }\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Name != "t" || sc.Seed != 1 || sc.VMGroups[0].Utilization.Level != 0 || sc.VMGroups[0].ImageGB != 2.5 ||
		sc.HostGroups[0].StorageGB != 1000 || sc.Placement.Policy != "first-fit" || sc.HostGroups[0].Name != "hosts0" {
		t.Errorf("defaults: %+v", sc)
	}
}

// --seed replaces the seed whether or not the scenario has a seed key (it
// used to be reset to the default 1 when the key was absent).
func TestSeedOverride(t *testing.T) {
	seven := uint64(7)
	for _, src := range []string{good, "seed = 3\n" + good} {
		sc, err := LoadBytes("s.toml", []byte(src), Options{SeedOverride: &seven})
		if err != nil {
			t.Fatal(err)
		}
		if sc.Seed != 7 {
			t.Errorf("seed %d, want 7 (source starts %.20q)", sc.Seed, src)
		}
	}
}

func TestFileAndResolve(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "tr.txt"), []byte("50\n"), 0o644)
	p := filepath.Join(dir, "s.toml")
	os.WriteFile(p, []byte(good+"utilization = { model = \"trace\", trace = \"tr.txt\" }\n"), 0o644)
	if _, err := Resolve(p, Options{}); err != nil {
		t.Fatal(err)
	}
	_, err := Resolve("quikstart", Options{})
	if err == nil || !strings.Contains(err.Error(), `did you mean "quickstart"?`) {
		t.Errorf("unknown name: %v", err)
	}
	_, err = Resolve(filepath.Join(dir, "missing.toml"), Options{})
	if err == nil || !strings.Contains(err.Error(), "missing.toml: cannot read the scenario: no such file") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzLoadBytes(f *testing.F) {
	for _, n := range embeddedNames() {
		b, _ := embedded.ReadFile(n + ".toml")
		f.Add(string(b))
	}
	f.Add(good)
	f.Add("[[host_group]]\ncount = \"$x\"\n[parameters]\nx = 1e400")
	f.Add("duration = -5\n")
	f.Fuzz(func(t *testing.T, src string) {
		_, err := LoadBytes("fuzz.toml", []byte(src), Options{})
		var ie *InputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("error is not an *InputError: %v", err)
		}
	})
}
