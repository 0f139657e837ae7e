package results

import (
	"bufio"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"io"
	"sync/atomic"
)

// Spread runs work(0), …, work(n−1), possibly several at a time, starting
// them in increasing order; when it returns, all have run.
type Spread func(n int, work func(i int))

// Serial is the Spread that runs the work items one after the other.
func Serial(n int, work func(i int)) {
	for i := range n {
		work(i)
	}
}

// encodePNG writes img exactly as png.Encoder{CompressionLevel:
// png.BestSpeed} does — the same bytes — with the per-row work (the RGB
// conversion and the choice of each row's filter, more than half of the
// encoder's time) spread over bands of rows, while the bands already
// filtered are deflated in order. The filter of a row depends on that row
// and the one above only, so the bands are independent. It handles opaque
// *image.RGBA (every chart: the background is white) and hands anything
// else to image/png.
//
// It follows image/png's writer (Go 1.26): signature, IHDR (8-bit
// truecolour), the zlib stream of filtered rows cut into IDAT chunks by a
// 32 KiB buffer, IEND; a row's filter is the one with the least sum of
// absolute differences, tried in the order up, Paeth, none, sub, average,
// ties kept by the earlier. Deflate's output depends on the bytes only,
// not on how they are handed over. TestEncodePNGAsImagePNG checks the
// bytes against image/png's.
func encodePNG(w io.Writer, img image.Image, spread Spread) error {
	m, ok := img.(*image.RGBA)
	b := img.Bounds()
	if !ok || b.Dx() <= 0 || b.Dy() <= 0 || int64(b.Dx()) >= 1<<32 || int64(b.Dy()) >= 1<<32 || !m.Opaque() {
		return (&png.Encoder{CompressionLevel: png.BestSpeed, BufferPool: pngBuffers}).Encode(w, img)
	}
	width, height := b.Dx(), b.Dy()
	row := 1 + 3*width // the filter type, then RGB
	buf := rowBuffers.get()
	defer rowBuffers.put(buf)
	if cap(*buf) < row*height {
		*buf = make([]byte, row*height)
	}
	out := (*buf)[:row*height]

	const bandRows = 32
	bands := (height + bandRows - 1) / bandRows
	claimed := make([]atomic.Bool, bands)
	done := make([]chan struct{}, bands)
	for k := range done {
		done[k] = make(chan struct{})
	}
	// filterBand filters band k's rows into out, unless another has.
	filterBand := func(k int) {
		if claimed[k].Swap(true) {
			return
		}
		defer close(done[k])
		y0, y1 := k*bandRows, min((k+1)*bandRows, height)
		var cr [5][]byte
		for i := range cr {
			cr[i] = make([]byte, row)
			cr[i][0] = byte(i)
		}
		pr := make([]byte, row)
		if y0 > 0 {
			rgbRow(pr[1:], m, b.Min.Y+y0-1)
		}
		for y := y0; y < y1; y++ {
			rgbRow(cr[0][1:], m, b.Min.Y+y)
			f := pngFilter(&cr, pr)
			copy(out[y*row:(y+1)*row], cr[f])
			pr, cr[0] = cr[0], pr
			cr[0][0] = 0
		}
	}

	var err error
	// Item 0 writes the file, band after band, filtering itself any band
	// nobody has started; items 1.. filter the bands.
	spread(1+bands, func(i int) {
		if i > 0 {
			filterBand(i - 1)
			return
		}
		err = writePNG(w, width, height, func(zw io.Writer) error {
			for k := range bands {
				filterBand(k)
				<-done[k]
				if _, err := zw.Write(out[k*bandRows*row : min((k+1)*bandRows, height)*row]); err != nil {
					return err
				}
			}
			return nil
		})
	})
	return err
}

// writePNG writes the signature, IHDR of an 8-bit truecolour image, the
// zlib stream of the filtered rows that rows writes, cut into IDAT chunks
// by a 32 KiB buffer, and IEND, as image/png does.
func writePNG(w io.Writer, width, height int, rows func(zw io.Writer) error) error {
	cw := &chunkWriter{w: w}
	if _, err := io.WriteString(w, "\x89PNG\r\n\x1a\n"); err != nil {
		return err
	}
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:4], uint32(width))
	binary.BigEndian.PutUint32(ihdr[4:8], uint32(height))
	ihdr[8], ihdr[9] = 8, 2 // 8 bits, truecolour; deflate, adaptive filtering, no interlace
	cw.chunk("IHDR", ihdr[:])
	bw := bufio.NewWriterSize(cw, 1<<15)
	zw := zlibWriters.get()
	defer zlibWriters.put(zw)
	zw.Reset(bw)
	if err := rows(zw); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	cw.chunk("IEND", nil)
	return cw.err
}

