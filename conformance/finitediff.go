package conformance

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/wgtrain/wgtrain/ops"
)

// fdStep is the central-difference step for layers' inputs of size O(1);
// see the package documentation for why it and FiniteDiffTol fit together.
const fdStep = 1e-2

// lossStep is the step for the losses. Their output is one float32 scalar
// of size up to ~30, summed over a few hundred terms, whose rounding (a few
// ulps of 2e-6 in a float32 reduction) divided by 2*fdStep would come near
// FiniteDiffTol's 1e-3; five times the step cuts that to a fifth, while the
// truncation error, step^2/6 times a third derivative below 1 and divided
// by N, stays under 1e-4.
const lossStep = 5e-2

// fdMaxFull is the largest tensor whose every element is checked by finite
// differences; larger ones are sampled at fdSamples elements plus one
// directional derivative.
const (
	fdMaxFull = 128
	fdSamples = 128
)

// gradCheck compares grad, the analytic gradient of a scalar L with
// respect to the device tensor x that currently holds host, with central
// differences of L. loss runs the forward on the device's current inputs
// and returns L accumulated in float64. x holds host again on return.
func (e *env) gradCheck(what string, x *ops.Tensor, host, grad []float32, step float64, loss func() float64) {
	e.t.Helper()
	n := len(host)
	if len(grad) != n {
		e.t.Errorf("%s: gradient has %d elements, the input %d", what, len(grad), n)
		return
	}
	defer e.set(x, host)
	shape := x.Shape()
	work := slices.Clone(host)
	var bad []string
	nbad := 0
	fail := func(format string, args ...any) {
		nbad++
		if len(bad) < maxReported {
			bad = append(bad, fmt.Sprintf(format, args...))
		}
	}

	idx := e.fdIndices(n)
	for _, i := range idx {
		orig := work[i]
		xp, xm := float32(float64(orig)+step), float32(float64(orig)-step)
		work[i] = xp
		e.set(x, work)
		lp := loss()
		work[i] = xm
		e.set(x, work)
		lm := loss()
		work[i] = orig
		fd := (lp - lm) / (float64(xp) - float64(xm))
		if !FiniteDiffTol.Within(float64(grad[i]), fd) {
			fail("%s%s: analytic %.7g, finite difference %.7g (x = %.7g)", what, at(shape, i), grad[i], fd, orig)
		}
	}

	if n > fdMaxFull {
		// One directional derivative along a random unit vector d: every
		// element's gradient contributes, so an error anywhere shows.
		d := make([]float64, n)
		norm := 0.0
		for i := range d {
			d[i] = e.rng.NormFloat64()
			norm += d[i] * d[i]
		}
		norm = math.Sqrt(norm)
		plus, minus := make([]float32, n), make([]float32, n)
		analytic := 0.0
		for i := range d {
			plus[i] = float32(float64(host[i]) + step*d[i]/norm)
			minus[i] = float32(float64(host[i]) - step*d[i]/norm)
			analytic += float64(grad[i]) * (float64(plus[i]) - float64(minus[i]))
		}
		e.set(x, plus)
		lp := loss()
		e.set(x, minus)
		lm := loss()
		fd := (lp - lm) / (2 * step)
		analytic /= 2 * step
		if !FiniteDiffTol.Within(analytic, fd) {
			nbad++
			bad = append(bad, fmt.Sprintf("%s: directional derivative along a random unit vector: analytic %.7g, finite difference %.7g", what, analytic, fd))
		}
	}

	if nbad > 0 {
		checked := fmt.Sprintf("all %d elements", n)
		if n > fdMaxFull {
			checked = fmt.Sprintf("%d sampled elements and one direction", len(idx))
		}
		e.t.Errorf("%s of shape %v disagrees with central finite differences (step %g) beyond %v in %d of %s:\n\t%s",
			what, shape, step, FiniteDiffTol, nbad, checked, strings.Join(bad, "\n\t"))
	}
}

// fdIndices returns the elements of an n-element tensor to check: all of
// them, or the first, the last and random others, fdSamples in all.
func (e *env) fdIndices(n int) []int {
	if n <= fdMaxFull {
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		return idx
	}
	idx := []int{0, n - 1}
	for _, i := range e.rng.Perm(n - 2)[:fdSamples-2] {
		idx = append(idx, i+1)
	}
	slices.Sort(idx)
	return idx
}
