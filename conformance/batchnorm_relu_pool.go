package conformance

// BatchNormReLUPool: the fused batch norm + ReLU + max pooling of a
// backend that has it (ops.BatchNormReLUPoolBackend), checked against the
// unfused composition on the same backend.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// bnPoolCase is a batch norm case and a pooling window.
type bnPoolCase struct {
	bnCase
	k int
}

func (c bnPoolCase) String() string { return fmt.Sprintf("%s_k%d", c.bnCase, c.k) }

// bnPoolCases are the batch norm cases whose planes hold a 2x2 window
// (odd sizes drop a row or column), and one 3x3 window.
var bnPoolCases = []bnPoolCase{
	{bnCases[2], 2}, {bnCases[3], 2}, {bnCases[4], 2}, {bnCases[5], 2}, {bnCases[6], 2}, {bnCases[6], 3},
}

// BatchNormReLUPool checks, on a backend that fuses them, that
// BatchNormReLUPoolTrain, BatchNormReLUPoolEval and
// BatchNormReLUPoolBackward give what the unfused composition gives on
// the same backend (BatchNormTrain or BatchNormEval, ReLU, MaxPool2D;
// MaxPool2DBackward, ReLUBackward, BatchNormBackward), within
// ReferenceTol, NaN where the composition has NaN: y, the saved and the
// running statistics, dx, dgamma and dbeta; and that idx names each
// window's first maximum of the composition's ReLU output, or -1 where
// that is not positive or NaN. The cases have a NaN in the last channel
// of x where there are three channels or more. A backend without the
// fused operations passes.
func BatchNormReLUPool(t TB, b ops.Backend) {
	t.Helper()
	f, ok := b.(ops.BatchNormReLUPoolBackend)
	if !ok {
		t.Logf("%s has no fused batch norm + ReLU + max pooling; nothing to check", b.Name())
		return
	}
	runCases(t, b, "", bnPoolCases, func(t TB, b ops.Backend, c bnPoolCase) { bnPoolCheck(t, b, f, c) })
	run(t, "errors", func(t TB) { bnPoolErrors(t, b, f) })
}

func bnPoolCheck(t TB, b ops.Backend, f ops.BatchNormReLUPoolBackend, c bnPoolCase) {
	e := newEnv(t, b, "batchnorm_relu_pool/"+c.String())
	defer e.close()
	in := newBNInputs(e, c.bnCase)
	if c.c >= 3 {
		in.xh[len(in.xh)-1] = float32(math.NaN())
		e.set(in.x, in.xh)
	}
	k := c.k
	ch := ops.Shape{c.c}
	pooled := ops.Shape{c.n, c.c, c.h / k, c.w / k}
	rmh, rvh := e.uniform(c.c, -1, 1), e.uniform(c.c, 0.5, 2)
	stats := func() (*ops.Tensor, *ops.Tensor) { return e.tensor(ch, rmh), e.tensor(ch, rvh) }

	// Training forward.
	rmF, rvF := stats()
	yF, meanF, invF := e.junk(pooled...), e.junk(c.c), e.junk(c.c)
	idx := e.alloc(ops.I32, pooled)
	if err := b.UploadInt(idx, make([]int32, pooled.Numel())); err != nil {
		t.Fatalf("UploadInt: %v", err)
	}
	what := fmt.Sprintf("BatchNormReLUPoolTrain(x %v, k %d, eps %g, momentum %g)", in.shape, k, c.spec.Eps, c.spec.Momentum)
	e.ok(f.BatchNormReLUPoolTrain(yF, idx, meanF, invF, in.x, in.gamma, in.beta, rmF, rvF, c.spec, k), what)
	rmU, rvU := stats()
	fullU, yU, meanU, invU := e.junk(in.shape...), e.junk(pooled...), e.junk(c.c), e.junk(c.c)
	e.ok(b.BatchNormTrain(fullU, meanU, invU, in.x, in.gamma, in.beta, rmU, rvU, c.spec), "BatchNormTrain")
	e.ok(b.ReLU(fullU, fullU), "ReLU")
	e.ok(b.MaxPool2D(yU, fullU, k), "MaxPool2D")
	expectSameNaN(t, what+": y", pooled, e.get(yF), e.get(yU))
	for _, o := range []struct {
		name string
		f, u *ops.Tensor
	}{{"mean", meanF, meanU}, {"inv_std", invF, invU}, {"running_mean", rmF, rmU}, {"running_var", rvF, rvU}} {
		expectSameNaN(t, what+": "+o.name, ch, e.get(o.f), e.get(o.u))
	}
	full := e.get(fullU)
	got, want := e.getInt(idx), poolIdx(full, c.h, c.w, k)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: idx%s = %d, want %d (the window's first maximum of the unfused ReLU output, -1 where not positive or NaN)", what, at(pooled, i), got[i], want[i])
			break
		}
	}

	// Evaluation forward.
	rm, rv := stats()
	what = fmt.Sprintf("BatchNormReLUPoolEval(x %v, k %d, eps %g)", in.shape, k, c.spec.Eps)
	e.ok(f.BatchNormReLUPoolEval(yF, in.x, in.gamma, in.beta, rm, rv, c.spec, k), what)
	e.ok(b.BatchNormEval(fullU, in.x, in.gamma, in.beta, rm, rv, c.spec), "BatchNormEval")
	e.ok(b.ReLU(fullU, fullU), "ReLU")
	e.ok(b.MaxPool2D(yU, fullU, k), "MaxPool2D")
	expectSameNaN(t, what+": y", pooled, e.get(yF), e.get(yU))

	// Backward from the training forward's idx and saved statistics.
	fullT := e.tensor(in.shape, full)
	r := e.uniform(pooled.Numel(), -1, 1)
	dy := e.tensor(pooled, r)
	dxF, dgF, dbF := e.junk(in.shape...), e.junk(c.c), e.junk(c.c)
	what = fmt.Sprintf("BatchNormReLUPoolBackward(x %v, k %d, eps %g)", in.shape, k, c.spec.Eps)
	e.ok(f.BatchNormReLUPoolBackward(dxF, dgF, dbF, in.x, idx, dy, meanF, invF, in.gamma, k), what)
	dfull, dyU, dxU, dgU, dbU := e.junk(in.shape...), e.junk(in.shape...), e.junk(in.shape...), e.junk(c.c), e.junk(c.c)
	e.ok(b.MaxPool2DBackward(dfull, fullT, dy, k), "MaxPool2DBackward")
	e.ok(b.ReLUBackward(dyU, fullT, dfull), "ReLUBackward")
	e.ok(b.BatchNormBackward(dxU, dgU, dbU, in.x, dyU, meanF, invF, in.gamma), "BatchNormBackward")
	expectSameNaN(t, what+": dx", in.shape, e.get(dxF), e.get(dxU))
	expectSameNaN(t, what+": dgamma", ch, e.get(dgF), e.get(dgU))
	expectSameNaN(t, what+": dbeta", ch, e.get(dbF), e.get(dbU))
	expectClose(t, what+": dy after", pooled, e.get(dy), r, exact)
}

