package mem_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/simrun/simrun/model/mem"
)

// Two equal-share guests on a host that must give back 1000 MiB: with the
// default idle memory tax (τ = 0.75, an idle page costs four active ones)
// the idle guest keeps a quarter of what the active one keeps.
func ExampleHost_Targets() {
	cfg := mem.Defaults(4096)
	cfg.SamplePages = 0 // use the true active fractions
	idle := &mem.VM{Name: "idle", ConfigMiB: 2000, Shares: 1, Resident: 1000}
	busy := &mem.VM{Name: "busy", ConfigMiB: 2000, Shares: 1, Resident: 1000, ActiveMiB: 1000}
	h, _ := mem.NewHost(cfg, []*mem.VM{idle, busy}, nil)
	t := h.Targets(1000)
	fmt.Printf("idle %.0f MiB, busy %.0f MiB\n", t[0], t[1])
	// Output: idle 200 MiB, busy 800 MiB
}

// A host with room for its guests settles once they have backed their
// pages (32 MiB/s each, up to 90 % of 2 GiB: 1843.2/32 → 58 epochs, the
// 59th changes nothing); StepQuiet then reports the fixed point and Skip
// stands in for the epochs that follow, exactly, until an input changes.
// Free: 16384 − 4 × 1843.2 = 9011.2 MiB.
func ExampleHost_Skip() {
	cfg := mem.Defaults(16384)
	cfg.Mech = mem.Mechanisms{Balloon: true, Swap: true}
	var vms []*mem.VM
	for i := range 4 {
		vms = append(vms, &mem.VM{Name: fmt.Sprint("vm", i), ConfigMiB: 2048, TouchedFrac: 0.9, ActiveMiB: 1024})
	}
	h, _ := mem.NewHost(cfg, vms, rand.New(rand.NewPCG(1, 1)))
	epochs := 1
	for !h.StepQuiet() {
		epochs++
	}
	h.Skip(86400 - int64(epochs))
	fmt.Printf("settled after %d epochs; at %.0f s, %.1f MiB free\n", epochs, h.Now(), h.Free)
	// Output: settled after 59 epochs; at 86400 s, 9011.2 MiB free
}
