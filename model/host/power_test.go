package host

import (
	"math"
	"strings"
	"testing"

	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/sim"
)

func TestSpecTables(t *testing.T) {
	// The published values, typed again from the SPECpower_ssj2008 reports as
	// quoted by Beloglazov & Buyya (CCPE 2012).
	want := map[string][11]float64{
		"hp-ml110-g4":     {86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117},
		"hp-ml110-g5":     {93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135},
		"ibm-x3250-x3470": {41.6, 46.7, 52.3, 57.9, 65.4, 73, 80.7, 89.5, 99.6, 105, 113},
		"ibm-x3250-x3480": {42.3, 46.7, 49.7, 55.4, 61.8, 69.3, 76.1, 87, 96.1, 106, 113},
		"ibm-x3550-x5670": {66, 107, 120, 131, 143, 156, 173, 191, 211, 229, 247},
		"ibm-x3550-x5675": {58.4, 98, 109, 118, 128, 140, 153, 170, 189, 205, 222},
	}
	if got := SpecPowerNames(); len(got) != len(want) {
		t.Fatalf("names %v", got)
	}
	for name, w := range want {
		tab, ok := SpecPower(name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		for k := range 11 {
			if got := tab.Watts(float64(k) / 10); math.Abs(got-w[k]) > 1e-9 {
				t.Errorf("%s at %d%%: %v W, want %v", name, 10*k, got, w[k])
			}
		}
		// Midpoints interpolate linearly.
		if got := tab.Watts(0.05); math.Abs(got-(w[0]+w[1])/2) > 1e-9 {
			t.Errorf("%s at 5%%: %v", name, got)
		}
		if got := tab.Watts(0.95); math.Abs(got-(w[9]+w[10])/2) > 1e-9 {
			t.Errorf("%s at 95%%: %v", name, got)
		}
		if tab.Watts(-1) != w[0] || tab.Watts(2) != w[10] {
			t.Errorf("%s does not clamp", name)
		}
	}
	if _, ok := SpecPower("nope"); ok {
		t.Error("unknown table found")
	}
}

func TestLinearPower(t *testing.T) {
	p := LinearPower{IdleW: 100, MaxW: 250}
	for _, tc := range []struct{ u, w float64 }{{0, 100}, {0.25, 137.5}, {1, 250}, {-0.5, 100}, {3, 250}, {math.NaN(), 100}} {
		if got := p.Watts(tc.u); got != tc.w {
			t.Errorf("Watts(%v) = %v, want %v", tc.u, got, tc.w)
		}
	}
}

func TestNewTablePower(t *testing.T) {
	ok := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	if _, err := NewTablePower("t", ok); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		w    []float64
		want string
	}{
		{ok[:10], "needs 11 values"},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, -1}, "value 10 (100 % load) must be a finite number"},
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, math.Inf(1)}, "finite"},
		{[]float64{1, 2, 3, 2, 5, 6, 7, 8, 9, 10, 11}, "must not decrease: 2 W at 30 % load"},
	} {
		if _, err := NewTablePower("t", tc.w); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.w, err, tc.want)
		}
	}
}

func TestEnergyMeter(t *testing.T) {
	var e EnergyMeter
	e.Set(0, 100)
	e.Set(30*sim.Second, 200)
	if got := e.Joules(90 * sim.Second); got != 15000 {
		t.Fatalf("%v J, want 100·30 + 200·60 = 15000", got)
	}
	if got := e.KWh(90 * sim.Second); math.Abs(got-15000/3.6e6) > 1e-15 {
		t.Fatalf("%v kWh", got)
	}
}

func TestHostSharing(t *testing.T) {
	h := &Host{Cores: 2, MIPSPerCore: 1000, Power: LinearPower{IdleW: 100, MaxW: 200}, On: true}
	spec := &vm.Spec{VCPUs: 4, MIPS: 1500}
	v := &vm.VM{Spec: spec}
	h.Add(v)
	// 4 vCPUs on 2 cores, each vCPU no faster than a 1000-MIPS core: cap 2000.
	if v.Cap != 2000 {
		t.Fatalf("cap %v, want 2000", v.Cap)
	}
	w := &vm.VM{Spec: &vm.Spec{VCPUs: 1, MIPS: 1000}}
	h.Add(w)
	v.Demand, w.Demand = 2000, 1000
	h.SumDemand()
	// Σdemand 3000 on 2000: each gets 2/3 of its demand.
	if f := h.Factor(); math.Abs(f-2.0/3) > 1e-15 {
		t.Fatalf("factor %v", f)
	}
	h.Remove(v)
	if len(h.VMs) != 1 || h.VMs[0] != w || w.HostSlot != 0 {
		t.Fatal("remove")
	}
	h.SumDemand()
	if h.Factor() != 1 {
		t.Fatal("uncontended factor")
	}
	w.Alloc = 1000
	h.SumAlloc()
	if h.Util() != 0.5 || h.Watts() != 150 {
		t.Fatalf("util %v watts %v", h.Util(), h.Watts())
	}
}
