package results

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/plot/vg"
)

// TestEncodePNG: what encodePNG writes decodes, with image/png, to the
// pixels it was given: charts of each kind, a sub-image, a single pixel,
// random opaque pixels, and images with translucent pixels (written by
// image/png, as RGBA). Opaque images are 8-bit RGB with every row
// unfiltered, in one IDAT chunk whose CRC is checked here too.
func TestEncodePNG(t *testing.T) {
	chart := func(c Chart) *image.RGBA {
		r, err := DrawPNG(c)
		if err != nil {
			t.Fatal(err)
		}
		img := image.NewRGBA(r.img.Rect)
		copy(img.Pix, r.img.Pix)
		rasters.put(r.img)
		return img
	}
	noise := func(w, h int, seed uint64, alpha func(*rand.Rand) uint8) *image.RGBA {
		img := image.NewRGBA(image.Rect(0, 0, w, h))
		rng := rand.New(rand.NewPCG(seed, 1))
		for i := 0; i < len(img.Pix); i += 4 {
			a := alpha(rng)
			// premultiplied: no channel above alpha
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = uint8(rng.UintN(uint(a)+1)), uint8(rng.UintN(uint(a)+1)), uint8(rng.UintN(uint(a)+1)), a
		}
		return img
	}
	opaque := func(*rand.Rand) uint8 { return 0xff }
	big := noise(40, 30, 7, opaque)
	sub := big.SubImage(image.Rect(5, 3, 33, 29)).(*image.RGBA)
	oneTranslucent := noise(9, 9, 3, opaque)
	oneTranslucent.Pix[4*40+3] = 0x80
	for i := 4 * 40; i < 4*40+3; i++ {
		oneTranslucent.Pix[i] = min(oneTranslucent.Pix[i], 0x80)
	}
	for _, c := range []struct {
		name string
		img  *image.RGBA
		rgb  bool // written as unfiltered RGB
	}{
		{"lines chart", chart(&Lines{Title: "lines", XLabel: "x", YLabel: "y", X: []float64{1, 2, 3}, Series: []Series{{Label: "s", Values: []float64{1, 4, 9}, Err: []float64{0.5, 1, 2}}}}), true},
		{"bars chart", chart(&Bars{Title: "bars", Categories: []string{"a", "b", "c"}, Series: []Series{{Label: "x", Values: []float64{3, 5, 1}}, {Label: "y", Values: []float64{1, 2, 3}}}}), true},
		{"scatter chart", chart(&Scatter{Title: "scatter", Points: []Point{{Label: "p", X: 1, Y: 2}, {Label: "q", X: 2, Y: 1}}}), true},
		{"wide bars chart", chart(&Bars{Title: "wide", Categories: []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"}, Series: []Series{{Label: "x", Values: []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}}}), true},
		{"random opaque", big, true},
		{"sub-image", sub, true},
		{"one pixel", noise(1, 1, 1, opaque), true},
		{"one translucent pixel", oneTranslucent, false},
		{"random translucent", noise(17, 5, 2, func(r *rand.Rand) uint8 { return uint8(r.UintN(256)) }), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := encodePNG(&b, c.img); err != nil {
				t.Fatal(err)
			}
			got, err := png.Decode(bytes.NewReader(b.Bytes()))
			if err != nil {
				t.Fatal(err)
			}
			r := c.img.Rect
			if got.Bounds().Dx() != r.Dx() || got.Bounds().Dy() != r.Dy() {
				t.Fatalf("decoded %v, want %v", got.Bounds(), r)
			}
			for y := range r.Dy() {
				for x := range r.Dx() {
					// image/png stores translucent pixels un-premultiplied
					// (NRGBA): compared as that, opaque ones are exact.
					want := color.NRGBAModel.Convert(c.img.RGBAAt(r.Min.X+x, r.Min.Y+y))
					if g := color.NRGBAModel.Convert(got.At(x, y)); g != want {
						t.Fatalf("pixel (%d, %d): %v, want %v", x, y, g, want)
					}
				}
			}
			if rgb := isUnfilteredRGB(t, b.Bytes()); rgb != c.rgb {
				t.Errorf("written as unfiltered RGB: %v, want %v", rgb, c.rgb)
			}
		})
	}
}

// isUnfilteredRGB reports whether a PNG is encodePNG's own: IHDR says
// 8-bit RGB, one IDAT chunk follows whose CRC is right, and every
// scanline's filter byte is 0.
func isUnfilteredRGB(t *testing.T, b []byte) bool {
	t.Helper()
	b = b[8:]
	var chunks []string
	var ihdr, idat []byte
	for len(b) >= 12 {
		n := binary.BigEndian.Uint32(b)
		typ, data := string(b[4:8]), b[8:8+n]
		if crc := binary.BigEndian.Uint32(b[8+n:]); crc != crc32.ChecksumIEEE(b[4:8+n]) {
			t.Fatalf("chunk %s: CRC %08x, want %08x", typ, crc, crc32.ChecksumIEEE(b[4:8+n]))
		}
		chunks = append(chunks, typ)
		switch typ {
		case "IHDR":
			ihdr = data
		case "IDAT":
			idat = data
		}
		b = b[12+n:]
	}
	if len(chunks) != 3 || chunks[0] != "IHDR" || chunks[1] != "IDAT" || chunks[2] != "IEND" || ihdr[8] != 8 || ihdr[9] != 2 {
		return false
	}
	w, h := int(binary.BigEndian.Uint32(ihdr)), int(binary.BigEndian.Uint32(ihdr[4:]))
	rows := inflate(t, idat)
	if len(rows) != h*(1+3*w) {
		t.Fatalf("%d bytes of scanlines, want %d", len(rows), h*(1+3*w))
	}
	for y := range h {
		if f := rows[y*(1+3*w)]; f != 0 {
			t.Errorf("row %d: filter %d", y, f)
		}
	}
	return true
}

// BenchmarkEncodePNG encodes a sweep's chart (605 × 454 pixels) with
// encodePNG and, for comparison, image/png at its fastest level:
//
//	go test -run '^$' -bench EncodePNG -benchmem ./results/
func BenchmarkEncodePNG(b *testing.B) {
	r, err := DrawPNG(&Lines{Title: "energy", XLabel: "small_hosts", YLabel: "energy (kWh)", X: []float64{2, 4, 6, 8},
		Series: []Series{{Label: "first-fit", Values: []float64{20.7, 25.6, 30.1, 35.2}, Err: []float64{0.02, 0.02, 0.02, 0.02}},
			{Label: "worst-fit", Values: []float64{15.7, 15.7, 15.7, 15.7}, Err: []float64{0.01, 0.01, 0.01, 0.01}}}})
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		encode func(*bytes.Buffer) error
	}{
		{"simrun", func(out *bytes.Buffer) error { return encodePNG(out, r.img) }},
		{"image-png-BestSpeed", func(out *bytes.Buffer) error {
			return (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(out, r.img)
		}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var out bytes.Buffer
			b.ReportAllocs()
			for b.Loop() {
				out.Reset()
				if err := c.encode(&out); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(out.Len()), "bytes")
		})
	}
}

func inflate(t *testing.T, z []byte) []byte {
	t.Helper()
	r, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWritePlotSamePixelsAsPlot: a run's time-series figure written by
// writePlot has the pixels gonum/plot's own PNG writer gives it (which
// paints the background twice and encodes with image/png).
func TestWritePlotSamePixelsAsPlot(t *testing.T) {
	ds := []DatacenterSample{{TimeS: 0, Util: 0.2, PowerW: 300, ActiveHosts: 1, OnHosts: 2}, {TimeS: 3600, Util: 0.7, PowerW: 450, ActiveHosts: 3, OnHosts: 3},
		{TimeS: 7200, Util: 0.5, PowerW: 400, ActiveHosts: 2, OnHosts: 3}, {TimeS: 10800, Util: 0.1, PowerW: 250, ActiveHosts: 1, OnHosts: 1}}
	for _, f := range figures(ds, "test") {
		var got bytes.Buffer
		if err := f.render(&got, "png"); err != nil {
			t.Fatal(err)
		}
		// The reference: the same figure through gonum/plot's writer.
		p, err := f.plot()
		if err != nil {
			t.Fatal(err)
		}
		wt, err := p.WriterTo(16*vg.Centimeter, 9*vg.Centimeter, "png")
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if _, err := wt.WriteTo(&want); err != nil {
			t.Fatal(err)
		}
		a, err := png.Decode(bytes.NewReader(got.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		b, err := png.Decode(bytes.NewReader(want.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if a.Bounds() != b.Bounds() {
			t.Fatalf("%s: %v, want %v", f.name, a.Bounds(), b.Bounds())
		}
		for y := range a.Bounds().Dy() {
			for x := range a.Bounds().Dx() {
				if ca, cb := color.NRGBAModel.Convert(a.At(x, y)), color.NRGBAModel.Convert(b.At(x, y)); ca != cb {
					t.Fatalf("%s: pixel (%d, %d) %v, want %v", f.name, x, y, ca, cb)
				}
			}
		}
	}
}

// FuzzEncodePNG: any image, opaque or not, of any small size and offset,
// decodes to its own pixels (compared un-premultiplied, as image/png
// stores translucent ones).
func FuzzEncodePNG(f *testing.F) {
	f.Add(uint8(3), uint8(2), int8(0), int8(0), []byte{255, 0, 0, 255, 0, 255, 0, 255})
	f.Add(uint8(1), uint8(1), int8(-4), int8(9), []byte{10, 20, 30, 40})
	f.Add(uint8(17), uint8(5), int8(2), int8(-1), []byte{})
	f.Fuzz(func(t *testing.T, w, h uint8, x0, y0 int8, pix []byte) {
		if w == 0 || h == 0 {
			return
		}
		r := image.Rect(int(x0), int(y0), int(x0)+int(w%64+1), int(y0)+int(h%64+1))
		img := image.NewRGBA(r)
		for i := range img.Pix {
			img.Pix[i] = 0xff
		}
		for i := 0; i+3 < len(pix) && i+3 < len(img.Pix); i += 4 {
			a := pix[i+3]
			// premultiplied: no channel above alpha
			img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = min(pix[i], a), min(pix[i+1], a), min(pix[i+2], a), a
		}
		var b bytes.Buffer
		if err := encodePNG(&b, img); err != nil {
			t.Fatal(err)
		}
		got, err := png.Decode(&b)
		if err != nil {
			t.Fatal(err)
		}
		if got.Bounds().Dx() != r.Dx() || got.Bounds().Dy() != r.Dy() {
			t.Fatalf("decoded %v, want the size of %v", got.Bounds(), r)
		}
		for y := range r.Dy() {
			for x := range r.Dx() {
				want := color.NRGBAModel.Convert(img.RGBAAt(r.Min.X+x, r.Min.Y+y))
				if g := color.NRGBAModel.Convert(got.At(got.Bounds().Min.X+x, got.Bounds().Min.Y+y)); g != want {
					t.Fatalf("pixel (%d, %d): %v, want %v", x, y, g, want)
				}
			}
		}
	})
}
