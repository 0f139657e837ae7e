package scenarios

import (
	"fmt"
	"slices"
	"strings"

	"github.com/simrun/simrun/sim"
)

// Scenario is a validated, defaulted scenario, ready to build a simulation
// from. Field comments give the TOML key, its unit and its default.
//
// The loader fills Source, File and SHA256; everything else comes from the
// TOML document after --set overrides and parameter substitution.
type Scenario struct {
	// Name identifies the scenario (key "name"; default: the file's base name
	// without extension).
	Name string `toml:"name"`
	// Description is one or two sentences shown by `simrun list`.
	Description string `toml:"description"`
	// Seed is the master seed (key "seed"; default 1). --seed overrides it.
	Seed uint64 `toml:"seed"`
	// Duration stops the run at this simulated time (key "duration", e.g.
	// "24h"). Zero means: run until every VM has finished or been rejected.
	Duration Duration `toml:"duration"`

	// Parameters are scenario-level named values (table "parameters").
	// Anywhere in the document, a string value "$name" is replaced by the
	// parameter's value before decoding; `--set name=value` changes a
	// parameter when name is a declared parameter.
	Parameters map[string]any `toml:"parameters"`

	// HostGroups are the hosts of the datacenter, in index order (array of
	// tables "host_group"). At least one is required.
	HostGroups []HostGroup `toml:"host_group"`
	// VMGroups are the VMs requested, in submission order (array of tables
	// "vm_group"). At least one is required.
	VMGroups []VMGroup `toml:"vm_group"`
	// CloudletGroups are batches of CloudSim-style cloudlets assigned to VMs
	// (array of tables "cloudlet_group"). Optional.
	CloudletGroups []CloudletGroup `toml:"cloudlet_group"`
	// Placement selects the placement policy (table "placement").
	Placement Placement `toml:"placement"`
	// Output controls what is recorded (table "output").
	Output Output `toml:"output"`
	// Profiles define workload profiles for the overhead models (array of
	// tables "profile"): name, optional base = "built-in profile", and any
	// profile keys (see `simrun overhead --list`).
	Profiles []map[string]any `toml:"profile"`
	// Study turns the scenario into a virtualization study instead of a
	// datacenter run (table "study").
	Study Study `toml:"study"`
	// Consolidation turns on dynamic VM consolidation with live migration,
	// or one of its baselines (table "consolidation").
	Consolidation Consolidation `toml:"consolidation"`
	// Memory configures the memory-overcommitment model of a "memory"
	// study, and of the hosts of a datacenter run when memory.enabled
	// (table "memory").
	Memory Memory `toml:"memory"`
	// Sweep declares the grid `simrun sweep` runs (table "sweep"); `simrun
	// run` ignores it.
	Sweep Sweep `toml:"sweep"`
	// Cloud launches the VMs through the Eucalyptus-style control plane
	// (table "cloud"; see cloud.go).
	Cloud Cloud `toml:"cloud"`

	// Source is the scenario text as loaded (after nothing: the raw bytes).
	Source []byte `toml:"-"`
	// File is the path or embedded name the scenario came from.
	File string `toml:"-"`
	// SHA256 is the hex SHA-256 of Source plus the applied --set overrides,
	// one "key=value" per line after the text, so that an override changes
	// the hash.
	SHA256 string `toml:"-"`

	overrides []string
	dir       string // base directory for relative paths
	embedded  bool   // relative paths resolve inside the binary
	memo      *memo  // shared by copies: see Memo
}

