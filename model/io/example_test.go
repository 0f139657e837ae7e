package iovirt_test

import (
	"fmt"

	iovirt "github.com/simrun/simrun/model/io"
	"github.com/simrun/simrun/sim"
)

// Eight VMs share one paravirtual backend thread; each offers 1000
// requests a second and each request costs the backend 100 µs. The
// backend is an M/M/1 queue at ρ = 0.8, whose mean time in system is
// 1/(μ − λ) = 500 µs.
func ExampleHostSim() {
	h := iovirt.HostSim{VMs: 8, RatePerVM: 1000, HostCycles: 100_000, ClockHz: 1e9, CV: 1,
		Duration: 60 * sim.Second, Warmup: 5 * sim.Second, Seed: 1}
	r, _ := h.Run()
	fmt.Printf("theory %.0f µs, simulated within 5%%: %v\n",
		1e6*iovirt.MG1Sojourn(8000, 100e-6, 1), r.MeanLatency > 475e-6 && r.MeanLatency < 525e-6)
	// Output:
	// theory 500 µs, simulated within 5%: true
}
