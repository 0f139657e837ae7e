package policies

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/simrun/simrun/internal/suggest"
)

// Memory pressure states, as model/mem numbers them: each begins below a
// smaller share of the host's minFree.
const (
	MemHigh = iota
	MemClear
	MemSoft
	MemHard
	MemLow
)

// MemStateNames are the states' names, in order.
var MemStateNames = []string{"high", "clear", "soft", "hard", "low"}

// MemState is a host's actual memory, for hosts whose memory the model
// simulates (HostState.Mem; nil elsewhere). The model keeps State, FreeMiB
// and ActiveMiB up to date (Cluster.SetMem) at placements, departures and
// every memory epoch; Cluster.Allocate and Release keep the booked guests'
// images, so that later requests of a batch see earlier ones.
type MemState struct {
	// MemoryMiB is the host's memory less what the hypervisor keeps;
	// MinFreeMiB the free memory below which it leaves the high state.
	MemoryMiB, MinFreeMiB float64
	// State is the free-memory state (MemHigh … MemLow); FreeMiB the free
	// memory now.
	State   int
	FreeMiB float64
	// ActiveMiB is the sum of the guests' working sets, those placed in
	// the current batch included.
	ActiveMiB float64
	// ReservedMiB is the sum of the booked guests' reservations.
	ReservedMiB float64

	// The booked guests by image: how many, and the touched memory they
	// can share within themselves and with guests of their image.
	images   []memImage
	intraMiB float64
}

type memImage struct {
	image    int
	n        int
	interMiB float64
}

// MemRequest is what a VM brings to a host whose memory is simulated
// (Request.Mem).
type MemRequest struct {
	// Image identifies the guest's OS image (guests of one image share).
	Image int
	// TouchedMiB is the memory the guest will use; SharedIntra of it is
	// shareable within the guest (zero pages) and SharedInter with guests
	// of its image (model/mem's sharing model).
	TouchedMiB, SharedIntra, SharedInter float64
	// WorkingSetMiB is its expected working set; ReservationMiB the
	// memory it is guaranteed (never reclaimed).
	WorkingSetMiB, ReservationMiB float64
}

// SharedMiB is the memory the booked guests are expected to save by page
// sharing once the scanner has converged, model/mem's sharing model:
// each guest's zero pages and duplicates within it (intra), and, for k ≥ 2
// guests of one image, all but one copy of what they share (inter × (1 −
// 1/k)). With r non-nil, r is counted as booked too.
func (m *MemState) SharedMiB(r *MemRequest) float64 {
	saved := m.intraMiB
	seen := false
	for _, im := range m.images {
		n, inter := im.n, im.interMiB
		if r != nil && im.image == r.Image {
			n, inter, seen = n+1, inter+r.TouchedMiB*r.SharedInter, true
		}
		saved += imageSaving(n, inter)
	}
	if r != nil {
		saved += r.TouchedMiB * r.SharedIntra
		if !seen {
			saved += imageSaving(1, r.TouchedMiB*r.SharedInter)
		}
	}
	return saved
}

// imageSaving is what n guests of one image save by sharing inter MiB of
// common pages among them: each keeps 1/n of the frames.
func imageSaving(n int, inter float64) float64 {
	if n < 2 {
		return 0
	}
	return inter * (1 - 1/float64(n))
}

// book adds (sign 1) or removes (−1) a guest.
func (m *MemState) book(r *MemRequest, sign int) {
	m.intraMiB += float64(sign) * r.TouchedMiB * r.SharedIntra
	m.ActiveMiB += float64(sign) * r.WorkingSetMiB
	m.ReservedMiB += float64(sign) * r.ReservationMiB
	i := slices.IndexFunc(m.images, func(im memImage) bool { return im.image == r.Image })
	if i < 0 {
		if sign < 0 {
			return
		}
		i = len(m.images)
		m.images = append(m.images, memImage{image: r.Image})
	}
	im := &m.images[i]
	im.n += sign
	im.interMiB += float64(sign) * r.TouchedMiB * r.SharedInter
	if im.n <= 0 {
		m.images = slices.Delete(m.images, i, i+1)
	}
	if len(m.images) == 0 {
		m.intraMiB, m.ReservedMiB = 0, 0 // no rounding residue on an empty host
	}
}

