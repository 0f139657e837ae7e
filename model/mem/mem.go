package mem

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// PageMiB is the size of a 4 KiB page in MiB; rates given in pages per
// second are converted with it.
const PageMiB = 1.0 / 256

// State is a host's free-memory state. Each state turns on more
// reclamation than the one before it (vSphere 6 and later; calibration
// note §2).
type State int

const (
	// High: free memory at or above minFree. Nothing is reclaimed.
	High State = iota
	// Clear: below minFree. Page sharing breaks large pages and shares.
	Clear
	// Soft: below 64 % of minFree. Ballooning; what the balloon cannot
	// free in time is swapped.
	Soft
	// Hard: below 32 %. Compression and swapping as well.
	Hard
	// Low: below 16 %. VMs above their target are also blocked.
	Low
)

var stateNames = [...]string{"high", "clear", "soft", "hard", "low"}

func (s State) String() string { return stateNames[s] }

// Mechanisms turns the reclamation mechanisms on or off, to compare
// them (all on is the full policy).
type Mechanisms struct{ Share, Balloon, Compress, Swap bool }

// AllMechanisms is the full policy.
var AllMechanisms = Mechanisms{true, true, true, true}

// Allocation decides which VM gives memory up first.
type Allocation int

const (
	// SharesTax is Waldspurger's min-funding revocation with the idle
	// memory tax: memory is taken from the VM with the lowest
	// ρ = S / (P·(f + k(1−f))), k = 1/(1−τ).
	SharesTax Allocation = iota
	// Proportional is pure proportional share (the tax at 0): ρ = S / P.
	Proportional
	// FirstCome takes memory from the newest VM first, down to its
	// reservation, then from the one before it.
	FirstCome
)

// ParseAllocation reads "shares", "proportional" or "first-come".
func ParseAllocation(s string) (Allocation, error) {
	switch s {
	case "shares":
		return SharesTax, nil
	case "proportional":
		return Proportional, nil
	case "first-come":
		return FirstCome, nil
	}
	return 0, fmt.Errorf("unknown allocation %q (shares, proportional, first-come)", s)
}

// Config is a host's memory management. Defaults (Defaults) follow the
// calibration note; those marked [ASSUMPTION] there are parameters here.
type Config struct {
	// MemoryMiB is the host's memory; OverheadMiB what the hypervisor
	// keeps for itself (including per-VM overhead).
	MemoryMiB, OverheadMiB float64
	// MinFreeMiB is the high threshold (0: vSphere 5+'s formula, MinFree).
	MinFreeMiB float64
	// Hysteresis is how far above a threshold free memory must rise before
	// the state moves back up, as a fraction of host memory (0.01).
	Hysteresis float64
	// EpochS is the reclamation period in seconds (1).
	EpochS     float64
	Allocation Allocation
	// Tax is the idle memory tax τ (0.75: an idle page costs 4 active).
	Tax float64
	// SamplePages and SamplePeriodS estimate each VM's active fraction:
	// SamplePages random pages every SamplePeriodS seconds (100, 30), the
	// estimate the larger of a fast and a slow moving average. SamplePages
	// 0 uses the true active fraction.
	SamplePages   int
	SamplePeriodS float64
	Mech          Mechanisms
	// BalloonMiBps is each balloon's inflation (and deflation) speed (64);
	// BalloonMaxFrac the largest balloon, as a fraction of the VM's memory
	// (0.65).
	BalloonMiBps, BalloonMaxFrac float64
	// CompressibleFrac of swap candidates compress to CompressedFrac of a
	// page or less (0.5 and 0.5); the compression cache holds at most
	// CacheFrac of each VM's memory (0.10).
	CompressibleFrac, CompressedFrac, CacheFrac float64
	// ScanPagesPerS is the page-sharing scanner's speed (5000, KSM's
	// default 100 pages per 20 ms); ScanCostUs its CPU per page (1).
	ScanPagesPerS, ScanCostUs float64
	// CowRate is the fraction of shared pages written per second, each
	// write breaking the sharing (0.001).
	CowRate float64
	// Per-event costs: a swap-in (5 ms, a disk read), a guest page-in
	// after ballooning (5 ms), a decompression (30 µs), a compression
	// (30 µs of host CPU), a copy-on-write break (3 µs).
	SwapInS, GuestPageInS, DecompressS, CompressS, CowS float64
}

