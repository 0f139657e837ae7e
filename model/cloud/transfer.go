package cloud

import (
	"github.com/simrun/simrun/sim"
)

// xfer is a fluid flow of bytes: an image coming from Walrus to a node
// (over Walrus's link, the cluster's uplink and the node's NIC), or an
// image being copied into an instance's disk (over the node's disk).
// Flows share their links at max-min fair rates (internal/maxmin),
// recomputed whenever one starts or ends.
type xfer struct {
	copy, pinned bool
	node, image  int32
	launch       int32 // a disk copy's launch
	rem          float64
	since        sim.Time
	rate         float64
	ev           sim.EventID
	fn           func()
	waiters      []int32 // a fetch's launches, waiting for the image
}

func (cp *ControlPlane) newXfer() int32 {
	if n := len(cp.freeX); n > 0 {
		f := cp.freeX[n-1]
		cp.freeX = cp.freeX[:n-1]
		return f
	}
	f := int32(len(cp.xfers))
	cp.xfers = append(cp.xfers, xfer{})
	cp.xfers[f].fn = func() { cp.xferDone(f) }
	return f
}

// fetchImage: launch r was admitted on its node and needs its image: from
// the node's cache, from a download of it already under way there, or
// from Walrus.
func (cp *ControlPlane) fetchImage(r *launch) {
	n := &cp.nodes[r.node]
	switch {
	case n.cache.touch(r.image):
		r.cacheHit = true
		cp.stats.hits++
		cp.copyToDisk(r)
	case n.fetch[r.image] >= 0:
		r.joined = true
		cp.stats.joins++
		x := &cp.xfers[n.fetch[r.image]]
		x.waiters = append(x.waiters, r.vm)
		cp.enter(r, sgTransfer)
	default:
		cp.stats.misses++
		f := cp.newXfer()
		x := &cp.xfers[f]
		x.copy, x.pinned, x.node, x.image, x.launch, x.ev = false, false, r.node, r.image, -1, 0
		x.waiters = append(x.waiters[:0], r.vm)
		n.fetch[r.image] = f
		r.step = stAtWalrus
		cp.enter(r, sgMsg)
		cp.send(linkWalrus, r.ev)
	}
}

// walrusDone: Walrus answered launch j.ID's GetObject; the image's bytes
// start flowing to the node.
func (cp *ControlPlane) walrusDone(j Job) {
	r := &cp.launches[j.ID]
	n := &cp.nodes[r.node]
	f := n.fetch[r.image]
	x := &cp.xfers[f]
	x.rem, x.since, x.rate = cp.images[r.image].bytes, cp.s.Now(), 0
	cp.enter(r, sgTransfer)
	cp.net.Start(f, cp.walLink, cp.clusters[n.cluster].uplink, n.nic)
	cp.reshare(cp.walLink)
}

// copyToDisk starts copying launch r's image into its instance's disk.
func (cp *ControlPlane) copyToDisk(r *launch) {
	n := &cp.nodes[r.node]
	cp.enter(r, sgDisk)
	f := cp.newXfer()
	x := &cp.xfers[f]
	x.copy, x.node, x.image, x.launch, x.ev = true, r.node, r.image, r.vm, 0
	x.pinned = n.cache.pin(r.image, 1)
	x.rem, x.since, x.rate = cp.images[r.image].bytes, cp.s.Now(), 0
	x.waiters = x.waiters[:0]
	r.xfer = f
	cp.net.Start(f, n.disk)
	cp.reshare(n.disk)
}

