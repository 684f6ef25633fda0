package conformance

// Dropout: its float64 reference, its cases and checks, and its checks
// against PyTorch and the fixture script's hash.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

type dropCase struct {
	shape ops.Shape
	spec  ops.DropoutSpec
}

func (c dropCase) String() string {
	return fmt.Sprintf("%s_p%g_seed%d_step%d", shapeName(c.shape), c.spec.P, c.spec.Seed, c.spec.Step)
}

var dropCases = []dropCase{
	{ops.Shape{1}, ops.DropoutSpec{P: 0.5, Seed: 0, Step: 0}},
	{ops.Shape{37}, ops.DropoutSpec{P: 0.2, Seed: 1, Step: 1}},
	{ops.Shape{3, 128}, ops.DropoutSpec{P: 0.2, Seed: 42, Step: 7}},
	{ops.Shape{2, 3, 5, 7}, ops.DropoutSpec{P: 0.1, Seed: 0xdeadbeef, Step: 123456}},
	{ops.Shape{5, 11}, ops.DropoutSpec{P: 0, Seed: 3, Step: 2}},
	{ops.Shape{4, 33}, ops.DropoutSpec{P: 0.9, Seed: 9, Step: math.MaxUint32}},
	{ops.Shape{1000}, ops.DropoutSpec{P: 0.5, Seed: 5, Step: 1}},
}

// refDropout returns the mask of DropoutKeep for each element and
// x*mask*DropoutScale(p).
func refDropout(x []float32, s ops.DropoutSpec) (keep []bool, y []float64) {
	keep = make([]bool, len(x))
	y = make([]float64, len(x))
	th, scale := ops.DropoutThreshold(s.P), ops.DropoutScale(s.P)
	for i := range x {
		keep[i] = ops.DropoutKeep(ops.DropoutHash(s.Seed, s.Step, uint32(i)), th)
		if keep[i] {
			y[i] = float64(x[i]) * float64(scale)
		}
	}
	return keep, y
}

// Dropout checks that Dropout and DropoutBackward draw exactly the mask of
// ops.DropoutKeep(ops.DropoutHash(seed, step, i), ops.DropoutThreshold(p))
// element for element, scale kept values by ops.DropoutScale(p), work in
// place, give different masks on different steps, keep close to 1-p of a
// large tensor, and that the backward agrees with finite differences.
func Dropout(t TB, b ops.Backend) {
	t.Helper()
	runCases(t, b, "", dropCases, dropout)
	run(t, "steps_differ", func(t TB) { dropoutSteps(t, b) })
	run(t, "keep_rate", func(t TB) { dropoutRate(t, b) })
}

// checkMask reports the first elements whose keep decision differs from
// DropoutKeep; x must have no zeros, so y == 0 exactly when dropped.
func checkMask(t TB, what string, shape ops.Shape, y []float32, keep []bool) {
	t.Helper()
	n, first := 0, -1
	for i := range keep {
		if (y[i] != 0) != keep[i] {
			if first < 0 {
				first = i
			}
			n++
		}
	}
	if n > 0 {
		t.Errorf("%s: mask differs from ops.DropoutKeep in %d of %d elements; first %s: got %.7g, DropoutKeep says kept = %v",
			what, n, len(keep), at(shape, first), y[first], keep[first])
	}
}

func dropout(t TB, b ops.Backend, c dropCase) {
	e := newEnv(t, b, "dropout/"+c.String())
	defer e.close()
	n := c.shape.Numel()
	xh := e.awayFromZero(n, 5*fdStep, 2)
	keep, want := refDropout(xh, c.spec)
	x, y := e.tensor(c.shape, xh), e.junk(c.shape...)
	what := fmt.Sprintf("Dropout(x %v, p %g, seed %d, step %d)", c.shape, c.spec.P, c.spec.Seed, c.spec.Step)
	e.ok(b.Dropout(y, x, c.spec), what)
	got := e.get(y)
	checkMask(t, what, c.shape, got, keep)
	expectClose(t, what+": y", c.shape, got, want, ReferenceTol)

	// Backward: dx = dy * mask * scale, and finite differences.
	r := e.uniform(n, -1, 1)
	dy, dx := e.tensor(c.shape, r), e.junk(c.shape...)
	_, wantDx := refDropout(r, c.spec)
	what = fmt.Sprintf("DropoutBackward(dy %v, p %g, seed %d, step %d)", c.shape, c.spec.P, c.spec.Seed, c.spec.Step)
	e.ok(b.DropoutBackward(dx, dy, c.spec), what)
	gx := e.get(dx)
	expectClose(t, what+": dx", c.shape, gx, wantDx, ReferenceTol)
	e.gradCheck(what+": dx", x, xh, gx, fdStep, func() float64 {
		e.ok(b.Dropout(y, x, c.spec), "Dropout")
		return dot(e.get(y), r)
	})

	// In place, both directions.
	what = fmt.Sprintf("DropoutBackward(dy %v, p %g) in place", c.shape, c.spec.P)
	e.ok(b.DropoutBackward(dy, dy, c.spec), what)
	expectClose(t, what+": dx", c.shape, e.get(dy), wantDx, ReferenceTol)
	what = fmt.Sprintf("Dropout(x %v, p %g) in place", c.shape, c.spec.P)
	e.ok(b.Dropout(x, x, c.spec), what)
	got = e.get(x)
	checkMask(t, what, c.shape, got, keep)
	expectClose(t, what+": y", c.shape, got, want, ReferenceTol)
}

