package host

import (
	"fmt"
	"math"
	"slices"

	"github.com/simrun/simrun/sim"
)

// PowerModel gives a host's power draw in watts at CPU utilization u in
// [0, 1]; values outside are clamped.
type PowerModel interface {
	Watts(u float64) float64
}

// LinearPower draws IdleW at u = 0 and MaxW at u = 1, linear in between.
type LinearPower struct{ IdleW, MaxW float64 }

// Watts implements PowerModel.
func (l LinearPower) Watts(u float64) float64 { return l.IdleW + (l.MaxW-l.IdleW)*clamp01(u) }

// TablePower draws W[k] at u = k/10 and interpolates linearly in between,
// the form of published SPECpower_ssj2008 results.
type TablePower struct {
	Name string
	W    [11]float64
}

// Watts implements PowerModel.
func (t *TablePower) Watts(u float64) float64 {
	x := clamp01(u) * 10
	k := int(x)
	if k >= 10 {
		return t.W[10]
	}
	return t.W[k] + (t.W[k+1]-t.W[k])*(x-float64(k))
}

func clamp01(u float64) float64 {
	if u < 0 || math.IsNaN(u) {
		return 0
	}
	return min(u, 1)
}

// NewTablePower checks a user table: exactly 11 finite, non-negative,
// non-decreasing values.
func NewTablePower(name string, w []float64) (TablePower, error) {
	t := TablePower{Name: name}
	if len(w) != 11 {
		return t, fmt.Errorf("a power table needs 11 values (0 %%, 10 %%, …, 100 %% load), got %d", len(w))
	}
	for i, x := range w {
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0) || x < 0:
			return t, fmt.Errorf("power table value %d (%d %% load) must be a finite number ≥ 0, got %v", i, 10*i, x)
		case i > 0 && x < w[i-1]:
			return t, fmt.Errorf("power table must not decrease: %v W at %d %% load after %v W at %d %%", x, 10*i, w[i-1], 10*(i-1))
		}
	}
	copy(t.W[:], w)
	return t, nil
}

// specTables are published SPECpower_ssj2008 results (watts at 0 %, 10 %, …,
// 100 % of the ssj_ops target load), as used by Beloglazov & Buyya (CCPE
// 2012) and CloudSim's power models package. Never modified.
var specTables = [...]TablePower{
	// HP ProLiant ML110 G4, Intel Xeon 3040, 2 cores × 1860 MHz.
	{"hp-ml110-g4", [11]float64{86, 89.4, 92.6, 96, 99.5, 102, 106, 108, 112, 114, 117}},
	// HP ProLiant ML110 G5, Intel Xeon 3075, 2 cores × 2660 MHz.
	{"hp-ml110-g5", [11]float64{93.7, 97, 101, 105, 110, 116, 121, 125, 129, 133, 135}},
	// IBM x3250, Intel Xeon X3470, 4 cores × 2933 MHz.
	{"ibm-x3250-x3470", [11]float64{41.6, 46.7, 52.3, 57.9, 65.4, 73, 80.7, 89.5, 99.6, 105, 113}},
	// IBM x3250, Intel Xeon X3480, 4 cores × 3067 MHz.
	{"ibm-x3250-x3480", [11]float64{42.3, 46.7, 49.7, 55.4, 61.8, 69.3, 76.1, 87, 96.1, 106, 113}},
	// IBM x3550, Intel Xeon X5670, 12 cores × 2933 MHz.
	{"ibm-x3550-x5670", [11]float64{66, 107, 120, 131, 143, 156, 173, 191, 211, 229, 247}},
	// IBM x3550, Intel Xeon X5675, 12 cores × 3067 MHz.
	{"ibm-x3550-x5675", [11]float64{58.4, 98, 109, 118, 128, 140, 153, 170, 189, 205, 222}},
}

// SpecPower returns the published table called name.
func SpecPower(name string) (TablePower, bool) {
	for _, t := range specTables {
		if t.Name == name {
			return t, true
		}
	}
	return TablePower{}, false
}

// SpecPowerNames lists the published tables, sorted.
func SpecPowerNames() []string {
	names := make([]string, len(specTables))
	for i, t := range specTables {
		names[i] = t.Name
	}
	slices.Sort(names)
	return names
}

// EnergyMeter integrates a piecewise-constant power draw exactly.
type EnergyMeter struct{ p sim.TimeAvg }

// Set records that the draw becomes watts at t.
func (e *EnergyMeter) Set(t sim.Time, watts float64) { e.p.Set(t, watts) }

// Joules is the energy used up to t.
func (e *EnergyMeter) Joules(t sim.Time) float64 { return e.p.Integral(t) }

// KWh is the energy used up to t in kilowatt-hours.
func (e *EnergyMeter) KWh(t sim.Time) float64 { return e.Joules(t) / 3.6e6 }
