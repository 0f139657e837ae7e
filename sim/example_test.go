package sim_test

import (
	"fmt"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/simrun/simrun/sim"
)

func Example() {
	s := sim.New(1)
	s.At(2*sim.Second, func() { fmt.Println("second at", s.Now()) })
	s.At(1*sim.Second, func() {
		fmt.Println("first at", s.Now())
		s.After(5*sim.Second, func() { fmt.Println("third at", s.Now()) })
	})
	s.Run()
	// Output:
	// first at 1s
	// second at 2s
	// third at 6s
}

// A gonum distribution draws from a named stream: same seed, same draws.
func ExampleSim_Stream() {
	a := distuv.Exponential{Rate: 2, Src: sim.New(7).Stream("arrivals")}
	b := distuv.Exponential{Rate: 2, Src: sim.New(7).Stream("arrivals")}
	fmt.Println(a.Rand() == b.Rand())
	// Output: true
}

func ExampleTimeAvg() {
	var hosts sim.TimeAvg
	hosts.Set(0, 4)          // 4 hosts on for the first hour
	hosts.Set(1*sim.Hour, 2) // then 2
	fmt.Println(hosts.Mean(4 * sim.Hour))
	// Output: 2.5
}
