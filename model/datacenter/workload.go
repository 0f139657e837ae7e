package datacenter

import (
	"fmt"
	"slices"

	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// groupWorkload is when vm_group gi's VMs are requested (its arrival
// process, from the stream "arrivals/<group>", stopped at arrival.until
// when set) and, when the group draws them, their lifetimes (stream
// "lifetime/<group>"; nil otherwise).
func (m *Model) groupWorkload(gi int, g *scenarios.VMGroup) ([]sim.Time, []sim.Time, error) {
	a := g.Arrival
	arr := vm.Arrivals{Process: a.Process, Start: g.SubmitAt.Time, Mean: g.Interarrival.Time, Size: a.Size,
		Amplitude: a.Amplitude, PeakAt: a.PeakAt.Time, Period: a.Period.Time}
	if a.Process == "trace" {
		f, err := m.sc.Open(a.Trace)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: vm_group[%d].arrival.trace: %w", m.sc.File, gi, err)
		}
		arr.Trace, err = vm.ParseArrivals(f, a.Trace)
		f.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("%s: vm_group[%d].arrival.trace: %w", m.sc.File, gi, err)
		}
	}
	var r = m.s.Stream("arrivals/" + g.Name)
	if a.Process == "fixed" || a.Process == "burst" || a.Process == "trace" || a.Process == "" {
		r = nil
	}
	times, err := arr.Times(g.Count, r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: vm_group[%d].arrival: %w", m.sc.File, gi, err)
	}
	if until := a.Until.Time; until > 0 {
		n, _ := slices.BinarySearch(times, until+1) // the requests at or before until
		times = times[:n]
	}
	d := g.LifetimeDist
	if d.Dist == "" {
		return times, nil, nil
	}
	s, err := vm.NewSampler(d.Dist, d.Mean.Time, d.CV, d.Min.Time, d.Max.Time, m.s.Stream("lifetime/"+g.Name))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: vm_group[%d].lifetime_dist: %w", m.sc.File, gi, err)
	}
	lt := make([]sim.Time, len(times))
	for i := range lt {
		// A drawn lifetime of zero would mean "forever": at least 1 ns.
		lt[i] = max(s.Draw(), 1)
	}
	return times, lt, nil
}
