package conformance

// Adam: its float64 reference, its cases and checks, and its check
// against PyTorch.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// refAdam takes one Adam step of PyTorch's formula in float64 from the
// parameters p and moments m and v, in place, with gradient g. Weight
// decay enters as torch.optim.Adam's L2 penalty (g += wd*p) or, with
// Decoupled, as AdamW's p *= 1 - lr*wd before the update.
func refAdam(p, m, v []float64, g []float32, s ops.AdamSpec) {
	b1, b2 := float64(s.Beta1), float64(s.Beta2)
	lr, eps, wd := float64(s.LR), float64(s.Eps), s.WeightDecay
	bc1, bc2 := 1-math.Pow(b1, float64(s.Step)), 1-math.Pow(b2, float64(s.Step))
	for i := range p {
		gi := float64(g[i])
		if s.Decoupled {
			p[i] *= 1 - lr*wd
		} else {
			gi += wd * p[i]
		}
		m[i] = b1*m[i] + (1-b1)*gi
		v[i] = b2*v[i] + (1-b2)*gi*gi
		p[i] -= lr * (m[i] / bc1) / (math.Sqrt(v[i]/bc2) + eps)
	}
}

type adamCase struct {
	shape ops.Shape
	spec  ops.AdamSpec // Step is overwritten by the loop
}

func (c adamCase) String() string {
	s := c.spec
	name := fmt.Sprintf("%s_lr%g_betas%g,%g_eps%g", shapeName(c.shape), s.LR, s.Beta1, s.Beta2, s.Eps)
	if s.WeightDecay != 0 {
		name += fmt.Sprintf("_%s%g", map[bool]string{false: "wd", true: "adamw_wd"}[s.Decoupled], s.WeightDecay)
	}
	return name
}

// withDecay returns s with weight decay wd, decoupled (AdamW) or not.
func withDecay(s ops.AdamSpec, wd float64, decoupled bool) ops.AdamSpec {
	s.WeightDecay, s.Decoupled = wd, decoupled
	return s
}

var adamCases = []adamCase{
	{ops.Shape{1}, ops.DefaultAdam(1e-2, 1)},
	{ops.Shape{7}, ops.DefaultAdam(1e-3, 1)},
	{ops.Shape{3, 5, 7}, ops.AdamSpec{LR: 3e-3, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6}},
	{ops.Shape{2, 16, 3, 3}, ops.DefaultAdam(1e-2, 1)},
	{ops.Shape{4099}, ops.AdamSpec{LR: 1e-1, Beta1: 0, Beta2: 0.5, Eps: 1e-3}},
	{ops.Shape{7}, withDecay(ops.DefaultAdam(1e-2, 1), 1e-2, false)},
	{ops.Shape{3, 5, 7}, withDecay(ops.DefaultAdam(1e-2, 1), 0.5, false)},
	{ops.Shape{7}, withDecay(ops.DefaultAdam(1e-2, 1), 1e-2, true)},
	{ops.Shape{4099}, withDecay(ops.DefaultAdam(1e-1, 1), 0.5, true)},
}

// adamSteps is the number of consecutive steps each case takes.
const adamSteps = 6

// Adam checks several consecutive Adam steps, the parameters and both
// moments after each, against PyTorch's formula in float64:
//
//	p *= 1 - lr*wd (AdamW)  or  g += wd*p (Adam's L2 weight decay)
//	m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g
//	p -= lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
//
// Some gradient elements are always 0 and some tiny (1e-10, where eps
// dominates the denominator).
func Adam(t TB, b ops.Backend) {
	t.Helper()
	runCases(t, b, "", adamCases, adam)
	run(t, "guard", func(t TB) { adamGuard(t, b) })
}

