package vm_test

import (
	"fmt"
	"strings"

	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/sim"
)

func ExampleParseTrace() {
	vals, err := vm.ParseTrace(strings.NewReader("12\n40\n7\n"), "vm1")
	if err != nil {
		panic(err)
	}
	tr := vm.Trace{Values: vals, Interval: 300 * sim.Second}
	u, next := tr.Next(0)
	fmt.Println(u, next)
	// Output: 0.12 300s
}
