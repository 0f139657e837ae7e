package scenarios

import (
	"errors"
	"fmt"
	"github.com/simrun/simrun/model/cpu"
	iovirt "github.com/simrun/simrun/model/io"
	"github.com/simrun/simrun/model/mmu"
	"github.com/simrun/simrun/model/vm"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/simrun/simrun/internal/suggest"
	"github.com/simrun/simrun/sim"
)

// defined reports whether the (substituted) document sets the key path;
// path elements are keys or indices into arrays of tables.
func defined(doc map[string]any, path ...any) bool {
	var cur any = doc
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				return false
			}
			if cur, ok = m[k]; !ok {
				return false
			}
		case int:
			a, ok := cur.([]map[string]any)
			if !ok || k >= len(a) {
				return false
			}
			cur = a[k]
		}
	}
	return true
}

// applyDefaults fills every key the document leaves out, as documented in
// schema.go. An explicit value is never replaced, so an explicit zero count
// is caught by validation instead of turning into a default.
func applyDefaults(sc *Scenario, file string, doc map[string]any) {
	if !defined(doc, "name") {
		sc.Name = strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	}
	if !defined(doc, "seed") {
		sc.Seed = 1
	}
	for i := range sc.HostGroups {
		g := &sc.HostGroups[i]
		has := func(k ...any) bool { return defined(doc, append([]any{"host_group", i}, k...)...) }
		if !has("name") {
			g.Name = fmt.Sprintf("hosts%d", i)
		}
		if !has("bandwidth_gbps") {
			g.BandwidthGbps = 10
		}
		if !has("storage_gb") {
			g.StorageGB = 1000
		}
		if !has("vm_scheduler") {
			g.VMScheduler = "time-shared"
		}
		if !has("power", "model") {
			g.Power.Model = "linear"
		}
		if !has("power", "idle_watts") {
			g.Power.IdleWatts = 100
		}
		if !has("power", "max_watts") {
			g.Power.MaxWatts = 250
		}
		hv := &g.Hypervisor
		if !has("hypervisor", "cpu") {
			hv.CPU = "native"
		}
		if !has("hypervisor", "generation") {
			hv.Generation = cpu.DefaultGeneration
		}
		if !has("hypervisor", "mmu") {
			hv.MMU = map[string]string{"native": "native", "hw": "nested", "pv": "direct"}[hv.CPU]
			if hv.MMU == "" {
				hv.MMU = "shadow"
			}
		}
		if !has("hypervisor", "io") {
			hv.IO = "paravirtual"
			if hv.CPU == "native" {
				hv.IO = "native"
			}
		}
		if !has("hypervisor", "kappa") {
			hv.Kappa = 0.5
		}
		if !has("hypervisor", "translation_cache_kib") {
			hv.TranslationCacheKiB = 4096
		}
		if !has("hypervisor", "backend_threads") {
			hv.BackendThreads = 1
		}
		if !has("hypervisor", "io_cv") {
			hv.IOCV = 1
		}
		if !has("hypervisor", "clock_ghz") {
			hv.ClockGHz = g.MIPSPerCore / 1000
		}
	}
	for i := range sc.VMGroups {
		g := &sc.VMGroups[i]
		has := func(k ...any) bool { return defined(doc, append([]any{"vm_group", i}, k...)...) }
		if !has("name") {
			g.Name = fmt.Sprintf("vms%d", i)
		}
		if !has("bandwidth_mbps") {
			g.BandwidthMbps = 100
		}
		if !has("image_gb") {
			g.ImageGB = 2.5
		}
		if !has("cloudlet_scheduler") {
			g.CloudletScheduler = "time-shared"
		}
		u := &g.Utilization
		if !has("utilization", "model") {
			u.Model = "constant"
		}
		if !has("utilization", "level") {
			u.Level = 1
		}
		if !has("utilization", "max") {
			u.Max = 1
		}
		if !has("utilization", "period") {
			u.Period = Duration{24 * sim.Hour}
		}
		if !has("utilization", "peak_at") {
			u.PeakAt = Duration{14 * sim.Hour}
		}
		if !has("utilization", "interval") {
			u.Interval = Duration{5 * sim.Minute}
		}
		if !has("profile") {
			g.Profile = "compute-bound"
		}
	}
	st := &sc.Study
	hasStudy := func(k string) bool { return defined(doc, "study", k) }
	if !hasStudy("vms") {
		st.VMs = []int{1, 2, 4, 8, 16, 24, 32}
	}
	if !hasStudy("max_vms") {
		st.MaxVMs = 64
	}
	if !hasStudy("duration") {
		st.Duration = Duration{2 * sim.Second}
	}
	if !hasStudy("warmup") {
		st.Warmup = Duration{st.Duration.Time / 10}
	}
	if !hasStudy("latency_percentile") {
		st.LatencyPercentile = 99
	}
	if !hasStudy("ring_slots") {
		st.RingSlots = 256
	}
	for i := range sc.CloudletGroups {
		g := &sc.CloudletGroups[i]
		has := func(k string) bool { return defined(doc, "cloudlet_group", i, k) }
		if !has("name") {
			g.Name = fmt.Sprintf("cloudlets%d", i)
		}
		if !has("cores") {
			g.Cores = 1
		}
		if !has("assign") {
			g.Assign = "round-robin"
		}
	}
	if !defined(doc, "placement", "policy") {
		sc.Placement.Policy = "first-fit"
	}
	c := &sc.Consolidation
	hasC := func(k string) bool { return defined(doc, "consolidation", k) }
	if !hasC("overload") {
		c.Overload = "none"
	}
	if !hasC("selection") {
		c.Selection = "mmt"
	}
	if !hasC("interval") {
		c.Interval = Duration{5 * sim.Minute}
	}
	if !hasC("threshold") {
		c.Threshold = 0.8
	}
	if !hasC("history") {
		c.History = 30
	}
	if !hasC("migration") {
		c.Migration = "reference"
	}
	if !hasC("stop_copy_mib") {
		c.StopCopyMiB = 16
	}
	if !hasC("max_rounds") {
		c.MaxRounds = 30
	}
	t, f := true, false
	if c.Underload == nil {
		c.Underload = &t
	}
	if c.WakeCost == nil {
		c.WakeCost = &t
	}
	if c.ShareLink == nil {
		c.ShareLink = &f
		if c.Migration == "precopy" {
			c.ShareLink = &t
		}
	}
	mm := &sc.Memory
	hasM := func(k string) bool { return defined(doc, "memory", k) }
	defM := func(k string, p *float64, v float64) {
		if !hasM(k) {
			*p = v
		}
	}
	if !hasM("allocation") {
		mm.Allocation = "shares"
	}
	defM("tax", &mm.Tax, 0.75)
	if !hasM("mechanisms") {
		mm.Mechanisms = slices.Clone(MemoryMechanisms)
	}
	defM("overhead_mib", &mm.OverheadMiB, 512)
	if !hasM("epoch") {
		mm.Epoch = Duration{sim.Second}
	}
	if !hasM("sample") {
		mm.Sample = Duration{10 * sim.Second}
	}
	defM("balloon_mibps", &mm.BalloonMiBps, 64)
	defM("balloon_max", &mm.BalloonMax, 0.65)
	defM("compressible", &mm.Compressible, 0.5)
	defM("compressed_size", &mm.CompressedSize, 0.5)
	defM("compression_cache", &mm.CompressionCache, 0.10)
	defM("scan_pages_per_s", &mm.ScanPagesPerS, 5000)
	defM("cow_rate", &mm.CowRate, 0.001)
	if !hasM("swap_in") {
		mm.SwapIn = Duration{5 * sim.Millisecond}
	}
	if !hasM("guest_page_in") {
		mm.GuestPageIn = Duration{5 * sim.Millisecond}
	}
	if !hasM("decompress") {
		mm.Decompress = Duration{30 * sim.Microsecond}
	}
	if !hasM("sample_pages") {
		mm.SamplePages = 100
	}
	if !hasM("images") {
		mm.Images = 1
	}
	defM("shared_intra", &mm.SharedIntra, 0.05)
	defM("shared_inter", &mm.SharedInter, 0.25)
	defM("touched", &mm.Touched, 0.9)
	defM("active", &mm.Active, 0.5)
	defM("touch_rate", &mm.TouchRate, 2000)
	defM("grow_mibps", &mm.GrowMiBps, 32)
	defM("guest_min_mib", &mm.GuestMinMiB, 256)
	if sc.Study.Kind == "memory" {
		if !defined(doc, "study", "ratios") {
			for r := 10; r <= 25; r++ {
				sc.Study.Ratios = append(sc.Study.Ratios, float64(r)/10)
			}
		}
		if !defined(doc, "study", "mechanism_sets") {
			sc.Study.MechanismSets = []string{strings.Join(mm.Mechanisms, ",")}
		}
		if !defined(doc, "study", "duration") {
			sc.Study.Duration = Duration{30 * sim.Minute}
		}
		if !defined(doc, "study", "warmup") {
			sc.Study.Warmup = Duration{sc.Study.Duration.Time / 3}
		}
	}
	cloudDefaults(sc, doc)
	memoryLinkDefaults(sc, doc) // after the control plane's: a guest's memory image is its machine image
	if sc.Output.Cloudlets == nil {
		t := true
		sc.Output.Cloudlets = &t
	}
	if sc.Output.Plots == nil {
		t := true
		sc.Output.Plots = &t
	}
}

