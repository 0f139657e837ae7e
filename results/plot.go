package results

import (
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// figure is one plot, 16 × 9 cm, made and rendered on demand as PNG or
// SVG.
type figure struct {
	name string
	plot func() (*plot.Plot, error)
}

func (f figure) render(w io.Writer, ext string) error {
	p, err := f.plot()
	if err != nil {
		return err
	}
	return writePlot(w, p, 16*vg.Centimeter, 9*vg.Centimeter, ext)
}

type series struct {
	label string
	y     func(d *DatacenterSample) float64
	color color.Color
	dash  []vg.Length
}

var (
	blue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	orange = color.RGBA{R: 255, G: 127, B: 14, A: 255}
)

// figures draws the datacenter time series: utilization (with demand, so
// overcommit shows), power, and active hosts. Time is in hours for runs
// longer than two hours, minutes otherwise.
func figures(ds []DatacenterSample, title string) []figure {
	if title != "" {
		title += ": "
	}
	span := ds[len(ds)-1].TimeS - ds[0].TimeS
	unit, div := "minutes", 60.0
	if span > 2*3600 {
		unit, div = "hours", 3600
	}
	mk := func(name, what, ylabel string, ss ...series) figure {
		return figure{name: name, plot: func() (*plot.Plot, error) {
			p := plot.New()
			p.Title.Text = title + what
			p.X.Label.Text = "simulated time (" + unit + ")"
			p.Y.Label.Text = ylabel
			p.Y.Min = 0
			p.Add(plotter.NewGrid())
			for _, s := range ss {
				xys := make(plotter.XYs, len(ds))
				for i := range ds {
					xys[i].X = ds[i].TimeS / div
					xys[i].Y = s.y(&ds[i])
				}
				l, err := plotter.NewLine(xys)
				if err != nil {
					return nil, err
				}
				l.Color = s.color
				l.Width = vg.Points(1.5)
				l.Dashes = s.dash
				p.Add(l)
				if len(ss) > 1 {
					p.Legend.Add(s.label, l)
				}
			}
			// Headroom above the data so the legend never covers it.
			top := 0.0
			for _, s := range ss {
				for i := range ds {
					top = max(top, s.y(&ds[i]))
				}
			}
			if top > 0 {
				p.Y.Max = top * 1.25
			}
			p.Legend.Top = true
			p.Legend.XOffs = -vg.Millimeter
			return p, nil
		}}
	}
	pct := func(f func(d *DatacenterSample) float64) func(d *DatacenterSample) float64 {
		return func(d *DatacenterSample) float64 { return 100 * f(d) }
	}
	return []figure{
		mk("utilization", "CPU utilization of hosts that are on", "CPU (% of capacity)",
			series{"allocated", pct(func(d *DatacenterSample) float64 { return d.Util }), blue, nil},
			series{"demanded", pct(func(d *DatacenterSample) float64 {
				if d.AllocMIPS == 0 {
					return 0
				}
				return d.Util * d.DemandMIPS / d.AllocMIPS
			}), orange, []vg.Length{vg.Points(4), vg.Points(2)}}),
		mk("power", "power draw", "power (W)",
			series{"power", func(d *DatacenterSample) float64 { return d.PowerW }, blue, nil}),
		mk("active_hosts", "hosts", "hosts",
			series{"active (on, with VMs)", func(d *DatacenterSample) float64 { return float64(d.ActiveHosts) }, blue, nil},
			series{"on", func(d *DatacenterSample) float64 { return float64(d.OnHosts) }, orange, []vg.Length{vg.Points(4), vg.Points(2)}}),
	}
}
