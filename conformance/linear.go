package conformance

// Linear: its float64 reference (on refGEMM), its cases and checks, and
// its check against PyTorch.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// refLinear returns y = x w^T + b in float64 for x [n,in], w [out,in]; b
// may be nil.
func refLinear(n, in, out int, x, w, b []float64) []float64 {
	var y0 []float64 // each row starts from the bias
	if b != nil {
		y0 = make([]float64, 0, n*out)
		for range n {
			y0 = append(y0, b...)
		}
	}
	return refGEMM(n, out, in, rowMajor(x, in), rowMajor(w, in).T(), y0)
}

// refLinearBackward returns dx = dy w, dw = dy^T x and db = the column
// sums of dy in float64.
func refLinearBackward(n, in, out int, x, w, dy []float64) (dx, dw, db []float64) {
	g := rowMajor(dy, out)
	dx = refGEMM(n, in, out, g, rowMajor(w, in), nil)
	dw = refGEMM(out, in, n, g.T(), rowMajor(x, in), nil)
	db = make([]float64, out)
	for r := 0; r < n; r++ {
		for o := 0; o < out; o++ {
			db[o] += dy[r*out+o]
		}
	}
	return dx, dw, db
}

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
	runCases(t, b, "", linearCases, linear)
}

// linear checks one case against the reference and finite differences.
func linear(t TB, b ops.Backend, c linearCase) { checkLinear(t, b, c, true) }

// checkLinear checks one case against the reference and, withFD, against
// finite differences.
func checkLinear(t TB, b ops.Backend, c linearCase, withFD bool) {
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

	dyb := dyBound(c.n)
	r := e.uniform(ys.Numel(), -dyb, dyb)
	dy := e.tensor(ys, r)
	wantDx, wantDw, wantDb := refLinearBackward(c.n, c.in, c.out, f64(xh), f64(wh), f64(r))
	loss := func() float64 {
		e.ok(b.Linear(y, x, w, bias), "Linear")
		return dot(e.get(y), r)
	}
	// Every subset of the three gradients; nil ones are not wanted. The
	// finite differences run with all three.
	for mask := 1; mask < 8; mask++ {
		fd := withFD && mask == 7
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
			if fd {
				e.gradCheck(what+": dx", x, xh, gx, fdStep, loss)
			}
		}
		if dw != nil {
			gw := e.get(dw)
			expectClose(t, what+": dw", ws, gw, wantDw, ReferenceTol)
			if fd {
				e.gradCheck(what+": dw", w, wh, gw, fdStep, loss)
			}
		}
		if db != nil {
			gb := e.get(db)
			expectClose(t, what+": db", db.Shape(), gb, wantDb, ReferenceTol)
			if fd {
				e.gradCheck(what+": db", bias, bh, gb, fdStep, loss)
			}
		}
	}
}

func goldenLinear(x fixture) {
	in, w, bias := x.tensor("x"), x.tensor("w"), x.tensor("b")
	y := x.output("y")
	x.e.ok(x.e.b.Linear(y, in, w, bias), "Linear")
	x.expect(y, "y")
	dx, dw, db := x.like(in), x.like(w), x.like(bias)
	x.e.ok(x.e.b.LinearBackward(dx, dw, db, in, w, x.tensor("dy")), "LinearBackward")
	x.expect(dx, "dx")
	x.expect(dw, "dw")
	x.expect(db, "db")
}
