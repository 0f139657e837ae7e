package results

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"path/filepath"
	"strings"
	"sync"

	"git.sr.ht/~sbinet/gg"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// palette is a colour-blind-friendly cycle (Okabe–Ito), black last.
var palette = []color.Color{
	color.RGBA{R: 0, G: 114, B: 178, A: 255},
	color.RGBA{R: 230, G: 159, B: 0, A: 255},
	color.RGBA{R: 0, G: 158, B: 115, A: 255},
	color.RGBA{R: 204, G: 121, B: 167, A: 255},
	color.RGBA{R: 86, G: 180, B: 233, A: 255},
	color.RGBA{R: 213, G: 94, B: 0, A: 255},
	color.RGBA{R: 240, G: 228, B: 66, A: 255},
	color.RGBA{R: 0, G: 0, B: 0, A: 255},
}

func colorAt(i int) color.Color { return palette[i%len(palette)] }

// Bars is a bar chart: one bar (or group of bars) per category.
type Bars struct {
	Title, YLabel string
	// Categories label the x axis, one per bar position.
	Categories []string
	// Series are the bars' values, Values[i] for Categories[i]; stacked on
	// top of each other when Stacked, side by side otherwise.
	Series  []Series
	Stacked bool
	// HLine draws a dashed reference line at this y when > 0 (e.g. 1 for
	// a slowdown chart, or a latency target).
	HLine      float64
	HLineLabel string
}

// Series is one named sequence of values. Err, when set, holds a
// half-width per value (a confidence interval) drawn as an error bar;
// NaN draws none.
type Series struct {
	Label  string
	Values []float64
	Err    []float64
}

// yErrs is a series' points with their error bars, for plotter.YErrorBars.
type yErrs struct {
	plotter.XYs
	err []float64
}

func (e yErrs) YError(i int) (float64, float64) { return e.err[i], e.err[i] }

// Lines is a line chart of several series over shared x values.
type Lines struct {
	Title, XLabel, YLabel string
	X                     []float64
	Series                []Series
	LogY                  bool
	// HLine draws a dashed reference line at this y when > 0, or at any y
	// when HLineLabel is set (a target line).
	HLine      float64
	HLineLabel string
	// NoPoints draws lines only (for long series).
	NoPoints bool
	// XNames, when set, label the x values (one per X) instead of numbers.
	XNames []string
}

// Scatter is a scatter plot of labelled points; each point is its own
// legend entry, drawn in colour Color and glyph Shape (indices into the
// palette and plotutil's shapes), so that families of points can share a
// colour or a shape.
type Scatter struct {
	Title, XLabel, YLabel string
	Points                []Point
}

// Point is one point of a Scatter.
type Point struct {
	Label        string
	X, Y         float64
	Color, Shape int
}

// newPlot is a plot with its title, axis labels and a grid.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Add(plotter.NewGrid())
	return p
}

func (s *Scatter) plot() (*plot.Plot, error) {
	p := newPlot(s.Title, s.XLabel, s.YLabel)
	for _, pt := range s.Points {
		sc, err := plotter.NewScatter(plotter.XYs{{X: pt.X, Y: pt.Y}})
		if err != nil {
			return nil, fmt.Errorf("results: scatter point %q: %w", pt.Label, err)
		}
		sc.Color = colorAt(pt.Color)
		sc.Shape = plotutil.Shape(pt.Shape)
		sc.Radius = vg.Points(4)
		p.Add(sc)
		p.Legend.Add(pt.Label, sc)
	}
	if len(s.Points) > 0 {
		// Pad the data range, and leave the right third for the legend.
		x0, x1, y0, y1 := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
		for _, pt := range s.Points {
			x0, x1, y0, y1 = min(x0, pt.X), max(x1, pt.X), min(y0, pt.Y), max(y1, pt.Y)
		}
		dx, dy := max(x1-x0, 1e-12*math.Abs(x1)+1e-300), max(y1-y0, 1e-12*math.Abs(y1)+1e-300)
		p.X.Min, p.X.Max = x0-0.05*dx, x1+0.6*dx
		p.Y.Min, p.Y.Max = y0-0.08*dy, y1+0.08*dy
	}
	p.Legend.Top = true
	p.Legend.Padding = vg.Points(1)
	return p, nil
}

func size(n int) (vg.Length, vg.Length) {
	w := 16 * vg.Centimeter
	if n > 8 {
		w = vg.Length(float64(n)*1.6) * vg.Centimeter
	}
	return min(w, 60*vg.Centimeter), 12 * vg.Centimeter
}

