package cloud_test

import (
	"fmt"

	"github.com/simrun/simrun/model/cloud"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/sim"
)

// A controller with one worker and a constant 2 s service: three requests
// arriving together wait 0, 2 and 4 s, FCFS.
func ExampleServer() {
	s := sim.New(1)
	svc, _ := vm.NewSampler("constant", 2*sim.Second, 0, 0, 0, nil)
	clc := cloud.NewServer(s, "clc", 1, []vm.Sampler{svc}, 1)
	clc.Done = func(j cloud.Job) { fmt.Printf("request %d done at %v\n", j.ID, s.Now()) }
	for i := range int32(3) {
		clc.Submit(cloud.Job{ID: i})
	}
	s.Run()
	fmt.Println("waits:", clc.Waits())
	// Output:
	// request 0 done at 2s
	// request 1 done at 4s
	// request 2 done at 6s
	// waits: [0 2 4]
}
