package conformance

// The losses (CrossEntropy, SigmoidFocal, WeightedSum): their float64
// references, their cases and checks, and their checks against PyTorch.

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// refCrossEntropy returns the batch mean of the label-smoothed
// cross-entropy (docs/SPEC.md §2): per row (1-eps)*(-log_softmax(x)[label])
// + eps*mean_j(-log_softmax(x)[j]), and its gradient (softmax - target)/N
// with target = (1-eps)*onehot + eps/C, using a max-shifted log-sum-exp.
func refCrossEntropy(n, c int, x []float64, labels []int32, eps float64) (loss float64, grad []float64) {
	grad = make([]float64, n*c)
	for r := 0; r < n; r++ {
		row := x[r*c : (r+1)*c]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(v - mx)
		}
		lse := mx + math.Log(sum)
		mean := 0.0
		for j, v := range row {
			mean += (lse - v) / float64(c)
			grad[r*c+j] = (math.Exp(v-mx)/sum - eps/float64(c)) / float64(n)
		}
		loss += (1-eps)*(lse-row[labels[r]]) + eps*mean
		grad[r*c+int(labels[r])] -= (1 - eps) / float64(n)
	}
	return loss / float64(n), grad
}

// refSigmoidFocal returns the tutorial's sigmoid focal loss (docs/SPEC.md
// §3: one-vs-rest over one-hot targets, summed over classes, averaged over
// rows) and its gradient.
func refSigmoidFocal(n, c int, x []float64, labels []int32, gamma, alpha float64) (loss float64, grad []float64) {
	grad = make([]float64, n*c)
	for r := 0; r < n; r++ {
		for j := 0; j < c; j++ {
			v := x[r*c+j]
			t, s, w := 0.0, -1.0, 1-alpha
			if int32(j) == labels[r] {
				t, s, w = 1, 1, alpha
			}
			// BCEWithLogits(v, t), stable: max(v,0) - v*t + log(1+exp(-|v|)).
			logpt := -(math.Max(v, 0) - v*t + math.Log1p(math.Exp(-math.Abs(v))))
			pt := math.Exp(logpt)
			loss += -math.Pow(1-pt, gamma) * logpt * w
			grad[r*c+j] = w * s * math.Pow(1-pt, gamma) * (gamma*pt*logpt - (1 - pt)) / float64(n)
		}
	}
	return loss / float64(n), grad
}

// logitKind selects how a loss case draws its logits.
type logitKind int

const (
	// moderate logits are normal with standard deviation 3.
	moderate logitKind = iota
	// shifted logits are a large per-row offset (up to ±shift) plus
	// U(-3,3): exp overflows float32 without care, yet the loss stays
	// small enough for finite differences.
	shifted
	// extreme logits are ±1e4 and ±200 with ties and gaps of thousands:
	// a stable implementation stays finite; checked against the
	// reference only.
	extreme
)

type lossCase struct {
	n, c  int
	kind  logitKind
	shift float64              // the largest row offset of shifted logits
	focal ops.FocalSpec        // for SigmoidFocal only
	ce    ops.CrossEntropySpec // for CrossEntropy only
}

func (c lossCase) String() string {
	s := fmt.Sprintf("n%d_c%d_%s", c.n, c.c, [...]string{"moderate", "shifted", "extreme"}[c.kind])
	if c.kind == shifted {
		s += fmt.Sprint(c.shift)
	}
	if c.focal != (ops.FocalSpec{}) {
		s += fmt.Sprintf("_gamma%g_alpha%g", c.focal.Gamma, c.focal.Alpha)
	}
	if c.ce != (ops.CrossEntropySpec{}) {
		s += fmt.Sprintf("_smooth%g", c.ce.Smoothing)
	}
	return s
}