func (b *Bars) plot() (*plot.Plot, error) {
	p := newPlot(b.Title, "", b.YLabel)
	n := len(b.Series)
	w := vg.Points(18)
	if !b.Stacked && n > 1 {
		w = vg.Points(max(4, 40/float64(n)))
	}
	var below *plotter.BarChart
	top := 0.0
	sums := make([]float64, len(b.Categories))
	for i, s := range b.Series {
		if len(s.Values) != len(b.Categories) {
			return nil, fmt.Errorf("results: series %q has %d values for %d categories", s.Label, len(s.Values), len(b.Categories))
		}
		bc, err := plotter.NewBarChart(plotter.Values(s.Values), w)
		if err != nil {
			return nil, err
		}
		bc.Color = colorAt(i)
		bc.LineStyle.Width = 0
		if b.Stacked {
			if below != nil {
				bc.StackOn(below)
			}
			below = bc
			for k, v := range s.Values {
				sums[k] += v
			}
		} else {
			bc.Offset = w * vg.Length(float64(i)-float64(n-1)/2)
			for _, v := range s.Values {
				top = max(top, v)
			}
		}
		p.Add(bc)
		if n > 1 {
			p.Legend.Add(s.Label, bc)
		}
	}
	for _, v := range sums {
		top = max(top, v)
	}
	if b.HLine > 0 {
		l, err := hline(b.HLine, -0.5, float64(len(b.Categories))-0.5)
		if err != nil {
			return nil, err
		}
		p.Add(l)
		if b.HLineLabel != "" {
			p.Legend.Add(b.HLineLabel, l)
		}
		top = max(top, b.HLine)
	}
	p.NominalX(b.Categories...)
	p.X.Tick.Label.Rotation = math.Pi / 5
	p.X.Tick.Label.XAlign = draw.XRight
	p.X.Tick.Label.YAlign = draw.YCenter
	p.Y.Min = 0
	if top > 0 {
		// Room above the bars for the legend.
		p.Y.Max = top * (1.15 + 0.1*float64(len(b.Series)))
	}
	p.Legend.Top = true
	return p, nil
}

func hline(y, x0, x1 float64) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return nil, err
	}
	l.Color = color.Black
	l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	return l, nil
}

func (l *Lines) plot() (*plot.Plot, error) {
	p := newPlot(l.Title, l.XLabel, l.YLabel)
	top := 0.0
	for i, s := range l.Series {
		if len(s.Values) != len(l.X) {
			return nil, fmt.Errorf("results: series %q has %d values for %d x values", s.Label, len(s.Values), len(l.X))
		}
		xys := make(plotter.XYs, 0, len(l.X))
		for k := range l.X {
			if l.LogY && s.Values[k] <= 0 {
				continue
			}
			xys = append(xys, plotter.XY{X: l.X[k], Y: s.Values[k]})
			top = max(top, s.Values[k])
		}
		if len(xys) == 0 {
			continue
		}
		ln, pts, err := plotter.NewLinePoints(xys)
		if err != nil {
			return nil, err
		}
		ln.Color, pts.Color = colorAt(i), colorAt(i)
		ln.Width = vg.Points(1.5)
		if l.NoPoints {
			ln.Dashes = plotutil.Dashes(i)
			p.Add(ln)
			p.Legend.Add(s.Label, ln)
			continue
		}
		pts.Shape = plotutil.Shape(i)
		p.Add(ln, pts)
		p.Legend.Add(s.Label, ln, pts)
		if s.Err != nil {
			var xe plotter.XYs
			var ee []float64
			for k := range l.X {
				if k < len(s.Err) && !math.IsNaN(s.Err[k]) && s.Err[k] > 0 {
					xe = append(xe, plotter.XY{X: l.X[k], Y: s.Values[k]})
					ee = append(ee, s.Err[k])
					top = max(top, s.Values[k]+s.Err[k])
				}
			}
			if len(xe) > 0 {
				eb, err := plotter.NewYErrorBars(yErrs{xe, ee})
				if err != nil {
					return nil, err
				}
				eb.Color = colorAt(i)
				p.Add(eb)
			}
		}
	}
	if (l.HLine > 0 || l.HLineLabel != "") && len(l.X) > 0 {
		h, err := hline(l.HLine, l.X[0], l.X[len(l.X)-1])
		if err != nil {
			return nil, err
		}
		p.Add(h)
		if l.HLineLabel != "" {
			p.Legend.Add(l.HLineLabel, h)
		}
		top = max(top, l.HLine)
	}
	if l.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	} else {
		p.Y.Min = 0
		if top > 0 {
			p.Y.Max = top * 1.3
		}
	}
	if len(l.XNames) == len(l.X) && len(l.X) > 0 {
		ticks := make([]plot.Tick, len(l.X))
		for i, x := range l.X {
			ticks[i] = plot.Tick{Value: x, Label: l.XNames[i]}
		}
		p.X.Tick.Marker = plot.ConstantTicks(ticks)
		p.X.Min, p.X.Max = l.X[0]-0.5, l.X[len(l.X)-1]+0.5
	}
	p.Legend.Top = true
	p.Legend.Left = true
	return p, nil
}

