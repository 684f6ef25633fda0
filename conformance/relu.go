package conformance

// ReLU: its float64 reference, its shapes and checks, and its check
// against PyTorch.

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// refReLU returns max(x, 0) element by element.
func refReLU(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = max(float64(v), 0)
	}
	return y
}

// refReLUBackward returns dy where y > 0 and 0 elsewhere.
func refReLUBackward(y, dy []float32) []float64 {
	dx := make([]float64, len(y))
	for i := range dx {
		if y[i] > 0 {
			dx[i] = float64(dy[i])
		}
	}
	return dx
}

var reluShapes = []ops.Shape{{1}, {7}, {3, 5}, {2, 3, 5, 7}, {1, 16, 9, 9}, {4, 13, 6, 5}}

// ReLU checks ReLU and ReLUBackward, each also in place, against the
// reference and finite differences (inputs at least 0.05 from the kink).
func ReLU(t TB, b ops.Backend) {
	t.Helper()
	for _, s := range reluShapes {
		run(t, "forward/"+shapeName(s), func(t TB) { reluForward(t, b, s) })
	}
	for _, s := range reluShapes {
		run(t, "backward/"+shapeName(s), func(t TB) { reluBackward(t, b, s) })
	}
}

func reluForward(t TB, b ops.Backend, s ops.Shape) {
	e := newEnv(t, b, "relu/forward/"+shapeName(s))
	defer e.close()
	xh := e.uniform(s.Numel(), -2, 2)
	xh[0] = 0 // relu(0) = 0
	want := refReLU(xh)
	x, y := e.tensor(s, xh), e.junk(s...)
	what := fmt.Sprintf("ReLU(x %v)", s)
	e.ok(b.ReLU(y, x), what)
	expectClose(t, what+": y", s, e.get(y), want, ReferenceTol)
	expectClose(t, what+": x after", s, e.get(x), xh, Tolerance{})

	what = fmt.Sprintf("ReLU(x %v) in place", s)
	e.ok(b.ReLU(x, x), what)
	expectClose(t, what+": y", s, e.get(x), want, ReferenceTol)
}

func reluBackward(t TB, b ops.Backend, s ops.Shape) {
	e := newEnv(t, b, "relu/backward/"+shapeName(s))
	defer e.close()
	n := s.Numel()
	xh := e.awayFromZero(n, 5*fdStep, 2)
	r := e.uniform(n, -1, 1)
	x, y, dy := e.tensor(s, xh), e.zeros(s...), e.tensor(s, r)
	loss := func() float64 {
		e.ok(b.ReLU(y, x), "ReLU")
		return dot(e.get(y), r)
	}
	loss()
	want := refReLUBackward(e.get(y), r)
	dx := e.junk(s...)
	what := fmt.Sprintf("ReLUBackward(y %v, dy)", s)
	e.ok(b.ReLUBackward(dx, y, dy), what)
	gx := e.get(dx)
	expectClose(t, what+": dx", s, gx, want, ReferenceTol)
	e.gradCheck(what+": dx", x, xh, gx, fdStep, loss)

	what = fmt.Sprintf("ReLUBackward(y %v, dy) in place into dy", s)
	e.ok(b.ReLUBackward(dy, y, dy), what)
	expectClose(t, what+": dx", s, e.get(dy), want, ReferenceTol)
}

func goldenReLU(x fixture) {
	in := x.tensor("x")
	y, dx := x.like(in), x.like(in)
	x.e.ok(x.e.b.ReLU(y, in), "ReLU")
	x.e.ok(x.e.b.ReLUBackward(dx, y, x.tensor("dy")), "ReLUBackward")
	x.expect(y, "y")
	x.expect(dx, "dx")
}
