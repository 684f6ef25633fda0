package conformance

// Conv2D: its float64 reference, its cases and checks, and its check
// against PyTorch.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// ConvDims describes a convolution: x NCHW, w OIHW (O outputs, kernel
// KH x KW), stride and zero padding in both spatial dimensions.
type ConvDims struct {
	N, C, H, W, O, KH, KW, Stride, Pad int
}

// Out returns the output height and width.
func (d ConvDims) Out() (oh, ow int) {
	return (d.H+2*d.Pad-d.KH)/d.Stride + 1, (d.W+2*d.Pad-d.KW)/d.Stride + 1
}

// convTaps calls f for every product of the convolution's sums, in the
// order of the definition: for each output element yi (image, output
// channel, row, column), each input element xi and weight wi it multiplies
// (input channel, kernel row, kernel column), skipping the taps that fall
// in the zero padding.
func convTaps(d ConvDims, f func(yi, xi, wi int)) {
	oh, ow := d.Out()
	for n := 0; n < d.N; n++ {
		for o := 0; o < d.O; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					yi := ((n*d.O+o)*oh+i)*ow + j
					for c := 0; c < d.C; c++ {
						for p := 0; p < d.KH; p++ {
							for q := 0; q < d.KW; q++ {
								r, col := i*d.Stride-d.Pad+p, j*d.Stride-d.Pad+q
								if r < 0 || r >= d.H || col < 0 || col >= d.W {
									continue
								}
								f(yi, ((n*d.C+c)*d.H+r)*d.W+col, ((o*d.C+c)*d.KH+p)*d.KW+q)
							}
						}
					}
				}
			}
		}
	}
}

// RefConv2D returns y = conv(x, w) + b in float64; b may be nil. Each
// output starts from its bias and adds its products in the order of
// convTaps.
func RefConv2D(d ConvDims, x, w, b []float64) []float64 {
	oh, ow := d.Out()
	y := make([]float64, d.N*d.O*oh*ow)
	if b != nil {
		for yi := range y {
			y[yi] = b[yi/(oh*ow)%d.O]
		}
	}
	convTaps(d, func(yi, xi, wi int) { y[yi] += x[xi] * w[wi] })
	return y
}

// RefConv2DBackward returns the gradients of sum(dy * conv(x, w) + b)
// with respect to x, w and b in float64, by visiting the forward's
// products and scattering each one's share.
func RefConv2DBackward(d ConvDims, x, w, dy []float64) (dx, dw, db []float64) {
	oh, ow := d.Out()
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	db = make([]float64, d.O)
	for yi, g := range dy {
		db[yi/(oh*ow)%d.O] += g
	}
	convTaps(d, func(yi, xi, wi int) {
		g := dy[yi]
		dx[xi] += g * w[wi]
		dw[wi] += g * x[xi]
	})
	return dx, dw, db
}

type convCase struct {
	d    ConvDims
	bias bool // the forward adds a bias
}

func (c convCase) String() string {
	d := c.d
	s := fmt.Sprintf("n%d_c%d_%dx%d_o%d_k%dx%d_s%d_p%d", d.N, d.C, d.H, d.W, d.O, d.KH, d.KW, d.Stride, d.Pad)
	if !c.bias {
		s += "_nobias"
	}
	return s
}

var convCases = []convCase{
	{ConvDims{N: 1, C: 1, H: 5, W: 5, O: 1, KH: 1, KW: 1, Stride: 1, Pad: 0}, true},
	{ConvDims{N: 2, C: 3, H: 7, W: 6, O: 5, KH: 3, KW: 3, Stride: 1, Pad: 1}, true},
	{ConvDims{N: 1, C: 5, H: 9, W: 11, O: 3, KH: 5, KW: 5, Stride: 2, Pad: 2}, false},
	{ConvDims{N: 3, C: 2, H: 8, W: 7, O: 4, KH: 3, KW: 2, Stride: 3, Pad: 1}, true},
	{ConvDims{N: 2, C: 7, H: 6, W: 10, O: 6, KH: 1, KW: 3, Stride: 2, Pad: 0}, true},
	{ConvDims{N: 1, C: 3, H: 4, W: 4, O: 2, KH: 5, KW: 5, Stride: 1, Pad: 2}, true},
	{ConvDims{N: 2, C: 3, H: 5, W: 7, O: 4, KH: 2, KW: 5, Stride: 1, Pad: 0}, false},
	{ConvDims{N: 2, C: 3, H: 11, W: 9, O: 2, KH: 5, KW: 5, Stride: 3, Pad: 2}, true},
	{ConvDims{N: 1, C: 3, H: 17, W: 19, O: 8, KH: 3, KW: 3, Stride: 2, Pad: 1}, true},
	// One block of the tutorial's resnet9 at width 16, 8x8 pixels.
	{ConvDims{N: 2, C: 16, H: 8, W: 8, O: 32, KH: 3, KW: 3, Stride: 1, Pad: 1}, true},
}

// convInputs are one case's host inputs and their device tensors.
type convInputs struct {
	d              ConvDims
	s              ops.ConvSpec
	xh, wh, bh     []float32
	x, w, b        *ops.Tensor // b is nil without bias
	n, oh, ow, out int
}