func (c lossCase) logits(e *env) []float32 {
	x := make([]float32, c.n*c.c)
	switch c.kind {
	case moderate:
		for i := range x {
			x[i] = float32(3 * e.rng.NormFloat64())
		}
	case shifted:
		for r := 0; r < c.n; r++ {
			base := c.shift / float64(int(1)<<(r/2)) // shift, -shift, shift/2, -shift/2, ...
			if r%2 == 1 {
				base = -base
			}
			for j := 0; j < c.c; j++ {
				x[r*c.c+j] = float32(base - 3 + 6*e.rng.Float64())
			}
		}
	case extreme:
		vals := []float32{1e4, -1e4, 200, -200, 0, 1e4}
		for i := range x {
			x[i] = vals[e.rng.IntN(len(vals))]
		}
	}
	return x
}

// lossOp is a classification loss under test with its reference.
type lossOp struct {
	name string
	fwd  func(loss, logits, labels *ops.Tensor) error
	bwd  func(dlogits, logits, labels, dloss *ops.Tensor) error
	ref  func(n, c int, x []float64, labels []int32) (float64, []float64)
}

var ceCases = []lossCase{
	{n: 1, c: 1}, {n: 1, c: 10}, {n: 4, c: 10}, {n: 7, c: 3}, {n: 16, c: 37},
	{n: 6, c: 4, kind: shifted, shift: 1000}, {n: 4, c: 3, kind: extreme},
	// Label smoothing (nn.CrossEntropyLoss(label_smoothing=eps)).
	{n: 4, c: 10, ce: ops.CrossEntropySpec{Smoothing: 0.1}},
	{n: 7, c: 3, ce: ops.CrossEntropySpec{Smoothing: 0.3}},
	{n: 1, c: 1, ce: ops.CrossEntropySpec{Smoothing: 0.1}},
	{n: 6, c: 4, kind: shifted, shift: 1000, ce: ops.CrossEntropySpec{Smoothing: 0.1}},
	{n: 4, c: 3, kind: extreme, ce: ops.CrossEntropySpec{Smoothing: 0.3}},
}

// CrossEntropy checks CrossEntropy (batch mean of -log_softmax[label],
// label-smoothed in some cases, stable for large logits) and
// CrossEntropyBackward, with dloss 1 and another value, against the
// reference and finite differences.
func CrossEntropy(t TB, b ops.Backend) {
	t.Helper()
	runCases(t, b, "", ceCases, func(t TB, b ops.Backend, c lossCase) {
		s := c.ce
		op := lossOp{
			name: "CrossEntropy",
			fwd: func(loss, logits, labels *ops.Tensor) error {
				return b.CrossEntropy(loss, logits, labels, s)
			},
			bwd: func(dlogits, logits, labels, dloss *ops.Tensor) error {
				return b.CrossEntropyBackward(dlogits, logits, labels, dloss, s)
			},
			ref: func(n, c int, x []float64, labels []int32) (float64, []float64) {
				return refCrossEntropy(n, c, x, labels, float64(s.Smoothing))
			},
		}
		if s != (ops.CrossEntropySpec{}) {
			op.name = fmt.Sprintf("CrossEntropy[smoothing %g]", s.Smoothing)
		}
		lossCheck(t, b, op, c)
	})
}

var focalCases = []lossCase{
	{n: 4, c: 10, focal: ops.DefaultFocal},
	{n: 3, c: 5, focal: ops.FocalSpec{Gamma: 0, Alpha: 0.5}},
	{n: 1, c: 1, focal: ops.DefaultFocal},
	{n: 16, c: 9, focal: ops.DefaultFocal},
	{n: 6, c: 7, focal: ops.FocalSpec{Gamma: 1, Alpha: 1}},
	{n: 5, c: 3, focal: ops.FocalSpec{Gamma: 0.5, Alpha: 0}},
	// The focal loss grows linearly with a wrongly signed logit, so its
	// shifted case stays at ±30: a loss of ~100 still rounds finely enough
	// for finite differences. The extreme cases test stability.
	{n: 6, c: 4, kind: shifted, shift: 30, focal: ops.DefaultFocal},
	{n: 4, c: 3, kind: extreme, focal: ops.DefaultFocal},
	{n: 4, c: 3, kind: extreme, focal: ops.FocalSpec{Gamma: 0, Alpha: 0.5}},
}

