package conformance

// BatchNormReLU: the fused batch norm + ReLU of a backend that has it
// (ops.BatchNormReLUBackend), checked against the unfused composition on
// the same backend.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// BatchNormReLU checks, on a backend that fuses them, that
// BatchNormReLUTrain, BatchNormReLUEval and BatchNormReLUBackward give
// what the unfused composition gives on the same backend (BatchNormTrain
// or BatchNormEval then ReLU; ReLUBackward then BatchNormBackward), within
// ReferenceTol, NaN where the composition has NaN: y, the saved
// statistics, the running statistics, dx, dgamma and dbeta, for the batch
// norm cases with a NaN in the last channel of x where there are three
// channels or more. A backend without the fused operations passes.
func BatchNormReLU(t TB, b ops.Backend) {
	t.Helper()
	f, ok := b.(ops.BatchNormReLUBackend)
	if !ok {
		t.Logf("%s has no fused batch norm + ReLU; nothing to check", b.Name())
		return
	}
	runCases(t, b, "", bnCases, func(t TB, b ops.Backend, c bnCase) { bnReLUCase(t, b, f, c) })
	run(t, "errors", func(t TB) { bnReLUErrors(t, b, f) })
}

// bnReLUErrors checks that the fused operations given bad arguments
// return an *ops.Error and never panic, as the unfused ones do (Errors).
func bnReLUErrors(t TB, b ops.Backend, f ops.BatchNormReLUBackend) {
	e := newEnv(t, b, "batchnorm_relu/errors")
	defer e.close()
	z := func(shape ...int) *ops.Tensor { return e.zeros(shape...) }
	x, y, dy, dx, c3 := z(2, 3, 4, 4), z(2, 3, 4, 4), z(2, 3, 4, 4), z(2, 3, 4, 4), z(3)
	rv := e.tensor(ops.Shape{3}, []float32{1, 1, 1})
	bn := ops.DefaultBatchNorm
	for _, c := range []errCase{
		{"BatchNormReLUTrain with gamma [4] for 3 channels", func() error {
			return f.BatchNormReLUTrain(y, z(3), z(3), x, z(4), c3, z(3), rv, bn)
		}},
		{"BatchNormReLUTrain with one value per channel", func() error {
			return f.BatchNormReLUTrain(z(1, 3, 1, 1), z(3), z(3), z(1, 3, 1, 1), c3, c3, z(3), rv, bn)
		}},
		{"BatchNormReLUTrain with nil y", func() error { return f.BatchNormReLUTrain(nil, z(3), z(3), x, c3, c3, z(3), rv, bn) }},
		{"BatchNormReLUEval with eps 0", func() error {
			return f.BatchNormReLUEval(y, x, c3, c3, z(3), rv, ops.BatchNormSpec{Eps: 0, Momentum: 0.1})
		}},
		{"BatchNormReLUEval with wrong y shape", func() error { return f.BatchNormReLUEval(z(2, 3, 4, 5), x, c3, c3, z(3), rv, bn) }},
		{"BatchNormReLUBackward with nil y", func() error {
			return f.BatchNormReLUBackward(dx, z(3), z(3), x, nil, dy, c3, rv, c3)
		}},
		{"BatchNormReLUBackward with y [2,3,4,5]", func() error {
			return f.BatchNormReLUBackward(dx, z(3), z(3), x, z(2, 3, 4, 5), dy, c3, rv, c3)
		}},
		{"BatchNormReLUBackward with dbeta [4]", func() error {
			return f.BatchNormReLUBackward(dx, z(3), z(4), x, y, dy, c3, rv, c3)
		}},
		{"BatchNormReLUBackward with a y of no backend", func() error {
			return f.BatchNormReLUBackward(dx, z(3), z(3), x, ops.NewTensor(nil, ops.F32, ops.Shape{2, 3, 4, 4}, "storage of no backend"), dy, c3, rv, c3)
		}},
	} {
		expectOpError(t, c)
	}
}