// maxBytes is the memory a scenario may need before loading refuses it.
const maxBytes = 16 << 30

// validate collects every problem with its key path.
func (l *loader) validate(sc *Scenario, doc map[string]any, opts Options) []error {
	l.sweep(&sc.Sweep)
	pos := func(key string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
			l.errorf(key, "must be > 0 (got %v)", v)
		}
	}
	posInt := func(key string, v int) {
		if v <= 0 {
			l.errorf(key, "must be > 0 (got %d)", v)
		}
	}
	nonNeg := func(key string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			l.errorf(key, "must be ≥ 0 (got %v)", v)
		}
	}
	frac := func(key string, v float64) {
		if math.IsNaN(v) || v < 0 || v > 1 {
			l.errorf(key, "must be between 0 and 1 (got %v)", v)
		}
	}
	enum := func(key, v string, known ...string) {
		if !slices.Contains(known, v) {
			l.errorf(key, "unknown value %q%s (known: %s)", v, suggest.DidYouMean(v, known), strings.Join(known, ", "))
		}
	}
	unique := func(kind string, names []string) {
		seen := map[string]bool{}
		for i, n := range names {
			if seen[n] {
				l.errorf(fmt.Sprintf("%s[%d].name", kind, i), "duplicate name %q", n)
			}
			seen[n] = true
		}
	}

	if len(sc.HostGroups) == 0 {
		l.errorf("host_group", "at least one [[host_group]] is required")
	}
	if len(sc.VMGroups) == 0 {
		l.errorf("vm_group", "at least one [[vm_group]] is required")
	}
	var hostNames, vmNames []string
	powerModels := append([]string{"linear", "table"}, opts.PowerModels...)
	for i, g := range sc.HostGroups {
		k := func(s string) string { return fmt.Sprintf("host_group[%d].%s", i, s) }
		hostNames = append(hostNames, g.Name)
		posInt(k("count"), g.Count)
		posInt(k("cores"), g.Cores)
		pos(k("mips_per_core"), g.MIPSPerCore)
		pos(k("ram_gib"), g.RAMGiB)
		pos(k("bandwidth_gbps"), g.BandwidthGbps)
		nonNeg(k("storage_gb"), g.StorageGB)
		nonNeg(k("cpu_allocation_ratio"), g.CPUAllocationRatio)
		nonNeg(k("ram_allocation_ratio"), g.RAMAllocationRatio)
		nonNeg(k("disk_allocation_ratio"), g.DiskAllocationRatio)
		enum(k("vm_scheduler"), g.VMScheduler, "time-shared", "space-shared")
		enum(k("power.model"), g.Power.Model, powerModels...)
		switch g.Power.Model {
		case "linear":
			nonNeg(k("power.idle_watts"), g.Power.IdleWatts)
			nonNeg(k("power.max_watts"), g.Power.MaxWatts)
			if g.Power.MaxWatts < g.Power.IdleWatts {
				l.errorf(k("power.max_watts"), "must be ≥ idle_watts (%v), got %v", g.Power.IdleWatts, g.Power.MaxWatts)
			}
		case "table":
			w := g.Power.TableWatts
			if len(w) != 11 {
				l.errorf(k("power.table_watts"), "needs 11 values (watts at 0 %%, 10 %%, …, 100 %% load), got %d", len(w))
			}
			for j, x := range w {
				if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || (j > 0 && x < w[j-1]) {
					l.errorf(k("power.table_watts"), "must be 11 non-negative, non-decreasing values; value %d is %v", j, x)
					break
				}
			}
		}
	}
	for i, g := range sc.HostGroups {
		k := func(s string) string { return fmt.Sprintf("host_group[%d].hypervisor.%s", i, s) }
		l.hypervisor(k, g.Hypervisor)
	}
	profileNames := vm.ProfileNames()
	for i, m := range sc.Profiles {
		k := fmt.Sprintf("profile[%d]", i)
		name, _ := m["name"].(string)
		if name == "" {
			l.errorf(k+".name", "a [[profile]] needs a name")
			continue
		}
		if slices.Contains(profileNames, name) {
			l.errorf(k+".name", "%q is a built-in profile; give yours another name (and base = %q to start from it)", name, name)
		}
		if _, err := vm.ResolveProfile(name, m); err != nil {
			for _, e := range flatten(err) {
				key, msg, ok := strings.Cut(e.Error(), ": ")
				if !ok {
					key, msg = "", e.Error()
				}
				l.errorf(k+"."+key, "%s", msg)
			}
		}
		profileNames = append(profileNames, name)
	}
	for i, g := range sc.VMGroups {
		if !slices.Contains(profileNames, g.Profile) {
			l.errorf(fmt.Sprintf("vm_group[%d].profile", i), "unknown profile %q%s (known: %s)", g.Profile, suggest.DidYouMean(g.Profile, profileNames), strings.Join(profileNames, ", "))
		}
	}
	l.study(sc, profileNames)
	for i, g := range sc.VMGroups {
		k := func(s string) string { return fmt.Sprintf("vm_group[%d].%s", i, s) }
		vmNames = append(vmNames, g.Name)
		posInt(k("count"), g.Count)
		posInt(k("vcpus"), g.VCPUs)
		pos(k("mips"), g.MIPS)
		pos(k("ram_gib"), g.RAMGiB)
		nonNeg(k("bandwidth_mbps"), g.BandwidthMbps)
		nonNeg(k("image_gb"), g.ImageGB)
		enum(k("cloudlet_scheduler"), g.CloudletScheduler, "time-shared", "space-shared")
		u := g.Utilization
		enum(k("utilization.model"), u.Model, "constant", "uniform", "diurnal", "trace", "planetlab", "csv")
		switch u.Model {
		case "constant":
			frac(k("utilization.level"), u.Level)
		case "uniform":
			frac(k("utilization.min"), u.Min)
			frac(k("utilization.max"), u.Max)
			if u.Min > u.Max {
				l.errorf(k("utilization.min"), "must be ≤ max (%v), got %v", u.Max, u.Min)
			}
		case "diurnal":
			frac(k("utilization.mean"), u.Mean)
			nonNeg(k("utilization.amplitude"), u.Amplitude)
			if u.Period.Time <= 0 {
				l.errorf(k("utilization.period"), "must be > 0")
			}
		case "planetlab":
			if u.TraceDir == "" {
				l.errorf(k("utilization.trace_dir"), "a PlanetLab day directory is required with model = \"planetlab\" (e.g. \"data/planetlab/20110303\")")
			} else if fsys, p := sc.Locate(u.TraceDir); !dirExists(fsys, p) {
				l.errorf(k("utilization.trace_dir"), "%s: not a directory", u.TraceDir)
			}
		case "csv", "trace":
			if u.Trace == "" {
				l.errorf(k("utilization.trace"), "a trace file is required with model = \"trace\"")
			} else if f, err := sc.Open(u.Trace); err != nil {
				l.errorf(k("utilization.trace"), "cannot open the trace: %v", err)
			} else {
				f.Close()
			}
		}
		if u.TraceOffset < 0 {
			l.errorf(k("utilization.trace_offset"), "must be ≥ 0, got %d", u.TraceOffset)
		}
		if u.Model != "constant" && u.Interval.Time <= 0 {
			l.errorf(k("utilization.interval"), "must be > 0")
		}
	}
	for i, g := range sc.CloudletGroups {
		k := func(s string) string { return fmt.Sprintf("cloudlet_group[%d].%s", i, s) }
		posInt(k("count"), g.Count)
		pos(k("length_mi"), g.LengthMI)
		posInt(k("cores"), g.Cores)
		enum(k("assign"), g.Assign, "round-robin")
		if g.VMGroup != "" && !slices.Contains(vmNames, g.VMGroup) {
			l.errorf(k("vm_group"), "no vm_group is called %q%s", g.VMGroup, suggest.DidYouMean(g.VMGroup, vmNames))
		}
	}
	unique("host_group", hostNames)
	unique("vm_group", vmNames)
	l.consolidation(sc)
	l.memory(sc)
	l.memoryLink(sc, opts.CheckPlacement)
	l.cloud(sc, doc)
	if opts.CheckPlacement != nil {
		if err := opts.CheckPlacement(sc.Placement.Policy, sc.Placement.Args); err != nil {
			for _, e := range flatten(err) {
				key := "placement.policy"
				msg := e.Error()
				if strings.HasPrefix(msg, "placement.") {
					key, msg, _ = strings.Cut(msg, ": ")
				}
				l.errorf(key, "%s", msg)
			}
		}
	}
	l.sizeGuard(sc)
	l.checkVariants(sc, opts)
	return l.errs
}

