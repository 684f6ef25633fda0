package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// resnet9Convs lists the convolutions of resnet9 at width 16 on 32x32
// images: input channels, output channels, input size (3x3, padding 1).
var resnet9Convs = [][3]int{
	{3, 16, 32}, {16, 32, 32}, {32, 32, 16}, {32, 32, 16},
	{32, 64, 16}, {64, 128, 8}, {128, 128, 4}, {128, 128, 4},
}

// BenchmarkGEMM times the blocked kernel on pre-packed operands at the
// per-image forward shapes of resnet9's convolutions (m = output
// channels, n = output positions, k = in*3*3) and reports GFLOP/s.
func BenchmarkGEMM(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[[3]int]bool{}
	for _, cv := range resnet9Convs {
		m, n, k := cv[1], cv[2]*cv[2], cv[0]*9
		if seen[[3]int{m, n, k}] {
			continue
		}
		seen[[3]int{m, n, k}] = true
		for _, kn := range kernels(b) {
			b.Run(fmt.Sprintf("%s/m%d_n%d_k%d", kernelNames[kn], m, n, k), func(b *testing.B) {
				withKernel(b, kn)
				ap, bp := make([]float32, packedASize(m, k)), make([]float32, packedBSize(k, n))
				packA(ap, randSlice(rng, m*k), k, 1, m, k, k, 0)
				packB(bp, randSlice(rng, k*n), n, 1, k, n, k, 0)
				c := make([]float32, m*n)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					gemmPacked(m, n, k, ap, bp, c, n, false)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkConvStep times every resnet9 (width 16) convolution's forward,
// data gradient and filter gradient, as one training step runs them, on
// all cores, and reports images/s and GFLOP/s for the three together.
func BenchmarkConvStep(b *testing.B) {
	for _, batch := range []int{32, 128} {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) {
			c := NewCPU()
			rng := rand.New(rand.NewPCG(1, 2))
			type layer struct{ x, w, bias, y, dx, dw, db *Tensor }
			var ls []layer
			flops := 0.0
			for _, cv := range resnet9Convs {
				ci, co, hw := cv[0], cv[1], cv[2]
				mk := func(s ...int) *Tensor {
					t := NewTensor(c, F32, Shape(s), randSlice(rng, Shape(s).Numel()))
					return t
				}
				ls = append(ls, layer{
					x: mk(batch, ci, hw, hw), w: mk(co, ci, 3, 3), bias: mk(co), y: mk(batch, co, hw, hw),
					dx: mk(batch, ci, hw, hw), dw: mk(co, ci, 3, 3), db: mk(co),
				})
				flops += 3 * 2 * float64(batch*co*hw*hw*ci*9)
			}
			s := ConvSpec{Stride: 1, Padding: 1}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for _, l := range ls {
					if err := c.Conv2D(l.y, l.x, l.w, l.bias, s); err != nil {
						b.Fatal(err)
					}
					if err := c.Conv2DBackwardData(l.dx, l.y, l.w, s); err != nil {
						b.Fatal(err)
					}
					if err := c.Conv2DBackwardFilter(l.dw, l.db, l.x, l.y, s); err != nil {
						b.Fatal(err)
					}
				}
			}
			sec := b.Elapsed().Seconds()
			b.ReportMetric(float64(batch*b.N)/sec, "images/s")
			b.ReportMetric(flops*float64(b.N)/sec/1e9, "GFLOP/s")
		})
	}
}
