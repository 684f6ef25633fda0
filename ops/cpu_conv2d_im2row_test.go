package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// im2rowPanelsByLines is the filter gradient's former im2row: each
// panel's rows built by tapRow into lines (gemmNR*hw floats), then
// interleaved. It is kept as the baseline of BenchmarkIm2rowPanels.
func (g *convGeom) im2rowPanelsByLines(img, dst, lines []float32, r0, r1, ktot, koff int) {
	per := g.kh * g.kw
	var src [gemmNR][]float32
	for jr := r0; jr < r1; jr += gemmNR {
		rows := min(gemmNR, r1-jr)
		for cc := 0; cc < gemmNR; cc++ {
			line := lines[cc*g.hw : (cc+1)*g.hw]
			src[cc] = line
			if cc >= rows {
				clear(line)
				continue
			}
			t := (jr + cc) % per
			g.tapRow(img, (jr+cc)/per, t/g.kw, t%g.kw, line)
		}
		jp := (jr - r0) / gemmNR
		interleave16(dst[(jp*ktot+koff)*gemmNR:(jp*ktot+koff+g.hw)*gemmNR], &src)
	}
}

// TestIm2rowPanels checks the one-pass transposed im2col of the filter
// gradient against the naive im2col, transposed and packed element by
// element, bit for bit: on the resnet9 shapes and odd ones (images
// narrower than a panel, sizes that are not multiples of 16, strides 1 to
// 3, padding 0 to 2, 1x1 and non-square kernels, k not a multiple of
// 16), for every split of the panels among workers of 1 to 3 panels, at
// a contraction offset inside longer panels, with NaN, -0 and denormal
// inputs; and that it writes nothing else.
func TestIm2rowPanels(t *testing.T) {
	shapes := []geomCase{
		{3, 32, 32, 3, 3, 1, 1}, {16, 32, 32, 3, 3, 1, 1}, {32, 16, 16, 3, 3, 1, 1},
		{64, 8, 8, 3, 3, 1, 1}, {128, 4, 4, 3, 3, 1, 1}, {5, 2, 2, 3, 3, 1, 1}, {4, 1, 1, 3, 3, 1, 1},
		{3, 32, 32, 3, 3, 2, 1}, {4, 7, 7, 3, 3, 2, 1}, {2, 9, 11, 3, 3, 3, 0},
		{8, 32, 32, 1, 1, 1, 0}, {8, 16, 16, 1, 1, 2, 0}, {3, 5, 7, 1, 1, 1, 0}, {37, 3, 5, 1, 1, 1, 0},
		{3, 13, 11, 3, 3, 1, 1}, {3, 13, 11, 3, 3, 1, 0}, {3, 12, 20, 5, 5, 1, 2},
		{2, 17, 5, 5, 5, 1, 2}, {2, 6, 6, 3, 1, 1, 1}, {2, 6, 9, 1, 3, 1, 2}, {3, 8, 8, 3, 3, 1, 2},
		{3, 4, 4, 5, 5, 1, 2}, {2, 3, 3, 3, 3, 1, 0}, {7, 24, 24, 3, 3, 1, 1}, {9, 5, 5, 3, 3, 1, 1},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	special := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), math.Float32frombits(1), -math.Float32frombits(0x7fffff), float32(math.Inf(-1))}
	for _, s := range shapes {
		t.Run(s.String(), func(t *testing.T) {
			g := s.geom()
			img := randSlice(rng, g.c*g.h*g.w)
			for i, v := range special {
				img[(i*7919)%len(img)] = v
			}
			col := naiveIm2col(&g, img)
			panels := (g.k + gemmNR - 1) / gemmNR
			koff := 5
			ktot := koff + g.hw + 3
			for per := 1; per <= 3; per++ {
				for lo := 0; lo < panels; lo += per {
					hi := min(lo+per, panels)
					r0, r1 := lo*gemmNR, min(hi*gemmNR, g.k)
					got := make([]float32, (hi-lo)*gemmNR*ktot)
					for i := range got {
						got[i] = float32(i) + 0.5 // a value no write can produce
					}
					want := append([]float32(nil), got...)
					for r := r0; r < hi*gemmNR; r++ {
						jp, cc := (r-r0)/gemmNR, (r-r0)%gemmNR
						for p := 0; p < g.hw; p++ {
							v := float32(0)
							if r < r1 {
								v = col[r*g.hw+p]
							}
							want[(jp*ktot+koff+p)*gemmNR+cc] = v
						}
					}
					scratch := make([]float32, g.im2rowScratch(hi-lo))
					for i := range scratch {
						scratch[i] = float32(math.NaN()) // borders and zeros must be written
					}
					g.im2rowPanels(img, got, scratch, r0, r1, ktot, koff)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							jp, q, cc := i/(ktot*gemmNR), i/gemmNR%ktot, i%gemmNR
							t.Fatalf("panels [%d,%d): panel %d step %d row %d: got %v, want %v", lo, hi, jp, q, cc, got[i], want[i])
						}
					}
				}
			}
		})
	}
}

// BenchmarkIm2rowPanels times the one-pass im2row against the former
// line-by-line one on the inputs of resnet9's (width 16) convolutions,
// writing all panels of one image.
func BenchmarkIm2rowPanels(b *testing.B) {
	for _, g := range resnet9Inputs() {
		ci, hw := g.c, g.h
		panels := (g.k + gemmNR - 1) / gemmNR
		img := randSlice(rand.New(rand.NewPCG(1, 2)), g.c*g.h*g.w)
		dst := make([]float32, panels*gemmNR*g.hw)
		b.Run(fmt.Sprintf("c%d_%dx%d/onepass", ci, hw, hw), func(b *testing.B) {
			scratch := make([]float32, g.im2rowScratch(panels))
			b.SetBytes(int64(4 * len(dst)))
			for b.Loop() {
				g.im2rowPanels(img, dst, scratch, 0, g.k, g.hw, 0)
			}
		})
		b.Run(fmt.Sprintf("c%d_%dx%d/lines", ci, hw, hw), func(b *testing.B) {
			lines := make([]float32, gemmNR*g.hw)
			b.SetBytes(int64(4 * len(dst)))
			for b.Loop() {
				g.im2rowPanelsByLines(img, dst, lines, 0, g.k, g.hw, 0)
			}
		})
	}
}

// TestInterleave16 checks the panel transpose of im2rowPanels bit for
// bit (NaN payloads, signed zeros), from rows longer than the first
// (which sets n).
func TestInterleave16(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 25, 32, 64, 1023, 1024} {
		lines := randomBits(rng, 16*n)
		d := randSlice(rng, 16*n+5)
		tail := append([]float32(nil), d[16*n:]...)
		var src [16][]float32
		for r := range src {
			src[r] = lines[r*n : (r+1)*n : (r+1)*n]
			if r > 0 && r*n+n+1 <= len(lines) {
				src[r] = lines[r*n : r*n+n+1] // extra values must not be read
			}
		}
		interleave16(d, &src)
		for p := 0; p < n; p++ {
			for r := 0; r < 16; r++ {
				if math.Float32bits(d[p*16+r]) != math.Float32bits(lines[r*n+p]) {
					t.Fatalf("n=%d: d[%d] = %g, want lines[%d] = %g", n, p*16+r, d[p*16+r], r*n+p, lines[r*n+p])
				}
			}
		}
		if !slices.Equal(d[16*n:], tail) {
			t.Fatalf("n=%d: wrote past 16n", n)
		}
	}
}