// OverloadNames are the values of consolidation.overload.
var OverloadNames = []string{"none", "thr", "iqr", "mad", "lr", "lrr", "npa", "dvfs"}

// SelectionNames are the values of consolidation.selection.
var SelectionNames = []string{"mmt", "mc", "rs", "mu"}

// memory checks the [memory] table and a memory study's lists.
func (l *loader) memory(sc *Scenario) {
	m := &sc.Memory
	if !slices.Contains([]string{"shares", "proportional", "first-come"}, m.Allocation) {
		known := []string{"shares", "proportional", "first-come"}
		l.errorf("memory.allocation", "unknown value %q%s (known: %s)", m.Allocation, suggest.DidYouMean(m.Allocation, known), strings.Join(known, ", "))
	}
	frac := func(key string, v, lo, hi float64, loOpen, hiOpen bool) {
		bad := math.IsNaN(v) || v < lo || v > hi || (loOpen && v == lo) || (hiOpen && v == hi)
		if bad {
			l.errorf("memory."+key, "must be in %s%g, %g%s, got %v", map[bool]string{true: "(", false: "["}[loOpen], lo, hi, map[bool]string{true: ")", false: "]"}[hiOpen], v)
		}
	}
	frac("tax", m.Tax, 0, 1, false, true)
	frac("balloon_max", m.BalloonMax, 0, 1, false, false)
	frac("compressible", m.Compressible, 0, 1, false, false)
	frac("compressed_size", m.CompressedSize, 0, 1, true, true)
	frac("compression_cache", m.CompressionCache, 0, 1, false, false)
	frac("cow_rate", m.CowRate, 0, 1, false, false)
	frac("shared_intra", m.SharedIntra, 0, 1, false, false)
	frac("shared_inter", m.SharedInter, 0, 1, false, false)
	frac("touched", m.Touched, 0, 1, true, false)
	frac("active", m.Active, 0, 1, false, false)
	frac("reservation", m.Reservation, 0, 1, false, false)
	if m.SharedIntra+m.SharedInter > 1 {
		l.errorf("memory.shared_inter", "shared_intra + shared_inter must be ≤ 1, got %v", m.SharedIntra+m.SharedInter)
	}
	pos := func(key string, v float64, zeroOK bool) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || (!zeroOK && v == 0) {
			l.errorf("memory."+key, "must be %s, got %v", map[bool]string{true: "≥ 0", false: "> 0"}[zeroOK], v)
		}
	}
	pos("min_free_mib", m.MinFreeMiB, true)
	pos("overhead_mib", m.OverheadMiB, true)
	pos("balloon_mibps", m.BalloonMiBps, true)
	pos("scan_pages_per_s", m.ScanPagesPerS, true)
	pos("touch_rate", m.TouchRate, true)
	pos("grow_mibps", m.GrowMiBps, false)
	pos("guest_min_mib", m.GuestMinMiB, true)
	if m.Epoch.Time <= 0 {
		l.errorf("memory.epoch", "must be > 0")
	}
	if m.Sample.Time < m.Epoch.Time {
		l.errorf("memory.sample", "must be ≥ the epoch (%v)", m.Epoch)
	}
	for _, d := range []struct {
		k string
		v Duration
	}{{"swap_in", m.SwapIn}, {"guest_page_in", m.GuestPageIn}, {"decompress", m.Decompress}, {"stagger", m.Stagger}} {
		if d.v.Time < 0 {
			l.errorf("memory."+d.k, "must be ≥ 0")
		}
	}
	if m.SamplePages < 0 || m.SamplePages > 100000 {
		l.errorf("memory.sample_pages", "must be in [0, 100000], got %d", m.SamplePages)
	}
	if m.Images < 1 {
		l.errorf("memory.images", "must be ≥ 1, got %d", m.Images)
	}
	l.mechanisms("memory.mechanisms", m.Mechanisms)
	prev := -1.0
	for i, p := range m.ActiveProfile {
		key := fmt.Sprintf("memory.active_profile[%d]", i)
		if len(p) != 2 {
			l.errorf(key, "must be a [seconds, fraction] pair, got %v", p)
			continue
		}
		if math.IsNaN(p[0]) || p[0] < 0 || p[0] <= prev {
			l.errorf(key, "times must be ≥ 0 and increasing, got %v after %v", p[0], prev)
		}
		if math.IsNaN(p[1]) || p[1] < 0 || p[1] > 1 {
			l.errorf(key, "the fraction must be in [0, 1], got %v", p[1])
		}
		prev = p[0]
	}
	if sc.Study.Kind != "memory" {
		return
	}
	if len(sc.Study.Ratios) == 0 {
		l.errorf("study.ratios", "a memory study needs at least one ratio")
	}
	for i, r := range sc.Study.Ratios {
		if math.IsNaN(r) || r <= 0 || r > 20 {
			l.errorf(fmt.Sprintf("study.ratios[%d]", i), "must be in (0, 20], got %v", r)
		}
	}
	for i, s := range sc.Study.MechanismSets {
		l.mechanisms(fmt.Sprintf("study.mechanism_sets[%d]", i), strings.Split(s, ","))
	}
	// The work is guests × epochs per host: refuse what would run for hours.
	if len(sc.HostGroups) > 0 && len(sc.VMGroups) > 0 && sc.VMGroups[0].RAMGiB > 0 && m.Epoch.Time > 0 {
		most := 0.0
		for _, r := range sc.Study.Ratios {
			most = max(most, r*sc.HostGroups[0].RAMGiB/sc.VMGroups[0].RAMGiB)
		}
		epochs := float64(sc.Study.Duration.Time) / float64(m.Epoch.Time)
		if most > 100000 || most*epochs > 2e9 {
			l.errorf("study.ratios", "up to %.0f guests × %.0f epochs is too much work (limit 2e9 guest-epochs, 100000 guests); raise memory.epoch or shorten study.duration", most, epochs)
		}
	}
	if sc.Study.Duration.Time <= 0 || sc.Study.Warmup.Time < 0 || sc.Study.Warmup.Time >= sc.Study.Duration.Time {
		l.errorf("study.warmup", "need 0 ≤ warmup < duration, got %v and %v", sc.Study.Warmup, sc.Study.Duration)
	}
}