// HostGroup is Count identical hosts.
type HostGroup struct {
	// Name of the group (default "hosts<index>").
	Name string `toml:"name"`
	// Count of hosts (required, > 0).
	Count int `toml:"count"`
	// Cores per host (required, > 0).
	Cores int `toml:"cores"`
	// MIPSPerCore is each core's speed in million instructions per second
	// (required, > 0).
	MIPSPerCore float64 `toml:"mips_per_core"`
	// RAMGiB is the host's memory (required, > 0).
	RAMGiB float64 `toml:"ram_gib"`
	// BandwidthGbps is the host's network link (default 10).
	BandwidthGbps float64 `toml:"bandwidth_gbps"`
	// StorageGB is local disk available to VM images (default 1000).
	StorageGB float64 `toml:"storage_gb"`
	// VMScheduler shares the host's cores among its VMs: "time-shared"
	// (default; demand above capacity is scaled down proportionally) or
	// "space-shared" (each vCPU owns a core; no CPU overcommit).
	VMScheduler string `toml:"vm_scheduler"`
	// CPUAllocationRatio, RAMAllocationRatio and DiskAllocationRatio are the
	// overcommit ratios used by placement (vCPUs per core, and so on).
	// Zero means the placement policy's default (Nova's 16.0/1.5/1.0 for
	// "openstack", 1.0 for the others).
	CPUAllocationRatio  float64 `toml:"cpu_allocation_ratio"`
	RAMAllocationRatio  float64 `toml:"ram_allocation_ratio"`
	DiskAllocationRatio float64 `toml:"disk_allocation_ratio"`
	// PowerOffIdle switches a host off (0 W) while it holds no VM, as in the
	// consolidation literature (default false: an idle host draws idle power).
	PowerOffIdle bool `toml:"power_off_idle"`
	// Power is the host's power model (table "power").
	Power Power `toml:"power"`
	// Hypervisor is the hosts' virtualization stack (table "hypervisor");
	// the default is bare metal, with no overhead.
	Hypervisor Hypervisor `toml:"hypervisor"`
	// Memory simulates the hosts' memory with model/mem (default:
	// memory.enabled).
	Memory *bool `toml:"memory"`
}

// Hypervisor configures the CPU, memory and I/O virtualization models of a
// host group (see docs/virtualization.md).
type Hypervisor struct {
	// CPU is "native" (default: no hypervisor), "trap", "bt", "pv" or "hw".
	CPU string `toml:"cpu"`
	// Generation prices hardware-assist exits: "p4", "core2", "nehalem" or
	// "sandybridge" (default).
	Generation string `toml:"generation"`
	// MMU is "shadow", "nested" or "direct" (default: nested for hw,
	// direct for pv, shadow for trap and bt, native for native).
	MMU string `toml:"mmu"`
	// IO is "emulated", "paravirtual", "passthrough" or
	// "passthrough-posted" (default: paravirtual; native for native).
	IO string `toml:"io"`
	// GuestLargePages and HostLargePages map memory with 2 MiB pages.
	GuestLargePages bool `toml:"guest_large_pages"`
	HostLargePages  bool `toml:"host_large_pages"`
	// Kappa is the indirect cost of a world switch as a fraction of its
	// direct cost (default 0.5).
	Kappa float64 `toml:"kappa"`
	// ExitCycles overrides the generation's VM exit round trip (default 0:
	// the generation's).
	ExitCycles float64 `toml:"exit_cycles"`
	// TranslationCacheKiB is binary translation's cache (default 4096).
	TranslationCacheKiB float64 `toml:"translation_cache_kib"`
	// BackendThreads serve the I/O backend shared by the host's VMs
	// (default 1).
	BackendThreads int `toml:"backend_threads"`
	// IOCV is the coefficient of variation of per-request I/O costs in
	// request-level studies (default 1: exponential).
	IOCV float64 `toml:"io_cv"`
	// ClockGHz converts cycles to time (default mips_per_core / 1000).
	ClockGHz float64 `toml:"clock_ghz"`
}

