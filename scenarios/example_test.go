package scenarios_test

import (
	"fmt"

	"github.com/simrun/simrun/scenarios"
)

func ExampleLoadEmbedded() {
	sc, err := scenarios.LoadEmbedded("cloudsim-scale", scenarios.Options{Sets: []string{"hosts=100", "vms=400", "cloudlets=1000"}})
	if err != nil {
		panic(err)
	}
	fmt.Println(sc.HostGroups[0].Count, sc.VMGroups[0].Count, sc.CloudletGroups[0].Count, sc.Overrides())
	// Output: 100 400 1000 [hosts=100 vms=400 cloudlets=1000]
}
