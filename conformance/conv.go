package conformance

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

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
	for _, c := range convCases {
		run(t, "forward/"+c.String(), func(t TB) { convForward(t, b, c) })
	}
	for _, c := range convCases {
		run(t, "backward/"+c.String(), func(t TB) { convBackward(t, b, c) })
	}
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

func convBackward(t TB, b ops.Backend, c convCase) {
	e := newEnv(t, b, "conv2d/backward/"+c.String())
	defer e.close()
	c.bias = true // the bias gradient is checked in every case
	in := newConvInputs(e, c)
	d := in.d
	yShape := ops.Shape{d.N, d.O, in.oh, in.ow}
	r := e.uniform(yShape.Numel(), -1, 1)
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
	e.gradCheck(what, in.x, in.xh, gx, fdStep, loss)

	dw := e.junk(d.O, d.C, d.KH, d.KW)
	db := e.junk(d.O)
	what = fmt.Sprintf("Conv2DBackwardFilter(x %v, dy %v, %s)", in.x.Shape(), yShape, spec)
	e.ok(b.Conv2DBackwardFilter(dw, db, in.x, dy, in.s), what)
	gw, gb := e.get(dw), e.get(db)
	expectClose(t, what+": dw", dw.Shape(), gw, wantDw, ReferenceTol)
	expectClose(t, what+": db", db.Shape(), gb, wantDb, ReferenceTol)
	e.gradCheck(what+": dw", in.w, in.wh, gw, fdStep, loss)
	e.gradCheck(what+": db", in.b, in.bh, gb, fdStep, loss)

	// db may be nil when the convolution has no bias.
	dw2 := e.junk(d.O, d.C, d.KH, d.KW)
	what = fmt.Sprintf("Conv2DBackwardFilter(x %v, dy %v, %s, db nil)", in.x.Shape(), yShape, spec)
	e.ok(b.Conv2DBackwardFilter(dw2, nil, in.x, dy, in.s), what)
	expectClose(t, what+": dw", dw2.Shape(), e.get(dw2), wantDw, ReferenceTol)
}
