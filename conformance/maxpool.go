package conformance

// MaxPool2D: its float64 reference, its cases and checks, and its check
// against PyTorch.

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// refMaxPool2D returns the maximum of each k x k window of x [n,c,h,w]
// (stride k, no padding, trailing rows and columns dropped) and the flat
// index in x of each window's first maximum in row-major order.
func refMaxPool2D(n, c, h, w, k int, x []float64) (y []float64, arg []int) {
	arg = poolArgmax(n, c, h, w, k, x, false)
	y = make([]float64, len(arg))
	for i, xi := range arg {
		y[i] = x[xi]
	}
	return y, arg
}

// poolArgmax returns the flat index in x of each k x k window's maximum:
// the first in row-major order, or with lastTie the last (the mistake of
// one of the self-test's broken backends).
func poolArgmax(n, c, h, w, k int, x []float64, lastTie bool) []int {
	oh, ow := h/k, w/k
	arg := make([]int, n*c*oh*ow)
	for img := 0; img < n*c; img++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				best := -1
				for p := 0; p < k; p++ {
					for q := 0; q < k; q++ {
						xi := (img*h+i*k+p)*w + j*k + q
						if best < 0 || x[xi] > x[best] || lastTie && x[xi] == x[best] {
							best = xi
						}
					}
				}
				arg[(img*oh+i)*ow+j] = best
			}
		}
	}
	return arg
}

type poolCase struct{ n, c, h, w, k int }

func (c poolCase) String() string {
	return fmt.Sprintf("n%d_c%d_%dx%d_k%d", c.n, c.c, c.h, c.w, c.k)
}

var poolCases = []poolCase{
	{1, 1, 2, 2, 2},
	{2, 3, 5, 7, 2},   // drops the last row and column
	{1, 5, 9, 9, 3},   // exact fit
	{2, 3, 13, 11, 4}, // drops 1 row and 3 columns
	{3, 2, 4, 4, 4},   // one window per channel, as resnet9's head
	{1, 2, 7, 5, 1},   // identity
	{2, 16, 8, 8, 2},  // resnet9's pooling at width 16
	{2, 4, 6, 11, 5},  // one row of windows
}

// poolInput draws x uniform in [-2,2) and then raises one random element
// of each window to beat the rest of the window by 0.05 to 0.55, more
// than twice the finite-difference step.
func poolInput(e *env, c poolCase) []float32 {
	x := e.uniform(c.n*c.c*c.h*c.w, -2, 2)
	for img := 0; img < c.n*c.c; img++ {
		for i := 0; i < c.h/c.k; i++ {
			for j := 0; j < c.w/c.k; j++ {
				top := float32(-1e30)
				for p := 0; p < c.k; p++ {
					for q := 0; q < c.k; q++ {
						top = max(top, x[(img*c.h+i*c.k+p)*c.w+j*c.k+q])
					}
				}
				p, q := e.rng.IntN(c.k), e.rng.IntN(c.k)
				x[(img*c.h+i*c.k+p)*c.w+j*c.k+q] = top + float32(5*fdStep+0.5*e.rng.Float64())
			}
		}
	}
	return x
}

// MaxPool2D checks MaxPool2D and MaxPool2DBackward against the reference
// (including ties, where the first maximum in row-major order wins, and
// windows that drop trailing rows and columns) and the backward against
// finite differences.
func MaxPool2D(t TB, b ops.Backend) {
	t.Helper()
	runCases(t, b, "", poolCases, func(t TB, b ops.Backend, c poolCase) { maxPool(t, b, c, false) })
	runCases(t, b, "ties/", poolCases, func(t TB, b ops.Backend, c poolCase) { maxPool(t, b, c, true) })
}

// maxPool checks one case; with ties, x takes only the values 0, 1 and 2,
// so most windows hold their maximum more than once, and the gradient is
// checked against the reference only.
func maxPool(t TB, b ops.Backend, c poolCase, ties bool) {
	name := "maxpool/" + c.String()
	if ties {
		name += "/ties"
	}
	e := newEnv(t, b, name)
	defer e.close()
	xs, ys := ops.Shape{c.n, c.c, c.h, c.w}, ops.Shape{c.n, c.c, c.h / c.k, c.w / c.k}
	var xh []float32
	if ties {
		xh = make([]float32, xs.Numel())
		for i := range xh {
			xh[i] = float32(e.rng.IntN(3))
		}
	} else {
		xh = poolInput(e, c)
	}
	r := e.uniform(ys.Numel(), -1, 1)
	x, y, dy := e.tensor(xs, xh), e.junk(ys...), e.tensor(ys, r)
	wantY, arg := refMaxPool2D(c.n, c.c, c.h, c.w, c.k, f64(xh))
	what := fmt.Sprintf("MaxPool2D(x %v, k %d)", xs, c.k)
	e.ok(b.MaxPool2D(y, x, c.k), what)
	expectClose(t, what+": y", ys, e.get(y), wantY, ReferenceTol)

	wantDx := make([]float64, xs.Numel())
	for i, xi := range arg {
		wantDx[xi] = float64(r[i])
	}
	dx := e.junk(xs...)
	what = fmt.Sprintf("MaxPool2DBackward(x %v, dy %v, k %d)", xs, ys, c.k)
	e.ok(b.MaxPool2DBackward(dx, x, dy, c.k), what)
	gx := e.get(dx)
	expectClose(t, what+": dx", xs, gx, wantDx, ReferenceTol)
	if !ties {
		e.gradCheck(what+": dx", x, xh, gx, fdStep, func() float64 {
			e.ok(b.MaxPool2D(y, x, c.k), "MaxPool2D")
			return dot(e.get(y), r)
		})
	}
}

func goldenMaxPool(x fixture) {
	var p struct{ K int }
	x.meta(&p)
	in := x.tensor("x")
	y, dx := x.output("y"), x.like(in)
	x.e.ok(x.e.b.MaxPool2D(y, in, p.K), "MaxPool2D")
	x.e.ok(x.e.b.MaxPool2DBackward(dx, in, x.tensor("dy"), p.K), "MaxPool2DBackward")
	x.expect(y, "y")
	x.expect(dx, "dx")
}
