package scenarios

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/simrun/simrun/internal/suggest"
)

// WorkingSetModels are the values of vm_group.memory.working_set.
var WorkingSetModels = []string{"constant", "cpu"}

// DefaultMemoryPlacements are a "memory-placement" study's policies when
// it lists none: placement by the RAM ratio alone (first fit), first fit
// among hosts not under memory pressure with room for working sets
// (mem-aware), admission by RAM less the expected page sharing, and both.
func DefaultMemoryPlacements() []StudyPlacement {
	return []StudyPlacement{
		{Name: "ratio", Policy: "first-fit"},
		{Name: "pressure", Policy: "mem-aware"},
		{Name: "sharing", Policy: "mem-aware", Args: map[string]any{"admission": "sharing", "max_state": "low", "working_set_fit": 0.0}},
		{Name: "sharing+pressure", Policy: "mem-aware", Args: map[string]any{"admission": "sharing"}},
	}
}

// memoryLinkDefaults fills the keys of the memory model in datacenter
// runs: each vm_group's memory table from [memory], and the lists of a
// "memory-placement" study.
func memoryLinkDefaults(sc *Scenario, doc map[string]any) {
	mm := &sc.Memory
	if !defined(doc, "memory", "progress_tolerance") {
		mm.ProgressTolerance = 0.001
	}
	for i := range sc.VMGroups {
		g := &sc.VMGroups[i]
		gm := &g.Memory
		has := func(k string) bool { return defined(doc, "vm_group", i, "memory", k) }
		def := func(k string, p *float64, v float64) {
			if !has(k) {
				*p = v
			}
		}
		if !has("image") {
			// Guests booted from one machine image share its pages; without
			// the control plane each group is its own image.
			gm.Image = g.Name
			if defined(doc, "cloud") {
				if gm.Image = g.Image; gm.Image == "" && len(sc.Cloud.Images) > 0 {
					gm.Image = sc.Cloud.Images[0].Name
				}
				gm.Image = "cloud:" + gm.Image
			}
		}
		def("shared_intra", &gm.SharedIntra, mm.SharedIntra)
		def("shared_inter", &gm.SharedInter, mm.SharedInter)
		if !has("large_pages") {
			gm.LargePages = mm.LargePages
		}
		def("touched", &gm.Touched, mm.Touched)
		def("touch_rate", &gm.TouchRate, mm.TouchRate)
		def("grow_mibps", &gm.GrowMiBps, mm.GrowMiBps)
		def("guest_min_mib", &gm.GuestMinMiB, mm.GuestMinMiB)
		if !has("working_set") {
			gm.WorkingSet = "constant"
		}
		def("active", &gm.Active, mm.Active)
		def("active_idle", &gm.ActiveIdle, gm.Active)
	}
	st := &sc.Study
	if st.Kind != "memory-placement" {
		return
	}
	if !defined(doc, "study", "ratios") {
		st.Ratios = []float64{1, 1.5, 2, 2.5}
	}
	if !defined(doc, "study", "placements") {
		st.Placements = DefaultMemoryPlacements()
	}
}

