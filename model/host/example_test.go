package host_test

import (
	"fmt"

	"github.com/simrun/simrun/model/host"
)

func ExampleSpecPower() {
	g4, _ := host.SpecPower("hp-ml110-g4")
	fmt.Println(g4.Watts(0), g4.Watts(0.55), g4.Watts(1))
	// Output: 86 104 117
}

func ExampleLinearPower() {
	p := host.LinearPower{IdleW: 100, MaxW: 250}
	fmt.Println(p.Watts(0.25))
	// Output: 137.5
}