func (m *MemState) clone() *MemState {
	c := *m
	c.images = slices.Clone(m.images)
	return &c
}

// usable is the memory guests can hold without the host leaving its high
// state.
func (m *MemState) usable() float64 { return m.MemoryMiB - m.MinFreeMiB }

// EnableMem gives host i a simulated memory of memoryMiB for guests
// (host memory less the hypervisor's) and the given minFree, empty and in
// the high state.
func (c *Cluster) EnableMem(i int, memoryMiB, minFreeMiB float64) {
	c.hosts[i].Mem = &MemState{MemoryMiB: memoryMiB, MinFreeMiB: minFreeMiB, FreeMiB: memoryMiB}
}

// SetMem records host i's memory state as the model sees it now; the
// bookings stay as Allocate and Release left them.
func (c *Cluster) SetMem(i int, state int, freeMiB, activeMiB float64) {
	m := c.hosts[i].Mem
	m.State, m.FreeMiB, m.ActiveMiB = state, freeMiB, activeMiB
}

// MemStateFilter refuses hosts whose memory is in a state worse than Max
// (MemSoft refuses hosts at hard and low, where the host compresses,
// swaps and blocks). Hosts without a simulated memory pass.
type MemStateFilter struct{ Max int }

// Name implements Filter.
func (MemStateFilter) Name() string { return "mem-state" }

// Filter implements Filter.
func (f MemStateFilter) Filter(h *HostState, _ *Request) (bool, string) {
	return h.Mem == nil || h.Mem.State <= f.Max, "under memory pressure"
}

// WorkingSetFilter refuses hosts where the guests' working sets and the
// request's would exceed Fit × the memory guests can hold in the high
// state (host memory less the hypervisor's and minFree). Hosts without a
// simulated memory, and requests without a working set, pass.
type WorkingSetFilter struct{ Fit float64 }

// Name implements Filter.
func (WorkingSetFilter) Name() string { return "working-set" }

// Filter implements Filter.
func (f WorkingSetFilter) Filter(h *HostState, r *Request) (bool, string) {
	if h.Mem == nil || r.Mem == nil {
		return true, ""
	}
	u := f.Fit * h.Mem.usable()
	return fitsIn(h.Mem.ActiveMiB+r.Mem.WorkingSetMiB, u, u), "working sets would not fit"
}

// ReservationFilter is admission control for reservations (Waldspurger,
// OSDI 2002, §6.2): it refuses hosts whose memory guests can hold in the
// high state, less the booked guests' reservations, would not cover the
// request's. Hosts without a simulated memory, and requests without a
// reservation, pass. (The datacenter model applies the same rule when a
// VM is placed, whatever the policy.)
type ReservationFilter struct{}

// Name implements Filter.
func (ReservationFilter) Name() string { return "reservation" }

// Filter implements Filter.
func (ReservationFilter) Filter(h *HostState, r *Request) (bool, string) {
	if h.Mem == nil || r.Mem == nil || r.Mem.ReservationMiB <= 0 {
		return true, ""
	}
	u := h.Mem.usable()
	return fitsIn(h.Mem.ReservedMiB+r.Mem.ReservationMiB, u, u), "reservations would not fit"
}

// SharingRAMFilter is the RAM filter with expected sharing: a host takes
// the request while the booked memory less what page sharing is expected
// to save (MemState.SharedMiB, the request included) stays within RAM ×
// ratio. Without a simulated memory it is RAMFilter.
type SharingRAMFilter struct{}

// Name implements Filter.
func (SharingRAMFilter) Name() string { return "ram-sharing" }

// Filter implements Filter.
func (SharingRAMFilter) Filter(h *HostState, r *Request) (bool, string) {
	if h.Mem == nil || r.Mem == nil {
		return RAMFilter{}.Filter(h, r)
	}
	capacity := h.RAMMiB * h.RAMRatio
	return fitsIn(h.UsedRAMMiB+r.RAMMiB-h.Mem.SharedMiB(r.Mem), capacity, capacity), "short on RAM after sharing"
}