// memoryLink checks the keys of the memory model in datacenter runs and a
// "memory-placement" study; check validates a placement policy.
func (l *loader) memoryLink(sc *Scenario, check func(string, map[string]any) error) {
	m := &sc.Memory
	if t := m.ProgressTolerance; math.IsNaN(t) || t < 0 || t >= 1 {
		l.errorf("memory.progress_tolerance", "must be in [0, 1), got %v", t)
	}
	for i, g := range sc.VMGroups {
		k := func(s string) string { return fmt.Sprintf("vm_group[%d].memory.%s", i, s) }
		gm := g.Memory
		in := func(key string, v, lo, hi float64, loOpen bool) {
			if math.IsNaN(v) || v < lo || v > hi || (loOpen && v == lo) {
				l.errorf(k(key), "must be in %s%g, %g], got %v", map[bool]string{true: "(", false: "["}[loOpen], lo, hi, v)
			}
		}
		in("shared_intra", gm.SharedIntra, 0, 1, false)
		in("shared_inter", gm.SharedInter, 0, 1, false)
		if gm.SharedIntra+gm.SharedInter > 1 {
			l.errorf(k("shared_inter"), "shared_intra + shared_inter must be ≤ 1, got %v", gm.SharedIntra+gm.SharedInter)
		}
		in("touched", gm.Touched, 0, 1, true)
		in("active", gm.Active, 0, 1, false)
		in("active_idle", gm.ActiveIdle, 0, 1, false)
		nonNeg := func(key string, v float64) {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				l.errorf(k(key), "must be ≥ 0, got %v", v)
			}
		}
		nonNeg("shares", gm.Shares)
		nonNeg("reservation_gib", gm.ReservationGiB)
		nonNeg("limit_gib", gm.LimitGiB)
		nonNeg("touch_rate", gm.TouchRate)
		nonNeg("guest_min_mib", gm.GuestMinMiB)
		if math.IsNaN(gm.GrowMiBps) || math.IsInf(gm.GrowMiBps, 0) || gm.GrowMiBps <= 0 {
			l.errorf(k("grow_mibps"), "must be > 0, got %v", gm.GrowMiBps)
		}
		if g.RAMGiB > 0 && gm.ReservationGiB > g.RAMGiB {
			l.errorf(k("reservation_gib"), "must be ≤ the group's ram_gib (%v), got %v", g.RAMGiB, gm.ReservationGiB)
		}
		if gm.LimitGiB > 0 && gm.ReservationGiB > gm.LimitGiB {
			l.errorf(k("reservation_gib"), "must be ≤ limit_gib (%v), got %v", gm.LimitGiB, gm.ReservationGiB)
		}
		if !slices.Contains(WorkingSetModels, gm.WorkingSet) {
			l.errorf(k("working_set"), "unknown value %q%s (known: %s)", gm.WorkingSet, suggest.DidYouMean(gm.WorkingSet, WorkingSetModels), strings.Join(WorkingSetModels, ", "))
		}
	}
	st := &sc.Study
	if st.Kind != "memory-placement" {
		return
	}
	if len(st.Ratios) == 0 {
		l.errorf("study.ratios", "a memory-placement study needs at least one ratio")
	}
	for i, r := range st.Ratios {
		if math.IsNaN(r) || r <= 0 || r > 20 {
			l.errorf(fmt.Sprintf("study.ratios[%d]", i), "must be in (0, 20], got %v", r)
		}
	}
	if len(st.Placements) == 0 {
		l.errorf("study.placements", "a memory-placement study needs at least one placement")
	}
	seen := map[string]bool{}
	for i, p := range st.Placements {
		key := fmt.Sprintf("study.placements[%d]", i)
		switch {
		case strings.TrimSpace(p.Name) == "":
			l.errorf(key+".name", "is required: a label for the policy's rows")
		case seen[p.Name]:
			l.errorf(key+".name", "duplicate name %q", p.Name)
		}
		seen[p.Name] = true
		if p.Policy == "" {
			l.errorf(key+".policy", "is required: a placement policy (simrun list shows them)")
			continue
		}
		if check == nil {
			continue
		}
		if err := check(p.Policy, p.Args); err != nil {
			for _, e := range flatten(err) {
				k, msg := key+".policy", e.Error()
				if strings.HasPrefix(msg, "placement.args.") {
					k, msg, _ = strings.Cut(msg, ": ")
					k = key + strings.TrimPrefix(k, "placement")
				}
				l.errorf(k, "%s", msg)
			}
		}
	}
	if sc.Duration.Time <= 0 {
		l.errorf("duration", "a memory-placement study runs the datacenter for a duration (e.g. duration = \"24h\")")
	}
}
