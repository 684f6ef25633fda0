package conformance

// SGD: its float64 reference, its cases and checks.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// refSGD takes one step of torch.optim.SGD (dampening 0) in float64 on the
// parameters p and momentum buffer buf, in place, with gradient g; first
// says the buffer holds nothing yet.
func refSGD(p, buf []float64, g []float32, s ops.SGDSpec, first bool) {
	for i := range p {
		d := float64(g[i]) + s.WeightDecay*p[i]
		if s.Momentum > 0 {
			if first {
				buf[i] = d
			} else {
				buf[i] = s.Momentum*buf[i] + d
			}
			if s.Nesterov {
				d += s.Momentum * buf[i]
			} else {
				d = buf[i]
			}
		}
		p[i] -= s.LR * d
	}
}

type sgdCase struct {
	shape ops.Shape
	spec  ops.SGDSpec // First is set by the loop
}

func (c sgdCase) String() string {
	s := c.spec
	name := fmt.Sprintf("%s_lr%g_momentum%g_wd%g", shapeName(c.shape), s.LR, s.Momentum, s.WeightDecay)
	if s.Nesterov {
		name += "_nesterov"
	}
	return name
}

var sgdCases = []sgdCase{
	{ops.Shape{1}, ops.SGDSpec{LR: 0.1}},
	{ops.Shape{7}, ops.SGDSpec{LR: 0.05, Momentum: 0.9}},
	{ops.Shape{3, 5, 7}, ops.SGDSpec{LR: 0.01, Momentum: 0.9, Nesterov: true}},
	{ops.Shape{2, 16, 3, 3}, ops.SGDSpec{LR: 0.1, WeightDecay: 5e-4}},
	{ops.Shape{4099}, ops.SGDSpec{LR: 0.2, Momentum: 0.9, Nesterov: true, WeightDecay: 5e-2}},
	{ops.Shape{33, 17}, ops.SGDSpec{LR: 0.03, Momentum: 0.5, WeightDecay: 1e-2}},
}

// sgdSteps is the number of consecutive steps each case takes.
const sgdSteps = 6

// SGD checks several consecutive SGD steps, the parameters and the
// momentum buffer after each, against torch.optim.SGD in float64:
//
//	d = g + wd*p
//	buf = d (first step), else buf = momentum*buf + d
//	d = d + momentum*buf (Nesterov), else d = buf
//	p -= lr*d
//
// without momentum d is used as it is and the buffer is untouched. Some
// gradient elements are 0, so weight decay alone moves them.
func SGD(t TB, b ops.Backend) {
	t.Helper()
	runCases(t, b, "", sgdCases, sgd)
	run(t, "guard", func(t TB) { sgdGuard(t, b) })
}

func sgd(t TB, b ops.Backend, c sgdCase) {
	e := newEnv(t, b, "sgd/"+c.String())
	defer e.close()
	n := c.shape.Numel()
	ph, bh := e.uniform(n, -1, 1), e.uniform(n, -1, 1)
	p, g, buf := e.tensor(c.shape, ph), e.zeros(c.shape...), e.tensor(c.shape, bh)
	wp, wb := f64(ph), f64(bh)
	for step := 1; step <= sgdSteps; step++ {
		gh := e.uniform(n, -1, 1)
		for i := 0; i < n; i += 5 {
			gh[i] = 0
		}
		e.set(g, gh)
		s := c.spec
		s.First = step == 1
		what := fmt.Sprintf("SGD(p %v, lr %g, momentum %g, nesterov %v, weight decay %g, step %d)",
			c.shape, s.LR, s.Momentum, s.Nesterov, s.WeightDecay, step)
		e.ok(b.SGD(p, g, buf, s), what)
		refSGD(wp, wb, gh, s, s.First)
		expectClose(t, what+": p", c.shape, e.get(p), wp, ReferenceTol)
		// Without momentum the buffer (filled with junk above) must be left alone.
		expectClose(t, what+": buf", c.shape, e.get(buf), wb, ReferenceTol)
		expectClose(t, what+": g unchanged", c.shape, e.get(g), gh, Tolerance{})
	}
}

// sgdGuard checks SGDSpec.Guard: a finite guard changes nothing, an
// infinite or NaN one leaves p and buf exactly as they were, and a guard
// that is not an F32 [1] tensor is an error.
func sgdGuard(t TB, b ops.Backend) {
	e := newEnv(t, b, "sgd/guard")
	defer e.close()
	shape := ops.Shape{3, 70}
	n := shape.Numel()
	ph, gh := e.uniform(n, -1, 1), e.uniform(n, -1, 1)
	p, g, buf := e.tensor(shape, ph), e.tensor(shape, gh), e.zeros(shape...)
	q, qb := e.tensor(shape, ph), e.zeros(shape...)
	guard := e.tensor(ops.Shape{1}, []float32{-2.5})
	s := ops.SGDSpec{LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-2, First: true}
	e.ok(b.SGD(q, g, qb, s), "SGD without a guard")
	s.Guard = guard
	e.ok(b.SGD(p, g, buf, s), "SGD with a finite guard")
	for _, x := range [][2]*ops.Tensor{{p, q}, {buf, qb}} {
		expectClose(t, "SGD with a finite guard against no guard", shape, e.get(x[0]), f64(e.get(x[1])), Tolerance{})
	}
	s.First = false
	before := [][]float32{e.get(p), e.get(buf)}
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		e.set(guard, []float32{bad})
		e.ok(b.SGD(p, g, buf, s), fmt.Sprintf("SGD with guard %v", bad))
		for j, x := range []*ops.Tensor{p, buf} {
			expectClose(t, fmt.Sprintf("SGD with guard %v: %s unchanged", bad, []string{"p", "buf"}[j]), shape, e.get(x), f64(before[j]), Tolerance{})
		}
	}
	s.Guard = e.zeros(2)
	if err := b.SGD(p, g, buf, s); err == nil {
		t.Errorf("SGD with a guard of shape [2]: no error")
	}
	s.Guard, s.Momentum = nil, 0
	if err := b.SGD(p, g, buf, s); err == nil {
		t.Errorf("SGD with Nesterov and momentum 0: no error")
	}
}