// dropoutSteps checks that two steps with the same seed draw different
// masks (and each the right one).
func dropoutSteps(t TB, b ops.Backend) {
	e := newEnv(t, b, "dropout/steps")
	defer e.close()
	shape := ops.Shape{8, 125}
	xh := e.awayFromZero(shape.Numel(), 0.5, 2)
	x := e.tensor(shape, xh)
	var masks [2][]bool
	for step := uint32(0); step < 2; step++ {
		s := ops.DropoutSpec{P: 0.3, Seed: 11, Step: step}
		y := e.junk(shape...)
		what := fmt.Sprintf("Dropout(x %v, p 0.3, seed 11, step %d)", shape, step)
		e.ok(b.Dropout(y, x, s), what)
		got := e.get(y)
		keep, _ := refDropout(xh, s)
		checkMask(t, what, shape, got, keep)
		masks[step] = make([]bool, len(got))
		for i, v := range got {
			masks[step][i] = v != 0
		}
	}
	differ := 0
	for i := range masks[0] {
		if masks[0][i] != masks[1][i] {
			differ++
		}
	}
	// Independent masks with p = 0.3 differ in 42% of elements.
	if differ < shape.Numel()/5 {
		t.Errorf("Dropout steps 0 and 1 with seed 11: masks differ in only %d of %d elements", differ, shape.Numel())
	}
}

// dropoutRate checks the fraction kept of a large tensor: within five
// standard deviations of 1-p, and every element's decision.
func dropoutRate(t TB, b ops.Backend) {
	e := newEnv(t, b, "dropout/rate")
	defer e.close()
	shape := ops.Shape{1<<20 + 7}
	n := shape.Numel()
	for _, p := range []float32{0.2, 0.5} {
		s := ops.DropoutSpec{P: p, Seed: 2024, Step: 3}
		ones := make([]float32, n)
		for i := range ones {
			ones[i] = 1
		}
		x, y := e.tensor(shape, ones), e.zeros(shape...)
		what := fmt.Sprintf("Dropout(x %v, p %g)", shape, p)
		e.ok(b.Dropout(y, x, s), what)
		got := e.get(y)
		keep, _ := refDropout(ones, s)
		checkMask(t, what, shape, got, keep)
		kept := 0
		for _, v := range got {
			if v != 0 {
				kept++
			}
		}
		rate := float64(kept) / float64(n)
		sd := math.Sqrt(float64(p) * float64(1-p) / float64(n))
		if math.Abs(rate-float64(1-p)) > 5*sd {
			t.Errorf("%s: kept %d of %d = %.5f, want %.5f ± %.5f (5 sd)", what, kept, n, rate, 1-p, 5*sd)
		}
	}
}

func goldenDropout(x fixture) {
	var p struct {
		P          float32
		Seed, Step uint32
	}
	x.meta(&p)
	s := ops.DropoutSpec{P: p.P, Seed: p.Seed, Step: p.Step}
	in, dy := x.tensor("x"), x.tensor("dy")
	y, dx := x.like(in), x.like(in)
	x.e.ok(x.e.b.Dropout(y, in, s), "Dropout")
	x.e.ok(x.e.b.DropoutBackward(dx, dy, s), "DropoutBackward")
	x.expect(y, "y")
	x.expect(dx, "dx")
}

// goldenDropoutHash checks ops.DropoutHash against the fixture script's
// numpy version.
func goldenDropoutHash(x fixture) {
	var p struct{ Seed, Step uint32 }
	x.meta(&p)
	want, err := x.raw("h").Int64s()
	if err != nil {
		x.e.t.Fatalf("dropout_hash/h: %v", err)
	}
	for i, w := range want {
		if got := ops.DropoutHash(p.Seed, p.Step, uint32(i)); int64(got) != w {
			x.e.t.Errorf("DropoutHash(%d, %d, %d) = %#x, PyTorch script computed %#x", p.Seed, p.Step, i, got, w)
		}
	}
}
