package conformance

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/wgtrain/wgtrain/ops"
)

// recorder is a TB that records failures instead of failing, so the
// self-test can run a suite function on a broken backend and check that
// it reports the breakage. Subtests run on their own goroutine, so that
// Fatalf (runtime.Goexit) ends only the subtest, as with *testing.T.
type recorder struct {
	mu     sync.Mutex
	name   string
	errs   []string
	failed bool
}

func (r *recorder) Helper()                         {}
func (r *recorder) Logf(format string, args ...any) {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = true
	r.errs = append(r.errs, r.name+": "+fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Run(name string, f func(TB)) bool {
	child := &recorder{name: r.name + "/" + name}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				child.Errorf("panic: %v", p)
			}
		}()
		f(child)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, child.errs...)
	r.failed = r.failed || child.failed
	return !child.failed
}

// The broken backends: each embeds the CPU backend and gets one thing
// wrong.

type convNoBias struct{ ops.Backend }

func (b convNoBias) Conv2D(y, x, w, _ *ops.Tensor, s ops.ConvSpec) error {
	return b.Backend.Conv2D(y, x, w, nil, s)
}

type convDataScaled struct{ ops.Backend }

func (b convDataScaled) Conv2DBackwardData(dx, dy, w *ops.Tensor, s ops.ConvSpec) error {
	if err := b.Backend.Conv2DBackwardData(dx, dy, w, s); err != nil {
		return err
	}
	return b.Scale(dx, dx, 1.1)
}

type convFilterNoDb struct{ ops.Backend }

func (b convFilterNoDb) Conv2DBackwardFilter(dw, db, x, dy *ops.Tensor, s ops.ConvSpec) error {
	return b.Backend.Conv2DBackwardFilter(dw, nil, x, dy, s)
}

type bnMomentumSwapped struct{ ops.Backend }

func (b bnMomentumSwapped) BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	s.Momentum = 1 - s.Momentum
	return b.Backend.BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

type bnDgammaDoubled struct{ ops.Backend }

func (b bnDgammaDoubled) BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma *ops.Tensor) error {
	if err := b.Backend.BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma); err != nil {
		return err
	}
	return b.Scale(dgamma, dgamma, 2)
}

type adamIgnoresGuard struct{ ops.Backend }

func (b adamIgnoresGuard) Adam(p, g, m, v *ops.Tensor, s ops.AdamSpec) error {
	s.Guard = nil
	return b.Backend.Adam(p, g, m, v, s)
}

type reluBackwardPassThrough struct{ ops.Backend }

func (b reluBackwardPassThrough) ReLUBackward(dx, y, dy *ops.Tensor) error { return b.Copy(dx, dy) }

// maxPoolLastMax routes each window's gradient to its last maximum.
type maxPoolLastMax struct{ ops.Backend }

func (b maxPoolLastMax) MaxPool2DBackward(dx, x, dy *ops.Tensor, k int) error {
	xs, err := b.Download(x)
	if err != nil {
		return err
	}
	g, err := b.Download(dy)
	if err != nil {
		return err
	}
	s := x.Shape()
	h, w := s[2], s[3]
	oh, ow := h/k, w/k
	d := make([]float32, len(xs))
	for img := 0; img < s[0]*s[1]; img++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				best := -1
				for p := 0; p < k; p++ {
					for q := 0; q < k; q++ {
						xi := (img*h+i*k+p)*w + j*k + q
						if best < 0 || xs[xi] >= xs[best] {
							best = xi
						}
					}
				}
				d[best] = g[(img*oh+i)*ow+j]
			}
		}
	}
	return b.Upload(dx, d)
}

type dropoutIgnoresStep struct{ ops.Backend }

func (b dropoutIgnoresStep) Dropout(y, x *ops.Tensor, s ops.DropoutSpec) error {
	s.Step = 0
	return b.Backend.Dropout(y, x, s)
}

type dropoutBackwardUnscaled struct{ ops.Backend }

func (b dropoutBackwardUnscaled) DropoutBackward(dx, dy *ops.Tensor, s ops.DropoutSpec) error {
	if err := b.Backend.DropoutBackward(dx, dy, s); err != nil {
		return err
	}
	return b.Scale(dx, dx, 1-s.P)
}

type linearNoDb struct{ ops.Backend }

