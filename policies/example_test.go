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

// Sharing-aware admission: a 16 GiB host at a RAM ratio of 1 books four
// 4 GiB guests by their size alone, five of one image once the page
// sharing expected among them (model/mem's sharing model) is taken off.
func ExampleMemAware() {
	host := policies.HostState{Cores: 16, MIPSPerCore: 2000, RAMMiB: 16384, DiskMiB: 1e5, CPURatio: 1, RAMRatio: 1, DiskRatio: 1, On: true,
		Mem: &policies.MemState{MemoryMiB: 15872, MinFreeMiB: 500}}
	var reqs []policies.Request
	for i := range 6 {
		reqs = append(reqs, policies.Request{ID: i, VCPUs: 1, MIPS: 1000, RAMMiB: 4096, DiskMiB: 2560,
			Mem: &policies.MemRequest{Image: 0, TouchedMiB: 3686.4, SharedIntra: 0.05, SharedInter: 0.25, WorkingSetMiB: 1024}})
	}
	for _, admission := range []string{"ratio", "sharing"} {
		p, _ := policies.New("mem-aware", map[string]any{"admission": admission})
		placed := 0
		for _, d := range p.Place(policies.NewCluster([]policies.HostState{host}), reqs) {
			if d.Placed() {
				placed++
			}
		}
		fmt.Println(admission, placed)
	}
	// Output:
	// ratio 4
	// sharing 5
}
