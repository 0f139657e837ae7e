package policies

import (
	"fmt"
	"strings"

	"github.com/simrun/simrun/internal/suggest"
	"github.com/simrun/simrun/sim"
)

// NewEucaRoundRobin is Eucalyptus's ROUNDROBIN, the Cluster Controller's
// default: as GREEDY (awake nodes first, a sleeping one woken only when no
// awake node fits, never a node marked down), but each search starts after
// the node chosen last and wraps around.
func NewEucaRoundRobin() *RoundRobin {
	return &RoundRobin{name: "euca-roundrobin", fs: eucaFilters, onFst: true}
}

// PowerSave is Eucalyptus's POWERSAVE: it places exactly as GREEDY, and a
// node that has been idle (no instance) for longer than IdleThreshold is
// powered down; a VM that needs a sleeping node wakes it. Eucalyptus's
// Cluster Controller checks idleness at its instance polls and raises a
// POWER_IDLETHRESH below 300 s to 300 s; NewPowerSave enforces the same
// minimum.
type PowerSave struct {
	Greedy
	IdleThreshold sim.Time
}

// MinIdleThreshold is Eucalyptus's minimum POWER_IDLETHRESH.
const MinIdleThreshold = 300 * sim.Second

// NewPowerSave is POWERSAVE with the given idle threshold, which must be at
// least MinIdleThreshold.
func NewPowerSave(idle sim.Time) (*PowerSave, error) {
	if idle < MinIdleThreshold {
		return nil, fmt.Errorf("POWERSAVE's idle threshold must be at least %v (Eucalyptus's minimum), got %v", MinIdleThreshold, idle)
	}
	return &PowerSave{IdleThreshold: idle}, nil
}

// Name implements Placer.
func (*PowerSave) Name() string { return "euca-powersave" }

// DueOff reports whether a node idle since idleSince should be powered down
// at now: it has been idle for longer than the threshold (Eucalyptus's
// strict comparison).
func (p *PowerSave) DueOff(idleSince, now sim.Time) bool { return now-idleSince > p.IdleThreshold }

// IdlePowerDown is implemented by placers that switch idle hosts off after a
// delay (POWERSAVE); the datacenter model asks it when a host empties.
type IdlePowerDown interface {
	IdleOff() sim.Time
}

// IdleOff implements IdlePowerDown.
func (p *PowerSave) IdleOff() sim.Time { return p.IdleThreshold }

// secondsArg reads a duration in seconds (≥ lo) from the policy's arguments.
func secondsArg(a *args, key string, def, lo float64) sim.Time {
	return sim.FromSeconds(a.float(key, def, lo))
}

// ZoneChooser picks the cluster (availability zone) of an instance at the
// Cloud Controller, from its view of the clusters: free[i] is how many more
// instances of the requested type cluster i can take (0 or less: none),
// and bit i of tried excludes cluster i (already tried for this request;
// at most 64 clusters). It returns -1 when no cluster qualifies.
type ZoneChooser interface {
	Name() string
	Choose(free []int, tried uint64) int
}

func skip(tried uint64, i int) bool { return i < 64 && tried&(1<<uint(i)) != 0 }

// FirstZone takes the lowest-index cluster with room.
type FirstZone struct{}

// Name implements ZoneChooser.
func (FirstZone) Name() string { return "first-fit" }

// Choose implements ZoneChooser.
func (FirstZone) Choose(free []int, tried uint64) int {
	for i, f := range free {
		if f > 0 && !skip(tried, i) {
			return i
		}
	}
	return -1
}

// RoundRobinZone takes the next cluster with room after the one it chose
// last, wrapping around.
type RoundRobinZone struct{ next int }

// Name implements ZoneChooser.
func (*RoundRobinZone) Name() string { return "round-robin" }

// Choose implements ZoneChooser.
func (z *RoundRobinZone) Choose(free []int, tried uint64) int {
	n := len(free)
	for k := range n {
		i := (z.next + k) % n
		if free[i] > 0 && !skip(tried, i) {
			z.next = i + 1
			return i
		}
	}
	return -1
}

// MostFreeZone takes the cluster with the most room for the type, ties to
// the lowest index.
type MostFreeZone struct{}

// Name implements ZoneChooser.
func (MostFreeZone) Name() string { return "most-free" }

// Choose implements ZoneChooser.
func (MostFreeZone) Choose(free []int, tried uint64) int {
	best := -1
	for i, f := range free {
		if f > 0 && !skip(tried, i) && (best < 0 || f > free[best]) {
			best = i
		}
	}
	return best
}

// ZoneChooserNames are the cluster-choice policies.
var ZoneChooserNames = []string{"first-fit", "most-free", "round-robin"}

// NewZoneChooser makes the cluster-choice policy called name.
func NewZoneChooser(name string) (ZoneChooser, error) {
	switch name {
	case "first-fit":
		return FirstZone{}, nil
	case "round-robin":
		return &RoundRobinZone{}, nil
	case "most-free":
		return MostFreeZone{}, nil
	}
	return nil, fmt.Errorf("unknown cluster policy %q%s; known: %s", name, suggest.DidYouMean(name, ZoneChooserNames), strings.Join(ZoneChooserNames, ", "))
}