// XYLines is a line chart whose series have their own x values (a CDF per
// variant, a time series). With Steps each series is a step function: a
// value holds until the next point.
type XYLines struct {
	Title, XLabel, YLabel string
	Series                []XYSeries
	Steps                 bool
	// YMax fixes the top of the y axis (a CDF's 1); 0 leaves room above
	// the data for the legend. LegendRight widens the x axis and puts the
	// legend in the room made on the right (for curves that fill the
	// height, such as CDFs).
	YMax        float64
	LegendRight bool
}

// XYSeries is one series of an XYLines.
type XYSeries struct {
	Label string
	X, Y  []float64
}

func (l *XYLines) plot() (*plot.Plot, error) {
	p := newPlot(l.Title, l.XLabel, l.YLabel)
	top, right := 0.0, 0.0
	for i, s := range l.Series {
		if len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("results: series %q has %d x and %d y values", s.Label, len(s.X), len(s.Y))
		}
		if len(s.X) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(s.X))
		for k := range s.X {
			xys[k] = plotter.XY{X: s.X[k], Y: s.Y[k]}
			top, right = max(top, s.Y[k]), max(right, s.X[k])
		}
		ln, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		ln.Color = colorAt(i)
		ln.Width = vg.Points(1.5)
		ln.Dashes = plotutil.Dashes(i)
		if l.Steps {
			ln.StepStyle = plotter.PostStep
		}
		p.Add(ln)
		p.Legend.Add(s.Label, ln)
	}
	p.Y.Min, p.X.Min = 0, 0
	switch {
	case l.YMax > 0:
		p.Y.Max = l.YMax
	case top > 0:
		p.Y.Max = top * 1.25
	}
	p.Legend.Top = true
	p.Legend.Left = !l.LegendRight
	if l.LegendRight && right > 0 {
		p.X.Max = right * 1.6
	}
	return p, nil
}

// Chart is a *Bars, a *Lines, an *XYLines or a *Scatter.
type Chart interface{ plot() (*plot.Plot, error) }

// WriteChart renders a chart to path; the format follows the extension
// (.png or .svg). The file is written atomically.
func WriteChart(path string, c Chart) error { return writeChart(path, c, WriteFileAtomic) }

// WriteChart renders a chart to path, as WriteChart does, into the batch.
func (b *Batch) WriteChart(path string, c Chart) error { return writeChart(path, c, b.Write) }

func writeChart(path string, c Chart, writeFile func(path string, write func(w io.Writer) error) error) error {
	ext := strings.TrimPrefix(filepath.Ext(path), ".")
	if ext != "png" && ext != "svg" {
		return fmt.Errorf("results: chart %s: extension must be .png or .svg", path)
	}
	if ext == "png" {
		r, err := DrawPNG(c)
		if err != nil {
			return err
		}
		return r.write(path, writeFile)
	}
	p, err := c.plot()
	if err != nil {
		return err
	}
	w, h := chartSize(c)
	wt, err := p.WriterTo(w, h, ext)
	if err != nil {
		return err
	}
	return writeFile(path, func(out io.Writer) error {
		_, err := wt.WriteTo(out)
		return err
	})
}

// chartSize is a chart's width and height.
func chartSize(c Chart) (vg.Length, vg.Length) {
	n := 0
	switch v := c.(type) {
	case *Bars:
		n = len(v.Categories)
	case *Scatter:
		n = 12 // room for the legend
	}
	return size(n)
}

// Raster is a chart drawn for its PNG and not yet encoded: drawing and
// encoding are two steps (encoding takes about as long), so that a set of
// charts can be drawn and encoded on several goroutines at once with no
// goroutine left waiting on the last whole chart.
type Raster struct{ img *image.RGBA }

// DrawPNG draws a chart's pixels, as WriteChart draws its .png.
func DrawPNG(c Chart) (*Raster, error) {
	p, err := c.plot()
	if err != nil {
		return nil, err
	}
	w, h := chartSize(c)
	return drawPlot(p, w, h), nil
}

