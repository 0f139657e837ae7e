package results_test

import (
	"os"

	"github.com/simrun/simrun/results"
)

func ExampleWriteCSV() {
	rows := []results.DatacenterSample{
		{TimeS: 0, ActiveHosts: 1, OnHosts: 2, RunningVMs: 3, DemandMIPS: 5000, AllocMIPS: 5000, Util: 0.25, PowerW: 237.5},
		{TimeS: 300, ActiveHosts: 2, OnHosts: 2, RunningVMs: 5, DemandMIPS: 9000, AllocMIPS: 8000, Util: 0.4, PowerW: 260},
	}
	results.WriteCSV(os.Stdout, rows)
	// Output:
	// time_s,active_hosts,on_hosts,running_vms,demand_mips,alloc_mips,util,power_w
	// 0,1,2,3,5000,5000,0.25,237.5
	// 300,2,2,5,9000,8000,0.4,260
}