// mechanisms checks a list of memory reclamation mechanisms.
func (l *loader) mechanisms(key string, list []string) {
	seen := map[string]bool{}
	for _, m := range list {
		m = strings.TrimSpace(m)
		if !slices.Contains(MemoryMechanisms, m) {
			l.errorf(key, "unknown mechanism %q%s (known: %s)", m, suggest.DidYouMean(m, MemoryMechanisms), strings.Join(MemoryMechanisms, ", "))
		} else if seen[m] {
			l.errorf(key, "%q is listed twice", m)
		}
		seen[m] = true
	}
}

func (l *loader) consolidation(sc *Scenario) {
	c := &sc.Consolidation
	enum := func(key, v string, known []string) {
		if !slices.Contains(known, v) {
			l.errorf(key, "unknown value %q%s (known: %s)", v, suggest.DidYouMean(v, known), strings.Join(known, ", "))
		}
	}
	enum("consolidation.overload", c.Overload, OverloadNames)
	enum("consolidation.selection", c.Selection, SelectionNames)
	enum("consolidation.migration", c.Migration, []string{"reference", "precopy"})
	if c.Interval.Time <= 0 {
		l.errorf("consolidation.interval", "must be > 0")
	}
	if math.IsNaN(c.Threshold) || c.Threshold <= 0 || c.Threshold > 1 {
		l.errorf("consolidation.threshold", "must be in (0, 1], got %v", c.Threshold)
	}
	if math.IsNaN(c.Safety) || math.IsInf(c.Safety, 0) || c.Safety < 0 {
		l.errorf("consolidation.safety", "must be ≥ 0, got %v", c.Safety)
	}
	if c.History < 12 || c.History > 10000 {
		l.errorf("consolidation.history", "must be in [12, 10000] (the adaptive detectors need 12 values), got %d", c.History)
	}
	if math.IsNaN(c.DirtyMiBps) || math.IsInf(c.DirtyMiBps, 0) || c.DirtyMiBps < 0 {
		l.errorf("consolidation.dirty_mibps", "must be ≥ 0, got %v", c.DirtyMiBps)
	}
	if math.IsNaN(c.StopCopyMiB) || math.IsInf(c.StopCopyMiB, 0) || c.StopCopyMiB <= 0 {
		l.errorf("consolidation.stop_copy_mib", "must be > 0, got %v", c.StopCopyMiB)
	}
	if c.MaxRounds < 1 || c.MaxRounds > 1000 {
		l.errorf("consolidation.max_rounds", "must be in [1, 1000], got %d", c.MaxRounds)
	}
	if c.MaxConcurrent < 0 {
		l.errorf("consolidation.max_concurrent", "must be ≥ 0 (0: no limit), got %d", c.MaxConcurrent)
	}
	if c.Overload != "none" && sc.Duration.Time == 0 && sc.Study.Kind == "" {
		l.errorf("consolidation.overload", "consolidation needs a duration (e.g. duration = \"24h\")")
	}
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// sizeGuard refuses scenarios whose memory estimate exceeds maxBytes,
// computed in float64 so absurd counts cannot overflow.
func (l *loader) sizeGuard(sc *Scenario) {
	var hosts, vms, cls float64
	for _, g := range sc.HostGroups {
		hosts += float64(max(g.Count, 0))
	}
	for _, g := range sc.VMGroups {
		vms += float64(max(g.Count, 0))
	}
	for _, g := range sc.CloudletGroups {
		cls += float64(max(g.Count, 0))
	}
	// Per-entity costs measured on cloudsim-scale (host ≈ 400 B with its
	// scheduler state, VM ≈ 500 B with outcome record, cloudlet ≈ 150 B with
	// its record), doubled for headroom.
	bytes := hosts*1024 + vms*1024 + cls*300 + cloudBytes(sc, hosts)
	if dt := sc.Output.SampleInterval.Time; dt > 0 && sc.Duration.Time > 0 {
		samples := math.Floor(float64(sc.Duration.Time)/float64(dt)) + 1
		bytes += samples * (hosts*100 + vms*80)
	}
	if bytes > maxBytes {
		l.errs = append(l.errs, errors.New(fmt.Sprintf(
			"%s: this scenario would need about %s of memory (%.4g hosts, %.4g VMs, %.4g cloudlets%s); the limit is %s: reduce the counts or the sampling",
			l.file, human(bytes), hosts, vms, cls, sampledNote(sc)+cloudNote(sc, hosts), human(maxBytes))))
	}
}

func sampledNote(sc *Scenario) string {
	if sc.Output.SampleInterval.Time > 0 && sc.Duration.Time > 0 {
		return ", sampled every " + sc.Output.SampleInterval.String()
	}
	return ""
}

func human(b float64) string {
	switch {
	case b >= 1<<40:
		return fmt.Sprintf("%.3g TiB", b/(1<<40))
	case b >= 1<<30:
		return fmt.Sprintf("%.3g GiB", b/(1<<30))
	}
	return fmt.Sprintf("%.3g MiB", b/(1<<20))
}

// hypervisor checks a host group's hypervisor table.
func (l *loader) hypervisor(k func(string) string, h Hypervisor) {
	t, err := cpu.ParseTechnique(h.CPU)
	if err != nil {
		l.errorf(k("cpu"), "%v", err)
		return
	}
	if _, err := cpu.LookupGeneration(h.Generation); err != nil {
		l.errorf(k("generation"), "%v", err)
	}
	m, err := mmu.ParseMode(h.MMU)
	if err != nil {
		l.errorf(k("mmu"), "%v", err)
	} else if err := mmu.Compatible(t, m); err != nil {
		l.errorf(k("mmu"), "%v", err)
	}
	io, posted := h.IO, false
	if io == "passthrough-posted" {
		io, posted = "passthrough", true
	}
	iom, err := iovirt.ParseMode(io)
	if err != nil {
		l.errorf(k("io"), "%v (or passthrough-posted)", err)
	} else if err := iovirt.Compatible(t, iom, posted); err != nil {
		l.errorf(k("io"), "%v", err)
	}
	rng := func(key string, v, lo, hi float64) {
		if math.IsNaN(v) || v < lo || v > hi {
			l.errorf(k(key), "must be in [%g, %g], got %g", lo, hi, v)
		}
	}
	rng("kappa", h.Kappa, 0, 100)
	rng("exit_cycles", h.ExitCycles, 0, 1e7)
	rng("translation_cache_kib", h.TranslationCacheKiB, 1, 1<<22)
	rng("backend_threads", float64(h.BackendThreads), 1, 1024)
	rng("io_cv", h.IOCV, 0, 10)
	rng("clock_ghz", h.ClockGHz, 0.01, 100)
}

// study checks the [study] table.
func (l *loader) study(sc *Scenario, profileNames []string) {
	st := &sc.Study
	if st.Kind == "" {
		if len(st.Profiles)+len(st.CPU)+len(st.MMU)+len(st.IO) > 0 {
			l.errorf("study.kind", "a [study] needs a kind: \"overhead\", \"io-consolidation\" or \"capacity\"")
		}
		return
	}
	kinds := []string{"overhead", "io-consolidation", "capacity", "consolidation", "memory", "memory-placement", "cloud"}
	if !slices.Contains(kinds, st.Kind) {
		l.errorf("study.kind", "unknown value %q%s (known: %s)", st.Kind, suggest.DidYouMean(st.Kind, kinds), strings.Join(kinds, ", "))
		return
	}
	if st.Kind == "memory-placement" || st.Kind == "cloud" {
		return // memoryLink, or the [cloud] table's checks, check it
	}
	if st.Kind == "consolidation" {
		if len(st.Policies) == 0 {
			st.Policies = AllPolicies()
		}
		if len(st.Highlight) == 0 {
			for _, p := range []string{"npa", "dvfs", "thr-mmt", "lr-mmt"} {
				if slices.Contains(st.Policies, p) {
					st.Highlight = append(st.Highlight, p)
				}
			}
		}
		seen := map[string]bool{}
		for i, p := range st.Policies {
			if _, _, err := ParsePolicy(p); err != nil {
				l.errorf(fmt.Sprintf("study.policies[%d]", i), "%v%s", err, suggest.DidYouMean(p, AllPolicies()))
			} else if seen[p] {
				l.errorf(fmt.Sprintf("study.policies[%d]", i), "%q is listed twice", p)
			}
			seen[p] = true
		}
		for i, p := range st.Highlight {
			if !seen[p] {
				l.errorf(fmt.Sprintf("study.highlight[%d]", i), "%q is not among study.policies", p)
			}
		}
		if sc.Duration.Time == 0 {
			l.errorf("duration", "a consolidation study needs a duration (e.g. duration = \"24h\")")
		}
		return
	}
	for i, p := range st.Profiles {
		if !slices.Contains(profileNames, p) {
			l.errorf(fmt.Sprintf("study.profiles[%d]", i), "unknown profile %q%s", p, suggest.DidYouMean(p, profileNames))
		}
	}
	for i, c := range st.CPU {
		if t, err := cpu.ParseTechnique(c); err != nil {
			l.errorf(fmt.Sprintf("study.cpu[%d]", i), "%v", err)
		} else if t == cpu.Native && st.Kind == "overhead" {
			l.errorf(fmt.Sprintf("study.cpu[%d]", i), "native is the baseline of every slowdown; list trap, bt, pv or hw")
		}
	}
	for i, c := range st.MMU {
		if _, err := mmu.ParseMode(c); err != nil {
			l.errorf(fmt.Sprintf("study.mmu[%d]", i), "%v", err)
		}
	}
	for i, c := range st.IO {
		if c == "passthrough-posted" {
			continue
		}
		if _, err := iovirt.ParseMode(c); err != nil {
			l.errorf(fmt.Sprintf("study.io[%d]", i), "%v (or passthrough-posted)", err)
		}
	}
	for i, g := range st.Generations {
		if _, err := cpu.LookupGeneration(g); err != nil {
			l.errorf(fmt.Sprintf("study.generations[%d]", i), "%v", err)
		}
	}
	pages := []string{"none", "guest", "host", "guest,host"}
	for i, p := range st.LargePages {
		if !slices.Contains(pages, p) {
			l.errorf(fmt.Sprintf("study.large_pages[%d]", i), "unknown value %q (known: %s)", p, strings.Join(pages, ", "))
		}
	}
	for i, n := range st.VMs {
		if n < 1 || n > 4096 {
			l.errorf(fmt.Sprintf("study.vms[%d]", i), "must be in [1, 4096], got %d", n)
		}
	}
	if st.MaxVMs < 1 || st.MaxVMs > 4096 {
		l.errorf("study.max_vms", "must be in [1, 4096], got %d", st.MaxVMs)
	}
	if math.IsNaN(st.RatePerVM) || st.RatePerVM < 0 || st.RatePerVM > 1e8 {
		l.errorf("study.rate_per_vm", "must be in [0, 1e8], got %g", st.RatePerVM)
	}
	maxDur, maxName := 3600*sim.Second, "1h"
	if st.Kind == "memory" {
		maxDur, maxName = 7*24*3600*sim.Second, "168h"
	}
	if st.Duration.Time <= 0 || st.Duration.Time > maxDur {
		l.errorf("study.duration", "must be in (0, %s], got %v", maxName, st.Duration)
	}
	if st.Warmup.Time < 0 || st.Warmup.Time >= st.Duration.Time {
		l.errorf("study.warmup", "must be ≥ 0 and less than the duration (%v), got %v", st.Duration, st.Warmup)
	}
	if st.Kind == "capacity" && st.LatencyTarget.Time <= 0 {
		l.errorf("study.latency_target", "a capacity study needs a latency target > 0 (e.g. \"1ms\")")
	}
	if !(st.LatencyPercentile > 0 && st.LatencyPercentile < 100) {
		l.errorf("study.latency_percentile", "must be in (0, 100), got %g", st.LatencyPercentile)
	}
	if st.RingSlots < 1 || st.RingSlots > 1<<20 {
		l.errorf("study.ring_slots", "must be in [1, 1048576], got %d", st.RingSlots)
	}
}

// Profile returns the named workload profile: one of the scenario's
// [[profile]] tables, or a built-in one.
func (sc *Scenario) Profile(name string) (vm.Profile, error) {
	for _, m := range sc.Profiles {
		if n, _ := m["name"].(string); n == name {
			return vm.ResolveProfile(name, m)
		}
	}
	if p, ok := vm.BuiltinProfile(name); ok {
		return p, nil
	}
	return vm.Profile{}, vm.UnknownProfile(name, vm.ProfileNames())
}

func dirExists(fsys fs.FS, p string) bool {
	st, err := fs.Stat(fsys, p)
	return err == nil && st.IsDir()
}

// sweep checks the [sweep] table; the keys themselves are checked when
// each grid point is loaded with its values as --set overrides.
func (l *loader) sweep(sw *Sweep) {
	if sw.Replications < 0 {
		l.errorf("sweep.replications", "must be ≥ 1 (got %d)", sw.Replications)
	}
	seen := map[string]bool{}
	for i, a := range sw.Vary {
		key := fmt.Sprintf("sweep.vary[%d]", i)
		if strings.TrimSpace(a.Key) == "" {
			l.errorf(key+".key", "is required: the scenario key to sweep, such as host_group.0.count")
		} else if seen[a.Key] {
			l.errorf(key+".key", "%q is swept twice", a.Key)
		}
		seen[a.Key] = true
		if len(a.Values) == 0 {
			l.errorf(key+".values", "is required: a list of at least one value")
		}
		for j, v := range a.Values {
			switch v.(type) {
			case string, int64, float64, bool:
			default:
				l.errorf(fmt.Sprintf("%s.values[%d]", key, j), "want a string, number or bool, got %s", describe(v))
			}
		}
	}
	if n := len(sw.Scatter); n != 0 && n != 2 {
		l.errorf("sweep.scatter", "want two metric names, got %d", n)
	}
}
