package conformance

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

type linearCase struct {
	n, in, out int
	bias       bool
}

func (c linearCase) String() string {
	s := fmt.Sprintf("n%d_in%d_out%d", c.n, c.in, c.out)
	if !c.bias {
		s += "_nobias"
	}
	return s
}

var linearCases = []linearCase{
	{1, 1, 1, true},
	{3, 7, 5, true},
	{4, 128, 10, true}, // resnet9's head at width 16
	{5, 33, 17, false},
	{2, 3, 1, true},
	{16, 20, 13, true},
	{1, 65, 3, false},
}

// Linear checks Linear against the reference and LinearBackward against
// the closed form (with every combination of wanted gradients) and finite
// differences for dx, dw and db.
func Linear(t TB, b ops.Backend) {
	t.Helper()
	for _, c := range linearCases {
		run(t, c.String(), func(t TB) { linear(t, b, c) })
	}
}

func linear(t TB, b ops.Backend, c linearCase) {
	e := newEnv(t, b, "linear/"+c.String())
	defer e.close()
	bound := 1 / math.Sqrt(float64(c.in))
	xs, ws, ys := ops.Shape{c.n, c.in}, ops.Shape{c.out, c.in}, ops.Shape{c.n, c.out}
	xh, wh := e.uniform(xs.Numel(), -1, 1), e.uniform(ws.Numel(), -bound, bound)
	bh := e.uniform(c.out, -bound, bound)
	x, w, bias := e.tensor(xs, xh), e.tensor(ws, wh), e.tensor(ops.Shape{c.out}, bh)
	fwdBias, fwdBh := bias, bh
	if !c.bias {
		fwdBias, fwdBh = nil, nil
	}
	y := e.junk(ys...)
	what := fmt.Sprintf("Linear(x %v, w %v, bias %v)", xs, ws, c.bias)
	e.ok(b.Linear(y, x, w, fwdBias), what)
	expectClose(t, what+": y", ys, e.get(y), refLinear(c.n, c.in, c.out, f64(xh), f64(wh), f64(fwdBh)), ReferenceTol)

	r := e.uniform(ys.Numel(), -1, 1)
	dy := e.tensor(ys, r)
	wantDx, wantDw, wantDb := refLinearBackward(c.n, c.in, c.out, f64(xh), f64(wh), f64(r))
	loss := func() float64 {
		e.ok(b.Linear(y, x, w, bias), "Linear")
		return dot(e.get(y), r)
	}
	// Every subset of the three gradients; nil ones are not wanted.
	for mask := 1; mask < 8; mask++ {
		var dx, dw, db *ops.Tensor
		wanted := ""
		if mask&1 != 0 {
			dx, wanted = e.junk(xs...), wanted+" dx"
		}
		if mask&2 != 0 {
			dw, wanted = e.junk(ws...), wanted+" dw"
		}
		if mask&4 != 0 {
			db, wanted = e.junk(c.out), wanted+" db"
		}
		what := fmt.Sprintf("LinearBackward(x %v, w %v, dy %v, wanted%s)", xs, ws, ys, wanted)
		e.ok(b.LinearBackward(dx, dw, db, x, w, dy), what)
		if dx != nil {
			gx := e.get(dx)
			expectClose(t, what+": dx", xs, gx, wantDx, ReferenceTol)
			if mask == 7 {
				e.gradCheck(what+": dx", x, xh, gx, fdStep, loss)
			}
		}
		if dw != nil {
			gw := e.get(dw)
			expectClose(t, what+": dw", ws, gw, wantDw, ReferenceTol)
			if mask == 7 {
				e.gradCheck(what+": dw", w, wh, gw, fdStep, loss)
			}
		}
		if db != nil {
			gb := e.get(db)
			expectClose(t, what+": db", db.Shape(), gb, wantDb, ReferenceTol)
			if mask == 7 {
				e.gradCheck(what+": db", bias, bh, gb, fdStep, loss)
			}
		}
	}
}
