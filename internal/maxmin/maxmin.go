// Package maxmin shares links among fluid flows at max-min fair rates.
//
// A Net has links, each with a capacity, and flows, each crossing up to
// MaxLinks of them. Rates are max-min fair, computed by progressive filling
// (Bertsekas & Gallager, Data Networks, 2nd ed., §6.5.2): the link whose
// capacity left per unfixed flow is lowest fixes its unfixed flows at that
// level, that share is taken off every other link those flows cross, and so
// on until every flow is fixed. A link's level only rises as flows elsewhere
// are fixed (they are fixed at most at its level), so a heap of levels with
// stale entries skipped finds the next link; ties go to the link visited
// first.
//
// Rates are recomputed per connected component: Component collects the
// flows connected to some links through shared links (breadth first from
// them, each link's flows in the order they started), and Fill computes the
// rates of that component. The order is deterministic, so the rates, to the
// last bit, depend only on the order in which flows started and stopped.
//
// The callers own what the flows carry (bytes left, completion events):
// model/datacenter's live migrations (share_link) and model/cloud's image
// transfers and disk copies.
package maxmin

// MaxLinks is the most links one flow crosses.
const MaxLinks = 4

// Net is a set of links shared by flows. Its methods allocate only when the
// network grows (a new link, a flow id beyond those seen); the scratch of
// Component and Fill is reused.
type Net struct {
	capacity []float64
	// lflows[l] are the flows on link l, in the order they started.
	lflows [][]int32
	// Per flow: its links, how many, whether it is on them, its rate.
	flinks [][MaxLinks]int32
	nlinks []uint8
	on     []bool
	rate   []float64

	// Scratch of Component and Fill.
	epoch   uint32
	lmark   []uint32 // per link: visited in epoch
	fmark   []uint32 // per flow: collected in epoch
	idx     []int32  // per link: its place in links
	frozen  []bool   // per flow
	links   []int32
	flows   []int32
	capLeft []float64
	count   []int
	heap    levelHeap
}

// AddLink adds a link of the given capacity and returns its index (0, 1, …).
func (n *Net) AddLink(capacity float64) int32 {
	n.capacity = append(n.capacity, capacity)
	n.lflows = append(n.lflows, nil)
	n.lmark = append(n.lmark, 0)
	n.idx = append(n.idx, 0)
	return int32(len(n.capacity) - 1)
}

// Links is the number of links.
func (n *Net) Links() int { return len(n.capacity) }

// Capacity is link l's capacity.
func (n *Net) Capacity(l int32) float64 { return n.capacity[l] }

func (n *Net) grow(f int32) {
	for int(f) >= len(n.on) {
		n.flinks = append(n.flinks, [MaxLinks]int32{})
		n.nlinks = append(n.nlinks, 0)
		n.on = append(n.on, false)
		n.rate = append(n.rate, 0)
		n.fmark = append(n.fmark, 0)
		n.frozen = append(n.frozen, false)
	}
}

// Start puts flow f (an id the caller chooses, small and dense: it indexes
// slices) on the given links, at rate 0 until the next Fill. It panics if f
// is already on or crosses no link or more than MaxLinks, or the same link
// twice.
func (n *Net) Start(f int32, links ...int32) {
	n.grow(f)
	if n.on[f] {
		panic("maxmin: Start: flow already started")
	}
	if len(links) == 0 || len(links) > MaxLinks {
		panic("maxmin: Start: a flow crosses 1 to MaxLinks links")
	}
	for i, l := range links {
		for _, k := range links[:i] {
			if k == l {
				panic("maxmin: Start: a flow crosses a link twice")
			}
		}
		n.flinks[f][i] = l
		n.lflows[l] = append(n.lflows[l], f)
	}
	n.nlinks[f] = uint8(len(links))
	n.on[f], n.rate[f] = true, 0
}

// Stop takes flow f off its links (its rate becomes 0); the flows left keep
// their rates until the next Fill. Stopping a flow that is not on does
// nothing.
func (n *Net) Stop(f int32) {
	if int(f) >= len(n.on) || !n.on[f] {
		return
	}
	for _, l := range n.flinks[f][:n.nlinks[f]] {
		fs := n.lflows[l]
		for i, x := range fs {
			if x == f {
				n.lflows[l] = append(fs[:i], fs[i+1:]...)
				break
			}
		}
	}
	n.on[f], n.rate[f] = false, 0
}

