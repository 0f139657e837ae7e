package policies

import (
	"cmp"
	"math"
	"slices"
)

// reject is the decision for a request no host could take.
func reject(c *Cluster, fs []Filter, r *Request) Decision {
	return Decision{Host: -1, Reason: Explain(c, fs, r)}
}

// placeEach places requests one at a time in order with choose, allocating
// each choice before the next.
func placeEach(c *Cluster, reqs []Request, fs []Filter, choose func(r *Request) int) []Decision {
	out := make([]Decision, len(reqs))
	for k := range reqs {
		r := &reqs[k]
		if i := choose(r); i >= 0 {
			c.Allocate(i, r)
			out[k] = Decision{Host: i}
		} else {
			out[k] = reject(c, fs, r)
		}
	}
	return out
}

// FirstFit takes the lowest-index host that passes the strict filters.
type FirstFit struct{}

// Name implements Placer.
func (FirstFit) Name() string { return "first-fit" }

// Place implements Placer.
func (FirstFit) Place(c *Cluster, reqs []Request) []Decision {
	return placeEach(c, reqs, strict, func(r *Request) int {
		for i := c.FirstFit(r, 0); i >= 0; i = c.FirstFit(r, i+1) {
			if ok, _ := (MIPSFilter{}).Filter(c.Host(i), r); ok {
				return i
			}
		}
		return -1
	})
}

// leftover is the fraction of the host's binding resource that would remain
// free after placing r: min over vCPUs and RAM of free/capacity (under the
// ratios). Best fit minimizes it (packs), worst fit maximizes it (spreads).
func leftover(h *HostState, r *Request) float64 {
	cpu := (h.FreeVCPUs() - float64(r.VCPUs)) / (float64(h.Cores) * h.CPURatio)
	ram := (h.FreeRAMMiB() - r.RAMMiB) / (h.RAMMiB * h.RAMRatio)
	return min(cpu, ram)
}

// bestBy returns the host passing fs with the best score (lowest when
// minimize), ties to the lowest index; -1 when none passes.
func bestBy(c *Cluster, fs []Filter, r *Request, score func(h *HostState) float64, minimize bool) int {
	best, bestS := -1, 0.0
	for i := range c.Len() {
		h := c.Host(i)
		if ok, _ := passes(fs, h, r); !ok {
			continue
		}
		s := score(h)
		if best < 0 || (minimize && s < bestS) || (!minimize && s > bestS) {
			best, bestS = i, s
		}
	}
	return best
}

// Weighted is a scorer with its weight in a Pipeline.
type Weighted struct {
	Scorer
	Weight float64
}

// Pipeline is a placer assembled from filters and weighted scorers: the
// host that passes every filter with the highest weighted score sum wins,
// ties to the lowest index. Best fit and worst fit are pipelines.
type Pipeline struct {
	PolicyName string
	Filters    []Filter
	Scorers    []Weighted
}

// Name implements Placer.
func (p *Pipeline) Name() string { return p.PolicyName }

// Place implements Placer.
func (p *Pipeline) Place(c *Cluster, reqs []Request) []Decision {
	return placeEach(c, reqs, p.Filters, func(r *Request) int {
		return bestBy(c, p.Filters, r, func(h *HostState) float64 {
			sum := 0.0
			for _, s := range p.Scorers {
				sum += s.Weight * s.Score(h, r)
			}
			return sum
		}, false)
	})
}

// PackScorer prefers the host left with the least free capacity on its
// binding resource: 1 − leftover (see leftover), so best fit.
type PackScorer struct{}

// Name implements Scorer.
func (PackScorer) Name() string { return "pack" }

// Score implements Scorer.
func (PackScorer) Score(h *HostState, r *Request) float64 { return 1 - clamp01(leftover(h, r)) }

// SpreadScorer prefers the host left with the most free capacity on its
// binding resource: leftover itself, so worst fit.
type SpreadScorer struct{}

// Name implements Scorer.
func (SpreadScorer) Name() string { return "spread" }

// Score implements Scorer.
func (SpreadScorer) Score(h *HostState, r *Request) float64 { return clamp01(leftover(h, r)) }

func clamp01(x float64) float64 { return max(0, min(1, x)) }

// RoundRobin takes the first host that fits, starting after the host it
// chose last and wrapping around.
type RoundRobin struct {
	name  string
	fs    []Filter
	next  int
	onFst bool // prefer hosts that are on (Eucalyptus)
}

