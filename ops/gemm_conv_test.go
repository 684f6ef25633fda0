package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// convCase is one convolution for the blocked-conv tests: sizes chosen so
// that the im2col rows (c*kh*kw) exceed a cache block, the positions are
// not a multiple of a tile, and the filter gradient needs several image
// chunks.
type convCase struct{ n, c, h, w, o, kh, kw, stride, pad int }

var convCases = []convCase{
	{45, 32, 5, 5, 10, 3, 3, 1, 1}, // k = 288 > gemmKC, hw = 25, 2 chunks
	{3, 5, 9, 11, 7, 5, 5, 2, 2},   // stride 2
	{2, 3, 32, 32, 16, 3, 3, 1, 1}, // resnet9's first layer
	{5, 17, 6, 4, 9, 1, 3, 3, 0},   // 1x3 kernel, stride 3
	{1, 1, 1, 1, 1, 1, 1, 1, 0},    // 1x1
	{2, 20, 4, 4, 33, 3, 3, 1, 1},  // o not a multiple of any tile
}

// refConv returns y, dx and dw of the convolution in float64, straight
// from their definitions.
func refConv(cc convCase, x, w, b, dy []float32) (y, dx, dw []float64, oh, ow int) {
	oh = (cc.h+2*cc.pad-cc.kh)/cc.stride + 1
	ow = (cc.w+2*cc.pad-cc.kw)/cc.stride + 1
	y = make([]float64, cc.n*cc.o*oh*ow)
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	for n := 0; n < cc.n; n++ {
		for o := 0; o < cc.o; o++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					yi := ((n*cc.o+o)*oh+oy)*ow + ox
					s := float64(b[o])
					for c := 0; c < cc.c; c++ {
						for i := 0; i < cc.kh; i++ {
							for j := 0; j < cc.kw; j++ {
								iy, ix := oy*cc.stride-cc.pad+i, ox*cc.stride-cc.pad+j
								if iy < 0 || iy >= cc.h || ix < 0 || ix >= cc.w {
									continue
								}
								xi := ((n*cc.c+c)*cc.h+iy)*cc.w + ix
								wi := ((o*cc.c+c)*cc.kh+i)*cc.kw + j
								s += float64(w[wi]) * float64(x[xi])
								dx[xi] += float64(w[wi]) * float64(dy[yi])
								dw[wi] += float64(dy[yi]) * float64(x[xi])
							}
						}
					}
					y[yi] = s
				}
			}
		}
	}
	return y, dx, dw, oh, ow
}

func checkNear(t *testing.T, what string, got []float32, want []float64, terms int) {
	t.Helper()
	tol := 2e-6 * float64(terms+4) // every |term| <= 1
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol) {
			t.Fatalf("%s[%d] = %g, want %g (|diff| %g > %g)", what, i, got[i], want[i], d, tol)
		}
	}
}

// TestBlockedConv checks the three convolution passes against float64
// definitions with every micro-kernel, and that their results are
// bit-for-bit the same whatever the number of workers.
func TestBlockedConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, cc := range convCases {
		x := randSlice(rng, cc.n*cc.c*cc.h*cc.w)
		w := randSlice(rng, cc.o*cc.c*cc.kh*cc.kw)
		b := randSlice(rng, cc.o)
		oh := (cc.h+2*cc.pad-cc.kh)/cc.stride + 1
		ow := (cc.w+2*cc.pad-cc.kw)/cc.stride + 1
		dy := randSlice(rng, cc.n*cc.o*oh*ow)
		wy, wdx, wdw, _, _ := refConv(cc, x, w, b, dy)
		wdb := make([]float64, cc.o)
		for i, v := range dy {
			wdb[i/(oh*ow)%cc.o] += float64(v)
		}
		for _, kn := range kernels(t) {
			t.Run(fmt.Sprintf("%s/%+v", kernelNames[kn], cc), func(t *testing.T) {
				withKernel(t, kn)
				var first [4][]float32
				for _, workers := range []int{1, 2, 3, 7} {
					c := &CPU{workers: workers}
					ten := func(data []float32, s ...int) *Tensor {
						return NewTensor(c, F32, Shape(s), slices.Clone(data))
					}
					tx, tw, tb := ten(x, cc.n, cc.c, cc.h, cc.w), ten(w, cc.o, cc.c, cc.kh, cc.kw), ten(b, cc.o)
					tdy := ten(dy, cc.n, cc.o, oh, ow)
					ty := ten(make([]float32, len(dy)), cc.n, cc.o, oh, ow)
					tdx := ten(randSlice(rng, len(x)), cc.n, cc.c, cc.h, cc.w) // garbage: must be overwritten
					tdw := ten(randSlice(rng, len(w)), cc.o, cc.c, cc.kh, cc.kw)
					tdb := ten(make([]float32, cc.o), cc.o)
					s := ConvSpec{Stride: cc.stride, Padding: cc.pad}
					if err := c.Conv2D(ty, tx, tw, tb, s); err != nil {
						t.Fatal(err)
					}
					if err := c.Conv2DBackwardData(tdx, tdy, tw, s); err != nil {
						t.Fatal(err)
					}
					if err := c.Conv2DBackwardFilter(tdw, tdb, tx, tdy, s); err != nil {
						t.Fatal(err)
					}
					got := [4][]float32{f32(ty), f32(tdx), f32(tdw), f32(tdb)}
					if first[0] == nil {
						checkNear(t, "y", got[0], wy, cc.c*cc.kh*cc.kw+1)
						checkNear(t, "dx", got[1], wdx, cc.o*cc.kh*cc.kw)
						checkNear(t, "dw", got[2], wdw, cc.n*oh*ow)
						checkNear(t, "db", got[3], wdb, cc.n*oh*ow)
						first = got
						continue
					}
					for k, name := range []string{"y", "dx", "dw", "db"} {
						if !slices.Equal(got[k], first[k]) {
							t.Fatalf("%s with %d workers differs from 1 worker", name, workers)
						}
					}
				}
			})
		}
	}
}
