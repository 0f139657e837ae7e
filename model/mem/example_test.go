package mem_test

import (
	"fmt"

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