// Name implements Placer.
func (p *RoundRobin) Name() string { return p.name }

// Place implements Placer.
func (p *RoundRobin) Place(c *Cluster, reqs []Request) []Decision {
	return placeEach(c, reqs, p.fs, func(r *Request) int {
		i := scanFrom(c, p.fs, r, p.next, p.onFst)
		if i >= 0 {
			p.next = i + 1
		}
		return i
	})
}

// scanFrom returns the first host from start (wrapping) that passes fs;
// with onFirst, hosts that are on are tried in a first pass and off ones
// only when no on host fits (Eucalyptus wakes a node only when it must).
func scanFrom(c *Cluster, fs []Filter, r *Request, start int, onFirst bool) int {
	n := c.Len()
	passesN := 1
	if onFirst {
		passesN = 2
	}
	for pass := range passesN {
		for k := range n {
			i := (start + k) % n
			h := c.Host(i)
			if onFirst && h.On != (pass == 0) {
				continue
			}
			if ok, _ := passes(fs, h, r); ok {
				return i
			}
		}
	}
	return -1
}

// Greedy is Eucalyptus's GREEDY: the first node in index order that is on
// (up, or waking) and has free cores, memory and disk, with no overcommit;
// when none does, the first sleeping node that fits, which is woken. A
// node marked down is never chosen.
type Greedy struct{}

// Name implements Placer.
func (Greedy) Name() string { return "euca-greedy" }

// Place implements Placer.
func (Greedy) Place(c *Cluster, reqs []Request) []Decision {
	return placeEach(c, reqs, eucaFilters, func(r *Request) int { return scanFrom(c, eucaFilters, r, 0, true) })
}

// OpenStack is Nova's FilterScheduler: CoreFilter, RamFilter and DiskFilter
// on the allocation ratios, then the RAM and CPU weighers, each normalized
// over the candidate hosts to 0..1 ((x−min)/(max−min), all equal → 0) and
// multiplied by its multiplier. Positive multipliers spread VMs (prefer free
// capacity); negative ones stack them. The highest total wins, ties to the
// lowest index.
type OpenStack struct {
	RAMMultiplier, CPUMultiplier  float64
	CPURatio, RAMRatio, DiskRatio float64
}

var novaFilters = []Filter{CoreFilter{}, RAMFilter{}, DiskFilter{}}

// Name implements Placer.
func (*OpenStack) Name() string { return "openstack" }

// DefaultRatios implements RatioDefaulter: Nova's initial allocation ratios
// unless the policy's arguments change them.
func (p *OpenStack) DefaultRatios() (cpu, ram, disk float64) {
	return p.CPURatio, p.RAMRatio, p.DiskRatio
}

// Place implements Placer.
func (p *OpenStack) Place(c *Cluster, reqs []Request) []Decision {
	var cand []int
	var ram, cpu []float64
	return placeEach(c, reqs, novaFilters, func(r *Request) int {
		cand, ram, cpu = cand[:0], ram[:0], cpu[:0]
		for i := range c.Len() {
			h := c.Host(i)
			if ok, _ := passes(novaFilters, h, r); ok {
				cand = append(cand, i)
				ram = append(ram, h.FreeRAMMiB())
				cpu = append(cpu, h.FreeVCPUs())
			}
		}
		if len(cand) == 0 {
			return -1
		}
		normalize(ram)
		normalize(cpu)
		best, bestW := -1, math.Inf(-1)
		for k, i := range cand {
			w := p.RAMMultiplier*ram[k] + p.CPUMultiplier*cpu[k]
			if w > bestW {
				best, bestW = i, w
			}
		}
		return best
	})
}

// normalize maps xs onto 0..1 by (x−min)/(max−min); all equal → all 0 (as
// Nova's weight normalization does).
func normalize(xs []float64) {
	lo, hi := slices.Min(xs), slices.Max(xs)
	for i := range xs {
		if hi > lo {
			xs[i] = (xs[i] - lo) / (hi - lo)
		} else {
			xs[i] = 0
		}
	}
}

// PABFD is power-aware best fit decreasing (Beloglazov & Buyya, CCPE 2012):
// the batch is sorted by decreasing CPU demand, and each VM goes to the host
// whose power grows least, among hosts with room whose demand after
// placement stays within MaxUtil of capacity.
type PABFD struct {
	MaxUtil float64
	// WakeCost: an off host's power before placement is 0, so waking it
	// costs its idle power. Without it the host counts at its idle draw
	// (CloudSim's behaviour, which makes sleeping hosts look cheap).
	WakeCost bool
}

