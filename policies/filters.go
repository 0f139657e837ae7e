package policies

import (
	"fmt"
	"slices"
	"strings"
)

// Filter decides whether a host can take a request. A rejection carries a
// short reason ("short on RAM") that rejection messages count.
type Filter interface {
	Name() string
	Filter(h *HostState, r *Request) (ok bool, reason string)
}

// Scorer rates a host for a request in 0..1, higher is better.
type Scorer interface {
	Name() string
	Score(h *HostState, r *Request) float64
}

// Resource filters under the host's allocation ratios (Nova's CoreFilter,
// RamFilter and DiskFilter).
type (
	CoreFilter struct{}
	RAMFilter  struct{}
	DiskFilter struct{}
	// MIPSFilter rejects hosts whose cores are slower than the VM's vCPUs
	// (CloudSim's VM schedulers refuse a vCPU faster than a core).
	MIPSFilter struct{}
	// OnFilter rejects hosts that are switched off.
	OnFilter struct{}
	// DownFilter rejects hosts marked down (HostState.Down).
	DownFilter struct{}
)

func (CoreFilter) Name() string { return "cores" }
func (CoreFilter) Filter(h *HostState, r *Request) (bool, string) {
	return fitsIn(float64(r.VCPUs), h.FreeVCPUs(), float64(h.Cores)*h.CPURatio), "short on cores"
}
func (RAMFilter) Name() string { return "ram" }
func (RAMFilter) Filter(h *HostState, r *Request) (bool, string) {
	return fitsIn(r.RAMMiB, h.FreeRAMMiB(), h.RAMMiB*h.RAMRatio), "short on RAM"
}
func (DiskFilter) Name() string { return "disk" }
func (DiskFilter) Filter(h *HostState, r *Request) (bool, string) {
	return fitsIn(r.DiskMiB, h.FreeDiskMiB(), h.DiskMiB*h.DiskRatio), "short on disk"
}
func (MIPSFilter) Name() string { return "mips" }
func (MIPSFilter) Filter(h *HostState, r *Request) (bool, string) {
	return fitsIn(r.MIPS, h.MIPSPerCore, h.MIPSPerCore), "cores slower than the vCPUs"
}
func (OnFilter) Name() string                                   { return "on" }
func (OnFilter) Filter(h *HostState, _ *Request) (bool, string) { return h.On, "host is off" }

func (DownFilter) Name() string { return "down" }
func (DownFilter) Filter(h *HostState, _ *Request) (bool, string) {
	return !h.Down, "down (refused a launch; awaiting its next report)"
}

// strict is the filter set of the simple heuristics: room for cores, RAM and
// disk under the ratios, and cores at least as fast as the vCPUs.
var strict = []Filter{CoreFilter{}, RAMFilter{}, DiskFilter{}, MIPSFilter{}}

// eucaFilters are the Eucalyptus node schedulers': the strict filters, and
// never a node marked down.
var eucaFilters = []Filter{DownFilter{}, CoreFilter{}, RAMFilter{}, DiskFilter{}, MIPSFilter{}}

// passes runs filters in order and returns the first rejection's reason.
func passes(fs []Filter, h *HostState, r *Request) (bool, string) {
	for _, f := range fs {
		if ok, why := f.Filter(h, r); !ok {
			return false, why
		}
	}
	return true, ""
}

// Explain builds the rejection message for r: every host is run through the
// filters and counted under the first filter that rejected it, e.g.
// "0/40 hosts fit: 38 short on RAM, 2 short on cores". Reasons are ordered by
// count, then alphabetically.
func Explain(c *Cluster, fs []Filter, r *Request) string {
	n := c.Len()
	if n == 0 {
		return "0/0 hosts fit: no hosts"
	}
	counts := map[string]int{}
	fit := 0
	for i := range n {
		if ok, why := passes(fs, c.Host(i), r); ok {
			fit++
		} else {
			counts[why]++
		}
	}
	return formatReason(fit, n, counts)
}

func formatReason(fit, n int, counts map[string]int) string {
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range counts {
		list = append(list, kv{k, v})
	}
	slices.SortFunc(list, func(a, b kv) int {
		if a.v != b.v {
			return b.v - a.v
		}
		return strings.Compare(a.k, b.k)
	})
	parts := make([]string, len(list))
	for i, x := range list {
		parts[i] = fmt.Sprintf("%d %s", x.v, x.k)
	}
	msg := fmt.Sprintf("%d/%d hosts fit", fit, n)
	if len(parts) > 0 {
		msg += ": " + strings.Join(parts, ", ")
	}
	return msg
}
