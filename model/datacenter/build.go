package datacenter

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/simrun/simrun/model/cpu"
	"github.com/simrun/simrun/model/host"
	"github.com/simrun/simrun/model/mem"
	"github.com/simrun/simrun/model/mmu"
	"github.com/simrun/simrun/model/trace"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/policies"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// LoadOptions returns the scenario loader options that validate what only
// the model knows: placement policy names and arguments, and named power
// tables. Use it for every load so that `simrun validate` and `simrun run`
// report the same problems.
func LoadOptions(sets []string, seed *uint64) scenarios.Options {
	return scenarios.Options{
		Sets:         sets,
		SeedOverride: seed,
		CheckPlacement: func(name string, args map[string]any) error {
			_, err := policies.New(name, args)
			return err
		},
		PowerModels: host.SpecPowerNames(),
	}
}

// Check reports model-level problems that the scenario loader cannot see,
// each with its key path, all at once.
func Check(sc *scenarios.Scenario) error {
	var errs []error
	bad := func(key, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s: %s", sc.File, key, fmt.Sprintf(format, a...)))
	}
	targeted := targetedGroups(sc)
	if sc.Duration.Time == 0 && !IsStudy(sc) {
		for i, g := range sc.VMGroups {
			if g.Lifetime.Time == 0 && g.LifetimeDist.Dist == "" && !targeted[g.Name] {
				bad(fmt.Sprintf("vm_group[%d]", i), "runs forever (no lifetime and no cloudlets), so the scenario needs a duration (e.g. duration = \"24h\")")
			}
		}
	}
	// Every run of a memory-placement study simulates memory.
	memRuns := (anyMemory(sc) && !IsStudy(sc)) || sc.Study.Kind == "memory-placement"
	if memRuns && sc.Consolidation.Overload != "none" && sc.Consolidation.Overload != "" {
		bad("memory.enabled", "the memory model does not follow migrations yet: turn consolidation off (consolidation.overload = \"none\") or memory off")
	}
	hostsWithMemory := 0
	for i := range sc.HostGroups {
		if checkGuestMemory(sc, i, bad) && sc.Study.Kind != "memory" {
			hostsWithMemory += sc.HostGroups[i].Count
		}
	}
	// The memory model's work is up to its hosts × epochs: refuse what
	// would run for hours, as the memory study does.
	if d, e := sc.Duration.Time, sc.Memory.Epoch.Time; hostsWithMemory > 0 && d > 0 && e > 0 {
		if epochs := float64(d) / float64(e); epochs*float64(hostsWithMemory) > 2e9 {
			bad("memory.epoch", "%v over %v of run and %d hosts is %.3g host-epochs, too much work (limit 2e9); raise memory.epoch or shorten the run",
				sc.Memory.Epoch, sc.Duration, hostsWithMemory, epochs*float64(hostsWithMemory))
		}
	}
	for i, g := range sc.HostGroups {
		if g.VMScheduler == "space-shared" && g.CPUAllocationRatio > 1 {
			bad(fmt.Sprintf("host_group[%d].cpu_allocation_ratio", i), "must be at most 1 with vm_scheduler = \"space-shared\" (a vCPU owns a core), got %v", g.CPUAllocationRatio)
		}
	}
	// A cloud study's variants are datacenter runs of their own: check
	// each as it will run (the loader has checked their keys).
	if sc.Study.Kind == "cloud" {
		seed := sc.Seed
		for i, v := range sc.Study.Variants {
			vs, err := scenarios.Reload(sc, LoadOptions(v.Set, &seed))
			if err == nil {
				vs.Study = scenarios.Study{}
				err = Check(vs)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("study.variant[%d] (%s): %w", i, v.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// checkGuestMemory refuses a host group whose memory, where the model
// simulates it (datacenter runs with memory on, a memory-placement study,
// host_group[0] of a memory study), leaves nothing for guests once the
// hypervisor's overhead and minFree are taken: the model's free memory
// would start negative and its metrics be NaN.
// It reports whether the group's memory is simulated.
func checkGuestMemory(sc *scenarios.Scenario, i int, bad func(key, format string, a ...any)) bool {
	g := &sc.HostGroups[i]
	simulated := memoryOn(sc, g) || (sc.Study.Kind == "memory-placement" && g.Memory == nil) ||
		(sc.Study.Kind == "memory" && i == 0)
	if !simulated {
		return false
	}
	ram, m := g.RAMGiB*1024, &sc.Memory
	minFree := m.MinFreeMiB
	if minFree == 0 {
		minFree = mem.MinFree(ram) // model/mem's default
	}
	if ram-m.OverheadMiB-minFree <= 0 {
		bad(fmt.Sprintf("host_group[%d].ram_gib", i), "%v GiB (%.6g MiB) leaves no memory for guests after memory.overhead_mib (%.6g) and memory.min_free_mib (%.6g)",
			g.RAMGiB, ram, m.OverheadMiB, minFree)
	}
	return true
}

func targetedGroups(sc *scenarios.Scenario) map[string]bool {
	t := map[string]bool{}
	for _, cg := range sc.CloudletGroups {
		if cg.VMGroup == "" {
			for _, g := range sc.VMGroups {
				t[g.Name] = true
			}
		} else {
			t[cg.VMGroup] = true
		}
	}
	return t
}

func powerModel(p scenarios.Power) (host.PowerModel, error) {
	switch p.Model {
	case "linear":
		return host.LinearPower{IdleW: p.IdleWatts, MaxW: p.MaxWatts}, nil
	case "table":
		t, err := host.NewTablePower("table", p.TableWatts)
		return &t, err
	}
	if t, ok := host.SpecPower(p.Model); ok {
		return &t, nil
	}
	return nil, fmt.Errorf("unknown power model %q", p.Model)
}

// ovFactors is the overhead of a VM group's profile on a host group's
// hypervisor, evaluated once per pair.
type ovFactors struct {
	slowdown, hostFactor, memFraction float64
	warmup                            sim.Time
}

// BuildHypervisor turns a host group's hypervisor table (validated and
// defaulted by the loader) into the model's configuration, defaulted.
func BuildHypervisor(h scenarios.Hypervisor) (host.Hypervisor, error) {
	var out host.Hypervisor
	var err error
	// Unset fields (a Scenario built in code) mean bare metal.
	if h.CPU == "" {
		h.CPU = "native"
	}
	if h.Generation == "" {
		h.Generation = cpu.DefaultGeneration
	}
	if h.MMU == "" && h.CPU == "native" {
		h.MMU = "native"
	}
	if h.IO == "" && h.CPU == "native" {
		h.IO = "native"
	}
	if h.ClockGHz == 0 {
		h.ClockGHz = 1
	}
	if out.CPU.Technique, err = cpu.ParseTechnique(h.CPU); err != nil {
		return out, err
	}
	if out.CPU.Generation, err = cpu.LookupGeneration(h.Generation); err != nil {
		return out, err
	}
	if out.MMU.Mode, err = mmu.ParseMode(h.MMU); err != nil {
		return out, err
	}
	io, err := host.ParseIOChoice(h.IO)
	if err != nil {
		return out, err
	}
	out.IO.Mode, out.IO.PostedInterrupts = io.Mode, io.Posted
	out.MMU.GuestLargePages, out.MMU.HostLargePages = h.GuestLargePages, h.HostLargePages
	out.CPU.Kappa = h.Kappa
	if h.Kappa == 0 {
		out.CPU.Kappa = -1 // an explicit 0 (Defaulted reads 0 as "default")
	}
	out.CPU.ExitCycles = h.ExitCycles
	out.CPU.TCacheKiB = h.TranslationCacheKiB
	out.IO.BackendThreads = h.BackendThreads
	out.IO.CV = h.IOCV
	if h.IOCV == 0 {
		out.IO.CV = -1
	}
	out = out.Defaulted()
	return out, out.Validate()
}

// group is the runtime form of a vm_group.
type group struct {
	// overhead[hg] is the group's profile on host group hg's hypervisor.
	overhead []ovFactors
	// bookRAM is the memory placement books per VM: its RAM plus the
	// largest page-table overhead over the host groups; demandFactor the
	// largest S + h, which scales the demand power-aware placers see.
	bookRAM, demandFactor float64
	spec                  vm.Spec
	first, n              int
	util                  scenarios.Utilization
	trace                 []float64
	targeted              bool
	demand0               float64 // expected initial demand fraction, for placement
	// perVM, when set, is a VM's own initial demand fraction (trace sets).
	perVM     func(v *vm.VM) float64
	startFrac func(v *vm.VM, start sim.Time) vm.Utilization
}

// build turns the scenario into hosts, VMs and cloudlets.
func (m *Model) build() error {
	sc := m.sc
	p, err := policies.New(sc.Placement.Policy, sc.Placement.Args)
	if err != nil {
		return err
	}
	m.placer = p
	cpuR, ramR, diskR := policies.DefaultRatios(p)

	nHosts := 0
	for _, g := range sc.HostGroups {
		nHosts += g.Count
	}
	m.hosts = make([]host.Host, 0, nHosts)
	states := make([]policies.HostState, 0, nHosts)
	hyps := make([]host.Hypervisor, len(sc.HostGroups))
	for gi, g := range sc.HostGroups {
		hyp, err := BuildHypervisor(g.Hypervisor)
		if err != nil {
			return fmt.Errorf("%s: host_group[%d].hypervisor: %w", sc.File, gi, err)
		}
		hyps[gi] = hyp
		if hyp.CPU.Technique != cpu.Native {
			m.virtualized = true
		}
		pm, err := powerModel(g.Power)
		if err != nil {
			return fmt.Errorf("%s: host_group[%d].power: %w", sc.File, gi, err)
		}
		// The consolidation baselines and policies decide what idle hosts
		// do: NPA keeps every host on at full power; DVFS and the
		// detectors switch idle hosts off.
		switch mode := sc.Consolidation.Overload; {
		case IsStudy(sc) || mode == "none" || mode == "":
		case mode == "npa":
			w := pm.Watts(1)
			pm, g.PowerOffIdle = host.LinearPower{IdleW: w, MaxW: w}, false
		default:
			g.PowerOffIdle = true
		}
		sched := host.TimeShared
		if g.VMScheduler == "space-shared" {
			sched = host.SpaceShared
		}
		ratio := func(v, def float64) float64 {
			if v > 0 {
				return v
			}
			return def
		}
		cr, rr, dr := ratio(g.CPUAllocationRatio, cpuR), ratio(g.RAMAllocationRatio, ramR), ratio(g.DiskAllocationRatio, diskR)
		if sched == host.SpaceShared {
			cr = 1
		}
		for range g.Count {
			i := len(m.hosts)
			m.hosts = append(m.hosts, host.Host{
				Index: i, Group: g.Name, GroupIndex: gi, Cores: g.Cores, MIPSPerCore: g.MIPSPerCore,
				RAMMiB: g.RAMGiB * 1024, DiskMiB: g.StorageGB * 1024, BWMbps: g.BandwidthGbps * 1000,
				Sched: sched, Power: pm, PowerOffIdle: g.PowerOffIdle, On: !g.PowerOffIdle,
			})
			states = append(states, policies.HostState{
				Group: g.Name, Cores: g.Cores, MIPSPerCore: g.MIPSPerCore,
				RAMMiB: g.RAMGiB * 1024, DiskMiB: g.StorageGB * 1024, BandwidthMbps: g.BandwidthGbps * 1000,
				CPURatio: cr, RAMRatio: rr, DiskRatio: dr, On: !g.PowerOffIdle, Power: pm,
			})
		}
	}
	m.cluster = policies.NewCluster(states)

	// VMs, in group order; a group whose arrivals stop (arrival.until)
	// may request fewer than its count.
	targeted := targetedGroups(sc)
	type workload struct{ times, lifetimes []sim.Time }
	work := make([]workload, len(sc.VMGroups))
	nVMs := 0
	for gi := range sc.VMGroups {
		w := &work[gi]
		var err error
		if w.times, w.lifetimes, err = m.groupWorkload(gi, &sc.VMGroups[gi]); err != nil {
			return err
		}
		nVMs += len(w.times)
	}
	m.groups = make([]group, len(sc.VMGroups))
	m.vms = make([]vm.VM, nVMs)
	m.clHead = make([]int32, nVMs)
	m.clTail = make([]int32, nVMs)
	m.vmGroup = make([]int32, nVMs)
	id := 0
	for gi, g := range sc.VMGroups {
		gr := &m.groups[gi]
		gr.spec = vm.Spec{
			Group: g.Name, VCPUs: g.VCPUs, MIPS: g.MIPS, RAMMiB: g.RAMGiB * 1024,
			DiskMiB: g.ImageGB * 1024, BWMbps: g.BandwidthMbps,
			BootTime: g.BootTime.Time, Lifetime: g.Lifetime.Time,
			SpaceShared: g.CloudletScheduler == "space-shared",
		}
		count := len(work[gi].times)
		gr.first, gr.n, gr.util, gr.targeted = id, count, g.Utilization, targeted[g.Name]
		for k := range count {
			m.vmGroup[id+k] = int32(gi)
		}
		pname := g.Profile
		if pname == "" {
			pname = "compute-bound"
		}
		prof, err := sc.Profile(pname)
		if err != nil {
			return fmt.Errorf("%s: vm_group[%d].profile: %w", sc.File, gi, err)
		}
		gr.overhead = make([]ovFactors, len(hyps))
		gr.bookRAM, gr.demandFactor = gr.spec.RAMMiB, 1
		for hg, hyp := range hyps {
			o := hyp.Evaluate(&prof)
			f := ovFactors{slowdown: o.Slowdown, hostFactor: o.HostFactor, memFraction: o.MemFraction}
			if o.Warmup.Cycles > 0 {
				f.warmup = sim.FromSeconds(o.Warmup.Cycles / (clockGHz(&sc.HostGroups[hg]) * 1e9))
			}
			gr.overhead[hg] = f
			gr.bookRAM = max(gr.bookRAM, gr.spec.RAMMiB*(1+f.memFraction))
			gr.demandFactor = max(gr.demandFactor, f.slowdown+f.hostFactor)
		}
		if err := m.setupUtilization(gi, gr); err != nil {
			return err
		}
		times, lifetimes := work[gi].times, work[gi].lifetimes
		for k := range count {
			v := &m.vms[id]
			v.ID, v.Spec, v.Host, v.HostSlot = id, &gr.spec, -1, -1
			v.Requested, v.Lifetime = times[k], gr.spec.Lifetime
			if lifetimes != nil {
				v.Lifetime = lifetimes[k]
			}
			v.Placed, v.Started, v.Ended = -1, -1, -1
			m.clHead[id], m.clTail[id] = -1, -1
			id++
		}
	}
	m.arrivals = make([]int32, nVMs)
	for i := range m.arrivals {
		m.arrivals[i] = int32(i)
	}
	slices.SortStableFunc(m.arrivals, func(a, b int32) int {
		ta, tb := m.vms[a].Requested, m.vms[b].Requested
		switch {
		case ta < tb:
			return -1
		case ta > tb:
			return 1
		}
		return 0
	})

	// Cloudlets: cloudlet i of a group goes to target VM i mod V.
	nCl := 0
	for _, cg := range sc.CloudletGroups {
		nCl += cg.Count
	}
	if nCl > math.MaxInt32 || nVMs > math.MaxInt32 {
		return fmt.Errorf("%s: more than %d VMs or cloudlets are not supported", sc.File, math.MaxInt32)
	}
	m.cls = make([]vm.Cloudlet, nCl)
	m.clNext = make([]int32, nCl)
	m.clGroups = make([]clGroup, len(sc.CloudletGroups))
	assigned := make([]int32, nVMs)
	base := 0
	for ci, cg := range sc.CloudletGroups {
		first, n := 0, nVMs
		if cg.VMGroup != "" {
			for gi := range m.groups {
				if m.groups[gi].spec.Group == cg.VMGroup {
					first, n = m.groups[gi].first, m.groups[gi].n
				}
			}
		}
		m.clGroups[ci] = clGroup{name: cg.Name, first: base, count: cg.Count, vmFirst: first, vmN: n, submit: cg.SubmitAt.Time}
		for i := range cg.Count {
			c := &m.cls[base+i]
			vmID := first + i%n
			*c = vm.Cloudlet{Length: cg.LengthMI, VM: int32(vmID), Group: int32(ci), Cores: int32(cg.Cores),
				Submit: -1, Start: -1, Finish: -1}
			assigned[vmID]++
		}
		base += cg.Count
	}
	for i := range m.vms {
		v := &m.vms[i]
		gr := &m.groups[m.groupOf(i)]
		if gr.targeted {
			v.Cloudlets = vm.NewCloudletScheduler(v.Spec.VCPUs, v.Spec.SpaceShared, int(assigned[i]))
		}
	}
	return nil
}

func (m *Model) groupOf(id int) int { return int(m.vmGroup[id]) }

// setupUtilization prepares the utilization model of a VM group. Traces
// are read once for a loaded scenario and the copies of it a sweep's runs
// use (Scenario.Memo), keyed by model and file (the PlanetLab scenario's
// four groups replay one day); they are shared and only read.
func (m *Model) setupUtilization(gi int, gr *group) error {
	u := gr.util
	switch u.Model {
	case "constant":
		gr.demand0 = u.Level
		gr.startFrac = func(*vm.VM, sim.Time) vm.Utilization { return vm.Constant{Level: u.Level} }
	case "uniform":
		gr.demand0 = (u.Min + u.Max) / 2
		r := m.s.Stream("utilization/" + gr.spec.Group)
		gr.startFrac = func(*vm.VM, sim.Time) vm.Utilization {
			return &vm.Uniform{Min: u.Min, Max: u.Max, Interval: u.Interval.Time, Rand: r}
		}
	case "diurnal":
		gr.demand0 = u.Mean
		gr.startFrac = func(_ *vm.VM, start sim.Time) vm.Utilization {
			return vm.Diurnal{Mean: u.Mean, Amplitude: u.Amplitude, Period: u.Period.Time,
				PeakAt: u.PeakAt.Time, Interval: u.Interval.Time, Start: start}
		}
	case "trace":
		v, err := m.sc.Memo("trace\x00"+u.Trace, func() (any, error) {
			f, err := m.sc.Open(u.Trace)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return vm.ParseTrace(f, u.Trace)
		})
		if err != nil {
			return fmt.Errorf("%s: vm_group[%d].utilization.trace: %w", m.sc.File, gi, err)
		}
		vals := v.([]float64)
		gr.trace = vals
		gr.demand0 = vals[0]
		gr.startFrac = func(*vm.VM, sim.Time) vm.Utilization { return vm.Trace{Values: vals, Interval: u.Interval.Time} }
	case "planetlab", "csv":
		key := "trace"
		cacheKey := fmt.Sprintf("csv\x00%s\x00%d", u.Trace, u.Interval.Time)
		if u.Model == "planetlab" {
			key, cacheKey = "trace_dir", "planetlab\x00"+u.TraceDir
		}
		v, err := m.sc.Memo(cacheKey, func() (any, error) {
			if u.Model == "planetlab" {
				fsys, p := m.sc.Locate(u.TraceDir)
				return trace.ReadPlanetLab(fsys, p)
			}
			f, err := m.sc.Open(u.Trace)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			return trace.ReadCSV(f, u.Trace, u.Interval.Time)
		})
		if err != nil {
			return fmt.Errorf("%s: vm_group[%d].utilization.%s: %w", m.sc.File, gi, key, err)
		}
		set := v.(*trace.Set)
		if n := u.TraceOffset + gr.n; n > set.Len() {
			return fmt.Errorf("%s: vm_group[%d].count: %d VMs from trace_offset %d need %d traces, but %s has %d",
				m.sc.File, gi, gr.n, u.TraceOffset, n, map[bool]string{true: u.TraceDir, false: u.Trace}[u.Model == "planetlab"], set.Len())
		}
		sum := 0.0
		for i := range gr.n {
			sum += set.CPU[u.TraceOffset+i][0]
		}
		gr.demand0 = sum / float64(gr.n)
		first := gr.first
		gr.perVM = func(v *vm.VM) float64 { return set.CPU[u.TraceOffset+v.ID-first][0] }
		gr.startFrac = func(v *vm.VM, _ sim.Time) vm.Utilization {
			return vm.Trace{Values: set.CPU[u.TraceOffset+v.ID-first], Interval: set.Interval}
		}
	default:
		return fmt.Errorf("%s: vm_group[%d].utilization.model: unknown model %q", m.sc.File, gi, u.Model)
	}
	return nil
}

// clockGHz is a host group's clock for converting cycles to time.
func clockGHz(g *scenarios.HostGroup) float64 {
	if g.Hypervisor.ClockGHz > 0 {
		return g.Hypervisor.ClockGHz
	}
	return g.MIPSPerCore / 1000
}
