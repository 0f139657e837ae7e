package policies_test

import (
	"fmt"

	"github.com/simrun/simrun/policies"
)

func Example() {
	host := func(cores int, ramMiB float64) policies.HostState {
		return policies.HostState{Cores: cores, MIPSPerCore: 2000, RAMMiB: ramMiB, DiskMiB: 1e5,
			CPURatio: 1, RAMRatio: 1, DiskRatio: 1, On: true}
	}
	c := policies.NewCluster([]policies.HostState{host(8, 1024), host(8, 2048), host(2, 65536)})
	p, _ := policies.New("best-fit", nil)
	d := p.Place(c, []policies.Request{
		{ID: 0, VCPUs: 2, MIPS: 1000, RAMMiB: 1024, DiskMiB: 2560},
		{ID: 1, VCPUs: 4, MIPS: 1000, RAMMiB: 4096, DiskMiB: 2560},
	})
	fmt.Println(d[0].Host)
	fmt.Println(d[1].Reason)
	// Output:
	// 0
	// 0/3 hosts fit: 2 short on RAM, 1 short on cores
}