// Study is a virtualization study: the overhead models evaluated over
// configurations (kind "overhead"), a request-level I/O simulation of one
// host as VMs are added (kind "io-consolidation"), or the number of VMs
// that fit one host at a latency target (kind "capacity"). The host is
// host_group[0] and the VM vm_group[0]; each study configuration replaces
// the host's hypervisor settings cpu, mmu and io (and page sizes and
// generation), keeping the others.
type Study struct {
	// Kind is "" (no study: a datacenter run), "overhead",
	// "io-consolidation", "capacity", "consolidation", "memory" or
	// "memory-placement".
	Kind string `toml:"kind"`
	// Profiles to evaluate ("overhead"; default: every built-in profile).
	// The other kinds use vm_group[0].profile.
	Profiles []string `toml:"profiles"`
	// CPU, MMU and IO list the configurations to try; a list left out means
	// the host group's own setting. Invalid combinations are skipped.
	CPU []string `toml:"cpu"`
	MMU []string `toml:"mmu"`
	IO  []string `toml:"io"`
	// Generations to try under hw (default: the host group's).
	Generations []string `toml:"generations"`
	// LargePages to try: "none", "guest", "host", "guest,host" (default:
	// the host group's setting).
	LargePages []string `toml:"large_pages"`
	// VMs per host to simulate ("io-consolidation"; default 1, 2, 4, 8, 16,
	// 24, 32).
	VMs []int `toml:"vms"`
	// MaxVMs bounds the search of "capacity" (default 64).
	MaxVMs int `toml:"max_vms"`
	// RatePerVM is each VM's offered I/O requests per second (default 0:
	// derived from the profile's I/O requests per instruction and the VM's
	// vCPUs × MIPS × utilization level).
	RatePerVM float64 `toml:"rate_per_vm"`
	// Duration and Warmup of each request-level simulation (defaults "2s"
	// and a tenth of the duration).
	Duration Duration `toml:"duration"`
	Warmup   Duration `toml:"warmup"`
	// LatencyTarget is the I/O latency a placement must meet ("capacity";
	// required there), at LatencyPercentile (default 99).
	LatencyTarget     Duration `toml:"latency_target"`
	LatencyPercentile float64  `toml:"latency_percentile"`
	// RingSlots bounds each VM's requests in flight (default 256).
	RingSlots int `toml:"ring_slots"`
	// Policies are the consolidation policies a "consolidation" study
	// compares, each run once on the scenario: "npa", "dvfs" or
	// "DETECTOR-SELECTION" such as "lr-mmt" (default: npa, dvfs and all
	// 20 detector × selection pairs). The [consolidation] table supplies
	// every other setting.
	Policies []string `toml:"policies"`
	// Highlight are the policies whose active hosts are drawn over time
	// (default: npa, dvfs, thr-mmt, lr-mmt).
	Highlight []string `toml:"highlight"`
	// Ratios are the memory overcommit ratios a "memory" study tries: the
	// host holds round(ratio × host memory / VM memory) guests of
	// vm_group[0] (default 1.0, 1.1, …, 2.5). A "memory-placement" study
	// sets every host group's ram_allocation_ratio to each in turn
	// (default 1.0, 1.5, 2.0, 2.5).
	Ratios []float64 `toml:"ratios"`
	// Placements are the placement policies a "memory-placement" study
	// compares at every ratio (array of tables "study.placements"; default:
	// ratio (first-fit), pressure (mem-aware) and sharing (mem-aware with
	// sharing admission)).
	Placements []StudyPlacement `toml:"placements"`
	// MechanismSets are the reclamation mechanisms a "memory" study
	// compares, each a comma-separated subset of share, balloon, compress
	// and swap (default: the memory table's mechanisms).
	MechanismSets []string `toml:"mechanism_sets"`
	// Variants are the runs a "cloud" study compares (array of tables
	// "study.variant"): each is the scenario with its set overrides.
	Variants []StudyVariant `toml:"variant"`
}

// StudyPlacement is one placement policy of a "memory-placement" study.
type StudyPlacement struct {
	// Name labels the policy's rows (required, unique).
	Name string `toml:"name"`
	// Policy and Args as in [placement].
	Policy string         `toml:"policy"`
	Args   map[string]any `toml:"args"`
}