// adamGuard checks AdamSpec.Guard: a finite guard changes nothing, an
// infinite or NaN one leaves p, m and v exactly as they were, and a guard
// that is not an F32 [1] tensor is an error.
func adamGuard(t TB, b ops.Backend) {
	e := newEnv(t, b, "adam/guard")
	defer e.close()
	shape := ops.Shape{3, 70}
	n := shape.Numel()
	ph, gh := e.uniform(n, -1, 1), e.uniform(n, -1, 1)
	p, g, m, v := e.tensor(shape, ph), e.tensor(shape, gh), e.zeros(shape...), e.zeros(shape...)
	q, qm, qv := e.tensor(shape, ph), e.zeros(shape...), e.zeros(shape...)
	guard := e.tensor(ops.Shape{1}, []float32{-2.5})
	s := ops.DefaultAdam(1e-2, 1)
	e.ok(b.Adam(q, g, qm, qv, s), "Adam without a guard")
	s.Guard = guard
	e.ok(b.Adam(p, g, m, v, s), "Adam with a finite guard")
	for _, x := range [][2]*ops.Tensor{{p, q}, {m, qm}, {v, qv}} {
		expectClose(t, "Adam with a finite guard against no guard", shape, e.get(x[0]), f64(e.get(x[1])), Tolerance{})
	}
	before := [][]float32{e.get(p), e.get(m), e.get(v)}
	for i, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
		e.set(guard, []float32{bad})
		s.Step = 2 + i
		e.ok(b.Adam(p, g, m, v, s), fmt.Sprintf("Adam with guard %v", bad))
		for j, x := range []*ops.Tensor{p, m, v} {
			expectClose(t, fmt.Sprintf("Adam with guard %v: %s unchanged", bad, []string{"p", "m", "v"}[j]), shape, e.get(x), f64(before[j]), Tolerance{})
		}
	}
	s.Guard = e.zeros(2)
	if err := b.Adam(p, g, m, v, s); err == nil {
		t.Errorf("Adam with a guard of shape [2]: no error")
	}
}

func adam(t TB, b ops.Backend, c adamCase) {
	e := newEnv(t, b, "adam/"+c.String())
	defer e.close()
	n := c.shape.Numel()
	ph := e.uniform(n, -1, 1)
	p, g, m, v := e.tensor(c.shape, ph), e.zeros(c.shape...), e.zeros(c.shape...), e.zeros(c.shape...)
	wp, wm, wv := f64(ph), make([]float64, n), make([]float64, n)
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
		what := fmt.Sprintf("Adam(p %v, lr %g, betas (%g, %g), eps %g, weight decay %g, decoupled %v, step %d)",
			c.shape, s.LR, s.Beta1, s.Beta2, s.Eps, s.WeightDecay, s.Decoupled, step)
		e.ok(b.Adam(p, g, m, v, s), what)
		refAdam(wp, wm, wv, gh, s)
		expectClose(t, what+": p", c.shape, e.get(p), wp, ReferenceTol)
		expectClose(t, what+": m", c.shape, e.get(m), wm, ReferenceTol)
		expectClose(t, what+": v", c.shape, e.get(v), wv, ReferenceTol)
		expectClose(t, what+": g unchanged", c.shape, e.get(g), gh, Tolerance{})
	}
}

func goldenAdam(x fixture) {
	var p struct {
		LR    float64
		Betas [2]float64
		Eps   float64
	}
	x.meta(&p)
	b := x.e.b
	param := x.tensor("p0")
	m, v := x.like(param), x.like(param)
	for step := 1; step <= 3; step++ {
		g := x.tensor(fmt.Sprintf("g%d", step))
		s := ops.AdamSpec{LR: p.LR, Beta1: p.Betas[0], Beta2: p.Betas[1], Eps: p.Eps, Step: step}
		x.e.ok(b.Adam(param, g, m, v, s), fmt.Sprintf("Adam step %d", step))
		x.expect(param, fmt.Sprintf("p%d", step))
	}
	x.expect(m, "m3")
	x.expect(v, "v3")
}