// drawPlot draws p on w × h of pooled pixels at vgimg's resolution
// (the canvas is the whole pixels: 605 for 16 cm, not 604.7).
func drawPlot(p *plot.Plot, w, h vg.Length) *Raster {
	img := rasters.get(w, h)
	skipWhiteBackground(p)
	cv := vgimg.NewWith(vgimg.UseImageWithContext(img, newContext(img)), vgimg.UseDPI(vgimg.DefaultDPI))
	p.Draw(draw.New(cv))
	return &Raster{img}
}

// skipWhiteBackground: vgimg paints its image white as one block copy;
// the plot would paint its white background over it again through the
// rasterizer, pixel by pixel (three quarters of a chart's drawing time).
// The same pixels, painted once.
func skipWhiteBackground(p *plot.Plot) {
	if c := p.BackgroundColor; c != nil {
		if r, g, b, a := c.RGBA(); r&g&b&a == 0xffff {
			p.BackgroundColor = nil
		}
	}
}

// writePlot writes p, w × h, as PNG or SVG, after ext: the PNG has the
// pixels gonum/plot's own writer gives (the canvas w × h exactly),
// painted and encoded as a chart's PNG is.
func writePlot(out io.Writer, p *plot.Plot, w, h vg.Length, ext string) error {
	if ext == "png" {
		skipWhiteBackground(p)
		cv := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(vgimg.DefaultDPI))
		p.Draw(draw.New(cv))
		// vgimg draws through gg, whose context image is always an
		// *image.RGBA.
		return encodePNG(out, cv.Image().(*image.RGBA))
	}
	wt, err := p.WriterTo(w, h, ext)
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(out)
	return err
}

// WritePNG encodes a drawn chart to path, into the batch; r's pixels go
// back to a pool and r must not be used again.
func (b *Batch) WritePNG(path string, r *Raster) error { return r.write(path, b.Write) }

// write encodes r as PNG (see encodePNG).
func (r *Raster) write(path string, writeFile func(path string, write func(w io.Writer) error) error) error {
	defer func() {
		rasters.put(r.img)
		r.img = nil
	}()
	return writeFile(path, func(out io.Writer) error { return encodePNG(out, r.img) })
}

// keep is a free list that, unlike a sync.Pool, keeps what it holds
// through garbage collections (a sweep's charts come after several): up
// to four values, each made by make when the list is empty.
type keep[T any] struct {
	mu   sync.Mutex
	free []T
	make func() T
}

func (k *keep[T]) get() T {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := len(k.free); n > 0 {
		v := k.free[n-1]
		k.free = k.free[:n-1]
		return v
	}
	return k.make()
}

func (k *keep[T]) put(v T) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.free) < 4 {
		k.free = append(k.free, v)
	}
}

// newContext is the drawing context vgimg.New would make for img, made
// on img itself: vgimg.New allocates an image and gg copies it into
// another, about 2 MB a chart that the garbage collector then sweeps.
func newContext(img *image.RGBA) *gg.Context {
	ctx := gg.NewContextForRGBA(img)
	ctx.SetLineCapButt()
	ctx.InvertY()
	return ctx
}

// rasterPool lends the RGBA images PNG charts are drawn on from one chart
// to the next (vgimg.NewWith paints the background over all of it).
type rasterPool struct{ keep[*image.RGBA] }

// get returns an image of w × h at vgimg's resolution, rounded to whole
// pixels as vgimg.New rounds them.
func (r *rasterPool) get(w, h vg.Length) *image.RGBA {
	px := func(l vg.Length) int { return int(l/vg.Inch*vgimg.DefaultDPI + 0.5) }
	rect := image.Rect(0, 0, px(w), px(h))
	img := r.keep.get()
	if img == nil || img.Rect != rect {
		return image.NewRGBA(rect)
	}
	return img
}

func (r *rasterPool) put(img *image.RGBA) { r.keep.put(img) }

var rasters = &rasterPool{keep[*image.RGBA]{make: func() *image.RGBA { return nil }}}

// pngPool lends image/png encoders' buffers (a zlib compressor of about
// 1 MB each) from one chart to the next; the bytes written do not change.
type pngPool struct{ keep[*png.EncoderBuffer] }

func (b *pngPool) Get() *png.EncoderBuffer  { return b.get() }
func (b *pngPool) Put(e *png.EncoderBuffer) { b.put(e) }

var pngBuffers = &pngPool{keep[*png.EncoderBuffer]{make: func() *png.EncoderBuffer { return nil }}}

// WriteChartPair writes base.png and base.svg and returns their names.
func WriteChartPair(dir, base string, c Chart) ([]string, error) {
	var names []string
	for _, ext := range []string{".png", ".svg"} {
		if err := WriteChart(filepath.Join(dir, base+ext), c); err != nil {
			return names, err
		}
		names = append(names, base+ext)
	}
	return names, nil
}
