package ops

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// geomCase is one image's convolution in the tests of im2col, im2row
// and col2im: channels, input height and width, kernel height and width,
// stride and padding.
type geomCase struct{ c, h, w, kh, kw, stride, pad int }

// geom returns the geometry of the convolution of one image into one
// output channel.
func (s geomCase) geom() convGeom {
	oh := (s.h+2*s.pad-s.kh)/s.stride + 1
	ow := (s.w+2*s.pad-s.kw)/s.stride + 1
	g := convGeom{n: 1, c: s.c, h: s.h, w: s.w, o: 1, kh: s.kh, kw: s.kw, oh: oh, ow: ow, stride: s.stride, pad: s.pad}
	g.k, g.hw = g.c*g.kh*g.kw, oh*ow
	g.outSize = g.o * g.hw
	return g
}

// String names the case for a subtest, as c3_32x32_k3x3_s1_p1.
func (s geomCase) String() string {
	return fmt.Sprintf("c%d_%dx%d_k%dx%d_s%d_p%d", s.c, s.h, s.w, s.kh, s.kw, s.stride, s.pad)
}

// resnet9Convs lists the convolutions of resnet9 at width 16 on 32x32
// images: input channels, output channels, input size (3x3, padding 1).
var resnet9Convs = [][3]int{
	{3, 16, 32}, {16, 32, 32}, {32, 32, 16}, {32, 32, 16},
	{32, 64, 16}, {64, 128, 8}, {128, 128, 4}, {128, 128, 4},
}

// resnet9Inputs returns the geometry of one image through each of
// resnet9's (width 16) 3x3 convolutions, once per distinct input (channels
// and size).
func resnet9Inputs() []convGeom {
	var out []convGeom
	seen := map[[2]int]bool{}
	for _, cv := range resnet9Convs {
		ci, hw := cv[0], cv[2]
		if seen[[2]int{ci, hw}] {
			continue
		}
		seen[[2]int{ci, hw}] = true
		g := convGeom{n: 1, c: ci, h: hw, w: hw, o: cv[1], kh: 3, kw: 3, oh: hw, ow: hw, stride: 1, pad: 1}
		g.k, g.hw = g.c*9, hw*hw
		out = append(out, g)
	}
	return out
}

// naiveIm2col returns one image's im2col matrix col[k][hw], straight from
// the definition.
func naiveIm2col(g *convGeom, img []float32) []float32 {
	col := make([]float32, g.k*g.hw)
	r := 0
	for ci := 0; ci < g.c; ci++ {
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				for oy := 0; oy < g.oh; oy++ {
					for ox := 0; ox < g.ow; ox++ {
						iy, ix := oy*g.stride-g.pad+i, ox*g.stride-g.pad+j
						if iy >= 0 && iy < g.h && ix >= 0 && ix < g.w {
							col[r*g.hw+oy*g.ow+ox] = img[(ci*g.h+iy)*g.w+ix]
						}
					}
				}
				r++
			}
		}
	}
	return col
}

// tapRow and tapRowSame built im2col rows one at a time, for the forward
// pass and the filter gradient, before the one-pass im2col and im2row;
// they are kept as references for the tests and benchmarks.

// tapRow writes, for channel ci and kernel tap (i,j), the input value
// under that tap at every output position into line[hw] (one row of the
// im2col matrix), zero where the tap falls in the padding.
func (g *convGeom) tapRow(img []float32, ci, i, j int, line []float32) {
	plane := img[ci*g.h*g.w : (ci+1)*g.h*g.w]
	if g.stride == 1 && g.ow == g.w {
		g.tapRowSame(plane, i, j, line)
		return
	}
	// With stride 1, ix = ox - pad + j is in [0, w) for ox in [lo, hi).
	lo := min(max(g.pad-j, 0), g.ow)
	hi := max(min(g.w+g.pad-j, g.ow), lo)
	for oy := 0; oy < g.oh; oy++ {
		iy := oy*g.stride - g.pad + i
		out := line[oy*g.ow : (oy+1)*g.ow]
		if iy < 0 || iy >= g.h {
			for x := range out {
				out[x] = 0
			}
			continue
		}
		src := plane[iy*g.w : (iy+1)*g.w]
		if g.stride == 1 {
			clear(out[:lo])
			copy(out[lo:hi], src[lo-g.pad+j:])
			clear(out[hi:])
			continue
		}
		for ox := range out {
			ix := ox*g.stride - g.pad + j
			if ix >= 0 && ix < g.w {
				out[ox] = src[ix]
			} else {
				out[ox] = 0
			}
		}
	}
}

// tapRowSame is tapRow for stride 1 and output rows as wide as input
// rows (a "same" convolution such as 3x3 with padding 1): the valid part
// of the tap's row is then the plane shifted by a constant, copied in one
// piece, with the positions whose tap falls in the padding zeroed after.
func (g *convGeom) tapRowSame(plane []float32, i, j int, line []float32) {
	w, d := g.w, j-g.pad // ix = ox + d
	oy0 := min(max(g.pad-i, 0), g.oh)
	oy1 := max(min(g.h+g.pad-i, g.oh), oy0) // iy = oy-pad+i in [0, h)
	shift := (i-g.pad)*w + d                // plane index - line index
	clear(line[:oy0*w])
	clear(line[oy1*w:])
	if oy0 == oy1 {
		return
	}
	lo := max(oy0*w, -shift)
	hi := min(oy1*w, len(plane)-shift)
	if lo < hi {
		copy(line[lo:hi], plane[lo+shift:hi+shift])
	}
	// Positions with ox+d outside [0, w), including any the clipped copy
	// did not reach, are padding.
	zl, zr := min(max(-d, 0), w), max(min(w-d, w), 0)
	for oy := oy0; oy < oy1; oy++ {
		row := line[oy*w : (oy+1)*w]
		for x := 0; x < zl; x++ {
			row[x] = 0
		}
		for x := zr; x < w; x++ {
			row[x] = 0
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
