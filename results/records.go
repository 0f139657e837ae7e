package results

// Records are plain values emitted by the model and turned into files by the
// writers in this package. Times are simulated seconds since the start of the
// run. Column order in CSV files is the field order below.

// HostSample is one host's state at a sampling instant (hosts.csv).
type HostSample struct {
	TimeS      float64 `csv:"time_s"` // simulated seconds since the start
	Host       int     `csv:"host"`
	Group      string  `csv:"group"`
	State      string  `csv:"state"` // "on", "off"
	VMs        int     `csv:"vms"`
	DemandMIPS float64 `csv:"demand_mips"` // what the host's VMs ask for
	AllocMIPS  float64 `csv:"alloc_mips"`  // what they get
	Util       float64 `csv:"util"`        // alloc_mips / capacity, in [0, 1]
	PowerW     float64 `csv:"power_w"`
}

// VMSample is one VM's state at a sampling instant (vms.csv). Only VMs that
// are placed and not yet ended are sampled.
type VMSample struct {
	TimeS      float64 `csv:"time_s"`
	VM         int     `csv:"vm"`
	Group      string  `csv:"group"`
	Host       int     `csv:"host"`
	State      string  `csv:"state"` // "booting", "running"
	DemandMIPS float64 `csv:"demand_mips"`
	AllocMIPS  float64 `csv:"alloc_mips"`
}

// DatacenterSample aggregates the datacenter at a sampling instant
// (datacenter.csv); the plots are drawn from these.
type DatacenterSample struct {
	TimeS       float64 `csv:"time_s"`
	ActiveHosts int     `csv:"active_hosts"` // hosts that are on and hold at least one VM
	OnHosts     int     `csv:"on_hosts"`
	RunningVMs  int     `csv:"running_vms"`
	DemandMIPS  float64 `csv:"demand_mips"`
	AllocMIPS   float64 `csv:"alloc_mips"`
	Util        float64 `csv:"util"` // alloc_mips / capacity of hosts that are on (0 when none)
	PowerW      float64 `csv:"power_w"`
}

// VMOutcome is how one VM's life went (vm_outcomes.csv). Every requested VM
// has exactly one: nothing is lost. Times of steps not reached are -1.
type VMOutcome struct {
	VM         int     `csv:"vm"`
	Group      string  `csv:"group"`
	VCPUs      int     `csv:"vcpus"`
	RAMMiB     float64 `csv:"ram_mib"`
	State      string  `csv:"state"` // "finished", "rejected", "running" (still running when the run ended), "booting", "failed"
	Host       int     `csv:"host"`  // (-1 if never placed)
	RequestedS float64 `csv:"requested_s"`
	PlacedS    float64 `csv:"placed_s"`
	RunningS   float64 `csv:"running_s"`
	EndedS     float64 `csv:"ended_s"`
	WorkMI     float64 `csv:"work_mi"` // instructions executed, in millions
	Reason     string  `csv:"reason"`  // why it was rejected or failed (empty otherwise)
}

// CloudletRecord is one cloudlet's life (cloudlets.csv). Times not reached are -1.
type CloudletRecord struct {
	Cloudlet int     `csv:"cloudlet"`
	Group    string  `csv:"group"`
	VM       int     `csv:"vm"`
	LengthMI float64 `csv:"length_mi"`
	SubmitS  float64 `csv:"submit_s"`
	StartS   float64 `csv:"start_s"`
	FinishS  float64 `csv:"finish_s"`
	State    string  `csv:"state"` // "finished", "unfinished", "rejected" (its VM was rejected)
}

// Summary is the run's summary.json. Fields are written in this order;
// Metrics holds further named totals (written with sorted keys).
type Summary struct {
	Scenario       string   `json:"scenario"`
	ScenarioSHA256 string   `json:"scenario_sha256"`
	Seed           uint64   `json:"seed"`
	Revision       string   `json:"revision"`
	Overrides      []string `json:"overrides"`
	Policy         string   `json:"policy"`
	// Consolidation names the consolidation policy ("thr-0.8/mmt", "npa",
	// "dvfs"; empty without consolidation).
	Consolidation string `json:"consolidation,omitempty"`

	SimulatedS float64 `json:"simulated_s"`
	Events     uint64  `json:"events"`

	Hosts           int `json:"hosts"`
	VMsRequested    int `json:"vms_requested"`
	VMsPlaced       int `json:"vms_placed"`
	VMsRejected     int `json:"vms_rejected"`
	VMsFinished     int `json:"vms_finished"`
	VMsRunningAtEnd int `json:"vms_running_at_end"`

	Cloudlets         int     `json:"cloudlets"`
	CloudletsFinished int     `json:"cloudlets_finished"`
	LastCompletionS   float64 `json:"last_completion_s"`
	MakespanS         float64 `json:"makespan_s"`
	FinishedWorkMI    float64 `json:"finished_work_mi"`

	EnergyKWh       float64 `json:"energy_kwh"`
	MeanActiveHosts float64 `json:"mean_active_hosts"`
	MeanOnHosts     float64 `json:"mean_on_hosts"`
	MeanUtil        float64 `json:"mean_util"`
	PeakPowerW      float64 `json:"peak_power_w"`

	// RejectionReasons counts rejected VMs by reason text.
	RejectionReasons map[string]int     `json:"rejection_reasons"`
	Metrics          map[string]float64 `json:"metrics"`
	Warnings         []string           `json:"warnings"`
}