// xferDone: flow f has moved all its bytes.
func (cp *ControlPlane) xferDone(f int32) {
	x := &cp.xfers[f]
	x.ev, x.rem = 0, 0
	cp.seeds = append(cp.seeds[:0], cp.net.FlowLinks(f)...)
	cp.net.Stop(f)
	x.rate = 0
	cp.reshare(cp.seeds...)
	n := &cp.nodes[x.node]
	if x.copy {
		if x.pinned {
			n.cache.pin(x.image, -1)
		}
		r := &cp.launches[x.launch]
		r.xfer = -1
		cp.freeX = append(cp.freeX, f)
		r.step = stDiskPrepDone
		cp.s.After(cp.diskPrep.Draw(), r.ev)
		return
	}
	bytes := cp.images[x.image].bytes
	cp.stats.walrusBytes += bytes
	n.fetch[x.image] = -1
	n.cache.insert(x.image, bytes)
	cp.freeX = append(cp.freeX, f)
	// The waiters list is reused by the copies started now: take it first.
	cp.waiting = append(cp.waiting[:0], x.waiters...)
	for _, v := range cp.waiting {
		cp.copyToDisk(&cp.launches[v])
	}
}

// reshare recomputes the rates of the flows connected to the seed links,
// bringing what each has left up to date first, and moves the ends of
// those whose rate changed.
func (cp *ControlPlane) reshare(seeds ...int32) {
	now := cp.s.Now()
	flows := cp.net.Component(seeds...)
	old := cp.old[:0]
	for _, f := range flows {
		x := &cp.xfers[f]
		if x.rate > 0 {
			x.rem = max(0, x.rem-x.rate*sim.Seconds(now-x.since))
		}
		x.since = now
		old = append(old, x.rate)
	}
	cp.net.Fill()
	walrus := false
	for i, f := range flows {
		x := &cp.xfers[f]
		x.rate = cp.net.Rate(f)
		if !x.copy {
			walrus = true
		}
		if x.rate != old[i] || x.ev == 0 {
			cp.s.Cancel(x.ev)
			x.ev = 0
			// A flow that would end beyond the clock's range never ends
			// (the loader keeps single transfers within 1000 h).
			if d := sim.FromSeconds(x.rem / x.rate); x.rate > 0 && d < sim.Forever-now {
				x.ev = cp.s.After(d, x.fn)
			}
		}
	}
	cp.old = old
	if walrus || len(cp.net.Flows(cp.walLink)) == 0 {
		cp.stats.walrusLoad(now, cp.net.Load(cp.walLink))
	}
}

// lru is a node's image cache: bounded bytes, least recently used image
// evicted first, an image being copied into a disk never evicted.
type lru struct {
	capacity, used float64
	e              []lruEntry
	tick           uint64
	evictions      int
}

type lruEntry struct {
	image int32
	bytes float64
	last  uint64
	pins  int32
}

func (c *lru) find(im int32) int {
	for i := range c.e {
		if c.e[i].image == im {
			return i
		}
	}
	return -1
}

// touch reports whether im is cached, marking it used.
func (c *lru) touch(im int32) bool {
	i := c.find(im)
	if i < 0 {
		return false
	}
	c.tick++
	c.e[i].last = c.tick
	return true
}

// insert caches im, evicting least recently used unpinned images until it
// fits; it reports false (nothing evicted) when it cannot fit.
func (c *lru) insert(im int32, bytes float64) bool {
	if c.find(im) >= 0 {
		return c.touch(im)
	}
	free := c.capacity - c.used
	for _, e := range c.e {
		if e.pins == 0 {
			free += e.bytes
		}
	}
	if bytes > free*(1+1e-12) {
		return false
	}
	for c.used+bytes > c.capacity*(1+1e-12) {
		v := -1
		for i, e := range c.e {
			if e.pins == 0 && (v < 0 || e.last < c.e[v].last) {
				v = i
			}
		}
		c.used -= c.e[v].bytes
		c.e = append(c.e[:v], c.e[v+1:]...)
		c.evictions++
	}
	c.tick++
	c.e = append(c.e, lruEntry{image: im, bytes: bytes, last: c.tick})
	c.used += bytes
	return true
}

// pin changes how many disk copies read cached image im, and reports
// whether it is cached.
func (c *lru) pin(im int32, d int32) bool {
	if i := c.find(im); i >= 0 {
		c.e[i].pins += d
		return true
	}
	return false
}