// newConvInputs draws x uniform in [-1,1) and w, b uniform in
// ±1/sqrt(fan_in), PyTorch's initialization, so outputs are O(1).
func newConvInputs(e *env, c convCase) *convInputs {
	d := c.d
	in := &convInputs{d: d, s: ops.ConvSpec{Stride: d.Stride, Padding: d.Pad}}
	in.oh, in.ow = d.Out()
	bound := 1 / math.Sqrt(float64(d.C*d.KH*d.KW))
	in.xh = e.uniform(d.N*d.C*d.H*d.W, -1, 1)
	in.wh = e.uniform(d.O*d.C*d.KH*d.KW, -bound, bound)
	in.x = e.tensor(ops.Shape{d.N, d.C, d.H, d.W}, in.xh)
	in.w = e.tensor(ops.Shape{d.O, d.C, d.KH, d.KW}, in.wh)
	if c.bias {
		in.bh = e.uniform(d.O, -bound, bound)
		in.b = e.tensor(ops.Shape{d.O}, in.bh)
	}
	return in
}

// Conv2D checks Conv2D against the reference on many shapes, and
// Conv2DBackwardData and Conv2DBackwardFilter (with and without db)
// against the closed-form gradients and finite differences.
func Conv2D(t TB, b ops.Backend) {
	t.Helper()
	runCases(t, b, "forward/", convCases, convForward)
	runCases(t, b, "backward/", convCases, convBackward)
}

func convForward(t TB, b ops.Backend, c convCase) {
	e := newEnv(t, b, "conv2d/forward/"+c.String())
	defer e.close()
	in := newConvInputs(e, c)
	d := in.d
	y := e.junk(d.N, d.O, in.oh, in.ow)
	what := fmt.Sprintf("Conv2D(x %v, w %v, bias %v, stride %d, padding %d)", in.x.Shape(), in.w.Shape(), c.bias, d.Stride, d.Pad)
	e.ok(b.Conv2D(y, in.x, in.w, in.b, in.s), what)
	want := RefConv2D(d, f64(in.xh), f64(in.wh), f64(in.bh))
	expectClose(t, what+": y", y.Shape(), e.get(y), want, ReferenceTol)
}

// convBackward checks one case's gradients against the reference and
// finite differences.
func convBackward(t TB, b ops.Backend, c convCase) { checkConvBackward(t, b, c, true) }

// checkConvBackward checks one case's gradients against the reference
// and, withFD, against finite differences.
func checkConvBackward(t TB, b ops.Backend, c convCase, withFD bool) {
	e := newEnv(t, b, "conv2d/backward/"+c.String())
	defer e.close()
	c.bias = true // the bias gradient is checked in every case
	in := newConvInputs(e, c)
	d := in.d
	yShape := ops.Shape{d.N, d.O, in.oh, in.ow}
	bound := dyBound(d.N * in.oh * in.ow)
	r := e.uniform(yShape.Numel(), -bound, bound)
	dy := e.tensor(yShape, r)
	y := e.zeros(yShape...)
	loss := func() float64 {
		e.ok(b.Conv2D(y, in.x, in.w, in.b, in.s), "Conv2D")
		return dot(e.get(y), r)
	}
	wantDx, wantDw, wantDb := RefConv2DBackward(d, f64(in.xh), f64(in.wh), f64(r))
	spec := fmt.Sprintf("stride %d, padding %d", d.Stride, d.Pad)

	dx := e.junk(d.N, d.C, d.H, d.W)
	what := fmt.Sprintf("Conv2DBackwardData(dy %v, w %v, %s): dx", yShape, in.w.Shape(), spec)
	e.ok(b.Conv2DBackwardData(dx, dy, in.w, in.s), what)
	gx := e.get(dx)
	expectClose(t, what, dx.Shape(), gx, wantDx, ReferenceTol)
	if withFD {
		e.gradCheck(what, in.x, in.xh, gx, fdStep, loss)
	}

	dw := e.junk(d.O, d.C, d.KH, d.KW)
	db := e.junk(d.O)
	what = fmt.Sprintf("Conv2DBackwardFilter(x %v, dy %v, %s)", in.x.Shape(), yShape, spec)
	e.ok(b.Conv2DBackwardFilter(dw, db, in.x, dy, in.s), what)
	gw, gb := e.get(dw), e.get(db)
	expectClose(t, what+": dw", dw.Shape(), gw, wantDw, ReferenceTol)
	expectClose(t, what+": db", db.Shape(), gb, wantDb, ReferenceTol)
	if withFD {
		e.gradCheck(what+": dw", in.w, in.wh, gw, fdStep, loss)
		e.gradCheck(what+": db", in.b, in.bh, gb, fdStep, loss)
	}

	// db may be nil when the convolution has no bias.
	dw2 := e.junk(d.O, d.C, d.KH, d.KW)
	what = fmt.Sprintf("Conv2DBackwardFilter(x %v, dy %v, %s, db nil)", in.x.Shape(), yShape, spec)
	e.ok(b.Conv2DBackwardFilter(dw2, nil, in.x, dy, in.s), what)
	expectClose(t, what+": dw", dw2.Shape(), e.get(dw2), wantDw, ReferenceTol)
}

func goldenConv(x fixture) {
	var p struct{ Stride, Padding int }
	x.meta(&p)
	s := ops.ConvSpec{Stride: p.Stride, Padding: p.Padding}
	in, w, bias := x.tensor("x"), x.tensor("w"), x.tensor("b")
	y := x.output("y")
	x.e.ok(x.e.b.Conv2D(y, in, w, bias, s), "Conv2D")
	x.expect(y, "y")
	dy := x.tensor("dy")
	dx, dw, db := x.like(in), x.like(w), x.like(bias)
	x.e.ok(x.e.b.Conv2DBackwardData(dx, dy, w, s), "Conv2DBackwardData")
	x.e.ok(x.e.b.Conv2DBackwardFilter(dw, db, in, dy, s), "Conv2DBackwardFilter")
	x.expect(dx, "dx")
	x.expect(dw, "dw")
	x.expect(db, "db")
}
