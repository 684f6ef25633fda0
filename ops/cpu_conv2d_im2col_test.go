package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestIm2colPanels checks the one-pass im2col into packed panels against
// the naive im2col packed by packB, and against the tapRow lines it
// replaced, bit for bit, on the resnet9 shapes and odd ones: images
// narrower than a panel, sizes that are not multiples of 16, strides 1
// to 3, padding 0 to 2, 1x1 and non-square kernels.
func TestIm2colPanels(t *testing.T) {
	shapes := []geomCase{
		{3, 32, 32, 3, 3, 1, 1}, {16, 32, 32, 3, 3, 1, 1}, {32, 16, 16, 3, 3, 1, 1},
		{64, 8, 8, 3, 3, 1, 1}, {128, 4, 4, 3, 3, 1, 1}, {5, 2, 2, 3, 3, 1, 1}, {4, 1, 1, 3, 3, 1, 1},
		{3, 32, 32, 3, 3, 2, 1}, {4, 7, 7, 3, 3, 2, 1}, {2, 9, 11, 3, 3, 3, 0},
		{8, 32, 32, 1, 1, 1, 0}, {8, 16, 16, 1, 1, 2, 0}, {3, 5, 7, 1, 1, 1, 0},
		{3, 13, 11, 3, 3, 1, 1}, {3, 13, 11, 3, 3, 1, 0}, {3, 12, 20, 5, 5, 1, 2},
		{2, 17, 5, 5, 5, 1, 2}, {2, 6, 6, 3, 1, 1, 1}, {2, 6, 9, 1, 3, 1, 2}, {3, 8, 8, 3, 3, 1, 2},
		{3, 4, 4, 5, 5, 1, 2}, {2, 3, 3, 3, 3, 1, 0}, {3, 24, 24, 3, 3, 1, 1},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, s := range shapes {
		t.Run(s.String(), func(t *testing.T) {
			g := s.geom()
			img := make([]float32, g.c*g.h*g.w)
			for i := range img {
				img[i] = float32(rng.NormFloat64())
			}
			img[0] = float32(math.Copysign(0, -1)) // -0 must move as -0
			col := naiveIm2col(&g, img)
			want := make([]float32, packedBSize(g.k, g.hw))
			packB(want, col, g.hw, 1, g.k, g.hw, g.k, 0)

			// The tapRow lines, as the forward pass packed them before.
			line := make([]float32, g.hw)
			for r := 0; r < g.k; r++ {
				tap := r % (g.kh * g.kw)
				g.tapRow(img, r/(g.kh*g.kw), tap/g.kw, tap%g.kw, line)
				for p, v := range line {
					if math.Float32bits(v) != math.Float32bits(col[r*g.hw+p]) {
						t.Fatalf("tapRow row %d position %d: %v, naive im2col %v", r, p, v, col[r*g.hw+p])
					}
				}
			}

			got := make([]float32, len(want))
			for i := range got {
				got[i] = float32(math.NaN()) // every element must be written
			}
			scratch := make([]float32, g.paddedSize())
			for i := range scratch {
				scratch[i] = float32(math.NaN()) // the border must be written too
			}
			g.im2colPanels(img, got, scratch)
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					jp, r, q := i/(g.k*gemmNR), i/gemmNR%g.k, i%gemmNR
					t.Fatalf("panel %d row %d column %d: got %v, want %v", jp, r, q, got[i], want[i])
				}
			}
		})
	}
}

// im2colPanelsByLines is the forward pass's former im2col: each row built
// by tapRow into line, then copied into the panels. It is kept as the
// baseline of BenchmarkIm2colPanels.
func (g *convGeom) im2colPanelsByLines(img, dst, line []float32) {
	for r := 0; r < g.k; r++ {
		tap := r % (g.kh * g.kw)
		g.tapRow(img, r/(g.kh*g.kw), tap/g.kw, tap%g.kw, line)
		jp := 0
		for ; (jp+1)*gemmNR <= g.hw; jp++ {
			d := (*[gemmNR]float32)(dst[(jp*g.k+r)*gemmNR : (jp*g.k+r+1)*gemmNR])
			*d = [gemmNR]float32(line[jp*gemmNR : (jp+1)*gemmNR])
		}
		if jp*gemmNR < g.hw {
			d := dst[(jp*g.k+r)*gemmNR : (jp*g.k+r+1)*gemmNR]
			n := copy(d, line[jp*gemmNR:])
			clear(d[n:])
		}
	}
}

// BenchmarkIm2colPanels times the one-pass im2col against the former
// line-by-line one on the inputs of resnet9's (width 16) convolutions.
func BenchmarkIm2colPanels(b *testing.B) {
	for _, g := range resnet9Inputs() {
		ci, hw := g.c, g.h
		img := randSlice(rand.New(rand.NewPCG(1, 2)), g.c*g.h*g.w)
		dst := make([]float32, packedBSize(g.k, g.hw))
		scratch := make([]float32, max(g.paddedSize(), g.hw))
		b.Run(fmt.Sprintf("c%d_%dx%d/onepass", ci, hw, hw), func(b *testing.B) {
			b.SetBytes(int64(4 * len(dst)))
			for b.Loop() {
				g.im2colPanels(img, dst, scratch)
			}
		})
		b.Run(fmt.Sprintf("c%d_%dx%d/lines", ci, hw, hw), func(b *testing.B) {
			b.SetBytes(int64(4 * len(dst)))
			for b.Loop() {
				g.im2colPanelsByLines(img, dst, scratch)
			}
		})
	}
}