// Active reports whether flow f is on its links.
func (n *Net) Active(f int32) bool { return int(f) < len(n.on) && n.on[f] }

// Rate is flow f's rate after the last Fill of its component (0 when off).
func (n *Net) Rate(f int32) float64 {
	if int(f) >= len(n.rate) {
		return 0
	}
	return n.rate[f]
}

// FlowLinks are the links flow f crosses (read only).
func (n *Net) FlowLinks(f int32) []int32 { return n.flinks[f][:n.nlinks[f]] }

// Flows are the flows on link l, in the order they started (read only).
func (n *Net) Flows(l int32) []int32 { return n.lflows[l] }

// Load is the sum of the rates of the flows on link l.
func (n *Net) Load(l int32) float64 {
	s := 0.0
	for _, f := range n.lflows[l] {
		s += n.rate[f]
	}
	return s
}

// Component collects the flows connected to the seed links through shared
// links: breadth first from the seeds, each link's flows in the order they
// started. The slice is scratch, valid until the next call; Fill computes
// the rates of these flows.
func (n *Net) Component(seeds ...int32) []int32 {
	n.epoch++
	ep := n.epoch
	links, flows := n.links[:0], n.flows[:0]
	visit := func(l int32) {
		if n.lmark[l] != ep {
			n.lmark[l] = ep
			n.idx[l] = int32(len(links))
			links = append(links, l)
		}
	}
	for _, l := range seeds {
		visit(l)
	}
	for i := 0; i < len(links); i++ {
		for _, f := range n.lflows[links[i]] {
			if n.fmark[f] == ep {
				continue
			}
			n.fmark[f] = ep
			flows = append(flows, f)
			for _, l := range n.flinks[f][:n.nlinks[f]] {
				visit(l)
			}
		}
	}
	n.links, n.flows = links, flows
	return flows
}

// Fill gives the flows of the last Component their max-min fair rates by
// progressive filling.
func (n *Net) Fill() {
	for _, f := range n.flows {
		n.frozen[f] = false
	}
	capLeft, count := n.capLeft[:0], n.count[:0]
	hp := n.heap[:0]
	for i, l := range n.links {
		capLeft = append(capLeft, n.capacity[l])
		count = append(count, len(n.lflows[l]))
		if count[i] > 0 {
			hp = append(hp, levelAt{capLeft[i] / float64(count[i]), int32(i)})
		}
	}
	hp.init()
	for len(hp) > 0 {
		top := hp.pop()
		i := top.link
		if count[i] == 0 || top.level != capLeft[i]/float64(count[i]) {
			continue // stale
		}
		fair := max(top.level, 0)
		for _, f := range n.lflows[n.links[i]] {
			if n.frozen[f] {
				continue
			}
			n.frozen[f], n.rate[f] = true, fair
			for _, l := range n.flinks[f][:n.nlinks[f]] {
				j := n.idx[l]
				capLeft[j] -= fair
				count[j]--
				if j != i && count[j] > 0 {
					hp.push(levelAt{capLeft[j] / float64(count[j]), j})
				}
			}
		}
	}
	n.capLeft, n.count, n.heap = capLeft, count, hp
}

// levelAt is a link's fair level (capacity left per unfixed flow); the heap
// orders by level, then by the link's place in the visit order.
type levelAt struct {
	level float64
	link  int32
}

type levelHeap []levelAt

func (a levelAt) less(b levelAt) bool {
	return a.level < b.level || a.level == b.level && a.link < b.link
}

func (h levelHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

func (h *levelHeap) push(x levelAt) {
	*h = append(*h, x)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].less(s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *levelHeap) pop() levelAt {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	*h = s[:last]
	(*h).down(0)
	return top
}

func (h levelHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		if r := l + 1; r < len(h) && h[r].less(h[l]) {
			l = r
		}
		if !h[l].less(h[i]) {
			return
		}
		h[i], h[l] = h[l], h[i]
		i = l
	}
}
