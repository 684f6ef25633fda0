package conformance

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

type adamCase struct {
	shape ops.Shape
	spec  ops.AdamSpec // Step is overwritten by the loop
}

func (c adamCase) String() string {
	s := c.spec
	return fmt.Sprintf("%s_lr%g_betas%g,%g_eps%g", shapeName(c.shape), s.LR, s.Beta1, s.Beta2, s.Eps)
}

var adamCases = []adamCase{
	{ops.Shape{1}, ops.DefaultAdam(1e-2, 1)},
	{ops.Shape{7}, ops.DefaultAdam(1e-3, 1)},
	{ops.Shape{3, 5, 7}, ops.AdamSpec{LR: 3e-3, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6}},
	{ops.Shape{2, 16, 3, 3}, ops.DefaultAdam(1e-2, 1)},
	{ops.Shape{4099}, ops.AdamSpec{LR: 1e-1, Beta1: 0, Beta2: 0.5, Eps: 1e-3}},
}

// adamSteps is the number of consecutive steps each case takes.
const adamSteps = 6

// Adam checks several consecutive Adam steps, the parameters and both
// moments after each, against PyTorch's formula in float64:
//
//	m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g
//	p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
//
// Some gradient elements are always 0 and some tiny (1e-10, where eps
// dominates the denominator).
func Adam(t TB, b ops.Backend) {
	t.Helper()
	for _, c := range adamCases {
		run(t, c.String(), func(t TB) { adam(t, b, c) })
	}
}

func adam(t TB, b ops.Backend, c adamCase) {
	e := newEnv(t, b, "adam/"+c.String())
	defer e.close()
	n := c.shape.Numel()
	ph := e.uniform(n, -1, 1)
	p, g, m, v := e.tensor(c.shape, ph), e.zeros(c.shape...), e.zeros(c.shape...), e.zeros(c.shape...)
	wp, wm, wv := f64(ph), make([]float64, n), make([]float64, n)
	b1, b2 := float64(c.spec.Beta1), float64(c.spec.Beta2)
	lr, eps := float64(c.spec.LR), float64(c.spec.Eps)
	for step := 1; step <= adamSteps; step++ {
		gh := e.uniform(n, -1, 1)
		for i := 0; i < n; i += 5 {
			gh[i] = 0
		}
		for i := 3; i < n; i += 7 {
			gh[i] = 1e-10
		}
		e.set(g, gh)
		s := c.spec
		s.Step = step
		what := fmt.Sprintf("Adam(p %v, lr %g, betas (%g, %g), eps %g, step %d)", c.shape, s.LR, s.Beta1, s.Beta2, s.Eps, step)
		e.ok(b.Adam(p, g, m, v, s), what)

		bc1, bc2 := 1-math.Pow(b1, float64(step)), 1-math.Pow(b2, float64(step))
		for i := range wp {
			gi := float64(gh[i])
			wm[i] = b1*wm[i] + (1-b1)*gi
			wv[i] = b2*wv[i] + (1-b2)*gi*gi
			wp[i] -= lr * (wm[i] / bc1) / (math.Sqrt(wv[i]/bc2) + eps)
		}
		expectClose(t, what+": p", c.shape, e.get(p), wp, ReferenceTol)
		expectClose(t, what+": m", c.shape, e.get(m), wm, ReferenceTol)
		expectClose(t, what+": v", c.shape, e.get(v), wv, ReferenceTol)
		expectClose(t, what+": g unchanged", c.shape, e.get(g), gh, Tolerance{})
	}
}
