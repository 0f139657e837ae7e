package policies

import (
	"fmt"
	"math"
)

// Cluster is the scheduler's mutable view of the hosts: capacity, ratios and
// what has been allocated. It keeps a segment tree of the largest free
// vCPUs, RAM and disk under each subtree so that FirstFit finds the first
// host with room in O(log n) in typical cases, even with 100,000 hosts.
type Cluster struct {
	hosts []HostState
	// Segment tree over hosts (1-based heap layout, leaves from size).
	size                  int
	maxCPU, maxRAM, maxDk []float64
}

// eps is the relative tolerance of capacity comparisons, so that floating
// rounding (0.1 + 0.2 > 0.3) never rejects an exact fit.
const eps = 1e-9

func fitsIn(need, free, capacity float64) bool {
	return need <= free+eps*max(1, math.Abs(capacity))
}

// NewCluster copies hosts (setting Index to each one's position).
func NewCluster(hosts []HostState) *Cluster {
	c := &Cluster{hosts: append([]HostState(nil), hosts...)}
	for i := range c.hosts {
		c.hosts[i].Index = i
		if m := c.hosts[i].Mem; m != nil {
			c.hosts[i].Mem = m.clone() // the caller's stays as it was
		}
	}
	c.size = 1
	for c.size < len(hosts) {
		c.size *= 2
	}
	c.maxCPU = make([]float64, 2*c.size)
	c.maxRAM = make([]float64, 2*c.size)
	c.maxDk = make([]float64, 2*c.size)
	for i := range c.maxCPU {
		c.maxCPU[i], c.maxRAM[i], c.maxDk[i] = math.Inf(-1), math.Inf(-1), math.Inf(-1)
	}
	for i := range c.hosts {
		c.setLeaf(i)
	}
	for n := c.size - 1; n >= 1; n-- {
		c.pull(n)
	}
	return c
}

// Len is the number of hosts.
func (c *Cluster) Len() int { return len(c.hosts) }

// Host is host i's state, for reading; change it only through Cluster
// methods.
func (c *Cluster) Host(i int) *HostState { return &c.hosts[i] }

// Shortage says which resources a host lacks for a request.
type Shortage struct{ Cores, RAM, Disk bool }

// Fits reports whether host i has room for r under its allocation ratios.
func (c *Cluster) Fits(i int, r *Request) (bool, Shortage) {
	h := &c.hosts[i]
	s := Shortage{
		Cores: !fitsIn(float64(r.VCPUs), h.FreeVCPUs(), float64(h.Cores)*h.CPURatio),
		RAM:   !fitsIn(r.RAMMiB, h.FreeRAMMiB(), h.RAMMiB*h.RAMRatio),
		Disk:  !fitsIn(r.DiskMiB, h.FreeDiskMiB(), h.DiskMiB*h.DiskRatio),
	}
	return !s.Cores && !s.RAM && !s.Disk, s
}

// Allocate records r on host i. It panics if r does not fit: policies must
// check first.
func (c *Cluster) Allocate(i int, r *Request) {
	if ok, s := c.Fits(i, r); !ok {
		panic(fmt.Sprintf("policies: Allocate: VM %d does not fit host %d (%+v)", r.ID, i, s))
	}
	h := &c.hosts[i]
	h.UsedVCPUs += r.VCPUs
	h.UsedRAMMiB += r.RAMMiB
	h.UsedDiskMiB += r.DiskMiB
	h.UsedBWMbps += r.BWMbps
	h.NumVMs++
	if h.Mem != nil && r.Mem != nil {
		h.Mem.book(r.Mem, 1)
	}
	c.update(i)
}

// Force records r on host i without checking that it fits (a model that
// deliberately overbooks, such as CloudSim's re-placement, which ignores
// the memory of running VMs). Free capacity may go negative.
func (c *Cluster) Force(i int, r *Request) {
	h := &c.hosts[i]
	h.UsedVCPUs += r.VCPUs
	h.UsedRAMMiB += r.RAMMiB
	h.UsedDiskMiB += r.DiskMiB
	h.UsedBWMbps += r.BWMbps
	h.NumVMs++
	if h.Mem != nil && r.Mem != nil {
		h.Mem.book(r.Mem, 1)
	}
	c.update(i)
}

