package mmu

import (
	"math"
	"testing"

	"github.com/simrun/simrun/model/cpu"
)

func TestWalk2D(t *testing.T) {
	// Bhargava et al. 2008: 24 references for a 4-level guest over a
	// 4-level host; 2 MiB pages drop a level on their side.
	cases := []struct {
		g, h bool
		want int
	}{{false, false, 24}, {false, true, 19}, {true, false, 19}, {true, true, 15}}
	for _, c := range cases {
		if got := Walk2D(Levels(c.g), Levels(c.h)); got != c.want {
			t.Errorf("guest large %v host large %v: %d refs, want %d", c.g, c.h, got, c.want)
		}
		cfg := Config{Mode: Nested, GuestLargePages: c.g, HostLargePages: c.h, NoPageWalkCache: true}
		if got := cfg.WalkRefs(); got != float64(c.want) {
			t.Errorf("WalkRefs = %v, want %d", got, c.want)
		}
	}
	// With page-walk caches: Park et al.'s 1.5 native and 4.4 nested.
	n := Config{Mode: Native}
	ne := Config{Mode: Nested}
	if n.WalkRefs() != 1.5 || math.Abs(ne.WalkRefs()-4.4) > 1e-12 {
		t.Errorf("PWC walks native %v nested %v, want 1.5 and 4.4", n.WalkRefs(), ne.WalkRefs())
	}
}

func TestCompatible(t *testing.T) {
	cases := []struct {
		t  cpu.Technique
		m  Mode
		ok bool
	}{
		{cpu.Native, Native, true}, {cpu.Native, Shadow, false}, {cpu.HardwareAssist, Native, false},
		{cpu.BinaryTranslation, Shadow, true}, {cpu.BinaryTranslation, Nested, false},
		{cpu.TrapEmulate, Nested, false}, {cpu.HardwareAssist, Nested, true}, {cpu.Paravirtual, Nested, true},
		{cpu.Paravirtual, Direct, true}, {cpu.HardwareAssist, Direct, false},
	}
	for _, c := range cases {
		if err := Compatible(c.t, c.m); (err == nil) != c.ok {
			t.Errorf("%s + %s: err %v, want ok=%v", c.t, c.m, err, c.ok)
		}
	}
}