// MemPressureScorer prefers hosts with room for working sets: 1 − (the
// guests' working sets and the request's) / (memory guests can hold in
// the high state), clamped to 0..1. Hosts without a simulated memory
// score 0.
type MemPressureScorer struct{}

// Name implements Scorer.
func (MemPressureScorer) Name() string { return "mem-pressure" }

// Score implements Scorer.
func (MemPressureScorer) Score(h *HostState, r *Request) float64 {
	if h.Mem == nil || h.Mem.usable() <= 0 {
		return 0
	}
	w := 0.0
	if r.Mem != nil {
		w = r.Mem.WorkingSetMiB
	}
	return clamp01(1 - (h.Mem.ActiveMiB+w)/h.Mem.usable())
}

// MemAware is a placement pipeline that sees actual memory: the strict
// filters, with the RAM filter replaced by SharingRAMFilter when
// Admission is "sharing"; MemStateFilter, ReservationFilter and
// WorkingSetFilter (when Fit > 0); then the weighted MemPressureScorer and PackScorer, ties to the
// lowest index (with both weights 0, the default, it is first fit among
// the hosts the memory filters pass). A placement that
// passes the sharing admission but not the plain RAM booking is recorded
// with Cluster.Force: the host is deliberately overbooked.
type MemAware struct {
	Admission      string // "ratio" or "sharing"
	MaxState       int
	Fit            float64
	PressureWeight float64
	PackWeight     float64
	filters        []Filter
}

// Name implements Placer.
func (*MemAware) Name() string { return "mem-aware" }

func (p *MemAware) build() {
	ram := Filter(RAMFilter{})
	if p.Admission == "sharing" {
		ram = SharingRAMFilter{}
	}
	p.filters = []Filter{CoreFilter{}, ram, DiskFilter{}, MIPSFilter{}, MemStateFilter{p.MaxState}, ReservationFilter{}}
	if p.Fit > 0 {
		p.filters = append(p.filters, WorkingSetFilter{p.Fit})
	}
}

// Place implements Placer.
func (p *MemAware) Place(c *Cluster, reqs []Request) []Decision {
	if p.filters == nil {
		p.build()
	}
	out := make([]Decision, len(reqs))
	for k := range reqs {
		r := &reqs[k]
		best := bestBy(c, p.filters, r, func(h *HostState) float64 {
			s := 0.0
			if p.PressureWeight != 0 {
				s += p.PressureWeight * MemPressureScorer{}.Score(h, r)
			}
			if p.PackWeight != 0 {
				s += p.PackWeight * PackScorer{}.Score(h, r)
			}
			return s
		}, false)
		if best < 0 {
			out[k] = reject(c, p.filters, r)
			continue
		}
		if ok, _ := c.Fits(best, r); ok {
			c.Allocate(best, r)
		} else {
			c.Force(best, r)
		}
		out[k] = Decision{Host: best}
	}
	return out
}

// newMemAware builds mem-aware from its arguments.
func newMemAware(a *args) Placer {
	p := &MemAware{
		Admission:      a.enum("admission", "ratio", []string{"ratio", "sharing"}),
		MaxState:       slices.Index(MemStateNames, a.enum("max_state", "soft", MemStateNames)),
		Fit:            a.float("working_set_fit", 1, math.Inf(-1)),
		PressureWeight: a.float("pressure_weight", 0, math.Inf(-1)),
		PackWeight:     a.float("pack_weight", 0, math.Inf(-1)),
	}
	if p.Fit < 0 {
		a.errs = append(a.errs, fmt.Errorf("placement.args.working_set_fit: must be ≥ 0 (0: off), got %v", p.Fit))
	}
	p.build()
	return p
}

// enum reads a string among known values.
func (a *args) enum(key, def string, known []string) string {
	a.used[key] = true
	v, ok := a.m[key]
	if !ok {
		return def
	}
	s, isS := v.(string)
	if !isS || !slices.Contains(known, s) {
		a.errs = append(a.errs, fmt.Errorf("placement.args.%s: unknown value %v%s (known: %s)", key, v, suggest.DidYouMean(fmt.Sprint(v), known), strings.Join(known, ", ")))
		return def
	}
	return s
}