// Memory is the memory-overcommitment model (see model/mem): the host's
// reclamation policy and the guests' memory behaviour. Defaults are the
// calibration note's (docs/scenario-format.md lists them).
type Memory struct {
	// Enabled runs the model on the hosts of a datacenter run: every host
	// group unless its memory = false (default false).
	Enabled bool `toml:"enabled"`
	// ProgressTolerance: a VM's memory progress factor and a host's
	// reclamation CPU reach the fluid CPU model when they change by more
	// than this fraction, or return to none (default 0.001; 0: every
	// change).
	ProgressTolerance float64 `toml:"progress_tolerance"`
	// Allocation: "shares" (default: min-funding revocation with the idle
	// memory tax), "proportional" or "first-come".
	Allocation string `toml:"allocation"`
	// Tax is the idle memory tax τ in [0, 1) (default 0.75).
	Tax float64 `toml:"tax"`
	// Mechanisms on: any of "share", "balloon", "compress", "swap"
	// (default all four).
	Mechanisms []string `toml:"mechanisms"`
	// MinFreeMiB is the high free-memory threshold (default 0: vSphere's
	// formula from the host's memory).
	MinFreeMiB float64 `toml:"min_free_mib"`
	// OverheadMiB is what the hypervisor keeps (default 512).
	OverheadMiB float64 `toml:"overhead_mib"`
	// Epoch between reclamation steps (default "1s"); Sample between
	// recorded samples (default "10s").
	Epoch  Duration `toml:"epoch"`
	Sample Duration `toml:"sample"`
	// BalloonMiBps is the balloon's speed (default 64); BalloonMax its cap
	// as a fraction of the VM (default 0.65).
	BalloonMiBps float64 `toml:"balloon_mibps"`
	BalloonMax   float64 `toml:"balloon_max"`
	// Compressible is the fraction of swap candidates that compress to
	// CompressedSize of a page (defaults 0.5, 0.5); CompressionCache the
	// cache per VM as a fraction of its memory (default 0.10).
	Compressible     float64 `toml:"compressible"`
	CompressedSize   float64 `toml:"compressed_size"`
	CompressionCache float64 `toml:"compression_cache"`
	// ScanPagesPerS is the sharing scanner's speed (default 5000);
	// CowRate the fraction of shared pages written per second (0.001).
	ScanPagesPerS float64 `toml:"scan_pages_per_s"`
	CowRate       float64 `toml:"cow_rate"`
	// SwapIn and GuestPageIn are disk reads (default "5ms"; "100us" for an
	// SSD); Decompress a decompression (default "30us").
	SwapIn      Duration `toml:"swap_in"`
	GuestPageIn Duration `toml:"guest_page_in"`
	Decompress  Duration `toml:"decompress"`
	// SamplePages estimate each guest's active memory every 30 s (default
	// 100; 0: the true value).
	SamplePages int `toml:"sample_pages"`

	// The guests. Images is how many OS images they cycle through (default
	// 1: identical guests); SharedIntra and SharedInter the fractions of a
	// guest's pages shareable within it and with guests of its image
	// (defaults 0.05 and 0.25); LargePages backs them with 2 MiB pages.
	Images      int     `toml:"images"`
	SharedIntra float64 `toml:"shared_intra"`
	SharedInter float64 `toml:"shared_inter"`
	LargePages  bool    `toml:"large_pages"`
	// Touched is the fraction of its memory a guest uses at all (default
	// 0.9); Active its working set (default 0.5), or ActiveProfile a list
	// of [seconds, fraction] points interpolated linearly (held after the
	// last), each guest shifted by Stagger times its index.
	Touched       float64     `toml:"touched"`
	Active        float64     `toml:"active"`
	ActiveProfile [][]float64 `toml:"active_profile"`
	Stagger       Duration    `toml:"stagger"`
	// TouchRate is distinct pages touched per second in the working set
	// (default 2000); GrowMiBps how fast a guest backs new pages (32);
	// GuestMinMiB what its balloon cannot take (256); Reservation the
	// fraction of its memory never reclaimed (0).
	TouchRate   float64 `toml:"touch_rate"`
	GrowMiBps   float64 `toml:"grow_mibps"`
	GuestMinMiB float64 `toml:"guest_min_mib"`
	Reservation float64 `toml:"reservation"`
}

