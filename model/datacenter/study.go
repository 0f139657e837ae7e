package datacenter

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/simrun/simrun/model/cpu"
	"github.com/simrun/simrun/model/host"
	iovirt "github.com/simrun/simrun/model/io"
	"github.com/simrun/simrun/model/mmu"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// IsStudy reports whether the scenario is a virtualization study rather
// than a datacenter run.
func IsStudy(sc *scenarios.Scenario) bool { return sc.Study.Kind != "" }

// studyConfigs are the hypervisor configurations a study tries: the host
// group's hypervisor with each listed CPU technique, MMU mode, I/O choice,
// generation and page-size setting substituted (invalid combinations left
// out; the generation varied only under hardware assist).
func studyConfigs(sc *scenarios.Scenario) ([]host.Hypervisor, error) {
	base, err := BuildHypervisor(sc.HostGroups[0].Hypervisor)
	if err != nil {
		return nil, fmt.Errorf("%s: host_group[0].hypervisor: %w", sc.File, err)
	}
	st := &sc.Study
	techs := []cpu.Technique{base.CPU.Technique}
	if len(st.CPU) > 0 {
		techs = nil
		for _, s := range st.CPU {
			t, _ := cpu.ParseTechnique(s) // validated by the loader
			techs = append(techs, t)
		}
	}
	modes := []mmu.Mode{base.MMU.Mode}
	if len(st.MMU) > 0 {
		modes = nil
		for _, s := range st.MMU {
			m, _ := mmu.ParseMode(s)
			modes = append(modes, m)
		}
	}
	ios := []host.IOChoice{{Mode: base.IO.Mode, Posted: base.IO.PostedInterrupts}}
	if len(st.IO) > 0 {
		ios = nil
		for _, s := range st.IO {
			c, _ := host.ParseIOChoice(s)
			ios = append(ios, c)
		}
	}
	gens := []cpu.Generation{base.CPU.Generation}
	if len(st.Generations) > 0 {
		gens = nil
		for _, s := range st.Generations {
			g, _ := cpu.LookupGeneration(s)
			gens = append(gens, g)
		}
	}
	pages := [][2]bool{{base.MMU.GuestLargePages, base.MMU.HostLargePages}}
	if len(st.LargePages) > 0 {
		pages = nil
		for _, s := range st.LargePages {
			pages = append(pages, [2]bool{strings.Contains(s, "guest"), strings.Contains(s, "host")})
		}
	}
	var out []host.Hypervisor
	for _, t := range techs {
		for gi, g := range gens {
			if t != cpu.HardwareAssist && gi > 0 {
				continue
			}
			for _, lp := range pages {
				b := base
				b.CPU.Generation = g
				b.MMU.GuestLargePages, b.MMU.HostLargePages = lp[0], lp[1]
				for _, h := range host.Combinations(b, []cpu.Technique{t}, modes, ios) {
					if t == cpu.Native {
						h.MMU.Mode, h.IO.Mode = mmu.Native, iovirt.Native
					}
					out = append(out, h)
				}
				if t == cpu.Native && !slices.ContainsFunc(out, func(h host.Hypervisor) bool { return h.CPU.Technique == cpu.Native }) {
					h := b
					h.CPU.Technique, h.MMU.Mode, h.IO.Mode, h.IO.PostedInterrupts = cpu.Native, mmu.Native, iovirt.Native, false
					out = append(out, h.Defaulted())
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: study: no valid hypervisor configuration among the listed cpu, mmu and io values", sc.File)
	}
	return out, nil
}

func configName(h *host.Hypervisor) string {
	s := h.Label()
	if h.CPU.Technique == cpu.HardwareAssist {
		s += " " + h.CPU.Generation.Name
	}
	return s
}

// RunStudy runs the scenario's virtualization study and fills rec with its
// records and summary. The study is deterministic: every request-level
// simulation is seeded from the scenario's seed.
func RunStudy(sc *scenarios.Scenario, rec *results.Recorder) error {
	if len(sc.HostGroups) == 0 || len(sc.VMGroups) == 0 {
		return fmt.Errorf("%s: a study needs a host_group and a vm_group", sc.File)
	}
	// Every kind's summary names the scenario and the study.
	rec.Study = sc.Study.Kind
	s := &rec.Summary
	s.Scenario, s.ScenarioSHA256, s.Seed, s.Overrides = sc.Name, sc.SHA256, sc.Seed, sc.Overrides()
	s.Policy = "study:" + sc.Study.Kind
	s.Metrics = map[string]float64{}
	switch sc.Study.Kind {
	case "memory":
		s.Hosts = 1
		return memoryStudy(sc, rec)
	case "memory-placement", "cloud":
		s.SimulatedS = sim.Seconds(sc.Duration.Time)
		for _, g := range sc.HostGroups {
			s.Hosts += g.Count
		}
		if sc.Study.Kind == "cloud" {
			return cloudStudy(sc, rec)
		}
		return memoryPlacementStudy(sc, rec)
	case "consolidation":
		s.SimulatedS = sim.Seconds(sc.Duration.Time)
		s.Hosts = 0
		for _, g := range sc.HostGroups {
			s.Hosts += g.Count
		}
		return compareStudy(sc, rec)
	}
	hs, err := studyConfigs(sc)
	if err != nil {
		return err
	}
	s.Metrics["configurations"] = float64(len(hs))
	switch sc.Study.Kind {
	case "overhead":
		return overheadStudy(sc, hs, rec)
	case "io-consolidation":
		return ioStudy(sc, hs, rec)
	case "capacity":
		return capacityStudy(sc, hs, rec)
	}
	return fmt.Errorf("%s: study.kind: unknown kind %q", sc.File, sc.Study.Kind)
}

func overheadStudy(sc *scenarios.Scenario, hs []host.Hypervisor, rec *results.Recorder) error {
	names := sc.Study.Profiles
	if len(names) == 0 {
		names = vm.ProfileNames()
	}
	maxS := 0.0
	for _, n := range names {
		p, err := sc.Profile(n)
		if err != nil {
			return fmt.Errorf("%s: study.profiles: %w", sc.File, err)
		}
		for _, h := range hs {
			o := h.Evaluate(&p)
			r := h.Record(o)
			r.Config = configName(&h)
			r.Generation = ""
			rec.Overheads = append(rec.Overheads, r)
			maxS = max(maxS, o.Slowdown)
		}
	}
	rec.Summary.Metrics["profiles"] = float64(len(names))
	rec.Summary.Metrics["max_slowdown"] = maxS
	return nil
}

// ioSetup is what a request-level simulation of one host needs for one
// configuration.
type ioSetup struct {
	hyp     host.Hypervisor
	ov      host.Overhead
	prof    vm.Profile
	rate    float64 // requests per second per VM
	perReq  iovirt.Request
	clockHz float64
}

func newIOSetup(sc *scenarios.Scenario, h host.Hypervisor) (ioSetup, error) {
	g := &sc.VMGroups[0]
	p, err := sc.Profile(g.Profile)
	if err != nil {
		return ioSetup{}, fmt.Errorf("%s: vm_group[0].profile: %w", sc.File, err)
	}
	u := ioSetup{hyp: h, prof: p, ov: h.Evaluate(&p), clockHz: clockGHz(&sc.HostGroups[0]) * 1e9}
	u.perReq = h.IO.PerRequest(&p, &h.CPU)
	u.rate = sc.Study.RatePerVM
	if u.rate == 0 {
		// Native work per second at the VM's utilization level, times the
		// profile's requests per instruction.
		u.rate = p.IORequests * float64(g.VCPUs) * g.MIPS * 1e6 * level(g) / 1e9
	}
	return u, nil
}

func level(g *scenarios.VMGroup) float64 {
	if g.Utilization.Model == "constant" {
		return g.Utilization.Level
	}
	return 1
}

// hostSim builds the request-level simulation of n VMs: each request
// carries 10⁹/IORequests instructions of the profile's work, so its vCPU
// cost is the native cycles of that work times the slowdown, and its
// backend cost the I/O model's host cycles.
func (u *ioSetup) hostSim(sc *scenarios.Scenario, n int, seed uint64) iovirt.HostSim {
	hg := &sc.HostGroups[0]
	guest := 0.0
	if u.prof.IORequests > 0 {
		guest = u.ov.C0 * u.ov.Slowdown / u.prof.IORequests
	}
	return iovirt.HostSim{
		VMs: n, RatePerVM: u.rate, Bytes: u.prof.IOBytes,
		GuestCycles: guest, HostCycles: u.perReq.Host, ClockHz: u.clockHz,
		BackendThreads: u.hyp.IO.BackendThreads, LinkBps: hg.BandwidthGbps * 1e9,
		CV: u.hyp.IO.CV, RingSlots: sc.Study.RingSlots,
		Duration: sc.Study.Duration.Time, Warmup: sc.Study.Warmup.Time, Seed: seed,
	}
}

func ioPoint(cfg string, n, cores int, h *iovirt.HostSim, r *iovirt.HostResult) results.IOPoint {
	offered := float64(r.Offered) / sec(h)
	p := results.IOPoint{Config: cfg, VMs: n, OfferedRPS: offered, ThroughputRPS: r.ThroughputRPS,
		ThroughputGbps: r.ThroughputGbps, MeanLatencyUs: r.MeanLatency * 1e6, P50Us: r.P50 * 1e6,
		P90Us: r.P90 * 1e6, P99Us: r.P99 * 1e6, GuestCores: r.GuestCores, BackendCores: r.BackendCores,
		HostCores: cores, BackendUtil: r.BackendUtil, LinkUtil: r.LinkUtil}
	if r.Offered > 0 {
		p.DropFraction = float64(r.Dropped) / float64(r.Offered)
	}
	return p
}

func sec(h *iovirt.HostSim) float64 { return float64(h.Duration-h.Warmup) / 1e9 }

func ioStudy(sc *scenarios.Scenario, hs []host.Hypervisor, rec *results.Recorder) error {
	if sc.Study.RatePerVM == 0 {
		if p, _ := sc.Profile(sc.VMGroups[0].Profile); p.IORequests == 0 {
			return fmt.Errorf("%s: study: vm_group[0].profile %q does no I/O; pick an I/O profile or set study.rate_per_vm", sc.File, p.Name)
		}
	}
	events := 0
	for ci, h := range hs {
		u, err := newIOSetup(sc, h)
		if err != nil {
			return err
		}
		for _, n := range sc.Study.VMs {
			sim := u.hostSim(sc, n, sc.Seed+uint64(ci)<<32+uint64(n))
			r, err := sim.Run()
			if err != nil {
				return fmt.Errorf("%s: study: %w", sc.File, err)
			}
			rec.IOPoints = append(rec.IOPoints, ioPoint(configName(&h), n, sc.HostGroups[0].Cores, &sim, &r))
			events += r.Completed
		}
	}
	rec.Summary.Metrics["requests_measured"] = float64(events)
	return nil
}

// capacityStudy finds, for each configuration, the most VMs of vm_group[0]
// that one host_group[0] host takes while (1) their CPU demand, overhead
// and backend included, fits the host's capacity, (2) their memory, page
// tables included, fits its RAM, (3) their vCPUs fit its cores under the
// CPU allocation ratio, and (4) the I/O latency at the target percentile
// stays within the target (a request-level simulation, binary search;
// latency grows with every VM, see iovirt.HostSim).
func capacityStudy(sc *scenarios.Scenario, hs []host.Hypervisor, rec *results.Recorder) error {
	hg, g := &sc.HostGroups[0], &sc.VMGroups[0]
	st := &sc.Study
	capMIPS := float64(hg.Cores) * hg.MIPSPerCore
	ratio := hg.CPUAllocationRatio
	if ratio == 0 {
		ratio = 1
	}
	want := float64(g.VCPUs) * math.Min(g.MIPS, hg.MIPSPerCore) * level(g)
	static := func(o *host.Overhead) (int, string) {
		limits := []struct {
			n    float64
			name string
		}{
			{capMIPS / (want * (o.Slowdown + o.HostFactor)), "cpu"},
			{hg.RAMGiB / (g.RAMGiB * (1 + o.MemFraction)), "memory"},
			{float64(hg.Cores) * ratio / float64(g.VCPUs), "vcpus"},
			{float64(st.MaxVMs), "max_vms"},
		}
		best, why := math.Inf(1), ""
		for _, l := range limits {
			// Within a relative 1e-9 of an integer counts as reaching it.
			n := math.Floor(l.n * (1 + 1e-9))
			if n < best {
				best, why = n, l.name
			}
		}
		return int(best), why
	}
	prof, err := sc.Profile(g.Profile)
	if err != nil {
		return fmt.Errorf("%s: vm_group[0].profile: %w", sc.File, err)
	}
	target := float64(st.LatencyTarget.Time) / 1e9
	q := st.LatencyPercentile / 100
	fit := func(h host.Hypervisor, seed uint64) (best int, why string, bestLat float64, u ioSetup, err error) {
		u, err = newIOSetup(sc, h)
		if err != nil {
			return
		}
		n, why := static(&u.ov)
		lat := func(k int) (float64, error) {
			if prof.IORequests == 0 && st.RatePerVM == 0 {
				return 0, nil
			}
			sim := u.hostSim(sc, k, seed+uint64(k))
			r, err := sim.Run()
			if err != nil {
				return 0, err
			}
			if r.Offered > 0 && float64(r.Dropped)/float64(r.Offered) > 0.001 {
				return math.Inf(1), nil // dropping requests misses any target
			}
			return quantile(r.Latencies, q), nil
		}
		if n < 1 {
			return 0, why, 0, u, nil
		}
		l, err := lat(n)
		if err != nil || l <= target {
			return n, why, l, u, err
		}
		lo, hi := 0, n // lo meets the target (0 trivially), hi does not
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			l, err := lat(mid)
			if err != nil {
				return 0, "", 0, u, err
			}
			if l <= target {
				lo, bestLat = mid, l
			} else {
				hi = mid
			}
		}
		return lo, "latency", bestLat, u, nil
	}
	nativeN, _, _, _, err := fit(host.Hypervisor{}.Defaulted(), sc.Seed+1<<40)
	if err != nil {
		return fmt.Errorf("%s: study: %w", sc.File, err)
	}
	for ci, h := range hs {
		best, why, bestLat, u, err := fit(h, sc.Seed+uint64(ci)<<32)
		if err != nil {
			return fmt.Errorf("%s: study: %w", sc.File, err)
		}
		util := float64(best) * want * (u.ov.Slowdown + u.ov.HostFactor) / capMIPS
		rec.Capacity = append(rec.Capacity, results.CapacityRow{Config: configName(&h), Profile: prof.Name, MaxVMs: best,
			LimitedBy: why, Slowdown: u.ov.Slowdown, CPUUtil: util, LatencyUs: bestLat * 1e6, NativeMaxVMs: nativeN})
	}
	return nil
}

func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return stat.Quantile(q, stat.Empirical, s, nil)
}