func (b linearNoDb) LinearBackward(dx, dw, _, x, w, dy *ops.Tensor) error {
	return b.Backend.LinearBackward(dx, dw, nil, x, w, dy)
}

type ceBackwardNoMean struct{ ops.Backend }

func (b ceBackwardNoMean) CrossEntropyBackward(dlogits, logits, labels, dloss *ops.Tensor) error {
	if err := b.Backend.CrossEntropyBackward(dlogits, logits, labels, dloss); err != nil {
		return err
	}
	return b.Scale(dlogits, dlogits, float32(logits.Shape()[0]))
}

// ceNaive computes cross entropy in float32 without shifting by the row
// maximum, so large logits overflow.
type ceNaive struct{ ops.Backend }

func (b ceNaive) CrossEntropy(loss, logits, labels *ops.Tensor) error {
	x, err := b.Download(logits)
	if err != nil {
		return err
	}
	l, err := b.DownloadInt(labels)
	if err != nil {
		return err
	}
	n, c := logits.Shape()[0], logits.Shape()[1]
	var sum float32
	for r := 0; r < n; r++ {
		var z float32
		for j := 0; j < c; j++ {
			z += float32(math.Exp(float64(x[r*c+j])))
		}
		sum += float32(math.Log(float64(z))) - x[r*c+int(l[r])]
	}
	return b.Upload(loss, []float32{sum / float32(n)})
}

type focalIgnoresDloss struct{ ops.Backend }

func (b focalIgnoresDloss) SigmoidFocalBackward(dlogits, logits, labels, _ *ops.Tensor, s ops.FocalSpec) error {
	one, err := b.Alloc(ops.F32, ops.Shape{1})
	if err != nil {
		return err
	}
	defer b.Free(one)
	if err := b.Fill(one, 1); err != nil {
		return err
	}
	return b.Backend.SigmoidFocalBackward(dlogits, logits, labels, one, s)
}

type weightedSumDropsLast struct{ ops.Backend }

func (b weightedSumDropsLast) WeightedSum(out *ops.Tensor, losses []*ops.Tensor, weights []float32) error {
	if n := len(losses); n > 1 {
		losses, weights = losses[:n-1], weights[:n-1]
	}
	return b.Backend.WeightedSum(out, losses, weights)
}

type adamNoBiasCorrection struct{ ops.Backend }

func (b adamNoBiasCorrection) Adam(p, g, m, v *ops.Tensor, s ops.AdamSpec) error {
	s.Step = 100000
	return b.Backend.Adam(p, g, m, v, s)
}

// argmaxLastTie returns the last maximum of each row.
type argmaxLastTie struct{ ops.Backend }

func (b argmaxLastTie) Argmax(pred, logits *ops.Tensor) error {
	x, err := b.Download(logits)
	if err != nil {
		return err
	}
	n, c := logits.Shape()[0], logits.Shape()[1]
	out := make([]int32, n)
	for r := 0; r < n; r++ {
		for j := 1; j < c; j++ {
			if x[r*c+j] >= x[r*c+int(out[r])] {
				out[r] = int32(j)
			}
		}
	}
	return b.UploadInt(pred, out)
}

type addTwiceA struct{ ops.Backend }

func (b addTwiceA) Add(dst, a, _ *ops.Tensor) error { return b.Backend.Add(dst, a, a) }

// reluTruncated leaves elements past 65,535 workgroups of 64 unwritten, as
// a GPU backend with a one-dimensional dispatch would.
type reluTruncated struct{ ops.Backend }

func (b reluTruncated) ReLU(y, x *ops.Tensor) error {
	const limit = 65535 * 64
	before, err := b.Download(y)
	if err != nil {
		return err
	}
	if err := b.Backend.ReLU(y, x); err != nil || len(before) <= limit {
		return err
	}
	after, err := b.Download(y)
	if err != nil {
		return err
	}
	copy(after[limit:], before[limit:])
	return b.Upload(y, after)
}

type reluPanicsOnNil struct{ ops.Backend }

func (b reluPanicsOnNil) ReLU(y, x *ops.Tensor) error {
	_ = x.Shape()[0] // nil x panics
	return b.Backend.ReLU(y, x)
}

type fillPlainError struct{ ops.Backend }

func (b fillPlainError) Fill(t *ops.Tensor, v float32) error {
	if err := b.Backend.Fill(t, v); err != nil {
		return errors.New(err.Error())
	}
	return nil
}