// MemoryMechanisms are the values of memory.mechanisms.
var MemoryMechanisms = []string{"share", "balloon", "compress", "swap"}

// ParsePolicy splits a consolidation policy name of a study ("npa",
// "dvfs", "lr-mmt") into the overload detector and the VM selection.
func ParsePolicy(name string) (overload, selection string, err error) {
	if name == "npa" || name == "dvfs" {
		return name, "mmt", nil
	}
	d, sel, ok := strings.Cut(name, "-")
	if !ok || !slices.Contains(OverloadNames[1:6], d) || !slices.Contains(SelectionNames, sel) {
		return "", "", fmt.Errorf("unknown policy %q (npa, dvfs, or a detector %s joined by - to a selection %s, e.g. lr-mmt)",
			name, strings.Join(OverloadNames[1:6], "|"), strings.Join(SelectionNames, "|"))
	}
	return d, sel, nil
}

// AllPolicies are the 22 policies of Beloglazov & Buyya's comparison: the
// two baselines and every detector with every selection.
func AllPolicies() []string {
	out := []string{"npa", "dvfs"}
	for _, d := range OverloadNames[1:6] {
		for _, s := range SelectionNames {
			out = append(out, d+"-"+s)
		}
	}
	return out
}

// Consolidation is dynamic VM consolidation after Beloglazov & Buyya
// (CCPE 2012): every Interval the hosts' utilization histories are checked
// for overload, VMs are selected off overloaded hosts and re-placed by
// power-aware best fit decreasing, and underloaded hosts are evacuated
// and switched off. Migrations are live and take time.
type Consolidation struct {
	// Overload is the host overload detector: "none" (default: no
	// consolidation), "thr", "iqr", "mad", "lr" or "lrr"; or a baseline:
	// "npa" (every host on at full power, no migration) or "dvfs" (power
	// follows utilization, idle hosts off, no migration).
	Overload string `toml:"overload"`
	// Selection picks the VM to migrate off an overloaded host: "mmt"
	// (default), "mc", "rs" or "mu".
	Selection string `toml:"selection"`
	// Interval between decisions (default "5m").
	Interval Duration `toml:"interval"`
	// Threshold is THR's utilization threshold and the static fallback of
	// the adaptive detectors while their history is short (default 0.8).
	Threshold float64 `toml:"threshold"`
	// Safety is the adaptive detectors' parameter s (default 0: each
	// detector's own, iqr 1.5, mad 2.5, lr and lrr 1.2).
	Safety float64 `toml:"safety"`
	// History is the number of utilization values kept per VM (default 30).
	History int `toml:"history"`
	// Underload evacuates the least-utilized hosts and switches them off
	// when all their VMs fit elsewhere (default true).
	Underload *bool `toml:"underload"`
	// WakeCost makes re-placement charge a sleeping host's idle power to
	// wake it (default true; false is CloudSim's behaviour, which counts a
	// sleeping host at its idle draw).
	WakeCost *bool `toml:"wake_cost"`
	// CloudSimRAM re-places VMs without checking memory, as CloudSim does
	// (a running VM asks for the RAM its cloudlets use, 0 for the PlanetLab
	// workload): the published results of Beloglazov & Buyya 2012 come from
	// this behaviour. Initial placement still checks memory. Default false.
	CloudSimRAM bool `toml:"cloudsim_ram"`
	// Migration is the live-migration model: "reference" (default: RAM over
	// half the link, 10 % degradation on the source, 10 % reserved on the
	// target) or "precopy" (iterative pre-copy with a dirty-page rate).
	Migration string `toml:"migration"`
	// DirtyMiBps, StopCopyMiB and MaxRounds configure "precopy" (defaults
	// 0, 16 and 30).
	DirtyMiBps  float64 `toml:"dirty_mibps"`
	StopCopyMiB float64 `toml:"stop_copy_mib"`
	MaxRounds   int     `toml:"max_rounds"`
	// MaxConcurrent bounds the migrations in or out of one host at a time;
	// more wait their turn (default 0: no limit).
	MaxConcurrent int `toml:"max_concurrent"`
	// ShareLink makes the migrations running at once share the hosts'
	// links at max-min fair rates, re-shared whenever one starts or ends
	// (default: false for "reference", as CloudSim: each migration has the
	// whole link; true for "precopy").
	ShareLink *bool `toml:"share_link"`
}

