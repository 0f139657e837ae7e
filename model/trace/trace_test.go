package trace

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"gonum.org/v1/gonum/stat"

	"github.com/simrun/simrun/sim"
)

// The shipped day matches the figures of its README (computed when the
// files were copied from CloudSim): 1052 VMs × 288 samples, mean 12.31 %,
// population standard deviation 17.09 %.
func TestShippedPlanetLabDay(t *testing.T) {
	s, err := ReadPlanetLab(os.DirFS("../../scenarios/data/planetlab"), "20110303")
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 1052 || s.Interval != 300*sim.Second {
		t.Fatalf("%d VMs, interval %v", s.Len(), s.Interval)
	}
	if s.Names[0] != "planetlab3_cs_st-andrews_ac_uk_upmc_ts" || s.Names[1] != "planetlab1_fit_vutbr_cz_nyu_d" {
		t.Errorf("order: %q, %q (want the reference run's order)", s.Names[0], s.Names[1])
	}
	var all []float64
	for i, v := range s.CPU {
		if len(v) != 288 {
			t.Fatalf("%s: %d samples", s.Names[i], len(v))
		}
		all = append(all, v...)
	}
	mean, sd := stat.PopMeanStdDev(all, nil)
	if math.Abs(100*mean-12.31) > 0.005 || math.Abs(100*sd-17.09) > 0.005 {
		t.Errorf("mean %.4f %%, sd %.4f %%; want 12.31 and 17.09", 100*mean, 100*sd)
	}
}

func TestReadPlanetLab(t *testing.T) {
	fsys := fstest.MapFS{
		"day/b":               {Data: []byte("10\n20\n")},
		"day/a x":             {Data: []byte("0\n100\n\n")},
		"day/README.md":       {Data: []byte("ignored")},
		"bad/x":               {Data: []byte("5\n101\n")},
		"bad2/x":              {Data: []byte("5\nfive\n")},
		"ord/a":               {Data: []byte("1\n")},
		"ord/b":               {Data: []byte("2\n")},
		"ord.vm-order.tsv":    {Data: []byte("0\tb\n1\ta\n")},
		"badord/a":            {Data: []byte("1\n")},
		"badord.vm-order.tsv": {Data: []byte("0\tz\n")},
	}
	s, err := ReadPlanetLab(fsys, "day")
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 2 || s.Names[0] != "a x" || s.CPU[0][1] != 1 || s.CPU[1][0] != 0.1 {
		t.Errorf("set %+v", s)
	}
	o, err := ReadPlanetLab(fsys, "ord")
	if err != nil || o.Names[0] != "b" {
		t.Errorf("order file ignored: %v %v", o, err)
	}
	for dir, want := range map[string]string{
		"bad": "bad/x:2: want a CPU percentage", "bad2": "bad2/x:2:", "badord": `badord.vm-order.tsv:1: no trace file "z"`,
		"missing": "missing",
	} {
		if _, err := ReadPlanetLab(fsys, dir); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", dir, err, want)
		}
	}
}

func TestReadCSV(t *testing.T) {
	src := "time_s,vm,cpu_percent,ram_percent\n0,web,10,5\n0,db,50,5\n300,web,20,5\n900,web,40,5\n"
	s, err := ReadCSV(strings.NewReader(src), "t.csv", 300*sim.Second)
	if err != nil {
		t.Fatal(err)
	}
	// web: 0.1, 0.2, (gap holds) 0.2, 0.4; db: 0.5.
	want := [][]float64{{0.1, 0.2, 0.2, 0.4}, {0.5}}
	if s.Len() != 2 || s.Names[0] != "web" || !equal(s.CPU[0], want[0]) || !equal(s.CPU[1], want[1]) {
		t.Errorf("set %v %v", s.Names, s.CPU)
	}
	bad := []struct{ src, want string }{
		{"vm,cpu_percent\nweb,1\n", "needs columns"},
		{"interval,vm,cpu_percent\n0,web,101\n", "t.csv:2: cpu_percent"},
		{"interval,vm,cpu_percent\n1,web,1\n0,web,1\n", "t.csv:3: vm \"web\": interval 0 repeated or out of order"},
		{"time_s,vm,cpu_percent\n150,web,1\n", "t.csv:2: time_s: want a non-negative multiple"},
		{"interval,vm,cpu_percent\n0,,1\n", "t.csv:2: empty vm id"},
		{"interval,vm,cpu_percent\n0,\"web,1\n", "t.csv:2:"},
		{"interval,vm,cpu_percent\n", "no rows"},
	}
	for _, b := range bad {
		if _, err := ReadCSV(strings.NewReader(b.src), "t.csv", 300*sim.Second); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%q: error %v, want %q", b.src, err, b.want)
		}
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-15 {
			return false
		}
	}
	return true
}

func FuzzReadCSV(f *testing.F) {
	f.Add("interval,vm,cpu_percent\n0,a,1\n1,a,2\n")
	f.Add("time_s,vm,cpu_percent\n0,a,1\n600,b,2\n")
	f.Fuzz(func(t *testing.T, src string) {
		s, err := ReadCSV(strings.NewReader(src), "f.csv", 300*sim.Second)
		if err == nil {
			for _, v := range s.CPU {
				for _, x := range v {
					if x < 0 || x > 1 || math.IsNaN(x) {
						t.Fatalf("value %v accepted", x)
					}
				}
			}
		}
	})
}

func FuzzReadPlanetLab(f *testing.F) {
	f.Add("10\n20\n", "0\tx\n")
	f.Fuzz(func(t *testing.T, data, order string) {
		fsys := fstest.MapFS{"d/x": {Data: []byte(data)}, "d.vm-order.tsv": {Data: []byte(order)}}
		s, err := ReadPlanetLab(fsys, "d")
		if err == nil && (s.Len() != 1 || len(s.CPU[0]) == 0) {
			t.Fatalf("accepted %+v", s)
		}
	})
}

// The PlanetLab reader's integer fast path gives what strconv.ParseFloat
// gives, and leaves everything else to it.
func TestSmallIntMatchesParseFloat(t *testing.T) {
	for n := range 1000 {
		for _, s := range []string{strconv.Itoa(n), fmt.Sprintf("%03d", n), fmt.Sprintf("%02d", n)} {
			got, ok := smallInt([]byte(s))
			want, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (len(s) <= 3 && want <= 100) || (ok && got != want) {
				t.Errorf("smallInt(%q) = %v, %v; ParseFloat gives %v", s, got, ok, want)
			}
		}
	}
	for _, s := range []string{"", "1.5", "-1", "+1", "1e2", " 1", "abc", "1000"} {
		if _, ok := smallInt([]byte(s)); ok {
			t.Errorf("smallInt(%q) took it", s)
		}
	}
}