// TestSuiteCatches runs suite functions on the broken backends and checks
// that each reports its breakage, with the words that identify the check.
func TestSuiteCatches(t *testing.T) {
	cpu := ops.NewCPU()
	cases := []struct {
		name   string
		family func(TB, ops.Backend)
		b      ops.Backend
		want   []string // each must appear in some failure message
	}{
		{"conv_drops_bias", Conv2D, convNoBias{cpu}, []string{"Conv2D(x", "bias true", ": y"}},
		{"conv_dx_scaled", Conv2D, convDataScaled{cpu}, []string{"Conv2DBackwardData", "differ beyond", "finite differences", "directional"}},
		{"conv_no_db", Conv2D, convFilterNoDb{cpu}, []string{": db", "finite differences"}},
		{"bn_momentum_swapped", BatchNorm, bnMomentumSwapped{cpu}, []string{"running_mean", "running_var"}},
		{"bn_dgamma_doubled", BatchNorm, bnDgammaDoubled{cpu}, []string{"dgamma", "finite differences"}},
		{"relu_backward_pass_through", ReLU, reluBackwardPassThrough{cpu}, []string{"ReLUBackward", "differ beyond", "finite differences"}},
		{"maxpool_last_max", MaxPool2D, maxPoolLastMax{cpu}, []string{"ties/", "MaxPool2DBackward"}},
		{"dropout_ignores_step", Dropout, dropoutIgnoresStep{cpu}, []string{"mask differs from ops.DropoutKeep", "masks differ in only"}},
		{"dropout_backward_unscaled", Dropout, dropoutBackwardUnscaled{cpu}, []string{"DropoutBackward", "finite differences"}},
		{"linear_no_db", Linear, linearNoDb{cpu}, []string{"LinearBackward", ": db"}},
		{"ce_backward_no_mean", CrossEntropy, ceBackwardNoMean{cpu}, []string{"CrossEntropyBackward", "finite differences"}},
		{"ce_naive", CrossEntropy, ceNaive{cpu}, []string{"shifted1000", "extreme", ": loss"}},
		{"focal_ignores_dloss", SigmoidFocal, focalIgnoresDloss{cpu}, []string{"dloss -1.75", "finite differences"}},
		{"weighted_sum_drops_last", WeightedSum, weightedSumDropsLast{cpu}, []string{"WeightedSum"}},
		{"adam_no_bias_correction", Adam, adamNoBiasCorrection{cpu}, []string{"step 1)", ": p"}},
		{"adam_ignores_guard", Adam, adamIgnoresGuard{cpu}, []string{"Adam with guard NaN: p unchanged", "shape [2]: no error"}},
		{"argmax_last_tie", Argmax, argmaxLastTie{cpu}, []string{"the first maximum"}},
		{"add_twice_a", Elementwise, addTwiceA{cpu}, []string{"Add("}},
		{"relu_truncated", Large, reluTruncated{cpu}, []string{"ReLU(x [3,5,300,1001])"}},
		{"relu_panics_on_nil", Errors, reluPanicsOnNil{cpu}, []string{"ReLU of nil panicked"}},
		{"fill_plain_error", Errors, fillPlainError{cpu}, []string{"Fill of i32[4] returned *errors.errorString"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := &recorder{name: c.name}
			rec.Run("suite", func(tb TB) { c.family(tb, c.b) })
			if !rec.failed {
				t.Fatalf("the suite did not notice the broken backend")
			}
			all := strings.Join(rec.errs, "\n")
			for _, w := range c.want {
				if !strings.Contains(all, w) {
					t.Errorf("no failure mentions %q; failures:\n%s", w, all)
				}
			}
			if testing.Verbose() {
				t.Logf("%d failures, the first: %s", len(rec.errs), rec.errs[0])
			}
		})
	}
}

// TestRecorderPasses checks that the recorder itself reports no failure
// when the backend is right, so that TestSuiteCatches means something.
func TestRecorderPasses(t *testing.T) {
	rec := &recorder{name: "cpu"}
	rec.Run("suite", func(tb TB) {
		for _, f := range []func(TB, ops.Backend){ReLU, Dropout, Linear, WeightedSum, Argmax} {
			f(tb, ops.NewCPU())
		}
	})
	if rec.failed {
		t.Errorf("failures on the CPU backend:\n%s", strings.Join(rec.errs, "\n"))
	}
}
