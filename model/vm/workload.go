package vm

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/simrun/simrun/sim"
)

// Utilization is a VM's CPU demand over time as a fraction of its full
// capacity (vCPUs × MIPS). The demand is piecewise constant: Next is called
// first with elapsed = 0 (the VM starts running) and then at each time it
// returned as next; it gives the fraction that holds from elapsed until next
// (sim.Forever when it never changes again). elapsed is measured from the
// moment the VM started running.
type Utilization interface {
	Next(elapsed sim.Time) (u float64, next sim.Time)
}

// Constant demand.
type Constant struct{ Level float64 }

// Next implements Utilization.
func (c Constant) Next(sim.Time) (float64, sim.Time) { return clamp01(c.Level), sim.Forever }

// Uniform draws a fresh value from [Min, Max] every Interval from Rand.
type Uniform struct {
	Min, Max float64
	Interval sim.Time
	Rand     *rand.Rand
}

// Next implements Utilization.
func (u *Uniform) Next(elapsed sim.Time) (float64, sim.Time) {
	v := u.Min + (u.Max-u.Min)*u.Rand.Float64()
	return clamp01(v), elapsed + u.Interval
}

// Diurnal follows a daily cosine, Mean + Amplitude·cos(2π(t − PeakAt)/Period),
// clamped to [0, 1], held constant over each Interval and evaluated at the
// interval's midpoint so that the held value is the curve's local average to
// first order. t is absolute simulated time: Start + elapsed, so VMs started
// at different times see the same time of day.
type Diurnal struct {
	Mean, Amplitude          float64
	Period, PeakAt, Interval sim.Time
	Start                    sim.Time
}

// Next implements Utilization.
func (d Diurnal) Next(elapsed sim.Time) (float64, sim.Time) {
	mid := d.Start + elapsed + d.Interval/2
	phase := 2 * math.Pi * sim.Seconds(mid-d.PeakAt) / sim.Seconds(d.Period)
	return clamp01(d.Mean + d.Amplitude*math.Cos(phase)), elapsed + d.Interval
}

// Trace replays recorded fractions, one per Interval; the last value holds
// after the end.
type Trace struct {
	Values   []float64
	Interval sim.Time
}

// Next implements Utilization.
func (t Trace) Next(elapsed sim.Time) (float64, sim.Time) {
	if len(t.Values) == 0 {
		return 0, sim.Forever
	}
	k := int(elapsed / t.Interval)
	if k >= len(t.Values)-1 {
		return t.Values[len(t.Values)-1], sim.Forever
	}
	return t.Values[k], sim.Time(k+1) * t.Interval
}

func clamp01(x float64) float64 {
	switch {
	case x < 0 || math.IsNaN(x):
		return 0
	case x > 1:
		return 1
	}
	return x
}

// ParseTrace reads a utilization trace: one CPU percentage (0–100, integer or
// decimal) per line, as in the PlanetLab traces shipped with CloudSim. Blank
// lines and lines starting with '#' are skipped. It returns fractions in
// [0, 1]. Errors name the file (name) and line.
func ParseTrace(r io.Reader, name string) ([]float64, error) {
	sc := bufio.NewScanner(r)
	var out []float64
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' {
			continue
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s:%d: want a CPU percentage between 0 and 100, got %q", name, line, truncate(s, 40))
		}
		if v < 0 || v > 100 {
			return nil, fmt.Errorf("%s:%d: CPU percentage %v is outside 0..100", name, line, v)
		}
		out = append(out, v/100)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %v", name, line+1, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no utilization values", name)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
