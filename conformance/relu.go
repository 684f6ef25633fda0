package conformance

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

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
	want := make([]float64, len(xh))
	for i, v := range xh {
		want[i] = max(float64(v), 0)
	}
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
	yh := e.get(y)
	want := make([]float64, n)
	for i := range want {
		if yh[i] > 0 {
			want[i] = float64(r[i])
		}
	}
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

// shapeName formats a shape for a subtest name, such as 2x3x5.
func shapeName(s ops.Shape) string {
	name := ""
	for i, d := range s {
		if i > 0 {
			name += "x"
		}
		name += fmt.Sprint(d)
	}
	return name
}