// Release removes r from host i. It panics if host i does not hold that much.
func (c *Cluster) Release(i int, r *Request) {
	h := &c.hosts[i]
	if h.NumVMs < 1 || h.UsedVCPUs < r.VCPUs || h.UsedRAMMiB < r.RAMMiB*(1-eps)-eps || h.UsedDiskMiB < r.DiskMiB*(1-eps)-eps {
		panic(fmt.Sprintf("policies: Release: host %d does not hold VM %d's resources", i, r.ID))
	}
	h.UsedVCPUs -= r.VCPUs
	h.UsedRAMMiB -= r.RAMMiB
	h.UsedDiskMiB -= r.DiskMiB
	h.UsedBWMbps -= r.BWMbps
	h.NumVMs--
	if h.Mem != nil && r.Mem != nil {
		h.Mem.book(r.Mem, -1)
	}
	if h.NumVMs == 0 { // clear rounding residue
		h.UsedVCPUs, h.UsedRAMMiB, h.UsedDiskMiB, h.UsedBWMbps = 0, 0, 0, 0
	}
	c.update(i)
}

// SetDemand records host i's current CPU demand in MIPS.
func (c *Cluster) SetDemand(i int, mips float64) { c.hosts[i].DemandMIPS = mips }

// SetOn records whether host i is switched on.
func (c *Cluster) SetOn(i int, on bool) { c.hosts[i].On = on }

// FirstFit is the smallest host index ≥ from whose resources fit r, or -1.
func (c *Cluster) FirstFit(r *Request, from int) int {
	if from >= len(c.hosts) {
		return -1
	}
	return c.first(1, 0, c.size-1, max(from, 0), r)
}

func (c *Cluster) first(n, lo, hi, from int, r *Request) int {
	if hi < from || !c.mayFit(n, r) {
		return -1
	}
	if lo == hi {
		if ok, _ := c.Fits(lo, r); ok {
			return lo
		}
		return -1
	}
	mid := (lo + hi) / 2
	if x := c.first(2*n, lo, mid, from, r); x >= 0 {
		return x
	}
	return c.first(2*n+1, mid+1, hi, from, r)
}

// mayFit is the subtree pruning test: necessary, not sufficient, since the
// maxima may come from different hosts. The tolerance is generous (1e-6
// absolute) because the leaf test is exact.
func (c *Cluster) mayFit(n int, r *Request) bool {
	return float64(r.VCPUs) <= c.maxCPU[n]+1e-6 && r.RAMMiB <= c.maxRAM[n]*(1+1e-6)+1e-6 && r.DiskMiB <= c.maxDk[n]*(1+1e-6)+1e-6
}

func (c *Cluster) setLeaf(i int) {
	h := &c.hosts[i]
	n := c.size + i
	c.maxCPU[n], c.maxRAM[n], c.maxDk[n] = h.FreeVCPUs(), h.FreeRAMMiB(), h.FreeDiskMiB()
}

func (c *Cluster) pull(n int) {
	c.maxCPU[n] = max(c.maxCPU[2*n], c.maxCPU[2*n+1])
	c.maxRAM[n] = max(c.maxRAM[2*n], c.maxRAM[2*n+1])
	c.maxDk[n] = max(c.maxDk[2*n], c.maxDk[2*n+1])
}

func (c *Cluster) update(i int) {
	c.setLeaf(i)
	for n := (c.size + i) / 2; n >= 1; n /= 2 {
		c.pull(n)
	}
}

// Report overwrites host i's allocation with what the host itself reported
// (a Cluster Controller's view refreshed by a poll): vCPUs, RAM and disk in
// use and its number of VMs.
func (c *Cluster) Report(i int, vcpus int, ramMiB, diskMiB, bwMbps float64, vms int) {
	h := &c.hosts[i]
	if h.UsedVCPUs == vcpus && h.UsedRAMMiB == ramMiB && h.UsedDiskMiB == diskMiB && h.UsedBWMbps == bwMbps && h.NumVMs == vms {
		return // nothing changed: the segment tree stands
	}
	h.UsedVCPUs, h.UsedRAMMiB, h.UsedDiskMiB, h.UsedBWMbps, h.NumVMs = vcpus, ramMiB, diskMiB, bwMbps, vms
	c.update(i)
}

// SetDown marks host i down (the Eucalyptus placers skip it) or up.
func (c *Cluster) SetDown(i int, down bool) { c.hosts[i].Down = down }