// Power selects a host power model.
type Power struct {
	// Model is "linear" (IdleWatts..MaxWatts, linear in utilization),
	// "table" (TableWatts: 11 values at 0 %, 10 %, …, 100 %, linear in
	// between) or the name of a published SPECpower_ssj2008 table such as
	// "hp-ml110-g4" (see `simrun list --power`). Default "linear".
	Model string `toml:"model"`
	// IdleWatts and MaxWatts for "linear" (defaults 100 and 250).
	IdleWatts float64 `toml:"idle_watts"`
	MaxWatts  float64 `toml:"max_watts"`
	// TableWatts for "table": exactly 11 non-decreasing values.
	TableWatts []float64 `toml:"table_watts"`
}

// VMGroup is Count identical VMs, requested in index order.
type VMGroup struct {
	// Name of the group (default "vms<index>").
	Name string `toml:"name"`
	// Count of VMs (required, > 0).
	Count int `toml:"count"`
	// VCPUs per VM (required, > 0).
	VCPUs int `toml:"vcpus"`
	// MIPS per vCPU (required, > 0).
	MIPS float64 `toml:"mips"`
	// RAMGiB per VM (required, > 0).
	RAMGiB float64 `toml:"ram_gib"`
	// BandwidthMbps per VM (default 100).
	BandwidthMbps float64 `toml:"bandwidth_mbps"`
	// ImageGB is the VM's disk image, allocated from host storage (default 2.5).
	ImageGB float64 `toml:"image_gb"`
	// SubmitAt is when the first VM of the group is requested (default 0).
	SubmitAt Duration `toml:"submit_at"`
	// Interarrival spaces the group's requests: VM i is requested at
	// SubmitAt + i×Interarrival (default 0: all at SubmitAt), or is the
	// mean gap of a random arrival process.
	Interarrival Duration `toml:"interarrival"`
	// Arrival is the arrival process (table "arrival"; default "fixed",
	// the spacing above; see cloud.go).
	Arrival Arrival `toml:"arrival"`
	// BootTime is the time from placement to running (default 0).
	BootTime Duration `toml:"boot_time"`
	// Lifetime ends a running VM after this long (default 0: a VM with
	// cloudlets ends when its last cloudlet finishes; a VM with a utilization
	// workload runs until the scenario's Duration).
	Lifetime Duration `toml:"lifetime"`
	// LifetimeDist draws each VM's lifetime from a distribution (table
	// "lifetime_dist", stream "lifetime/<group>"; its mean defaults to
	// Lifetime).
	LifetimeDist Dist `toml:"lifetime_dist"`
	// Image is the [[cloud.image]] the group's instances boot (default:
	// the first one); VolumeGiB a volume each instance creates and
	// attaches once running (default 0: none). Both need [cloud].
	Image     string  `toml:"image"`
	VolumeGiB float64 `toml:"volume_gib"`
	// CloudletScheduler shares the VM's vCPUs among its cloudlets:
	// "time-shared" (default) or "space-shared" (FIFO, a cloudlet waits for
	// free vCPUs).
	CloudletScheduler string `toml:"cloudlet_scheduler"`
	// Utilization is the VM's CPU demand as a fraction of VCPUs×MIPS when the
	// VM runs no cloudlets (table "utilization"). Ignored for VMs that
	// receive cloudlets, whose demand follows their running cloudlets.
	Utilization Utilization `toml:"utilization"`
	// Profile names the workload profile the overhead models price on the
	// host's hypervisor: a built-in one (`simrun overhead --list`) or a
	// [[profile]] of the scenario (default "compute-bound"). Utilization
	// and cloudlet lengths are native work; a hypervisor slows it by the
	// profile's slowdown and adds host-side backend CPU.
	Profile string `toml:"profile"`
	// Memory is the group's guest memory on hosts that simulate memory
	// (table "memory"; defaults from [memory]).
	Memory VMMemory `toml:"memory"`
}

