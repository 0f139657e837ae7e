package policies

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/simrun/simrun/internal/suggest"
)

// RatioDefaulter is implemented by placers with their own default
// allocation ratios (used for host groups that set none).
type RatioDefaulter interface {
	DefaultRatios() (cpu, ram, disk float64)
}

// DefaultRatios is p's default allocation ratios: its own when it has them,
// else 1, 1, 1 (no overcommit).
func DefaultRatios(p Placer) (cpu, ram, disk float64) {
	if d, ok := p.(RatioDefaulter); ok {
		return d.DefaultRatios()
	}
	return 1, 1, 1
}

type entry struct {
	desc string
	make func(a *args) Placer
}

// registry is the explicit list of placement policies; never modified.
func registry() map[string]entry {
	return map[string]entry{
		"first-fit": {"the lowest-index host with room (cores, RAM, disk under the ratios; cores as fast as the vCPUs)",
			func(*args) Placer { return FirstFit{} }},
		"best-fit": {"the host left with the least free capacity on its binding resource (packs)",
			func(*args) Placer {
				return &Pipeline{PolicyName: "best-fit", Filters: strict, Scorers: []Weighted{{PackScorer{}, 1}}}
			}},
		"worst-fit": {"the host left with the most free capacity on its binding resource (spreads)",
			func(*args) Placer {
				return &Pipeline{PolicyName: "worst-fit", Filters: strict, Scorers: []Weighted{{SpreadScorer{}, 1}}}
			}},
		"round-robin": {"the next host with room after the last one chosen, wrapping around",
			func(*args) Placer { return &RoundRobin{name: "round-robin", fs: strict} }},
		"openstack": {"Nova FilterScheduler: core/RAM/disk filters with allocation ratios (default 16/1.5/1.0), RAM and CPU weighers (args ram_weight_multiplier, cpu_weight_multiplier)",
			func(a *args) Placer {
				return &OpenStack{
					RAMMultiplier: a.float("ram_weight_multiplier", 1, math.Inf(-1)),
					CPUMultiplier: a.float("cpu_weight_multiplier", 1, math.Inf(-1)),
					CPURatio:      a.float("cpu_allocation_ratio", 16, 0),
					RAMRatio:      a.float("ram_allocation_ratio", 1.5, 0),
					DiskRatio:     a.float("disk_allocation_ratio", 1, 0),
				}
			}},
		"euca-greedy": {"Eucalyptus GREEDY: the first awake node with free cores, memory and disk (no overcommit); else wake the first sleeping one that fits",
			func(*args) Placer { return Greedy{} }},
		"euca-roundrobin": {"Eucalyptus ROUNDROBIN: as GREEDY, starting after the node chosen last time",
			func(*args) Placer { return NewEucaRoundRobin() }},
		"euca-powersave": {"Eucalyptus POWERSAVE: places as GREEDY; a node idle for longer than idle_threshold_s (default and minimum 300) is switched off, and woken when a VM needs it",
			func(a *args) Placer {
				return &PowerSave{IdleThreshold: secondsArg(a, "idle_threshold_s", 300, 300)}
			}},
		"mem-aware": {"filters and scorers on actual memory (host models with [memory] enabled): refuse hosts worse than max_state (soft), whose guests' reservations would not fit, or whose working sets would exceed working_set_fit (1.0) of their memory; then first fit, or weigh low pressure (pressure_weight, 0) and packing (pack_weight, 0); admission = \"sharing\" books RAM less the expected page sharing",
			newMemAware},
		"pabfd": {"power-aware best fit decreasing (Beloglazov & Buyya 2012): least power increase; args max_util (1.0), wake_cost (true)",
			func(a *args) Placer {
				return &PABFD{MaxUtil: a.float("max_util", 1, 0), WakeCost: a.bool("wake_cost", true)}
			}},
	}
}

// Names lists the placement policies, sorted.
func Names() []string {
	r := registry()
	names := make([]string, 0, len(r))
	for n := range r {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Describe is a one-line description of policy name ("" if unknown).
func Describe(name string) string { return registry()[name].desc }

// New makes the policy called name from its TOML arguments, checking them
// strictly: unknown arguments, wrong types and out-of-range values are all
// reported, each named placement.args.<key>.
func New(name string, argMap map[string]any) (Placer, error) {
	e, ok := registry()[name]
	if !ok {
		return nil, fmt.Errorf("unknown placement policy %q%s; known: %s", name, suggest.DidYouMean(name, Names()), strings.Join(Names(), ", "))
	}
	a := &args{m: argMap, used: map[string]bool{}}
	p := e.make(a)
	for _, k := range sortedKeys(argMap) {
		if !a.used[k] {
			known := slices.Sorted(func(yield func(string) bool) {
				for k := range a.used {
					if !yield(k) {
						return
					}
				}
			})
			if len(known) == 0 {
				a.errs = append(a.errs, fmt.Errorf("placement.args.%s: policy %s takes no arguments", k, name))
			} else {
				a.errs = append(a.errs, fmt.Errorf("placement.args.%s: unknown argument for %s%s (known: %s)", k, name, suggest.DidYouMean(k, known), strings.Join(known, ", ")))
			}
		}
	}
	if len(a.errs) > 0 {
		return nil, errors.Join(a.errs...)
	}
	return p, nil
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// args decodes a policy's TOML arguments, recording which keys it knows.
type args struct {
	m    map[string]any
	used map[string]bool
	errs []error
}

// float reads a number (TOML integers accepted) that must be ≥ lo when lo is
// finite (and > 0 when lo is 0).
func (a *args) float(key string, def, lo float64) float64 {
	a.used[key] = true
	v, ok := a.m[key]
	if !ok {
		return def
	}
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case int64:
		f = float64(x)
	default:
		a.errs = append(a.errs, fmt.Errorf("placement.args.%s: want a number, got %v", key, v))
		return def
	}
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		a.errs = append(a.errs, fmt.Errorf("placement.args.%s: want a finite number, got %v", key, f))
	case lo == 0 && f <= 0:
		a.errs = append(a.errs, fmt.Errorf("placement.args.%s: must be > 0, got %v", key, f))
	case !math.IsInf(lo, -1) && f < lo:
		a.errs = append(a.errs, fmt.Errorf("placement.args.%s: must be ≥ %v, got %v", key, lo, f))
	default:
		return f
	}
	return def
}

func (a *args) bool(key string, def bool) bool {
	a.used[key] = true
	v, ok := a.m[key]
	if !ok {
		return def
	}
	b, isB := v.(bool)
	if !isB {
		a.errs = append(a.errs, fmt.Errorf("placement.args.%s: want true or false, got %v", key, v))
		return def
	}
	return b
}
