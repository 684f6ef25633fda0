package conformance

// BatchNorm: its float64 reference, its cases and checks, and its checks
// against PyTorch.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// bnDims is a batch norm's input: N images of C channels of HW pixels.
type bnDims struct{ N, C, HW int }

// at returns the flat index of pixel s of channel c of image n.
func (d bnDims) at(n, c, s int) int { return (n*d.C+c)*d.HW + s }

// count is the number of values per channel, N*H*W.
func (d bnDims) count() int { return d.N * d.HW }

// refBatchStats returns each channel's mean and biased variance.
func refBatchStats(d bnDims, x []float64) (mean, variance []float64) {
	mean = make([]float64, d.C)
	variance = make([]float64, d.C)
	m := float64(d.count())
	for c := 0; c < d.C; c++ {
		s := 0.0
		for n := 0; n < d.N; n++ {
			for p := 0; p < d.HW; p++ {
				s += x[d.at(n, c, p)]
			}
		}
		mean[c] = s / m
		v := 0.0
		for n := 0; n < d.N; n++ {
			for p := 0; p < d.HW; p++ {
				dev := x[d.at(n, c, p)] - mean[c]
				v += dev * dev
			}
		}
		variance[c] = v / m
	}
	return mean, variance
}

// refBatchNorm returns gamma*(x-mean)/sqrt(variance+eps) + beta per channel.
func refBatchNorm(d bnDims, x, gamma, beta, mean, variance []float64, eps float64) []float64 {
	y := make([]float64, len(x))
	for n := 0; n < d.N; n++ {
		for c := 0; c < d.C; c++ {
			inv := 1 / math.Sqrt(variance[c]+eps)
			for p := 0; p < d.HW; p++ {
				i := d.at(n, c, p)
				y[i] = gamma[c]*(x[i]-mean[c])*inv + beta[c]
			}
		}
	}
	return y
}

// refBatchNormBackward returns the training-mode gradients of
// sum(dy * batchnorm(x)) with respect to x, gamma and beta, where the
// batch statistics depend on x:
//
//	dx = gamma*invStd/m * (m*dy - sum(dy) - xhat*sum(dy*xhat))
func refBatchNormBackward(d bnDims, x, dy, gamma []float64, eps float64) (dx, dgamma, dbeta []float64) {
	mean, variance := refBatchStats(d, x)
	m := float64(d.count())
	dx = make([]float64, len(x))
	dgamma = make([]float64, d.C)
	dbeta = make([]float64, d.C)
	for c := 0; c < d.C; c++ {
		inv := 1 / math.Sqrt(variance[c]+eps)
		for n := 0; n < d.N; n++ {
			for p := 0; p < d.HW; p++ {
				i := d.at(n, c, p)
				dbeta[c] += dy[i]
				dgamma[c] += dy[i] * (x[i] - mean[c]) * inv
			}
		}
		for n := 0; n < d.N; n++ {
			for p := 0; p < d.HW; p++ {
				i := d.at(n, c, p)
				xhat := (x[i] - mean[c]) * inv
				dx[i] = gamma[c] * inv / m * (m*dy[i] - dbeta[c] - xhat*dgamma[c])
			}
		}
	}
	return dx, dgamma, dbeta
}

type bnCase struct {
	n, c, h, w int
	spec       ops.BatchNormSpec
}

func (c bnCase) String() string {
	return fmt.Sprintf("n%d_c%d_%dx%d_eps%g_mom%g", c.n, c.c, c.h, c.w, c.spec.Eps, c.spec.Momentum)
}

func (c bnCase) dims() bnDims { return bnDims{N: c.n, C: c.c, HW: c.h * c.w} }

var bnCases = []bnCase{
	{2, 1, 1, 1, ops.DefaultBatchNorm}, // N*H*W = 2
	{1, 3, 1, 2, ops.DefaultBatchNorm}, // batch 1, N*H*W = 2
	{4, 5, 3, 3, ops.DefaultBatchNorm},
	{3, 7, 5, 6, ops.BatchNormSpec{Eps: 1e-3, Momentum: 0.3}},
	{1, 16, 8, 8, ops.DefaultBatchNorm},
	{8, 16, 4, 4, ops.DefaultBatchNorm},
	{2, 3, 13, 11, ops.BatchNormSpec{Eps: 1e-5, Momentum: 1}},
}