// SigmoidFocal checks the tutorial's sigmoid focal loss (docs/SPEC.md §3)
// and its backward, with dloss 1 and another value, against the reference
// and finite differences.
func SigmoidFocal(t TB, b ops.Backend) {
	t.Helper()
	for _, c := range focalCases {
		s := c.focal
		op := lossOp{
			name: fmt.Sprintf("SigmoidFocal[gamma %g, alpha %g]", s.Gamma, s.Alpha),
			fwd: func(loss, logits, labels *ops.Tensor) error {
				return b.SigmoidFocal(loss, logits, labels, s)
			},
			bwd: func(dlogits, logits, labels, dloss *ops.Tensor) error {
				return b.SigmoidFocalBackward(dlogits, logits, labels, dloss, s)
			},
			ref: func(n, c int, x []float64, labels []int32) (float64, []float64) {
				return refSigmoidFocal(n, c, x, labels, float64(s.Gamma), float64(s.Alpha))
			},
		}
		run(t, c.String(), func(t TB) { lossCheck(t, b, op, c) })
	}
}

func lossCheck(t TB, b ops.Backend, op lossOp, c lossCase) {
	e := newEnv(t, b, op.name+"/"+c.String())
	defer e.close()
	xs := ops.Shape{c.n, c.c}
	xh, lh := c.logits(e), e.classes(c.n, c.c)
	logits, labels, loss := e.tensor(xs, xh), e.labels(lh), e.junk(1)
	wantLoss, wantGrad := op.ref(c.n, c.c, f64(xh), lh)
	what := fmt.Sprintf("%s(logits %v, labels %v)", op.name, xs, lh)
	e.ok(op.fwd(loss, logits, labels), what)
	expectClose(t, what+": loss", loss.Shape(), e.get(loss), []float64{wantLoss}, ReferenceTol)

	for _, dl := range []float32{1, -1.75} {
		dloss, dlogits := e.tensor(ops.Shape{1}, []float32{dl}), e.junk(xs...)
		what := fmt.Sprintf("%sBackward(logits %v, labels %v, dloss %g)", op.name, xs, lh, dl)
		e.ok(op.bwd(dlogits, logits, labels, dloss), what)
		g := e.get(dlogits)
		want := make([]float64, len(wantGrad))
		for i := range want {
			want[i] = float64(dl) * wantGrad[i]
		}
		expectClose(t, what+": dlogits", xs, g, want, ReferenceTol)
		if i := finite(g); i >= 0 {
			t.Errorf("%s: dlogits%s = %g", what, at(xs, i), g[i])
		}
		if c.kind == extreme {
			continue
		}
		e.gradCheck(what+": dlogits", logits, xh, g, lossStep, func() float64 {
			e.ok(op.fwd(loss, logits, labels), op.name)
			return float64(dl) * float64(e.get(loss)[0])
		})
	}
}

// WeightedSum checks WeightedSum with one to three losses.
func WeightedSum(t TB, b ops.Backend) {
	t.Helper()
	cases := [][]float32{{1}, {0.5, 0.5}, {0.25, 1.5, -0.75}, {2}, {0, 0.3}}
	for _, weights := range cases {
		run(t, fmt.Sprintf("%d_losses_%v", len(weights), weights), func(t TB) {
			e := newEnv(t, b, fmt.Sprint("weightedsum/", weights))
			defer e.close()
			var losses []*ops.Tensor
			want := 0.0
			vals := e.uniform(len(weights), 0, 5)
			for k, w := range weights {
				losses = append(losses, e.tensor(ops.Shape{1}, vals[k:k+1]))
				want += float64(w) * float64(vals[k])
			}
			out := e.junk(1)
			what := fmt.Sprintf("WeightedSum(losses %v, weights %v)", vals, weights)
			e.ok(b.WeightedSum(out, losses, weights), what)
			expectClose(t, what+": out", out.Shape(), e.get(out), []float64{want}, ReferenceTol)
		})
	}
}