// ConsolidationSample is the datacenter at one consolidation decision
// (consolidation.csv), after the decision was taken.
type ConsolidationSample struct {
	TimeS       float64 `csv:"time_s"`
	ActiveHosts int     `csv:"active_hosts"` // on and holding at least one VM
	OnHosts     int     `csv:"on_hosts"`
	// OverloadedHosts the detector flagged; SaturatedHosts those whose
	// demand exceeds their capacity now.
	OverloadedHosts int `csv:"overloaded_hosts"`
	SaturatedHosts  int `csv:"saturated_hosts"`
	// Migrations decided at this instant (from overloaded hosts, and to
	// evacuate underloaded ones), and the hosts chosen for evacuation.
	Migrations         int `csv:"migrations"`
	OverloadMigrations int `csv:"overload_migrations"`
	EvacuatedHosts     int `csv:"evacuated_hosts"`
	// Unplaced VMs were selected off an overloaded host but no host could
	// take them.
	Unplaced  int     `csv:"unplaced"`
	PowerW    float64 `csv:"power_w"`
	EnergyKWh float64 `csv:"energy_kwh"` // since the start of the run
}

// OverheadRow is one workload profile priced on one hypervisor
// configuration (`simrun overhead --json`, overhead.csv). Cycles are per
// 10⁹ guest instructions.
type OverheadRow struct {
	Profile         string  `json:"profile" csv:"profile"`
	Config          string  `json:"config" csv:"config"` // e.g. "hw/nested/paravirtual 2M/2M"
	CPU             string  `json:"cpu" csv:"cpu"`
	MMU             string  `json:"mmu" csv:"mmu"`
	IO              string  `json:"io" csv:"io"` // "passthrough-posted" with posted interrupts
	Generation      string  `json:"generation" csv:"generation"`
	GuestLargePages bool    `json:"guest_large_pages" csv:"guest_large_pages"`
	HostLargePages  bool    `json:"host_large_pages" csv:"host_large_pages"`
	Slowdown        float64 `json:"slowdown" csv:"slowdown"`
	NativeCycles    float64 `json:"native_cycles" csv:"native_cycles"`
	CPUCycles       float64 `json:"-" csv:"cpu_cycles"`
	MMUCycles       float64 `json:"-" csv:"mmu_cycles"`
	IOCycles        float64 `json:"-" csv:"io_cycles"`
	// Breakdown is overhead cycles by class ("cpu", "mmu", "io").
	Breakdown map[string]float64 `json:"breakdown" csv:"-"`
	// Events is overhead cycles by event kind (non-zero ones).
	Events map[string]float64 `json:"events" csv:"-"`
	// HostCycles is backend work on host CPU outside the VM;
	// HostCPUShare its share of all host CPU spent for the VM.
	HostCycles   float64 `json:"host_cycles" csv:"host_cycles"`
	HostCPUShare float64 `json:"host_cpu_share" csv:"host_cpu_share"`
	IOExits      float64 `json:"io_exits" csv:"io_exits"`
	// WarmupCycles is the translation cache's cold start (BT).
	WarmupCycles float64 `json:"warmup_cycles" csv:"warmup_cycles"`
	// MemOverhead is host memory for page tables as a fraction of the VM's.
	MemOverhead float64 `json:"mem_overhead" csv:"mem_overhead"`
}

// IOPoint is one request-level simulation of a host's I/O path with VMs
// VMs on it (io.csv). Latencies are in microseconds.
type IOPoint struct {
	Config         string  `csv:"config"`
	VMs            int     `csv:"vms"`
	OfferedRPS     float64 `csv:"offered_rps"` // requests per second offered by all VMs
	ThroughputRPS  float64 `csv:"throughput_rps"`
	ThroughputGbps float64 `csv:"throughput_gbps"`
	DropFraction   float64 `csv:"drop_fraction"` // requests dropped at a full ring
	MeanLatencyUs  float64 `csv:"mean_latency_us"`
	P50Us          float64 `csv:"p50_us"`
	P90Us          float64 `csv:"p90_us"`
	P99Us          float64 `csv:"p99_us"`
	// GuestCores and BackendCores are host CPU busy on the VMs' vCPUs for
	// I/O and in the shared backend; HostCores the host's cores.
	GuestCores   float64 `csv:"guest_cores"`
	BackendCores float64 `csv:"backend_cores"`
	HostCores    int     `csv:"host_cores"`
	BackendUtil  float64 `csv:"backend_util"`
	LinkUtil     float64 `csv:"link_util"`
}

