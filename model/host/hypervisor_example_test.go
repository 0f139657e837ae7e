package host_test

import (
	"fmt"

	"github.com/simrun/simrun/model/cpu"
	"github.com/simrun/simrun/model/host"
	iovirt "github.com/simrun/simrun/model/io"
	"github.com/simrun/simrun/model/mmu"
	"github.com/simrun/simrun/model/vm"
)

// Price the forkwait-like profile on the two hypervisors Adams & Agesen
// compared (2006, Pentium 4) and on a later one with nested paging.
func ExampleHypervisor_Evaluate() {
	p, _ := vm.BuiltinProfile("fork-heavy")
	p4, _ := cpu.LookupGeneration("p4")
	nehalem, _ := cpu.LookupGeneration("nehalem")
	for _, h := range []host.Hypervisor{
		{CPU: cpu.Config{Technique: cpu.BinaryTranslation}, MMU: mmu.Config{Mode: mmu.Shadow}, IO: iovirt.Config{Mode: iovirt.Emulated}},
		{CPU: cpu.Config{Technique: cpu.HardwareAssist, Generation: p4}, MMU: mmu.Config{Mode: mmu.Shadow}, IO: iovirt.Config{Mode: iovirt.Emulated}},
		{CPU: cpu.Config{Technique: cpu.HardwareAssist, Generation: nehalem}, MMU: mmu.Config{Mode: mmu.Nested}, IO: iovirt.Config{Mode: iovirt.Emulated}},
	} {
		h = h.Defaulted()
		o := h.Evaluate(&p)
		fmt.Printf("%-20s %5.2fx (mmu %4.0f%% of native)\n", h.Label(), o.Slowdown, 100*o.ClassTotal(host.ClassMMU)/o.C0)
	}
	// Output:
	// bt/shadow/emulated    6.16x (mmu  316% of native)
	// hw/shadow/emulated   17.71x (mmu 1669% of native)
	// hw/nested/emulated    1.05x (mmu    2% of native)
}