// MinFree is vSphere 5+'s minFree for a host of m MiB: 6 % of the first
// 4 GiB, 4 % of the next 8, 2 % of the next 16 and 1 % of the rest
// (899 MiB for 28 GiB; calibration note §2).
func MinFree(m float64) float64 {
	tiers := []struct{ size, frac float64 }{{4096, 0.06}, {8192, 0.04}, {16384, 0.02}, {math.Inf(1), 0.01}}
	f := 0.0
	for _, t := range tiers {
		x := min(m, t.size)
		f += x * t.frac
		m -= x
		if m <= 0 {
			break
		}
	}
	return f
}

// Defaults is the calibration note's model for a host of memMiB.
func Defaults(memMiB float64) Config {
	return Config{
		MemoryMiB: memMiB, Hysteresis: 0.01, EpochS: 1, Allocation: SharesTax, Tax: 0.75,
		SamplePages: 100, SamplePeriodS: 30, Mech: AllMechanisms,
		BalloonMiBps: 64, BalloonMaxFrac: 0.65,
		CompressibleFrac: 0.5, CompressedFrac: 0.5, CacheFrac: 0.10,
		ScanPagesPerS: 5000, ScanCostUs: 1, CowRate: 0.001,
		SwapInS: 5e-3, GuestPageInS: 5e-3, DecompressS: 30e-6, CompressS: 30e-6, CowS: 3e-6,
	}
}

// VM is one guest's memory: its controls, what its workload does, and
// where its pages are. All sizes are MiB.
type VM struct {
	Name string
	// ConfigMiB is the guest's memory; ReservationMiB is never reclaimed;
	// LimitMiB caps what it may hold (0: ConfigMiB); Shares weigh it
	// against the others (default 1 per MiB configured, as ESX's normal).
	ConfigMiB, ReservationMiB, LimitMiB, Shares float64
	// Image names the guest's OS image: guests of one image on one host
	// share SharedInter of their pages; SharedIntra (zero pages and
	// duplicates inside the guest) is shareable anyway. LargePages backs
	// the guest with 2 MiB pages, which are not shared until the host is
	// short of memory and breaks them.
	Image                    string
	SharedIntra, SharedInter float64
	LargePages               bool
	// TouchedFrac is the part of its memory the guest uses at all (its
	// page cache included; the rest is never touched and never backed).
	TouchedFrac float64
	// ActiveMiB is the working set now (set by the caller each epoch);
	// TouchRate is how many distinct pages per second the guest touches
	// in it (what turns reclaimed pages into faults); GrowMiBps how fast
	// the guest backs pages it has not touched before (its page cache
	// filling; default 32).
	ActiveMiB, TouchRate, GrowMiBps float64
	// GuestMinMiB is what the guest cannot give its balloon.
	GuestMinMiB float64

	// Where the guest's pages are (MiB): resident private, shared
	// (logical), compressed (logical), swapped, in the balloon; the rest
	// of ConfigMiB is untouched.
	Resident, Shared, Compressed, Swapped, Balloon float64

	// Blocked is set while the host, at its low state, stops the VM.
	Blocked bool
	// Slowdown is S = 1 + Σ λ·t over the memory events of the last epoch;
	// Progress is 1/S, or 0 when blocked.
	Slowdown, Progress float64
	// Fault rates of the last epoch, per second: guest page-ins, swap-ins,
	// decompressions, copy-on-write breaks.
	GuestFaults, SwapIns, Decompressions, CowBreaks float64

	fFast, fSlow, fEst float64
	sampleAt           float64
	kImage             int     // VMs of this image on the host
	frame              float64 // machine MiB per shared MiB
}

func (v *VM) limit() float64 {
	if v.LimitMiB > 0 {
		return min(v.LimitMiB, v.ConfigMiB)
	}
	return v.ConfigMiB
}

// untouched is the guest memory never backed.
func (v *VM) untouched() float64 {
	return v.ConfigMiB - v.Resident - v.Shared - v.Compressed - v.Swapped - v.Balloon
}

// Host runs the reclamation of one host's memory.
type Host struct {
	Cfg   Config
	VMs   []*VM
	State State
	// Free is the host's free memory, kept by every transfer (Check
	// recomputes it from the pages).
	Free float64
	// Totals since the start.
	Totals Totals
	// EpochCPUS is the host CPU (seconds) the last epoch spent on scanning,
	// compression and decompression.
	EpochCPUS float64
	rng       *rand.Rand
	epoch     int64   // epochs run
	now       float64 // epoch × EpochS
	buf       targetBufs
	snap      []snapshot
}

