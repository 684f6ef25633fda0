package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// col2imRef is col2im from its definition: every col entry added into
// its image element, in col row order.
func col2imRef(g *convGeom, col, img []float32) {
	for r := range g.k {
		ci, i, j := r/(g.kh*g.kw), r/g.kw%g.kh, r%g.kw
		for oy := range g.oh {
			for ox := range g.ow {
				iy, ix := oy*g.stride-g.pad+i, ox*g.stride-g.pad+j
				if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
					img[(ci*g.h+iy)*g.w+ix] += col[r*g.hw+oy*g.ow+ox]
				}
			}
		}
	}
}

// TestCol2imSameBitExact checks col2imSame (shifted runs over zeroed
// padding entries) against the definition bit for bit, on plane sizes the models use
// and odd ones, kernels of up to 25 taps (more than one batch of runs),
// and col values with NaNs, infinities, signed zeros and denormals.
func TestCol2imSameBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	type kern struct{ kh, kw, pad int }
	kerns := []kern{{3, 3, 1}, {1, 1, 0}, {5, 5, 2}, {1, 3, 1}, {3, 1, 0}, {5, 3, 1}}
	sizes := [][2]int{{32, 32}, {16, 16}, {8, 8}, {4, 4}, {1, 1}, {5, 7}, {9, 17}, {2, 24}, {12, 3}}
	for _, kn := range kernels(t) {
		withKernel(t, kn)
		for _, k := range kerns {
			for _, sz := range sizes {
				for _, c := range []int{1, 3} {
					g := geomCase{c, sz[0], sz[1], k.kh, k.kw, 1, k.pad}.geom()
					if g.oh < 1 || g.ow != g.w {
						continue
					}
					name := fmt.Sprintf("%s c%d %dx%d k%dx%d p%d", kernelNames[kn], c, g.h, g.w, g.kh, g.kw, g.pad)
					for round := range 3 {
						col := randomBits(rng, g.k*g.hw)
						if round == 0 { // finite values: every sum matters
							col = randSlice(rng, g.k*g.hw)
						}
						want := make([]float32, g.c*g.h*g.w)
						col2imRef(&g, col, want)
						got := make([]float32, len(want))
						g.col2imSame(append([]float32(nil), col...), got)
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("%s round %d: img[%d] = %#x, want %#x", name, round, i, math.Float32bits(got[i]), math.Float32bits(want[i]))
							}
						}
					}
				}
			}
		}
	}
}