// goldenLoss runs a loss and its backward with dloss = 1 and compares both.
func goldenLoss(x fixture, fwd func(loss, logits, labels *ops.Tensor) error, bwd func(d, logits, labels, dl *ops.Tensor) error) {
	logits, labels := x.tensor("logits"), x.labels("labels")
	loss, d := x.e.zeros(1), x.like(logits)
	one := x.e.tensor(ops.Shape{1}, []float32{1})
	x.e.ok(fwd(loss, logits, labels), x.name+" forward")
	x.e.ok(bwd(d, logits, labels, one), x.name+" backward")
	x.expect(loss, "loss")
	x.expect(d, "dlogits")
}

// goldenCE checks a cross-entropy fixture; its metadata may give a
// label_smoothing.
func goldenCE(x fixture) {
	var p struct {
		LabelSmoothing float32 `json:"label_smoothing"`
	}
	x.meta(&p)
	s := ops.CrossEntropySpec{Smoothing: p.LabelSmoothing}
	goldenLoss(x,
		func(l, z, y *ops.Tensor) error { return x.e.b.CrossEntropy(l, z, y, s) },
		func(d, z, y, dl *ops.Tensor) error { return x.e.b.CrossEntropyBackward(d, z, y, dl, s) })
}

func goldenFocal(x fixture) {
	var p struct{ Gamma, Alpha float32 }
	x.meta(&p)
	s := ops.FocalSpec{Gamma: p.Gamma, Alpha: p.Alpha}
	goldenLoss(x,
		func(l, z, y *ops.Tensor) error { return x.e.b.SigmoidFocal(l, z, y, s) },
		func(d, z, y, dl *ops.Tensor) error { return x.e.b.SigmoidFocalBackward(d, z, y, dl, s) })
}

func goldenMix(x fixture) {
	var p struct {
		Weights        struct{ CE, Focal float32 }
		Gamma, Alpha   float32
		LabelSmoothing float32 `json:"label_smoothing"`
	}
	x.meta(&p)
	s := ops.FocalSpec{Gamma: p.Gamma, Alpha: p.Alpha}
	cs := ops.CrossEntropySpec{Smoothing: p.LabelSmoothing}
	b := x.e.b
	logits, labels := x.tensor("logits"), x.labels("labels")
	ce, fl, total := x.e.zeros(1), x.e.zeros(1), x.e.zeros(1)
	x.e.ok(b.CrossEntropy(ce, logits, labels, cs), "CrossEntropy")
	x.e.ok(b.SigmoidFocal(fl, logits, labels, s), "SigmoidFocal")
	x.e.ok(b.WeightedSum(total, []*ops.Tensor{ce, fl}, []float32{p.Weights.CE, p.Weights.Focal}), "WeightedSum")
	x.expect(ce, "loss_ce")
	x.expect(fl, "loss_focal")
	x.expect(total, "loss")
	wce, wfl := x.e.tensor(ops.Shape{1}, []float32{p.Weights.CE}), x.e.tensor(ops.Shape{1}, []float32{p.Weights.Focal})
	dce, dfl := x.like(logits), x.like(logits)
	x.e.ok(b.CrossEntropyBackward(dce, logits, labels, wce, cs), "CrossEntropyBackward")
	x.e.ok(b.SigmoidFocalBackward(dfl, logits, labels, wfl, s), "SigmoidFocalBackward")
	x.e.ok(b.Add(dce, dce, dfl), "Add")
	x.expect(dce, "dlogits")
}
