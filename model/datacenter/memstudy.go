package datacenter

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/simrun/simrun/model/mem"
	"github.com/simrun/simrun/results"
	"github.com/simrun/simrun/scenarios"
	"github.com/simrun/simrun/sim"
)

// memoryConfig is the model configuration of a scenario's [memory] table
// for a host of memMiB with the given mechanisms.
func memoryConfig(m *scenarios.Memory, memMiB float64, mech []string) (mem.Config, error) {
	cfg := mem.Defaults(memMiB)
	alloc, err := mem.ParseAllocation(m.Allocation)
	if err != nil {
		return cfg, err
	}
	cfg.Allocation, cfg.Tax = alloc, m.Tax
	cfg.MinFreeMiB, cfg.OverheadMiB = m.MinFreeMiB, m.OverheadMiB
	cfg.EpochS = sim.Seconds(m.Epoch.Time)
	cfg.SamplePages = m.SamplePages
	cfg.Mech = mem.Mechanisms{}
	for _, s := range mech {
		switch strings.TrimSpace(s) {
		case "share":
			cfg.Mech.Share = true
		case "balloon":
			cfg.Mech.Balloon = true
		case "compress":
			cfg.Mech.Compress = true
		case "swap":
			cfg.Mech.Swap = true
		}
	}
	cfg.BalloonMiBps, cfg.BalloonMaxFrac = m.BalloonMiBps, m.BalloonMax
	cfg.CompressibleFrac, cfg.CompressedFrac, cfg.CacheFrac = m.Compressible, m.CompressedSize, m.CompressionCache
	cfg.ScanPagesPerS, cfg.CowRate = m.ScanPagesPerS, m.CowRate
	cfg.SwapInS, cfg.GuestPageInS, cfg.DecompressS = sim.Seconds(m.SwapIn.Time), sim.Seconds(m.GuestPageIn.Time), sim.Seconds(m.Decompress.Time)
	return cfg, nil
}

// activeAt is the working-set fraction at time t (seconds): the profile
// interpolated linearly and held after its last point, or the constant.
func activeAt(m *scenarios.Memory, t float64) float64 {
	p := m.ActiveProfile
	if len(p) == 0 {
		return m.Active
	}
	if t <= p[0][0] {
		return p[0][1]
	}
	for i := 1; i < len(p); i++ {
		if t <= p[i][0] {
			a, b := p[i-1], p[i]
			return a[1] + (b[1]-a[1])*(t-a[0])/(b[0]-a[0])
		}
	}
	return p[len(p)-1][1]
}

