package cpu

import (
	"fmt"
	"math"
	"testing"

	"github.com/simrun/simrun/model/vm"
)

func TestTranslationCache(t *testing.T) {
	c := Config{Technique: BinaryTranslation, TCacheKiB: 1024}.Defaulted()
	cases := []struct{ footprint, want float64 }{
		{512, 1 - 1e-5},                  // fits: only the floor misses
		{1024, 1 - 1e-5},                 // exactly fits
		{2048, (1 - 1e-5) * 1024 / 2048}, // half of the footprint is cached
	}
	for _, tc := range cases {
		if got := c.TranslationHitRate(tc.footprint); math.Abs(got-tc.want) > 1e-15 {
			t.Errorf("footprint %v KiB: hit rate %v, want %v", tc.footprint, got, tc.want)
		}
	}
	// More footprint never raises the translation cost.
	p := vm.Profile{KernelShare: 0.3}
	prev := -1.0
	for _, f := range []float64{0, 256, 1024, 1500, 4096, 16384} {
		p.KernelFootprintKiB = f
		o := c.Evaluate(&p)
		if o[vm.EvTranslation] < prev {
			t.Errorf("footprint %v: translation cost fell", f)
		}
		prev = o[vm.EvTranslation]
	}
}

func TestWarmup(t *testing.T) {
	c := Config{Technique: BinaryTranslation}.Defaulted()
	p := vm.Profile{KernelShare: 0.5, KernelFootprintKiB: 160}
	w := c.Warmup(&p)
	// 160 KiB / 16 B = 10 240 blocks × 3000 cycles.
	if w.Blocks != 10240 || w.Cycles != 10240*3000 {
		t.Errorf("warm-up %+v", w)
	}
	if hw := (Config{Technique: HardwareAssist}.Defaulted()); hw.Warmup(&p) != (Warmup{}) {
		t.Error("hardware assist has no translation cache")
	}
}

func TestGenerationsFall(t *testing.T) {
	for i := 1; i < len(Generations); i++ {
		if Generations[i].ExitCycles >= Generations[i-1].ExitCycles {
			t.Errorf("%s exit not cheaper than %s", Generations[i].Name, Generations[i-1].Name)
		}
	}
	if _, err := LookupGeneration("nehalm"); err == nil {
		t.Error("typo accepted")
	}
	if _, err := ParseTechnique("vmx"); err == nil {
		t.Error("unknown technique accepted")
	}
	if tq, err := ParseTechnique("VT-x"); err != nil || tq != HardwareAssist {
		t.Errorf("VT-x: %v %v", tq, err)
	}
}

// The cost of one guest page-table write under each CPU technique with
// shadow paging lives in model/mmu; here, what entering the VMM costs.
func ExampleConfig_Intercept() {
	for _, t := range Techniques {
		c := Config{Technique: t, Kappa: -1}.Defaulted() // Kappa -1: a hot loop, no indirect cost
		fmt.Printf("%-5s %5.0f cycles\n", t, c.Intercept())
	}
	// Output:
	// trap    889 cycles
	// bt        0 cycles
	// pv     1250 cycles
	// hw      800 cycles
}
