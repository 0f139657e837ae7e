package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/simrun/simrun/model/cpu"
	"github.com/simrun/simrun/model/host"
	"github.com/simrun/simrun/model/mmu"
	"github.com/simrun/simrun/model/vm"
	"github.com/simrun/simrun/results"
)

const overheadUsage = `Usage: simrun overhead [--profile NAME|FILE,...] [--cpu trap,bt,pv,hw] [--mmu shadow,nested,direct]
                       [--io emulated,paravirtual,passthrough,passthrough-posted]
                       [--large-pages none|guest|host|guest,host|all] [--generation NAME,...|all]
                       [--kappa K] [--json] [-o chart.png|chart.svg] [--list]

Prints, for every requested combination, the slowdown of a workload profile under a
hypervisor configuration and where the extra cycles go (by overhead class and event).
A flag left out means all of its values, except --large-pages (default none: 4 KiB
pages; "all" tries the four combinations), --generation (default sandybridge) and
--profile (default: every built-in profile). Invalid combinations (nested paging
under binary translation, say) are skipped. A profile FILE is a TOML file with the
profile keys (see --list), optionally base = "built-in name".
`

func cmdOverhead(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("overhead", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, overheadUsage) }
	var profiles, cpus, mmus, ios multiFlag
	fs.Var(&profiles, "profile", "profile name or file (repeatable, comma-separated)")
	fs.Var(&cpus, "cpu", "CPU techniques")
	fs.Var(&mmus, "mmu", "MMU modes")
	fs.Var(&ios, "io", "I/O modes")
	large := fs.String("large-pages", "none", "2 MiB pages: none, guest, host, guest,host or all")
	gens := fs.String("generation", cpu.DefaultGeneration, "CPU generation(s) for hardware assist, or all")
	kappa := fs.Float64("kappa", 0.5, "indirect cost of a world switch, as a fraction of its direct cost")
	asJSON := fs.Bool("json", false, "print a JSON array")
	out := fs.String("o", "", "write a stacked bar chart (.png or .svg)")
	list := fs.Bool("list", false, "list profiles, their fields, and the CPU generations")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return badInput("overhead: unexpected argument %q (use --profile)", pos[0])
	}
	if *list {
		return listProfiles(stdout)
	}

	split := func(m multiFlag) []string {
		var out []string
		for _, v := range m {
			for _, s := range strings.Split(v, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
		}
		return out
	}
	var ps []vm.Profile
	names := split(profiles)
	if len(names) == 0 {
		names = vm.ProfileNames()
	}
	for _, n := range names {
		p, err := resolveProfileArg(n)
		if err != nil {
			return inputError{err}
		}
		ps = append(ps, p)
	}
	techs := cpu.Techniques
	if s := split(cpus); len(s) > 0 {
		techs = nil
		for _, n := range s {
			t, err := cpu.ParseTechnique(n)
			if err != nil || t == cpu.Native {
				if err == nil {
					err = errors.New("native is the baseline every slowdown is relative to; pick trap, bt, pv or hw")
				}
				return badInput("overhead: --cpu: %v", err)
			}
			techs = append(techs, t)
		}
	}
	modes := host.MMUModes
	if s := split(mmus); len(s) > 0 {
		modes = nil
		for _, n := range s {
			m, err := mmu.ParseMode(n)
			if err != nil || m == mmu.Native {
				if err == nil {
					err = errors.New("native is only for bare metal")
				}
				return badInput("overhead: --mmu: %v", err)
			}
			modes = append(modes, m)
		}
	}
	choices := host.IOChoices
	if s := split(ios); len(s) > 0 {
		choices = nil
		for _, n := range s {
			c, err := host.ParseIOChoice(n)
			if err != nil || c.Mode == 0 {
				if err == nil {
					err = errors.New("native is only for bare metal")
				}
				return badInput("overhead: --io: %v", err)
			}
			choices = append(choices, c)
		}
	}
	var pages [][2]bool
	switch strings.ReplaceAll(*large, " ", "") {
	case "none", "":
		pages = [][2]bool{{false, false}}
	case "guest":
		pages = [][2]bool{{true, false}}
	case "host":
		pages = [][2]bool{{false, true}}
	case "guest,host", "host,guest", "both":
		pages = [][2]bool{{true, true}}
	case "all":
		pages = [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}}
	default:
		return badInput("overhead: --large-pages: %q is not one of none, guest, host, guest,host, all", *large)
	}
	var generations []cpu.Generation
	if *gens == "all" {
		generations = cpu.Generations
	} else {
		for _, n := range strings.Split(*gens, ",") {
			g, err := cpu.LookupGeneration(strings.TrimSpace(n))
			if err != nil {
				return badInput("overhead: --generation: %v", err)
			}
			generations = append(generations, g)
		}
	}
	if !(*kappa >= 0 && *kappa <= 100) {
		return badInput("overhead: --kappa: must be in [0, 100], got %v", *kappa)
	}
	k := *kappa
	if k == 0 {
		k = -1 // Defaulted reads 0 as "use the default"
	}

	var hs []host.Hypervisor
	for _, g := range generations {
		for _, lp := range pages {
			base := host.Hypervisor{CPU: cpu.Config{Generation: g, Kappa: k},
				MMU: mmu.Config{GuestLargePages: lp[0], HostLargePages: lp[1]}}
			for _, h := range host.Combinations(base, techs, modes, choices) {
				// The generation matters only under hardware assist: list
				// each other configuration once.
				if h.CPU.Technique != cpu.HardwareAssist && g.Name != generations[0].Name {
					continue
				}
				hs = append(hs, h)
			}
		}
	}
	if len(hs) == 0 {
		return badInput("overhead: no valid combination: %s", whyNone(techs, modes, choices))
	}

	var rows []results.OverheadRow
	var ovs []host.Overhead
	for i := range ps {
		for _, h := range hs {
			o := h.Evaluate(&ps[i])
			ovs = append(ovs, o)
			rows = append(rows, h.Record(o))
		}
	}
	if *out != "" {
		if err := overheadChart(*out, rows, len(ps) > 1); err != nil {
			return badInput("overhead: -o: %v", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	printOverhead(stdout, ps, hs, rows, ovs)
	if *out != "" {
		fmt.Fprintf(stdout, "\nchart: %s\n", *out)
	}
	return nil
}

func whyNone(techs []cpu.Technique, modes []mmu.Mode, choices []host.IOChoice) string {
	var why []string
	for _, t := range techs {
		for _, m := range modes {
			if err := mmu.Compatible(t, m); err != nil {
				why = append(why, err.Error())
				continue
			}
			for _, c := range choices {
				h := host.Hypervisor{CPU: cpu.Config{Technique: t}, MMU: mmu.Config{Mode: m}}
				h.IO.Mode, h.IO.PostedInterrupts = c.Mode, c.Posted
				if err := h.Defaulted().Validate(); err != nil {
					why = append(why, err.Error())
				}
			}
		}
	}
	slices.Sort(why)
	return strings.Join(slices.Compact(why), "; ")
}

// resolveProfileArg is a built-in name, or a file when it names one (or
// looks like a path).
func resolveProfileArg(arg string) (vm.Profile, error) {
	if p, ok := vm.BuiltinProfile(arg); ok {
		return p, nil
	}
	if strings.ContainsAny(arg, `/\`) || strings.HasSuffix(arg, ".toml") {
		f, err := os.Open(arg)
		if err != nil {
			return vm.Profile{}, fmt.Errorf("overhead: --profile: %w", err)
		}
		defer f.Close()
		return vm.ParseProfile(f, arg)
	}
	return vm.Profile{}, fmt.Errorf("overhead: --profile: %w", vm.UnknownProfile(arg, vm.ProfileNames()))
}

func listProfiles(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tCPI\tDESCRIPTION")
	for _, p := range vm.Profiles {
		fmt.Fprintf(tw, "%s\t%g\t%s\n", p.Name, p.CPI, p.Description)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nprofile keys (counts per 10^9 guest instructions): %s\n", strings.Join(vm.ProfileFields(), ", "))
	fmt.Fprintln(w, "\nCPU generations (VM exit round trip):")
	for _, g := range cpu.Generations {
		fmt.Fprintf(w, "  %-12s %5.0f cycles  %s\n", g.Name, g.ExitCycles, g.About)
	}
	return nil
}

func pct(v, c0 float64) string { return fmt.Sprintf("%.1f%%", 100*v/c0) }

func printOverhead(w io.Writer, ps []vm.Profile, hs []host.Hypervisor, rows []results.OverheadRow, ovs []host.Overhead) {
	for i := range ps {
		p := &ps[i]
		fmt.Fprintf(w, "profile %s (CPI %g): %s\n", p.Name, p.CPI, p.Description)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "configuration\tgen\tslowdown\tcpu\tmmu\tio\thost backend\thost share\tI/O exits/1e9\tpage-table mem\ttop events\t")
		for j := range hs {
			k := i*len(hs) + j
			r, o := &rows[k], &ovs[k]
			gen := r.Generation
			if gen == "" {
				gen = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%.3f\t%s\t%s\t%s\t%s\t%.1f%%\t%.3g\t%.2f%%\t%s\t\n", r.Config, gen, r.Slowdown,
				pct(r.CPUCycles, o.C0), pct(r.MMUCycles, o.C0), pct(r.IOCycles, o.C0), pct(r.HostCycles, o.C0),
				100*r.HostCPUShare, r.IOExits, 100*r.MemOverhead, topEvents(r.Events, o.C0))
		}
		tw.Flush()
		for j := range hs {
			k := i*len(hs) + j
			if wu := ovs[k].Warmup; wu.Cycles > 0 {
				fmt.Fprintf(w, "  %s: cold translation cache after boot or migration: %.3g blocks, %.3g cycles, warm after ≈ %.3g instructions\n",
					rows[k].Config, wu.Blocks, wu.Cycles, wu.Instructions)
				break
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "cpu, mmu, io: overhead on the VM's vCPUs as % of native cycles; host backend: device-model or")
	fmt.Fprintln(w, "backend CPU outside the VM (% of native cycles); host share: its share of all host CPU the VM uses.")
}

func topEvents(ev map[string]float64, c0 float64) string {
	type kv struct {
		k string
		v float64
	}
	var xs []kv
	for k, v := range ev {
		xs = append(xs, kv{k, v})
	}
	sort.Slice(xs, func(a, b int) bool {
		if abs(xs[a].v) != abs(xs[b].v) {
			return abs(xs[a].v) > abs(xs[b].v)
		}
		return xs[a].k < xs[b].k
	})
	var parts []string
	for i := 0; i < len(xs) && i < 3; i++ {
		if abs(xs[i].v)/c0 < 0.0005 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s", xs[i].k, pct(xs[i].v, c0)))
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

// overheadChart draws one stacked bar per row: native work (1), then the
// overhead classes and the host backend, all relative to native cycles.
func overheadChart(path string, rows []results.OverheadRow, withProfile bool) error {
	if ext := filepath.Ext(path); ext != ".png" && ext != ".svg" {
		return fmt.Errorf("%s: the chart must be .png or .svg", path)
	}
	b := &results.Bars{Title: "Virtualization overhead", YLabel: "CPU time relative to native", Stacked: true, HLine: 1, HLineLabel: "native"}
	seg := []results.Series{{Label: "native work"}, {Label: "cpu"}, {Label: "mmu"}, {Label: "io"}, {Label: "host backend (outside the VM)"}}
	for _, r := range rows {
		name := r.Config
		if r.Generation != "" && r.Generation != cpu.DefaultGeneration {
			name += " " + r.Generation
		}
		if withProfile {
			name = r.Profile + ": " + name
		}
		b.Categories = append(b.Categories, name)
		c0 := r.NativeCycles
		seg[0].Values = append(seg[0].Values, 1)
		seg[1].Values = append(seg[1].Values, max(0, r.CPUCycles/c0))
		seg[2].Values = append(seg[2].Values, max(0, r.MMUCycles/c0))
		seg[3].Values = append(seg[3].Values, max(0, r.IOCycles/c0))
		seg[4].Values = append(seg[4].Values, r.HostCycles/c0)
	}
	if len(rows) == 1 || !withProfile {
		b.Title += ": " + rows[0].Profile
	}
	b.Series = seg
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	return results.WriteChart(path, b)
}