// poolIdx returns what idx must hold for ReLU output y [.., h, w] and
// k x k windows: each window's first maximum in row-major order (a NaN
// beats any number, the last NaN wins), as its offset in the window, or
// -1 where that value is not positive and not NaN.
func poolIdx(y []float32, h, w, k int) []int32 {
	oh, ow := h/k, w/k
	planes := len(y) / (h * w)
	idx := make([]int32, 0, planes*oh*ow)
	for p := range planes {
		plane := y[p*h*w : (p+1)*h*w]
		for oy := range oh {
			for ox := range ow {
				best := 0
				for i := range k {
					for j := range k {
						v, top := plane[(oy*k+i)*w+ox*k+j], plane[(oy*k+best/k)*w+ox*k+best%k]
						if v > top || v != v {
							best = i*k + j
						}
					}
				}
				v := plane[(oy*k+best/k)*w+ox*k+best%k]
				if !(v > 0 || v != v) {
					best = -1
				}
				idx = append(idx, int32(best))
			}
		}
	}
	return idx
}

// bnPoolErrors checks that the fused operations given bad arguments
// return an *ops.Error and never panic, as the unfused ones do (Errors).
func bnPoolErrors(t TB, b ops.Backend, f ops.BatchNormReLUPoolBackend) {
	e := newEnv(t, b, "batchnorm_relu_pool/errors")
	defer e.close()
	z := func(shape ...int) *ops.Tensor { return e.zeros(shape...) }
	x, dx, y, c3 := z(2, 3, 4, 4), z(2, 3, 4, 4), z(2, 3, 2, 2), z(3)
	idx := e.alloc(ops.I32, ops.Shape{2, 3, 2, 2})
	rv := e.tensor(ops.Shape{3}, []float32{1, 1, 1})
	bn := ops.DefaultBatchNorm
	for _, c := range []errCase{
		{"BatchNormReLUPoolTrain with y of x's shape", func() error {
			return f.BatchNormReLUPoolTrain(z(2, 3, 4, 4), idx, z(3), z(3), x, c3, c3, z(3), rv, bn, 2)
		}},
		{"BatchNormReLUPoolTrain with an F32 idx", func() error {
			return f.BatchNormReLUPoolTrain(y, z(2, 3, 2, 2), z(3), z(3), x, c3, c3, z(3), rv, bn, 2)
		}},
		{"BatchNormReLUPoolTrain with k 0", func() error { return f.BatchNormReLUPoolTrain(y, idx, z(3), z(3), x, c3, c3, z(3), rv, bn, 0) }},
		{"BatchNormReLUPoolTrain with k 5 over 4x4", func() error {
			return f.BatchNormReLUPoolTrain(y, idx, z(3), z(3), x, c3, c3, z(3), rv, bn, 5)
		}},
		{"BatchNormReLUPoolTrain with nil mean", func() error { return f.BatchNormReLUPoolTrain(y, idx, nil, z(3), x, c3, c3, z(3), rv, bn, 2) }},
		{"BatchNormReLUPoolEval with eps 0", func() error {
			return f.BatchNormReLUPoolEval(y, x, c3, c3, z(3), rv, ops.BatchNormSpec{Eps: 0, Momentum: 0.1}, 2)
		}},
		{"BatchNormReLUPoolEval with nil y", func() error { return f.BatchNormReLUPoolEval(nil, x, c3, c3, z(3), rv, bn, 2) }},
		{"BatchNormReLUPoolBackward with dy of x's shape", func() error {
			return f.BatchNormReLUPoolBackward(dx, z(3), z(3), x, idx, z(2, 3, 4, 4), c3, rv, c3, 2)
		}},
		{"BatchNormReLUPoolBackward with nil idx", func() error {
			return f.BatchNormReLUPoolBackward(dx, z(3), z(3), x, nil, y, c3, rv, c3, 2)
		}},
		{"BatchNormReLUPoolBackward with dgamma [4]", func() error {
			return f.BatchNormReLUPoolBackward(dx, z(4), z(3), x, idx, y, c3, rv, c3, 2)
		}},
		{"BatchNormReLUPoolBackward with an idx of no backend", func() error {
			return f.BatchNormReLUPoolBackward(dx, z(3), z(3), x, ops.NewTensor(nil, ops.I32, ops.Shape{2, 3, 2, 2}, "storage of no backend"), y, c3, rv, c3, 2)
		}},
	} {
		expectOpError(t, c)
	}
}
