package datacenter_test

import (
	"fmt"

	"github.com/simrun/simrun/model/datacenter"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
)

// Build and run the embedded cloudsim-scale scenario at its smallest size.
func Example() {
	sets := []string{"hosts=100", "vms=400", "cloudlets=1000"}
	sc, err := scenarios.LoadEmbedded("cloudsim-scale", datacenter.LoadOptions(sets, nil))
	if err != nil {
		panic(err)
	}
	rec := &results.Recorder{}
	m, err := datacenter.New(sc, rec)
	if err != nil {
		panic(err)
	}
	m.Run()
	s := rec.Summary
	fmt.Printf("%d/%d cloudlets finished, last at %g s\n", s.CloudletsFinished, s.Cloudlets, s.LastCompletionS)
	// Output: 1000/1000 cloudlets finished, last at 600 s
}

// Quickstart with its hosts' memory simulated (model/mem, one epoch a
// second): only the copy-on-write of shared pages slows the guests, and
// hosts at a fixed point are not stepped.
func Example_memory() {
	sc, err := scenarios.LoadEmbedded("quickstart", datacenter.LoadOptions([]string{"memory.enabled=true"}, nil))
	if err != nil {
		panic(err)
	}
	rec := &results.Recorder{}
	m, err := datacenter.New(sc, rec)
	if err != nil {
		panic(err)
	}
	m.Run()
	stepped, total := m.MemoryEpochs()
	mt := rec.Summary.Metrics
	fmt.Printf("slowdown %.4f, sharing saves %.0f MiB, %d of %d host-epochs stepped\n", mt["mem_slowdown"], mt["mem_shared_saved_mib"], stepped, total)
	// Output: slowdown 1.0003, sharing saves 5827 MiB, 159021 of 1036800 host-epochs stepped
}
