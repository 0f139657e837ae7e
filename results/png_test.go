package results

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"sync"
	"testing"

	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// goroutines spreads work over one goroutine per item.
func goroutines(n int, work func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); work(i) }()
	}
	wg.Wait()
}

func opaqueImage(w, h int, px func(x, y int) color.RGBA) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetRGBA(x, y, px(x, y))
		}
	}
	return m
}

// encodePNG writes image/png's bytes (BestSpeed), serially and spread over
// goroutines, for images that make every filter win somewhere, for a
// sub-image, a real chart, and (handed over) a translucent image.
func TestEncodePNGAsImagePNG(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	noise := func(x, y int) color.RGBA {
		return color.RGBA{uint8(r.Uint32()), uint8(r.Uint32()), uint8(r.Uint32()), 255}
	}
	imgs := map[string]image.Image{
		"1x1":     opaqueImage(1, 1, noise),
		"1x70":    opaqueImage(1, 70, noise),
		"70x1":    opaqueImage(70, 1, noise),
		"noise":   opaqueImage(97, 131, noise),
		"flat":    opaqueImage(64, 64, func(x, y int) color.RGBA { return color.RGBA{255, 255, 255, 255} }),
		"rows":    opaqueImage(50, 80, func(x, y int) color.RGBA { return color.RGBA{uint8(y * 3), 0, uint8(y), 255} }),
		"columns": opaqueImage(80, 50, func(x, y int) color.RGBA { return color.RGBA{uint8(x * 3), uint8(x), 9, 255} }),
		"diagonal": opaqueImage(90, 90, func(x, y int) color.RGBA {
			return color.RGBA{uint8(x + y), uint8(2*x - y), uint8(x * y), 255}
		}),
		"mixed": opaqueImage(120, 200, func(x, y int) color.RGBA {
			switch (y / 20) % 4 {
			case 0:
				return noise(x, y)
			case 1:
				return color.RGBA{uint8(x), uint8(x), uint8(x), 255}
			case 2:
				return color.RGBA{uint8(y), 7, 7, 255}
			}
			return color.RGBA{uint8((x + y) / 2), uint8(x ^ y), 200, 255}
		}),
	}
	big := opaqueImage(300, 260, noise)
	imgs["sub-image"] = big.SubImage(image.Rect(17, 33, 250, 200))
	translucent := opaqueImage(40, 40, noise)
	translucent.Pix[3] = 10
	imgs["translucent"] = translucent
	// A chart as WriteChart draws it.
	l := &Lines{Title: "t", XLabel: "x", YLabel: "y", X: []float64{0, 1, 2, 3}, Series: []Series{{Label: "a", Values: []float64{1, 3, 2, 5}, Err: []float64{0.5, 0.2, 0.1, 1}}}}
	p, err := l.plot()
	if err != nil {
		t.Fatal(err)
	}
	w, h := size(0)
	c := vgimg.New(w, h)
	p.Draw(draw.New(c))
	imgs["chart"] = c.Image()

	used := map[int]bool{}
	for name, m := range imgs {
		var want bytes.Buffer
		if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&want, m); err != nil {
			t.Fatal(err)
		}
		for _, sp := range []struct {
			name   string
			spread Spread
		}{{"serial", Serial}, {"goroutines", goroutines}} {
			var got bytes.Buffer
			if err := encodePNG(&got, m, sp.spread); err != nil {
				t.Fatalf("%s %s: %v", name, sp.name, err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				t.Errorf("%s (%s): %d bytes, image/png wrote %d, not the same", name, sp.name, got.Len(), want.Len())
			}
		}
		// Which filters won (every one must, somewhere).
		if rgba, ok := m.(*image.RGBA); ok && rgba.Opaque() {
			b := rgba.Bounds()
			row := 1 + 3*b.Dx()
			var cr [5][]byte
			for i := range cr {
				cr[i] = make([]byte, row)
			}
			pr := make([]byte, row)
			for y := b.Min.Y; y < b.Max.Y; y++ {
				rgbRow(cr[0][1:], rgba, y)
				used[pngFilter(&cr, pr)] = true
				copy(pr, cr[0])
			}
		}
	}
	if len(used) != 5 {
		t.Errorf("the test images exercise filters %v, not all five", used)
	}
}

func BenchmarkEncodePNG(b *testing.B) {
	l := &Lines{Title: "t", XLabel: "x", YLabel: "y", X: []float64{0, 1, 2, 3}, Series: []Series{{Label: "a", Values: []float64{1, 3, 2, 5}}}}
	p, _ := l.plot()
	w, h := size(0)
	c := vgimg.New(w, h)
	p.Draw(draw.New(c))
	m := c.Image()
	for _, bc := range []struct {
		name string
		enc  func(*bytes.Buffer) error
	}{
		{"image-png", func(o *bytes.Buffer) error {
			return (&png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: pngBuffers}).Encode(o, m)
		}},
		{"serial", func(o *bytes.Buffer) error { return encodePNG(o, m, Serial) }},
		{"2-goroutines", func(o *bytes.Buffer) error {
			return encodePNG(o, m, func(n int, work func(int)) {
				var wg sync.WaitGroup
				for g := range 2 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for i := g; i < n; i += 2 {
							work(i)
						}
					}()
				}
				wg.Wait()
			})
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			var o bytes.Buffer
			for b.Loop() {
				o.Reset()
				if err := bc.enc(&o); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