// Name implements Placer.
func (*PABFD) Name() string { return "pabfd" }

// utilFilter rejects hosts whose CPU demand would exceed MaxUtil.
type utilFilter struct{ max float64 }

func (utilFilter) Name() string { return "max-util" }
func (f utilFilter) Filter(h *HostState, r *Request) (bool, string) {
	return fitsIn(h.DemandMIPS+r.DemandMIPS, f.max*h.TotalMIPS(), h.TotalMIPS()), "would exceed the utilization limit"
}

func watts(h *HostState, demand float64) float64 {
	if h.Power == nil || h.TotalMIPS() <= 0 {
		return 0
	}
	return h.Power.Watts(min(demand/h.TotalMIPS(), 1))
}

// empty reports whether h holds nothing: no VM, no allocation, no demand.
func empty(h *HostState) bool {
	return h.NumVMs == 0 && h.UsedVCPUs == 0 && h.UsedRAMMiB == 0 && h.UsedDiskMiB == 0 &&
		h.UsedBWMbps == 0 && h.DemandMIPS == 0
}

// twins reports whether two empty hosts are interchangeable for placement:
// the same group (hence power model) and capacity, ratios and power state.
func twins(a, b *HostState) bool {
	return a.Group == b.Group && a.Cores == b.Cores && a.MIPSPerCore == b.MIPSPerCore &&
		a.RAMMiB == b.RAMMiB && a.DiskMiB == b.DiskMiB && a.BandwidthMbps == b.BandwidthMbps &&
		a.CPURatio == b.CPURatio && a.RAMRatio == b.RAMRatio && a.DiskRatio == b.DiskRatio && a.On == b.On &&
		a.Down == b.Down && a.Mem == nil && b.Mem == nil
}

// Place implements Placer.
func (p *PABFD) Place(c *Cluster, reqs []Request) []Decision {
	fs := append(slices.Clone(strict), utilFilter{p.MaxUtil})
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if d := cmp.Compare(reqs[b].DemandMIPS, reqs[a].DemandMIPS); d != 0 {
			return d
		}
		return cmp.Compare(reqs[a].ID, reqs[b].ID)
	})
	out := make([]Decision, len(reqs))
	// The hosts that hold something, and the empty ones by kind (twins),
	// lowest index first. An empty host scores and filters as its kind's
	// first does, which wins the tie, so a request scores the busy hosts
	// and one empty host of each kind (a datacenter starts with hundreds of
	// identical empty hosts).
	var busy []int
	var kinds [][]int
hosts:
	for i := range c.Len() {
		h := c.Host(i)
		if !empty(h) || h.Mem != nil { // a simulated memory makes each host its own kind
			busy = append(busy, i)
			continue
		}
		for k := range kinds {
			if twins(h, c.Host(kinds[k][0])) {
				kinds[k] = append(kinds[k], i)
				continue hosts
			}
		}
		kinds = append(kinds, []int{i})
	}
	for _, k := range order {
		r := &reqs[k]
		best, bestS := -1, 0.0
		score := func(i int) {
			h := c.Host(i)
			if ok, _ := passes(fs, h, r); !ok {
				return
			}
			before := watts(h, h.DemandMIPS)
			// A host the batch has already put VMs on is awake.
			if !h.On && h.NumVMs == 0 && p.WakeCost {
				before = 0
			}
			// The least power increase, ties to the lowest index.
			if s := watts(h, h.DemandMIPS+r.DemandMIPS) - before; best < 0 || s < bestS || (s == bestS && i < best) {
				best, bestS = i, s
			}
		}
		for _, i := range busy {
			score(i)
		}
		for _, e := range kinds {
			if len(e) > 0 {
				score(e[0])
			}
		}
		for ki, e := range kinds {
			if len(e) > 0 && e[0] == best {
				kinds[ki] = e[1:]
				busy = append(busy, best)
			}
		}
		if best < 0 {
			out[k] = reject(c, fs, r)
			continue
		}
		c.Allocate(best, r)
		c.SetDemand(best, c.Host(best).DemandMIPS+r.DemandMIPS)
		out[k] = Decision{Host: best}
	}
	return out
}
