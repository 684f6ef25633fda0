package ops_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/wgtrain/wgtrain/conformance"
	"github.com/wgtrain/wgtrain/ops"
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

func checkNear(t *testing.T, what string, got []float32, want []float64, terms int) {
	t.Helper()
	tol := 2e-6 * float64(terms+4) // every |term| <= 1
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol) {
			t.Fatalf("%s[%d] = %g, want %g (|diff| %g > %g)", what, i, got[i], want[i], d, tol)
		}
	}
}

// TestBlockedConv checks the three convolution passes against the float64
// references of package conformance with every micro-kernel, and that their results are
// bit-for-bit the same whatever the number of workers.
func TestBlockedConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, cc := range convCases {
		x := ops.RandSlice(rng, cc.n*cc.c*cc.h*cc.w)
		w := ops.RandSlice(rng, cc.o*cc.c*cc.kh*cc.kw)
		b := ops.RandSlice(rng, cc.o)
		d := conformance.ConvDims{N: cc.n, C: cc.c, H: cc.h, W: cc.w, O: cc.o, KH: cc.kh, KW: cc.kw, Stride: cc.stride, Pad: cc.pad}
		oh, ow := d.Out()
		dy := ops.RandSlice(rng, cc.n*cc.o*oh*ow)
		wy := conformance.RefConv2D(d, f64(x), f64(w), f64(b))
		wdx, wdw, wdb := conformance.RefConv2DBackward(d, f64(x), f64(w), f64(dy))
		for _, kn := range ops.GEMMKernels() {
			t.Run(fmt.Sprintf("%s/%+v", ops.GEMMKernelName(kn), cc), func(t *testing.T) {
				ops.UseGEMMKernel(t, kn)
				var first [4][]float32
				for _, workers := range []int{1, 2, 3, 7} {
					c := ops.NewCPUWorkers(workers)
					ten := func(data []float32, s ...int) *ops.Tensor {
						return ops.NewTensor(c, ops.F32, ops.Shape(s), slices.Clone(data))
					}
					tx, tw, tb := ten(x, cc.n, cc.c, cc.h, cc.w), ten(w, cc.o, cc.c, cc.kh, cc.kw), ten(b, cc.o)
					tdy := ten(dy, cc.n, cc.o, oh, ow)
					ty := ten(make([]float32, len(dy)), cc.n, cc.o, oh, ow)
					tdx := ten(ops.RandSlice(rng, len(x)), cc.n, cc.c, cc.h, cc.w) // garbage: must be overwritten
					tdw := ten(ops.RandSlice(rng, len(w)), cc.o, cc.c, cc.kh, cc.kw)
					tdb := ten(make([]float32, cc.o), cc.o)
					s := ops.ConvSpec{Stride: cc.stride, Padding: cc.pad}
					if err := c.Conv2D(ty, tx, tw, tb, s); err != nil {
						t.Fatal(err)
					}
					if err := c.Conv2DBackwardData(tdx, tdy, tw, s); err != nil {
						t.Fatal(err)
					}
					if err := c.Conv2DBackwardFilter(tdw, tdb, tx, tdy, s); err != nil {
						t.Fatal(err)
					}
					got := [4][]float32{storage(ty), storage(tdx), storage(tdw), storage(tdb)}
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

// storage is a CPU tensor's float32 data.
func storage(t *ops.Tensor) []float32 { return t.Storage().([]float32)[:t.Numel()] }

// f64 widens x to float64.
func f64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}
