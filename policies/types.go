package policies

// PowerModel gives a host's electrical power at a CPU utilization in [0, 1].
// It is satisfied by model/host power models; policies see only this.
type PowerModel interface {
	Watts(util float64) float64
}

// HostState is the scheduler's view of one host: its capacity, its overcommit
// ratios, what has been allocated on it and its current CPU demand. The
// Cluster owns these; policies read them and change them only through
// Cluster methods.
type HostState struct {
	// Index is the host's position in the cluster (0-based, stable).
	Index int
	// Group is the host group's name.
	Group string

	Cores         int
	MIPSPerCore   float64
	RAMMiB        float64
	DiskMiB       float64
	BandwidthMbps float64

	// Allocation ratios (vCPUs per core, and so on); effective capacity for
	// placement is physical × ratio.
	CPURatio, RAMRatio, DiskRatio float64

	// Allocated resources, in the same units as the request fields.
	UsedVCPUs   int
	UsedRAMMiB  float64
	UsedDiskMiB float64
	UsedBWMbps  float64
	NumVMs      int

	// DemandMIPS is the CPU demand of the VMs on the host now (maintained by
	// the model through Cluster.SetDemand); power-aware policies use it.
	DemandMIPS float64

	// On is false for a host that is switched off (it can still be chosen;
	// power-aware policies account for waking it).
	On bool

	// Down marks a host the scheduler must not use: in a Cluster
	// Controller's cached view, a node that refused a launch until its next
	// report (Eucalyptus marks it RESDOWN). The Eucalyptus placers skip it.
	Down bool

	// Power is the host's power model (may be nil for policies that ignore it).
	Power PowerModel

	// Mem is the host's actual memory when the model simulates it (nil
	// otherwise; see MemState).
	Mem *MemState
}

// TotalMIPS is the host's physical CPU capacity.
func (h *HostState) TotalMIPS() float64 { return float64(h.Cores) * h.MIPSPerCore }

// FreeVCPUs is the vCPU capacity left under the CPU allocation ratio.
func (h *HostState) FreeVCPUs() float64 { return float64(h.Cores)*h.CPURatio - float64(h.UsedVCPUs) }

// FreeRAMMiB is the memory left under the RAM allocation ratio.
func (h *HostState) FreeRAMMiB() float64 { return h.RAMMiB*h.RAMRatio - h.UsedRAMMiB }

// FreeDiskMiB is the disk left under the disk allocation ratio.
func (h *HostState) FreeDiskMiB() float64 { return h.DiskMiB*h.DiskRatio - h.UsedDiskMiB }

// Request is one VM asking for a host.
type Request struct {
	// ID is the VM's index in the run; Group its vm_group name.
	ID    int
	Group string

	VCPUs   int
	MIPS    float64 // per vCPU
	RAMMiB  float64
	DiskMiB float64
	BWMbps  float64

	// DemandMIPS is the CPU demand the VM is expected to have when placed
	// (for power-aware policies); the model sets it from the workload.
	DemandMIPS float64

	// Mem describes the VM's memory for hosts whose memory is simulated
	// (nil otherwise).
	Mem *MemRequest
}

// Decision is the outcome of placing one request.
type Decision struct {
	// Host is the chosen host's index, or -1 when no host was chosen.
	Host int
	// Reason explains a rejection in words a user reads, e.g.
	// "0/40 hosts fit: 38 short on RAM, 2 short on cores". Empty when placed.
	Reason string
}

// Placed reports whether the decision chose a host.
func (d Decision) Placed() bool { return d.Host >= 0 }

// Placer places a batch of requests that arrive at the same instant. It
// returns one decision per request, in the order of reqs, and records each
// successful choice on c with c.Allocate before deciding the next request, so
// later requests see earlier ones. A Placer never changes reqs, and never
// chooses a host one of its filters rejects.
type Placer interface {
	Name() string
	Place(c *Cluster, reqs []Request) []Decision
}