// zlibWriters lends BestSpeed compressors (about 1 MB each) from one
// image to the next; Reset makes one as good as new.
var zlibWriters = &keep[*zlib.Writer]{make: func() *zlib.Writer {
	zw, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed)
	return zw
}}

// rowBuffers holds the filtered rows of an image between encodings.
var rowBuffers = &keep[*[]byte]{make: func() *[]byte { return new([]byte) }}

// rgbRow writes row y of an opaque RGBA image as RGB.
func rgbRow(dst []byte, m *image.RGBA, y int) {
	pix := m.Pix[(y-m.Rect.Min.Y)*m.Stride:]
	for i, j := 0, 0; i < len(dst); i, j = i+3, j+4 {
		dst[i], dst[i+1], dst[i+2] = pix[j], pix[j+1], pix[j+2]
	}
}

// chunkWriter writes each Write as a PNG chunk of the given type (IDAT).
type chunkWriter struct {
	w   io.Writer
	err error
}

func (c *chunkWriter) Write(b []byte) (int, error) {
	c.chunk("IDAT", b)
	if c.err != nil {
		return 0, c.err
	}
	return len(b), nil
}

func (c *chunkWriter) chunk(name string, b []byte) {
	if c.err != nil {
		return
	}
	var head [8]byte
	binary.BigEndian.PutUint32(head[:4], uint32(len(b)))
	copy(head[4:], name)
	crc := crc32.NewIEEE()
	crc.Write(head[4:8])
	crc.Write(b)
	var foot [4]byte
	binary.BigEndian.PutUint32(foot[:], crc.Sum32())
	for _, p := range [][]byte{head[:], b, foot[:]} {
		if _, c.err = c.w.Write(p); c.err != nil {
			return
		}
	}
}

func abs8(d uint8) int {
	if d < 128 {
		return int(d)
	}
	return 256 - int(d)
}

// paeth is the Paeth predictor of the PNG specification (§9.4): of a
// (left), b (above) and c (upper left), the one closest to a + b − c,
// ties going to a, then b.
func paeth(a, b, c uint8) uint8 {
	pc := int(c)
	pa := int(b) - pc
	pb := int(a) - pc
	pc = pa + pb
	if pa < 0 {
		pa = -pa
	}
	if pb < 0 {
		pb = -pb
	}
	if pc < 0 {
		pc = -pc
	}
	if pa <= pb && pa <= pc {
		return a
	} else if pb <= pc {
		return b
	}
	return c
}

// pngFilter fills cr[1..4] with row cr[0] filtered (3 bytes per pixel;
// pr is the row above) and returns the filter with the least sum of
// absolute values, as image/png chooses it: up, Paeth, none, sub,
// average, each given up as soon as its sum reaches the best so far.
func pngFilter(cr *[5][]byte, pr []byte) int {
	const bpp = 3
	cdat0, cdat1, cdat2, cdat3, cdat4 := cr[0][1:], cr[1][1:], cr[2][1:], cr[3][1:], cr[4][1:]
	pdat := pr[1:]
	n := len(cdat0)

	sum := 0 // up
	for i := range n {
		cdat2[i] = cdat0[i] - pdat[i]
		sum += abs8(cdat2[i])
	}
	best, filter := sum, 2

	sum = 0 // Paeth
	for i := 0; i < bpp; i++ {
		cdat4[i] = cdat0[i] - pdat[i]
		sum += abs8(cdat4[i])
	}
	for i := bpp; i < n; i++ {
		cdat4[i] = cdat0[i] - paeth(cdat0[i-bpp], pdat[i], pdat[i-bpp])
		sum += abs8(cdat4[i])
		if sum >= best {
			break
		}
	}
	if sum < best {
		best, filter = sum, 4
	}

	sum = 0 // none
	for i := range n {
		sum += abs8(cdat0[i])
		if sum >= best {
			break
		}
	}
	if sum < best {
		best, filter = sum, 0
	}

	sum = 0 // sub
	for i := 0; i < bpp; i++ {
		cdat1[i] = cdat0[i]
		sum += abs8(cdat1[i])
	}
	for i := bpp; i < n; i++ {
		cdat1[i] = cdat0[i] - cdat0[i-bpp]
		sum += abs8(cdat1[i])
		if sum >= best {
			break
		}
	}
	if sum < best {
		best, filter = sum, 1
	}

	sum = 0 // average
	for i := 0; i < bpp; i++ {
		cdat3[i] = cdat0[i] - pdat[i]/2
		sum += abs8(cdat3[i])
	}
	for i := bpp; i < n; i++ {
		cdat3[i] = cdat0[i] - uint8((int(cdat0[i-bpp])+int(pdat[i]))/2)
		sum += abs8(cdat3[i])
		if sum >= best {
			break
		}
	}
	if sum < best {
		filter = 3
	}
	return filter
}