// bnInput draws x with a per-channel offset in [-2,2] and spread in
// [0.5,2], as activations have; with two values per channel they are drawn
// at least 0.5 apart so the variance is not tiny.
func bnInput(e *env, c bnCase) []float32 {
	d := c.dims()
	x := make([]float32, c.n*c.c*c.h*c.w)
	for ch := 0; ch < d.C; ch++ {
		off, spread := -2+4*e.rng.Float64(), 0.5+1.5*e.rng.Float64()
		first := true
		var prev float64
		for n := 0; n < d.N; n++ {
			for p := 0; p < d.HW; p++ {
				v := off + spread*(2*e.rng.Float64()-1)
				if d.count() == 2 && !first {
					v = prev + (0.5+e.rng.Float64())*float64(1-2*e.rng.IntN(2))
				}
				x[d.at(n, ch, p)] = float32(v)
				first, prev = false, v
			}
		}
	}
	return x
}

// BatchNorm checks BatchNormTrain (output, saved mean and inverse standard
// deviation, running-statistics update with the unbiased variance),
// BatchNormEval, and BatchNormBackward against the closed form and against
// finite differences through the training forward, for dx, dgamma and
// dbeta.
func BatchNorm(t TB, b ops.Backend) {
	t.Helper()
	runCases(t, b, "train/", bnCases, bnTrain)
	runCases(t, b, "eval/", bnCases, bnEval)
	runCases(t, b, "backward/", bnCases, bnBackward)
}

func bnTrain(t TB, b ops.Backend, c bnCase) {
	e := newEnv(t, b, "batchnorm/train/"+c.String())
	defer e.close()
	d := c.dims()
	shape := ops.Shape{c.n, c.c, c.h, c.w}
	gh, bh := e.uniform(c.c, 0.5, 1.5), e.uniform(c.c, -0.5, 0.5)
	gamma, beta := e.tensor(ops.Shape{c.c}, gh), e.tensor(ops.Shape{c.c}, bh)
	// Running statistics start at PyTorch's 0 and 1, then go through a
	// second step from those values.
	rm64, rv64 := make([]float64, c.c), make([]float64, c.c)
	for i := range rv64 {
		rv64[i] = 1
	}
	runMean, runVar := e.zeros(c.c), e.tensor(ops.Shape{c.c}, f32(rv64))
	m := float64(c.spec.Momentum)
	for step := 1; step <= 2; step++ {
		xh := bnInput(e, c)
		x := e.tensor(shape, xh)
		y, mean, invStd := e.junk(shape...), e.junk(c.c), e.junk(c.c)
		what := fmt.Sprintf("BatchNormTrain(x %v, eps %g, momentum %g) step %d", shape, c.spec.Eps, c.spec.Momentum, step)
		e.ok(b.BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar, c.spec), what)

		mu, variance := refBatchStats(d, f64(xh))
		wantInv := make([]float64, c.c)
		for i := range wantInv {
			wantInv[i] = 1 / math.Sqrt(variance[i]+float64(c.spec.Eps))
		}
		want := refBatchNorm(d, f64(xh), f64(gh), f64(bh), mu, variance, float64(c.spec.Eps))
		expectClose(t, what+": y", shape, e.get(y), want, ReferenceTol)
		expectClose(t, what+": mean", mean.Shape(), e.get(mean), mu, ReferenceTol)
		expectClose(t, what+": invStd", invStd.Shape(), e.get(invStd), wantInv, ReferenceTol)

		n := float64(d.count())
		for i := range rm64 {
			rm64[i] = (1-m)*rm64[i] + m*mu[i]
			rv64[i] = (1-m)*rv64[i] + m*variance[i]*n/(n-1)
		}
		expectClose(t, what+": running_mean", runMean.Shape(), e.get(runMean), rm64, ReferenceTol)
		expectClose(t, what+": running_var (unbiased batch variance)", runVar.Shape(), e.get(runVar), rv64, ReferenceTol)
	}
}

// bnInputs are a case's input x and affine parameters gamma (in
// [0.5,1.5)) and beta (in [-0.5,0.5)), on the host and on the device.
type bnInputs struct {
	shape          ops.Shape
	xh, gh, bh     []float32
	x, gamma, beta *ops.Tensor
}

func newBNInputs(e *env, c bnCase) *bnInputs {
	in := &bnInputs{shape: ops.Shape{c.n, c.c, c.h, c.w}, xh: bnInput(e, c)}
	in.gh, in.bh = e.uniform(c.c, 0.5, 1.5), e.uniform(c.c, -0.5, 0.5)
	in.x = e.tensor(in.shape, in.xh)
	in.gamma, in.beta = e.tensor(ops.Shape{c.c}, in.gh), e.tensor(ops.Shape{c.c}, in.bh)
	return in
}