// VMMemory is a VM group's memory controls and behaviour for model/mem.
// Keys left out take the [memory] table's value of the same name.
type VMMemory struct {
	// Image names the guests' OS image: guests of one image on one host
	// share SharedInter of their touched pages (default: the group's name;
	// with [cloud], the machine image the group boots).
	Image string `toml:"image"`
	// Shares weigh the guests against others when memory is taken
	// (default 0: one per MiB of RAM, ESX's normal).
	Shares float64 `toml:"shares"`
	// ReservationGiB is never reclaimed; LimitGiB caps what a guest may
	// hold (default 0: its RAM).
	ReservationGiB float64 `toml:"reservation_gib"`
	LimitGiB       float64 `toml:"limit_gib"`
	// SharedIntra, SharedInter, LargePages, Touched, TouchRate, GrowMiBps
	// and GuestMinMiB as in [memory].
	SharedIntra float64 `toml:"shared_intra"`
	SharedInter float64 `toml:"shared_inter"`
	LargePages  bool    `toml:"large_pages"`
	Touched     float64 `toml:"touched"`
	TouchRate   float64 `toml:"touch_rate"`
	GrowMiBps   float64 `toml:"grow_mibps"`
	GuestMinMiB float64 `toml:"guest_min_mib"`
	// WorkingSet is "constant" (Active of the RAM; default) or "cpu": the
	// working set follows the VM's CPU utilization u, ActiveIdle + (Active
	// − ActiveIdle)·u of the RAM (ActiveIdle defaults to Active).
	WorkingSet string  `toml:"working_set"`
	Active     float64 `toml:"active"`
	ActiveIdle float64 `toml:"active_idle"`
}

// Utilization is a synthetic or trace-driven CPU utilization model. All
// fractions are of the VM's full capacity (vCPUs × MIPS), in [0, 1].
type Utilization struct {
	// Model is "constant" (Level), "uniform" (a new value drawn from
	// [Min, Max] every Interval, from the VM's own random stream),
	// "diurnal" (Mean + Amplitude·cos(2π(t − PeakAt)/Period), clamped to
	// [0, 1]; sampled every Interval), "trace" (one percent value per line
	// of the file Trace, one line per Interval), "planetlab" (VM i replays
	// its own file of the PlanetLab day TraceDir) or "csv" (VM i replays
	// the i-th VM of the CSV trace Trace, sampled every Interval). Default
	// "constant".
	Model string `toml:"model"`
	// Level for "constant" (default 1.0).
	Level float64 `toml:"level"`
	// Min and Max for "uniform" (defaults 0 and 1).
	Min float64 `toml:"min"`
	Max float64 `toml:"max"`
	// Mean, Amplitude, Period (default "24h") and PeakAt (default "14h") for
	// "diurnal".
	Mean      float64  `toml:"mean"`
	Amplitude float64  `toml:"amplitude"`
	Period    Duration `toml:"period"`
	PeakAt    Duration `toml:"peak_at"`
	// Interval between changes for "uniform", "diurnal" and "trace"
	// (default "5m").
	Interval Duration `toml:"interval"`
	// Trace is a file path (relative paths are relative to the scenario
	// file's directory) for "trace"; VM i of the group reads line k at time
	// k×Interval after it starts running; after the last line the last value
	// holds. For "csv" it is a CSV trace of many VMs (columns vm,
	// cpu_percent, and interval or time_s; see model/trace).
	Trace string `toml:"trace"`
	// TraceDir is a PlanetLab day directory for "planetlab" (one file per
	// VM, 5-minute samples; the shipped day is "data/planetlab/20110303").
	TraceDir string `toml:"trace_dir"`
	// TraceOffset: VM i of the group replays trace TraceOffset + i of the
	// set (for "planetlab" and "csv"; default 0).
	TraceOffset int `toml:"trace_offset"`
}

