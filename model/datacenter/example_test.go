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