// memoryPoint runs one host of a memory study: n guests of vm_group[0]
// on host_group[0] under the mechanisms in set, for the study's
// duration. It returns the row (averages after the warm-up) and the
// samples.
func memoryPoint(sc *scenarios.Scenario, set string, ratio float64, seed uint64) (results.MemoryRow, []results.MemorySample, error) {
	hg, vg := sc.HostGroups[0], sc.VMGroups[0]
	m := &sc.Memory
	hostMiB, vmMiB := hg.RAMGiB*1024, vg.RAMGiB*1024
	n := int(math.Round(ratio * hostMiB / vmMiB))
	row := results.MemoryRow{Mechanisms: set, Ratio: ratio, VMs: n}
	cfg, err := memoryConfig(m, hostMiB, strings.Split(set, ","))
	if err != nil {
		return row, nil, fmt.Errorf("%s: memory.allocation: %w", sc.File, err)
	}
	vms := make([]*mem.VM, n)
	for i := range vms {
		vms[i] = &mem.VM{
			Name: fmt.Sprintf("vm%d", i), ConfigMiB: vmMiB, ReservationMiB: m.Reservation * vmMiB,
			Image: fmt.Sprintf("image%d", i%m.Images), SharedIntra: m.SharedIntra, SharedInter: m.SharedInter,
			LargePages: m.LargePages, TouchedFrac: m.Touched, TouchRate: m.TouchRate, GrowMiBps: m.GrowMiBps,
			GuestMinMiB: m.GuestMinMiB,
		}
	}
	rng := sim.NewStream(seed, fmt.Sprintf("memory/%s/%g", set, ratio))
	h, err := mem.NewHost(cfg, vms, rng)
	if err != nil {
		return row, nil, fmt.Errorf("%s: memory: %w", sc.File, err)
	}
	dur, warm := sim.Seconds(sc.Study.Duration.Time), sim.Seconds(sc.Study.Warmup.Time)
	every := max(1, int(math.Round(sim.Seconds(m.Sample.Time)/cfg.EpochS)))
	stagger := sim.Seconds(m.Stagger.Time)
	var samples []results.MemorySample
	var epochs, progress, minVM float64
	vmProgress := make([]float64, n)
	var cpu0 float64
	var state [5]float64
	blocked0 := 0.0
	steps := int(math.Round(dur / cfg.EpochS))
	for k := 1; k <= steps; k++ {
		t := float64(k) * cfg.EpochS
		for i, v := range vms {
			v.ActiveMiB = activeAt(m, t-float64(i)*stagger) * vmMiB
		}
		h.Step()
		if err := h.Check(); err != nil {
			return row, nil, fmt.Errorf("%s: memory model at %gs: %w", sc.File, t, err)
		}
		snap := snapshot(h, set, ratio, t)
		if k%every == 0 {
			samples = append(samples, snap)
		}
		if t <= warm {
			cpu0, blocked0 = h.Totals.HostCPUS, h.Totals.BlockedS
			continue
		}
		epochs++
		row.SharedSavedMiB += snap.SharedSavedMiB
		row.BalloonMiB += snap.BalloonMiB
		row.CompressedSavedMiB += snap.CompressedSavedMiB
		row.SwappedMiB += snap.SwappedMiB
		row.FreeMiB += snap.FreeMiB
		row.SwapInsPerS += snap.SwapInsPerS
		row.GuestFaultsPerS += snap.GuestFaultsPerS
		state[h.State]++
		for i, v := range vms {
			progress += v.Progress / float64(n)
			vmProgress[i] += v.Progress
		}
	}
	if epochs == 0 {
		return row, samples, fmt.Errorf("%s: study.duration leaves no epoch after the warm-up", sc.File)
	}
	for _, p := range []*float64{&row.SharedSavedMiB, &row.BalloonMiB, &row.CompressedSavedMiB, &row.SwappedMiB,
		&row.FreeMiB, &row.SwapInsPerS, &row.GuestFaultsPerS} {
		*p /= epochs
	}
	row.ReclaimedMiB = row.SharedSavedMiB + row.BalloonMiB + row.CompressedSavedMiB + row.SwappedMiB
	minVM = math.Inf(1)
	for _, p := range vmProgress {
		minVM = min(minVM, p/epochs)
	}
	row.Slowdown = 1 / (progress / epochs)
	row.WorstSlowdown = 1 / minVM
	span := epochs * cfg.EpochS
	row.BlockedFrac = (h.Totals.BlockedS - blocked0) / (span * float64(n))
	row.HostCPUCores = (h.Totals.HostCPUS - cpu0) / span
	row.TimeSoft, row.TimeHard, row.TimeLow = state[mem.Soft]/epochs, state[mem.Hard]/epochs, state[mem.Low]/epochs
	return row, samples, nil
}

// snapshot is the host's memory now.
func snapshot(h *mem.Host, set string, ratio, t float64) results.MemorySample {
	s := results.MemorySample{Mechanisms: set, Ratio: ratio, TimeS: t, FreeMiB: h.Free, State: h.State.String()}
	cs := h.Cfg.CompressedFrac
	prog := 0.0
	for _, v := range h.VMs {
		s.ResidentMiB += v.Resident
		s.SharedSavedMiB += v.Shared - h.SharedFrames(v)
		s.BalloonMiB += v.BalloonSaved()
		s.CompressedSavedMiB += v.Compressed * (1 - cs)
		s.SwappedMiB += v.Swapped
		s.SwapInsPerS += v.SwapIns
		s.GuestFaultsPerS += v.GuestFaults
		prog += v.Progress
	}
	if len(h.VMs) > 0 {
		s.Slowdown = math.Inf(1)
		if prog > 0 {
			s.Slowdown = float64(len(h.VMs)) / prog
		}
	}
	return s
}

// memoryStudy runs every mechanism set at every ratio, as many at once as
// GOMAXPROCS allows, and records them in a fixed order.
func memoryStudy(sc *scenarios.Scenario, rec *results.Recorder) error {
	type job struct {
		set   string
		ratio float64
	}
	var jobs []job
	for _, set := range sc.Study.MechanismSets {
		for _, r := range sc.Study.Ratios {
			jobs = append(jobs, job{set, r})
		}
	}
	rows := make([]results.MemoryRow, len(jobs))
	series := make([][]results.MemorySample, len(jobs))
	errs := make([]error, len(jobs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rows[i], series[i], errs[i] = memoryPoint(sc, j.set, j.ratio, sc.Seed)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	rec.Memory = rows
	for _, s := range series {
		rec.MemorySeries = append(rec.MemorySeries, s...)
	}
	s := &rec.Summary
	s.Metrics["configurations"] = float64(len(rows))
	worst := rows[0]
	for _, r := range rows {
		if r.Slowdown > worst.Slowdown {
			worst = r
		}
	}
	s.Metrics["max_mean_slowdown"] = worst.Slowdown
	return nil
}