// CapacityRow is how many VMs of a profile fit one host under a hypervisor
// configuration (capacity.csv), and what limits them.
type CapacityRow struct {
	Config  string `csv:"config"`
	Profile string `csv:"profile"`
	MaxVMs  int    `csv:"max_vms"`
	// LimitedBy is "cpu", "memory", "vcpus", "latency" or "max_vms" (the
	// search bound).
	LimitedBy string  `csv:"limited_by"`
	Slowdown  float64 `csv:"slowdown"`
	// CPUUtil is the host CPU utilization with MaxVMs VMs (overhead and
	// backend included); LatencyUs the I/O latency at the target
	// percentile with MaxVMs VMs (0 without I/O).
	CPUUtil   float64 `csv:"cpu_util"`
	LatencyUs float64 `csv:"latency_us"`
	// NativeMaxVMs is the same bound on bare metal, for comparison.
	NativeMaxVMs int `csv:"native_max_vms"`
}

// MemoryRow is one host of a memory-overcommitment study (memory.csv):
// a set of reclamation mechanisms at an overcommit ratio, averaged over
// the study after its warm-up. Memory figures are MiB of host memory each
// mechanism gives back.
type MemoryRow struct {
	Mechanisms string  `csv:"mechanisms"`
	Ratio      float64 `csv:"ratio"`
	VMs        int     `csv:"vms"`
	// SharedSavedMiB is logical shared memory less the frames it takes;
	// CompressedSavedMiB the compressed pages less the cache they occupy.
	SharedSavedMiB     float64 `csv:"shared_saved_mib"`
	BalloonMiB         float64 `csv:"balloon_mib"`
	CompressedSavedMiB float64 `csv:"compressed_saved_mib"`
	SwappedMiB         float64 `csv:"swapped_mib"`
	ReclaimedMiB       float64 `csv:"reclaimed_mib"`
	FreeMiB            float64 `csv:"free_mib"`
	// Slowdown is the guests' mean progress, inverted (a blocked guest
	// makes none); WorstSlowdown the same for the slowest guest.
	Slowdown      float64 `csv:"slowdown"`
	WorstSlowdown float64 `csv:"worst_slowdown"`
	// Fault rates summed over the guests, per second.
	SwapInsPerS     float64 `csv:"swap_ins_per_s"`
	GuestFaultsPerS float64 `csv:"guest_faults_per_s"`
	// BlockedFrac is the fraction of guest time blocked; HostCPUCores the
	// host CPU spent on sharing scans and compression.
	BlockedFrac  float64 `csv:"blocked_frac"`
	HostCPUCores float64 `csv:"host_cpu_cores"`
	// Fractions of the time in the soft, hard and low states.
	TimeSoft float64 `csv:"time_soft"`
	TimeHard float64 `csv:"time_hard"`
	TimeLow  float64 `csv:"time_low"`
}

// MemorySample is a memory study host at one time (memory_series.csv).
type MemorySample struct {
	Mechanisms         string  `csv:"mechanisms"`
	Ratio              float64 `csv:"ratio"`
	TimeS              float64 `csv:"time_s"`
	State              string  `csv:"state"`
	FreeMiB            float64 `csv:"free_mib"`
	ResidentMiB        float64 `csv:"resident_mib"`
	SharedSavedMiB     float64 `csv:"shared_saved_mib"`
	BalloonMiB         float64 `csv:"balloon_mib"`
	CompressedSavedMiB float64 `csv:"compressed_saved_mib"`
	SwappedMiB         float64 `csv:"swapped_mib"`
	SwapInsPerS        float64 `csv:"swap_ins_per_s"`
	GuestFaultsPerS    float64 `csv:"guest_faults_per_s"`
	Slowdown           float64 `csv:"slowdown"`
}

// HostMemorySample is one host's memory at a sampling instant
// (host_memory.csv), for hosts whose memory a datacenter run simulates.
// Memory figures are MiB; the mechanisms' are what each gives back.
type HostMemorySample struct {
	TimeS              float64 `csv:"time_s"`
	Host               int     `csv:"host"`
	State              string  `csv:"state"` // high, clear, soft, hard, low
	VMs                int     `csv:"vms"`
	FreeMiB            float64 `csv:"free_mib"`
	ActiveMiB          float64 `csv:"active_mib"` // the guests' working sets
	ResidentMiB        float64 `csv:"resident_mib"`
	SharedSavedMiB     float64 `csv:"shared_saved_mib"`
	BalloonMiB         float64 `csv:"balloon_mib"`
	CompressedSavedMiB float64 `csv:"compressed_saved_mib"`
	SwappedMiB         float64 `csv:"swapped_mib"`
	// Slowdown is the guests' mean progress, inverted; ReclaimCPUCores the
	// host CPU spent on scanning, compression and decompression.
	Slowdown        float64 `csv:"slowdown"`
	ReclaimCPUCores float64 `csv:"reclaim_cpu_cores"`
}