// Totals are cumulative counts of a host's reclamation.
type Totals struct {
	// MiB moved by each mechanism (out of resident memory).
	Ballooned, Compressed, Swapped, Shared float64
	// MiB brought back: swapped in, decompressed, balloon deflated, CoW.
	SwappedIn, Decompressed, Deflated, Unshared float64
	// HostCPUS is host CPU seconds spent on scanning and compression.
	HostCPUS float64
	// StateS[s] is the time spent in each state.
	StateS [5]float64
	// BlockedS is VM-seconds blocked.
	BlockedS float64
}

// NewHost is a host with cfg and the VMs; rng draws the working-set
// samples (nil when SamplePages is 0).
func NewHost(cfg Config, vms []*VM, rng *rand.Rand) (*Host, error) {
	if cfg.MemoryMiB <= 0 || cfg.EpochS <= 0 {
		return nil, fmt.Errorf("mem: host memory and epoch must be positive")
	}
	if cfg.Tax < 0 || cfg.Tax >= 1 {
		return nil, fmt.Errorf("mem: tax %v outside [0, 1)", cfg.Tax)
	}
	if cfg.MinFreeMiB == 0 {
		cfg.MinFreeMiB = MinFree(cfg.MemoryMiB)
	}
	if cfg.SamplePages > 0 && rng == nil {
		return nil, fmt.Errorf("mem: working-set sampling needs a random stream")
	}
	h := &Host{Cfg: cfg, rng: rng, Free: cfg.MemoryMiB - cfg.OverheadMiB}
	for _, v := range vms {
		if err := h.Add(v); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// Remove takes v off the host: its pages are gone, and the other VMs
// keep their order.
func (h *Host) Remove(v *VM) error {
	for i, u := range h.VMs {
		if u == v {
			h.VMs = append(h.VMs[:i], h.VMs[i+1:]...)
			h.rebase()
			return nil
		}
	}
	return fmt.Errorf("mem: VM %q is not on the host", v.Name)
}

// Now is the host's time: epochs run (or skipped) × the epoch.
func (h *Host) Now() float64 { return h.now }

// Add places v on the host, with nothing backed yet (the guest backs
// its pages as it touches them).
func (h *Host) Add(v *VM) error {
	if v.ConfigMiB <= 0 || v.ReservationMiB < 0 || v.ReservationMiB > v.ConfigMiB {
		return fmt.Errorf("mem: VM %q: memory %v MiB, reservation %v MiB", v.Name, v.ConfigMiB, v.ReservationMiB)
	}
	if v.Shares <= 0 {
		v.Shares = v.ConfigMiB
	}
	if v.TouchedFrac <= 0 || v.TouchedFrac > 1 {
		v.TouchedFrac = 1
	}
	if v.GrowMiBps <= 0 {
		v.GrowMiBps = 32
	}
	v.fFast, v.fSlow, v.fEst, v.sampleAt = 1, 1, 1, h.now
	v.Slowdown, v.Progress = 1, 1
	h.VMs = append(h.VMs, v)
	h.rebase()
	return nil
}

// rebase recounts the VMs per image, which sets how much machine memory
// a shared page costs, and recomputes free memory from the pages.
func (h *Host) rebase() {
	count := map[string]int{}
	for _, v := range h.VMs {
		count[v.Image]++
	}
	for _, v := range h.VMs {
		v.kImage = count[v.Image]
	}
	for _, v := range h.VMs {
		v.frame = h.frameCost(v)
	}
	h.Free = h.Cfg.MemoryMiB - h.used()
}

// frameCost is the machine memory one logical shared MiB of v takes:
// pages shared within the guest (mostly zero pages) cost nothing, pages
// shared with the other k−1 guests of its image cost 1/k each.
func (h *Host) frameCost(v *VM) float64 {
	inter := 0.0
	if v.kImage >= 2 {
		inter = v.SharedInter
	}
	if v.SharedIntra+inter == 0 {
		return 0
	}
	return inter / float64(v.kImage) / (v.SharedIntra + inter)
}

// used is the machine memory the pages take, plus the overhead.
func (h *Host) used() float64 {
	u := h.Cfg.OverheadMiB
	for i := range h.VMs {
		u += h.held(i)
	}
	return u
}

// Check verifies the invariants: every VM's pages add up to its memory
// with none negative, and the host's free memory equals its memory less
// what the pages take. It returns the first violation.
func (h *Host) Check() error {
	const eps = 1e-6
	for _, v := range h.VMs {
		for _, x := range []float64{v.Resident, v.Shared, v.Compressed, v.Swapped, v.Balloon, v.untouched()} {
			if x < -eps*v.ConfigMiB {
				return fmt.Errorf("mem: VM %q: a negative page count (resident %v, shared %v, compressed %v, swapped %v, balloon %v, untouched %v)",
					v.Name, v.Resident, v.Shared, v.Compressed, v.Swapped, v.Balloon, v.untouched())
			}
		}
	}
	if want := h.Cfg.MemoryMiB - h.used(); math.Abs(h.Free-want) > eps*h.Cfg.MemoryMiB {
		return fmt.Errorf("mem: free memory %v MiB, but memory less pages is %v MiB", h.Free, want)
	}
	if h.Free < -eps*h.Cfg.MemoryMiB {
		return fmt.Errorf("mem: free memory %v MiB is negative", h.Free)
	}
	return nil
}

// Thresholds are the free memory at which the states begin: minFree,
// 64 %, 32 % and 16 % of it.
func (h *Host) Thresholds() (high, soft, hard, low float64) {
	m := h.Cfg.MinFreeMiB
	return m, 0.64 * m, 0.32 * m, 0.16 * m
}

// stateFor is the state for free memory f coming from state s: down at
// once when f falls below a threshold, up only once f is the hysteresis
// above it.
func (h *Host) stateFor(f float64, s State) State {
	hi, so, ha, lo := h.Thresholds()
	th := [...]float64{hi, so, ha, lo} // state k+1 begins below th[k]
	down := High
	for k, t := range th {
		if f < t {
			down = State(k + 1)
		}
	}
	if down >= s {
		return down
	}
	// Moving up: to each better state only past its threshold plus δ.
	d := h.Cfg.Hysteresis * h.Cfg.MemoryMiB
	for s > down && f >= th[s-1]+d {
		s--
	}
	return s
}

// SharedFrames is the machine memory v's shared pages take (its share of
// the frames they are merged into).
func (h *Host) SharedFrames(v *VM) float64 { return v.Shared * v.frame }

// BalloonSaved is the host memory v's balloon saves: the balloon takes the
// guest's never-touched pages first, which cost the host nothing, so it
// saves what it holds beyond them.
func (v *VM) BalloonSaved() float64 {
	return max(0, v.Balloon-(1-v.TouchedFrac)*v.ConfigMiB)
}

// Usage is what a host's guests hold and what each mechanism gives back,
// summed over the guests (MiB), with their fault rates (per second) and
// their slowdown.
type Usage struct {
	// ActiveMiB is the working sets, ResidentMiB the private resident
	// pages.
	ActiveMiB, ResidentMiB float64
	// SharedMiB is logical shared memory, SharedSavedMiB what it saves
	// (less the frames it takes); BalloonMiB what the balloons save,
	// CompressedSavedMiB the compressed pages less the cache they take,
	// SwappedMiB the swapped pages.
	SharedMiB, SharedSavedMiB, BalloonMiB, CompressedSavedMiB, SwappedMiB float64
	SwapInsPerS, GuestFaultsPerS                                          float64
	// Progress is Σ progress (1/S, 0 when blocked); Blocked the guests
	// blocked; Slowdown the guests' mean progress inverted (1 without
	// guests, +Inf when all are blocked).
	Progress float64
	Blocked  int
	Slowdown float64
}

// Usage sums the host's guests now.
func (h *Host) Usage() Usage {
	u := Usage{Slowdown: 1}
	cs := h.Cfg.CompressedFrac
	for _, v := range h.VMs {
		u.ActiveMiB += v.ActiveMiB
		u.ResidentMiB += v.Resident
		u.SharedMiB += v.Shared
		u.SharedSavedMiB += v.Shared - h.SharedFrames(v)
		u.BalloonMiB += v.BalloonSaved()
		u.CompressedSavedMiB += v.Compressed * (1 - cs)
		u.SwappedMiB += v.Swapped
		u.SwapInsPerS += v.SwapIns
		u.GuestFaultsPerS += v.GuestFaults
		u.Progress += v.Progress
		if v.Blocked {
			u.Blocked++
		}
	}
	if len(h.VMs) > 0 {
		u.Slowdown = math.Inf(1)
		if u.Progress > 0 {
			u.Slowdown = float64(len(h.VMs)) / u.Progress
		}
	}
	return u
}