func bnReLUCase(t TB, b ops.Backend, f ops.BatchNormReLUBackend, c bnCase) {
	e := newEnv(t, b, "batchnorm_relu/"+c.String())
	defer e.close()
	in := newBNInputs(e, c)
	if c.c >= 3 {
		in.xh[len(in.xh)-1] = float32(math.NaN())
		e.set(in.x, in.xh)
	}
	ch := ops.Shape{c.c}
	rmh, rvh := e.uniform(c.c, -1, 1), e.uniform(c.c, 0.5, 2)
	stats := func() (*ops.Tensor, *ops.Tensor) { return e.tensor(ch, rmh), e.tensor(ch, rvh) }

	// Training forward.
	rmF, rvF := stats()
	yF, meanF, invF := e.junk(in.shape...), e.junk(c.c), e.junk(c.c)
	what := fmt.Sprintf("BatchNormReLUTrain(x %v, eps %g, momentum %g)", in.shape, c.spec.Eps, c.spec.Momentum)
	e.ok(f.BatchNormReLUTrain(yF, meanF, invF, in.x, in.gamma, in.beta, rmF, rvF, c.spec), what)
	rmU, rvU := stats()
	yU, meanU, invU := e.junk(in.shape...), e.junk(c.c), e.junk(c.c)
	e.ok(b.BatchNormTrain(yU, meanU, invU, in.x, in.gamma, in.beta, rmU, rvU, c.spec), "BatchNormTrain")
	e.ok(b.ReLU(yU, yU), "ReLU")
	y := e.get(yF)
	expectSameNaN(t, what+": y", in.shape, y, e.get(yU))
	for _, o := range []struct {
		name string
		f, u *ops.Tensor
	}{{"mean", meanF, meanU}, {"inv_std", invF, invU}, {"running_mean", rmF, rmU}, {"running_var", rvF, rvU}} {
		expectSameNaN(t, what+": "+o.name, ch, e.get(o.f), e.get(o.u))
	}

	// Evaluation forward.
	rm, rv := stats()
	what = fmt.Sprintf("BatchNormReLUEval(x %v, eps %g)", in.shape, c.spec.Eps)
	e.ok(f.BatchNormReLUEval(yF, in.x, in.gamma, in.beta, rm, rv, c.spec), what)
	e.ok(b.BatchNormEval(yU, in.x, in.gamma, in.beta, rm, rv, c.spec), "BatchNormEval")
	e.ok(b.ReLU(yU, yU), "ReLU")
	expectSameNaN(t, what+": y", in.shape, e.get(yF), e.get(yU))

	// Backward from the training forward's output and saved statistics.
	yT := e.tensor(in.shape, y)
	r := e.uniform(len(in.xh), -1, 1)
	dy := e.tensor(in.shape, r)
	dxF, dgF, dbF := e.junk(in.shape...), e.junk(c.c), e.junk(c.c)
	what = fmt.Sprintf("BatchNormReLUBackward(x %v, eps %g)", in.shape, c.spec.Eps)
	e.ok(f.BatchNormReLUBackward(dxF, dgF, dbF, in.x, yT, dy, meanF, invF, in.gamma), what)
	dyU, dxU, dgU, dbU := e.junk(in.shape...), e.junk(in.shape...), e.junk(c.c), e.junk(c.c)
	e.ok(b.ReLUBackward(dyU, yT, dy), "ReLUBackward")
	e.ok(b.BatchNormBackward(dxU, dgU, dbU, in.x, dyU, meanF, invF, in.gamma), "BatchNormBackward")
	expectSameNaN(t, what+": dx", in.shape, e.get(dxF), e.get(dxU))
	expectSameNaN(t, what+": dgamma", ch, e.get(dgF), e.get(dgU))
	expectSameNaN(t, what+": dbeta", ch, e.get(dbF), e.get(dbU))
	expectClose(t, what+": dy after", in.shape, e.get(dy), r, exact)
}

// expectSameNaN checks got against the unfused composition's want: NaN
// exactly where want has NaN, the rest within ReferenceTol.
func expectSameNaN(t TB, what string, shape ops.Shape, got, want []float32) {
	t.Helper()
	g, w := append([]float32(nil), got...), append([]float32(nil), want...)
	for i := range min(len(g), len(w)) {
		gn, wn := math.IsNaN(float64(g[i])), math.IsNaN(float64(w[i]))
		if gn != wn {
			t.Errorf("%s%s = %g, want %g (the unfused composition's)", what, at(shape, i), g[i], w[i])
			return
		}
		if gn {
			g[i], w[i] = 0, 0
		}
	}
	expectClose(t, what+" (against the unfused composition)", shape, g, w, ReferenceTol)
}