// CloudletGroup is Count cloudlets of equal length submitted together.
type CloudletGroup struct {
	// Name of the group (default "cloudlets<index>").
	Name string `toml:"name"`
	// Count of cloudlets (required, > 0).
	Count int `toml:"count"`
	// LengthMI is each cloudlet's length in million instructions (required, > 0).
	LengthMI float64 `toml:"length_mi"`
	// Cores each cloudlet uses (default 1).
	Cores int `toml:"cores"`
	// SubmitAt is when the cloudlets are submitted (default 0). A cloudlet
	// whose VM is not running yet waits for it.
	SubmitAt Duration `toml:"submit_at"`
	// VMGroup restricts the target VMs to one vm_group by name (default "":
	// all VMs in submission order).
	VMGroup string `toml:"vm_group"`
	// Assign is how cloudlets map to target VMs: "round-robin" (cloudlet i
	// of the group goes to target VM i mod V; the default and the only one
	// for now).
	Assign string `toml:"assign"`
}

// Placement selects and configures the placement policy.
type Placement struct {
	// Policy is a registered policy name (default "first-fit").
	Policy string `toml:"policy"`
	// Args are the policy's own arguments (table "placement.args"), decoded
	// and validated by the policy.
	Args map[string]any `toml:"args"`
}

// Output controls recording.
type Output struct {
	// SampleInterval samples host and VM state into hosts.csv, vms.csv and
	// datacenter.csv every interval (default "0": no sampling, no time
	// series files beyond the per-VM outcomes). Summary totals are exact
	// whatever the sampling.
	SampleInterval Duration `toml:"sample_interval"`
	// Cloudlets writes one row per cloudlet to cloudlets.csv (default true).
	Cloudlets *bool `toml:"cloudlets"`
	// Plots writes PNG and SVG figures when sampling is on (default true).
	Plots *bool `toml:"plots"`
}

// Duration is a simulated duration written in TOML as a Go duration string
// ("90s", "1h30m", "24h") or an integer number of seconds.
type Duration struct{ sim.Time }

// Sweep is a grid of variants of the scenario, each replicated: see
// `simrun sweep` and package sweep.
type Sweep struct {
	// Replications of every grid point, each with its own seed derived
	// from the master seed (default 1).
	Replications int `toml:"replications"`
	// Vary lists the swept keys (array of tables "sweep.vary"); the grid
	// is their Cartesian product, the first varying slowest.
	Vary []SweepAxis `toml:"vary"`
	// Plots names the summary metrics drawn against the first swept key
	// (default: the usual ones the runs have).
	Plots []string `toml:"plots"`
	// Scatter names two metrics drawn against each other, one point per
	// grid point (optional).
	Scatter []string `toml:"scatter"`
}

// SweepAxis is one swept key: any key --set accepts (a declared parameter
// or a key path such as host_group.0.count) and its values.
type SweepAxis struct {
	Key    string `toml:"key"`
	Values []any  `toml:"values"`
}