func bnEval(t TB, b ops.Backend, c bnCase) {
	e := newEnv(t, b, "batchnorm/eval/"+c.String())
	defer e.close()
	d := c.dims()
	in := newBNInputs(e, c)
	rmh, rvh := e.uniform(c.c, -2, 2), e.uniform(c.c, 0.1, 3)
	runMean, runVar := e.tensor(ops.Shape{c.c}, rmh), e.tensor(ops.Shape{c.c}, rvh)
	y := e.junk(in.shape...)
	what := fmt.Sprintf("BatchNormEval(x %v, eps %g)", in.shape, c.spec.Eps)
	e.ok(b.BatchNormEval(y, in.x, in.gamma, in.beta, runMean, runVar, c.spec), what)
	want := refBatchNorm(d, f64(in.xh), f64(in.gh), f64(in.bh), f64(rmh), f64(rvh), float64(c.spec.Eps))
	expectClose(t, what+": y", in.shape, e.get(y), want, ReferenceTol)
	// Eval must leave the running statistics alone.
	expectClose(t, what+": running_mean after eval", runMean.Shape(), e.get(runMean), rmh, Tolerance{})
	expectClose(t, what+": running_var after eval", runVar.Shape(), e.get(runVar), rvh, Tolerance{})
}

func bnBackward(t TB, b ops.Backend, c bnCase) {
	e := newEnv(t, b, "batchnorm/backward/"+c.String())
	defer e.close()
	d := c.dims()
	in := newBNInputs(e, c)
	r := e.uniform(len(in.xh), -1, 1)
	dy := e.tensor(in.shape, r)
	// Throwaway running statistics: the finite differences run the
	// training forward many times.
	runMean, runVar := e.zeros(c.c), e.zeros(c.c)
	y, mean, invStd := e.zeros(in.shape...), e.zeros(c.c), e.zeros(c.c)
	loss := func() float64 {
		e.ok(b.BatchNormTrain(y, mean, invStd, in.x, in.gamma, in.beta, runMean, runVar, c.spec), "BatchNormTrain")
		return dot(e.get(y), r)
	}
	loss() // leaves the saved mean and invStd of x in mean and invStd
	saved := ops.Shape{c.c}
	meanSaved, invSaved := e.tensor(saved, e.get(mean)), e.tensor(saved, e.get(invStd))

	dx, dgamma, dbeta := e.junk(in.shape...), e.junk(c.c), e.junk(c.c)
	what := fmt.Sprintf("BatchNormBackward(x %v, eps %g)", in.shape, c.spec.Eps)
	e.ok(b.BatchNormBackward(dx, dgamma, dbeta, in.x, dy, meanSaved, invSaved, in.gamma), what)
	gx, gg, gb := e.get(dx), e.get(dgamma), e.get(dbeta)
	wantDx, wantDg, wantDb := refBatchNormBackward(d, f64(in.xh), f64(r), f64(in.gh), float64(c.spec.Eps))
	expectClose(t, what+": dx", in.shape, gx, wantDx, ReferenceTol)
	expectClose(t, what+": dgamma", saved, gg, wantDg, ReferenceTol)
	expectClose(t, what+": dbeta", saved, gb, wantDb, ReferenceTol)
	e.gradCheck(what+": dx", in.x, in.xh, gx, fdStep, loss)
	e.gradCheck(what+": dgamma", in.gamma, in.gh, gg, fdStep, loss)
	e.gradCheck(what+": dbeta", in.beta, in.bh, gb, fdStep, loss)
}

func goldenBNTrain(x fixture) {
	var p struct{ Eps, Momentum float32 }
	x.meta(&p)
	s := ops.BatchNormSpec{Eps: p.Eps, Momentum: p.Momentum}
	in, g, beta := x.tensor("x"), x.tensor("gamma"), x.tensor("beta")
	rm, rv := x.tensor("running_mean_in"), x.tensor("running_var_in")
	y, mean, inv := x.like(in), x.like(g), x.like(g)
	x.e.ok(x.e.b.BatchNormTrain(y, mean, inv, in, g, beta, rm, rv, s), "BatchNormTrain")
	x.expect(y, "y")
	x.expect(rm, "running_mean_out")
	x.expect(rv, "running_var_out")
	dy := x.tensor("dy")
	dx, dg, db := x.like(in), x.like(g), x.like(g)
	x.e.ok(x.e.b.BatchNormBackward(dx, dg, db, in, dy, mean, inv, g), "BatchNormBackward")
	x.expect(dx, "dx")
	x.expect(dg, "dgamma")
	x.expect(db, "dbeta")
}

func goldenBNEval(x fixture) {
	var p struct{ Eps float32 }
	x.meta(&p)
	in := x.tensor("x")
	y := x.like(in)
	x.e.ok(x.e.b.BatchNormEval(y, in, x.tensor("gamma"), x.tensor("beta"), x.tensor("running_mean"), x.tensor("running_var"),
		ops.BatchNormSpec{Eps: p.Eps, Momentum: 0.1}), "BatchNormEval")
	x.expect(y, "y")
}
