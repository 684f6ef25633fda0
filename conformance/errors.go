package conformance

import (
	"errors"
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/ops"
)

// errCase is one call with a bad argument.
type errCase struct {
	what string
	call func() error
}

// callSafely runs call and turns a panic into an error message.
func callSafely(call func() error) (err error, panicked any) {
	defer func() { panicked = recover() }()
	return call(), nil
}

// expectOpError checks that call returns an *ops.Error and does not panic.
func expectOpError(t TB, c errCase) error {
	t.Helper()
	err, p := callSafely(c.call)
	switch {
	case p != nil:
		t.Errorf("%s panicked (%v), want an *ops.Error", c.what, p)
	case err == nil:
		t.Errorf("%s returned no error, want an *ops.Error", c.what)
	default:
		var oe *ops.Error
		if !errors.As(err, &oe) {
			t.Errorf("%s returned %T %q, want an *ops.Error", c.what, err, err)
		}
	}
	return err
}

// Errors checks that operations given bad arguments return an *ops.Error
// and never panic: nil tensors (outputs and output gradients included),
// tensors of another backend, wrong dtype, rank or shape, wrong channel or
// feature counts, bad kernel size, stride or padding, one value per
// channel in training batch norm, probabilities and hyper-parameters out
// of range, labels outside the classes. It also checks that errors about
// missing tensors wrap ops.ErrNilTensor and that the backend still works
// afterwards.
func Errors(t TB, b ops.Backend) {
	t.Helper()
	e := newEnv(t, b, "errors")
	defer e.close()
	f := func(shape ...int) *ops.Tensor { return e.zeros(shape...) }
	i32 := func(shape ...int) *ops.Tensor { return e.alloc(ops.I32, ops.Shape(shape)) }

	// A valid set of arguments; each case spoils one.
	x, w, bias, y := f(2, 3, 5, 5), f(4, 3, 3, 3), f(4), f(2, 4, 5, 5)
	conv := ops.ConvSpec{Stride: 1, Padding: 1}
	bnx, bny, c3 := f(2, 3, 4, 4), f(2, 3, 4, 4), f(3)
	gamma, beta, rm, rv, mean, inv := f(3), f(3), f(3), e.tensor(ops.Shape{3}, []float32{1, 1, 1}), f(3), f(3)
	bn := ops.DefaultBatchNorm
	px, py := f(2, 3, 5, 7), f(2, 3, 2, 3)
	a6, b23 := f(6), f(2, 3)
	lx, lw, lb, ly := f(4, 7), f(5, 7), f(5), f(4, 5)
	logits, loss, dloss := f(4, 10), f(1), e.tensor(ops.Shape{1}, []float32{1})
	labels := e.labels([]int32{0, 3, 9, 2})
	drop := ops.DropoutSpec{P: 0.2, Seed: 1, Step: 1}
	focal := ops.DefaultFocal
	ce := ops.CrossEntropySpec{Smoothing: 0.1}
	p, g, m, v := f(3, 4), f(3, 4), f(3, 4), f(3, 4)
	adam := ops.DefaultAdam(1e-3, 1)
	pred := i32(4)
	nan := float32(math.NaN())
	foreign := ops.NewTensor(nil, ops.F32, ops.Shape{6}, "storage of no backend")
	with := func(s ops.BatchNormSpec, eps, mom float32) ops.BatchNormSpec { s.Eps, s.Momentum = eps, mom; return s }
	adamWith := func(mod func(*ops.AdamSpec)) ops.AdamSpec { s := adam; mod(&s); return s }

	cases := []errCase{
		{"Alloc(f32, [2,-1])", func() error { _, err := b.Alloc(ops.F32, ops.Shape{2, -1}); return err }},
		{"Alloc(f32, [3,0])", func() error { _, err := b.Alloc(ops.F32, ops.Shape{3, 0}); return err }},
		{"Alloc(dtype(7), [2])", func() error { _, err := b.Alloc(ops.DType(7), ops.Shape{2}); return err }},
		{"Alloc(f32, [2^32,2^32]), whose size overflows", func() error { _, err := b.Alloc(ops.F32, ops.Shape{1 << 32, 1 << 32}); return err }},
		{"Alloc(i32, [2^30,2^30]), 4 EiB", func() error { _, err := b.Alloc(ops.I32, ops.Shape{1 << 30, 1 << 30}); return err }},
		{"Upload of 5 values into f32[6]", func() error { return b.Upload(a6, make([]float32, 5)) }},
		{"Upload into i32[4]", func() error { return b.Upload(pred, make([]float32, 4)) }},
		{"Upload into nil", func() error { return b.Upload(nil, make([]float32, 4)) }},
		{"UploadInt into f32[6]", func() error { return b.UploadInt(a6, make([]int32, 6)) }},
		{"UploadInt of 3 values into i32[4]", func() error { return b.UploadInt(pred, make([]int32, 3)) }},
		{"Download of i32[4]", func() error { _, err := b.Download(pred); return err }},
		{"Upload into a tensor of another backend", func() error { return b.Upload(foreign, make([]float32, 6)) }},
		{"Download of a tensor of another backend", func() error { _, err := b.Download(foreign); return err }},
		{"Download of nil", func() error { _, err := b.Download(nil); return err }},
		{"DownloadInt of f32[6]", func() error { _, err := b.DownloadInt(a6); return err }},
		{"Fill of i32[4]", func() error { return b.Fill(pred, 1) }},
		{"Fill of nil", func() error { return b.Fill(nil, 1) }},
		{"Copy of f32[6] into f32[4,7]", func() error { return b.Copy(lx, a6) }},
		{"Copy from nil", func() error { return b.Copy(a6, nil) }},
		{"Copy into i32[4]", func() error { return b.Copy(pred, f(4)) }},
		{"Add with shapes [2,3] and [6]", func() error { return b.Add(b23, b23, a6) }},
		{"Add into [6] from [2,3]", func() error { return b.Add(a6, b23, b23) }},
		{"Add with nil b", func() error { return b.Add(b23, b23, nil) }},
		{"Add of i32", func() error { return b.Add(pred, pred, pred) }},
		{"Scale [2,3] into [6]", func() error { return b.Scale(a6, b23, 2) }},
		{"Scale of nil", func() error { return b.Scale(nil, b23, 2) }},

		{"Conv2D with x of rank 3", func() error { return b.Conv2D(y, f(3, 5, 5), w, bias, conv) }},
		{"Conv2D with 2-channel x, 3-channel w", func() error { return b.Conv2D(y, f(2, 2, 5, 5), w, bias, conv) }},
		{"Conv2D with wrong y shape", func() error { return b.Conv2D(f(2, 4, 3, 3), x, w, bias, conv) }},
		{"Conv2D with bias [3] for 4 outputs", func() error { return b.Conv2D(y, x, w, f(3), conv) }},
		{"Conv2D with stride 0", func() error { return b.Conv2D(y, x, w, bias, ops.ConvSpec{Stride: 0, Padding: 1}) }},
		{"Conv2D with padding -1", func() error { return b.Conv2D(y, x, w, bias, ops.ConvSpec{Stride: 1, Padding: -1}) }},
		{"Conv2D with padding 3 for a 3x3 kernel", func() error {
			return b.Conv2D(f(2, 4, 2, 2), x, w, bias, ops.ConvSpec{Stride: 5, Padding: 3})
		}},
		{"Conv2D with a 5x5 kernel on 2x2 unpadded", func() error {
			return b.Conv2D(f(1, 4, 1, 1), f(1, 3, 2, 2), f(4, 3, 5, 5), bias, ops.ConvSpec{Stride: 1})
		}},
		{"Conv2D with nil x", func() error { return b.Conv2D(y, nil, w, bias, conv) }},
		{"Conv2D with nil w", func() error { return b.Conv2D(y, x, nil, bias, conv) }},
		{"Conv2D with i32 x", func() error { return b.Conv2D(y, i32(2, 3, 5, 5), w, bias, conv) }},
		{"Conv2DBackwardData with wrong dy shape", func() error { return b.Conv2DBackwardData(f(2, 3, 5, 5), f(2, 4, 4, 5), w, conv) }},
		{"Conv2DBackwardData with nil dx", func() error { return b.Conv2DBackwardData(nil, y, w, conv) }},
		{"Conv2DBackwardData with nil w", func() error { return b.Conv2DBackwardData(f(2, 3, 5, 5), y, nil, conv) }},
		{"Conv2DBackwardFilter with wrong dw shape", func() error { return b.Conv2DBackwardFilter(f(4, 3, 5, 5), bias, x, y, conv) }},
		{"Conv2DBackwardFilter with db [5]", func() error { return b.Conv2DBackwardFilter(f(4, 3, 3, 3), f(5), x, y, conv) }},
		{"Conv2DBackwardFilter with nil x", func() error { return b.Conv2DBackwardFilter(f(4, 3, 3, 3), bias, nil, y, conv) }},

		{"BatchNormTrain with gamma [4] for 3 channels", func() error {
			return b.BatchNormTrain(bny, mean, inv, bnx, f(4), beta, rm, rv, bn)
		}},
		{"BatchNormTrain with wrong y shape", func() error {
			return b.BatchNormTrain(f(2, 3, 4, 5), mean, inv, bnx, gamma, beta, rm, rv, bn)
		}},
		{"BatchNormTrain with nil mean", func() error { return b.BatchNormTrain(bny, nil, inv, bnx, gamma, beta, rm, rv, bn) }},
		{"BatchNormTrain with nil running_var", func() error {
			return b.BatchNormTrain(bny, mean, inv, bnx, gamma, beta, rm, nil, bn)
		}},
		{"BatchNormTrain with eps 0", func() error {
			return b.BatchNormTrain(bny, mean, inv, bnx, gamma, beta, rm, rv, with(bn, 0, 0.1))
		}},
		{"BatchNormTrain with momentum 1.5", func() error {
			return b.BatchNormTrain(bny, mean, inv, bnx, gamma, beta, rm, rv, with(bn, 1e-5, 1.5))
		}},
		{"BatchNormTrain with one value per channel", func() error {
			return b.BatchNormTrain(f(1, 3, 1, 1), mean, inv, f(1, 3, 1, 1), gamma, beta, rm, rv, bn)
		}},
		{"BatchNormTrain with x of rank 2", func() error {
			return b.BatchNormTrain(f(2, 3), mean, inv, f(2, 3), gamma, beta, rm, rv, bn)
		}},
		{"BatchNormEval with running_mean [2]", func() error { return b.BatchNormEval(bny, bnx, gamma, beta, f(2), rv, bn) }},
		{"BatchNormEval with eps -1", func() error {
			return b.BatchNormEval(bny, bnx, gamma, beta, rm, rv, with(bn, -1, 0.1))
		}},
		{"BatchNormBackward with dgamma [4]", func() error {
			return b.BatchNormBackward(f(2, 3, 4, 4), f(4), c3, bnx, bny, mean, inv, gamma)
		}},
		{"BatchNormBackward with nil invStd", func() error {
			return b.BatchNormBackward(f(2, 3, 4, 4), f(3), c3, bnx, bny, mean, nil, gamma)
		}},
		{"BatchNormBackward with wrong dy shape", func() error {
			return b.BatchNormBackward(f(2, 3, 4, 4), f(3), c3, bnx, f(2, 3, 4, 3), mean, inv, gamma)
		}},

		{"ReLU with shapes [2,3] and [6]", func() error { return b.ReLU(a6, b23) }},
		{"ReLU of nil", func() error { return b.ReLU(b23, nil) }},
		{"ReLU of i32", func() error { return b.ReLU(pred, pred) }},
		{"ReLUBackward with dy [6] for y [2,3]", func() error { return b.ReLUBackward(b23, b23, a6) }},
		{"ReLUBackward with nil y", func() error { return b.ReLUBackward(b23, nil, b23) }},

		{"MaxPool2D with k 0", func() error { return b.MaxPool2D(px, px, 0) }},
		{"MaxPool2D with wrong y shape", func() error { return b.MaxPool2D(f(2, 3, 3, 3), px, 2) }},
		{"MaxPool2D with x smaller than k", func() error { return b.MaxPool2D(f(1, 1, 1, 1), f(1, 1, 2, 2), 3) }},
		{"MaxPool2D with x of rank 3", func() error { return b.MaxPool2D(f(3, 2, 3), f(3, 5, 7), 2) }},
		{"MaxPool2DBackward with wrong dx shape", func() error { return b.MaxPool2DBackward(f(2, 3, 4, 6), px, py, 2) }},
		{"MaxPool2DBackward with wrong dy shape", func() error { return b.MaxPool2DBackward(f(2, 3, 5, 7), px, f(2, 3, 3, 3), 2) }},
		{"MaxPool2DBackward with k -1", func() error { return b.MaxPool2DBackward(f(2, 3, 5, 7), px, py, -1) }},

		{"Dropout with p 1", func() error { return b.Dropout(b23, b23, ops.DropoutSpec{P: 1}) }},
		{"Dropout with p -0.1", func() error { return b.Dropout(b23, b23, ops.DropoutSpec{P: -0.1}) }},
		{"Dropout with p NaN", func() error { return b.Dropout(b23, b23, ops.DropoutSpec{P: nan}) }},
		{"Dropout with shapes [2,3] and [6]", func() error { return b.Dropout(a6, b23, drop) }},
		{"Dropout of nil", func() error { return b.Dropout(b23, nil, drop) }},
		{"DropoutBackward with p 1.5", func() error { return b.DropoutBackward(b23, b23, ops.DropoutSpec{P: 1.5}) }},
		{"DropoutBackward with shapes [6] and [2,3]", func() error { return b.DropoutBackward(a6, b23, drop) }},

		{"Linear with 6 features for w of 7", func() error { return b.Linear(ly, f(4, 6), lw, lb) }},
		{"Linear with bias [4] for 5 outputs", func() error { return b.Linear(ly, lx, lw, f(4)) }},
		{"Linear with wrong y shape", func() error { return b.Linear(f(4, 6), lx, lw, lb) }},
		{"Linear with x of rank 3", func() error { return b.Linear(ly, f(4, 7, 1), lw, lb) }},
		{"Linear with nil w", func() error { return b.Linear(ly, lx, nil, lb) }},
		{"LinearBackward with dw [7,5]", func() error { return b.LinearBackward(nil, f(7, 5), nil, lx, lw, ly) }},
		{"LinearBackward with dx [4,5]", func() error { return b.LinearBackward(f(4, 5), nil, nil, lx, lw, ly) }},
		{"LinearBackward with db [7]", func() error { return b.LinearBackward(nil, nil, f(7), lx, lw, ly) }},
		{"LinearBackward with nil x", func() error { return b.LinearBackward(f(4, 7), f(5, 7), lb, nil, lw, ly) }},
		{"LinearBackward with dy [4,6]", func() error { return b.LinearBackward(f(4, 7), f(5, 7), lb, lx, lw, f(4, 6)) }},

		{"CrossEntropy with f32 labels", func() error { return b.CrossEntropy(loss, logits, f(4), ce) }},
		{"CrossEntropy with 3 labels for 4 rows", func() error { return b.CrossEntropy(loss, logits, i32(3), ce) }},
		{"CrossEntropy with loss [2]", func() error { return b.CrossEntropy(f(2), logits, labels, ce) }},
		{"CrossEntropy with logits of rank 1", func() error { return b.CrossEntropy(loss, f(4), labels, ce) }},
		{"CrossEntropy with nil logits", func() error { return b.CrossEntropy(loss, nil, labels, ce) }},
		{"CrossEntropyBackward with dloss [2]", func() error { return b.CrossEntropyBackward(f(4, 10), logits, labels, f(2), ce) }},
		{"CrossEntropyBackward with nil dloss", func() error { return b.CrossEntropyBackward(f(4, 10), logits, labels, nil, ce) }},
		{"CrossEntropyBackward with dlogits [4,9]", func() error { return b.CrossEntropyBackward(f(4, 9), logits, labels, dloss, ce) }},
		{"CrossEntropy with smoothing -0.1", func() error {
			return b.CrossEntropy(loss, logits, labels, ops.CrossEntropySpec{Smoothing: -0.1})
		}},
		{"CrossEntropy with smoothing NaN", func() error {
			return b.CrossEntropy(loss, logits, labels, ops.CrossEntropySpec{Smoothing: nan})
		}},
		{"CrossEntropyBackward with smoothing 1.5", func() error {
			return b.CrossEntropyBackward(f(4, 10), logits, labels, dloss, ops.CrossEntropySpec{Smoothing: 1.5})
		}},
		{"SigmoidFocal with gamma -1", func() error {
			return b.SigmoidFocal(loss, logits, labels, ops.FocalSpec{Gamma: -1, Alpha: 0.25})
		}},
		{"SigmoidFocal with alpha 1.5", func() error {
			return b.SigmoidFocal(loss, logits, labels, ops.FocalSpec{Gamma: 2, Alpha: 1.5})
		}},
		{"SigmoidFocal with alpha NaN", func() error {
			return b.SigmoidFocal(loss, logits, labels, ops.FocalSpec{Gamma: 2, Alpha: nan})
		}},
		{"SigmoidFocal with 3 labels for 4 rows", func() error { return b.SigmoidFocal(loss, logits, i32(3), focal) }},
		{"SigmoidFocalBackward with alpha -0.1", func() error {
			return b.SigmoidFocalBackward(f(4, 10), logits, labels, dloss, ops.FocalSpec{Gamma: 2, Alpha: -0.1})
		}},
		{"SigmoidFocalBackward with dlogits [4,9]", func() error {
			return b.SigmoidFocalBackward(f(4, 9), logits, labels, dloss, focal)
		}},

		{"WeightedSum of no losses", func() error { return b.WeightedSum(loss, nil, nil) }},
		{"WeightedSum of 2 losses with 1 weight", func() error { return b.WeightedSum(loss, []*ops.Tensor{loss, dloss}, []float32{1}) }},
		{"WeightedSum with a loss [2]", func() error { return b.WeightedSum(loss, []*ops.Tensor{f(2)}, []float32{1}) }},
		{"WeightedSum with a nil loss", func() error { return b.WeightedSum(loss, []*ops.Tensor{dloss, nil}, []float32{1, 1}) }},
		{"WeightedSum into out [2]", func() error { return b.WeightedSum(f(2), []*ops.Tensor{dloss}, []float32{1}) }},
		{"WeightedSum into nil", func() error { return b.WeightedSum(nil, []*ops.Tensor{dloss}, []float32{1}) }},

		{"Adam with step 0", func() error { return b.Adam(p, g, m, v, adamWith(func(s *ops.AdamSpec) { s.Step = 0 })) }},
		{"Adam with beta1 1", func() error { return b.Adam(p, g, m, v, adamWith(func(s *ops.AdamSpec) { s.Beta1 = 1 })) }},
		{"Adam with beta2 -0.1", func() error { return b.Adam(p, g, m, v, adamWith(func(s *ops.AdamSpec) { s.Beta2 = -0.1 })) }},
		{"Adam with lr -1", func() error { return b.Adam(p, g, m, v, adamWith(func(s *ops.AdamSpec) { s.LR = -1 })) }},
		{"Adam with eps NaN", func() error { return b.Adam(p, g, m, v, adamWith(func(s *ops.AdamSpec) { s.Eps = math.NaN() })) }},
		{"Adam with m [4,3]", func() error { return b.Adam(p, g, f(4, 3), v, adam) }},
		{"Adam with nil v", func() error { return b.Adam(p, g, m, nil, adam) }},

		{"Argmax into f32 pred", func() error { return b.Argmax(f(4), logits) }},
		{"Argmax into pred [3] for 4 rows", func() error { return b.Argmax(i32(3), logits) }},
		{"Argmax of logits of rank 1", func() error { return b.Argmax(pred, f(4)) }},
		{"Argmax of i32 logits", func() error { return b.Argmax(pred, i32(4, 10)) }},
	}
	// Missing outputs and missing gradients of outputs: a check that
	// treats an optional tensor as absent must not let these through.
	nilOutputs := []errCase{
		{"Conv2D with nil y", func() error { return b.Conv2D(nil, x, w, bias, conv) }},
		{"Conv2DBackwardData with nil dy", func() error { return b.Conv2DBackwardData(f(2, 3, 5, 5), nil, w, conv) }},
		{"Conv2DBackwardFilter with nil dy", func() error { return b.Conv2DBackwardFilter(f(4, 3, 3, 3), bias, x, nil, conv) }},
		{"Conv2DBackwardFilter with nil dw", func() error { return b.Conv2DBackwardFilter(nil, bias, x, y, conv) }},
		{"BatchNormTrain with nil y", func() error { return b.BatchNormTrain(nil, mean, inv, bnx, gamma, beta, rm, rv, bn) }},
		{"BatchNormEval with nil y", func() error { return b.BatchNormEval(nil, bnx, gamma, beta, rm, rv, bn) }},
		{"BatchNormBackward with nil dx", func() error {
			return b.BatchNormBackward(nil, f(3), c3, bnx, bny, mean, inv, gamma)
		}},
		{"BatchNormBackward with nil dy", func() error {
			return b.BatchNormBackward(f(2, 3, 4, 4), f(3), c3, bnx, nil, mean, inv, gamma)
		}},
		{"ReLU into nil", func() error { return b.ReLU(nil, b23) }},
		{"ReLUBackward into nil", func() error { return b.ReLUBackward(nil, b23, b23) }},
		{"MaxPool2D into nil", func() error { return b.MaxPool2D(nil, px, 2) }},
		{"MaxPool2DBackward into nil", func() error { return b.MaxPool2DBackward(nil, px, py, 2) }},
		{"MaxPool2DBackward with nil dy", func() error { return b.MaxPool2DBackward(f(2, 3, 5, 7), px, nil, 2) }},
		{"Dropout into nil", func() error { return b.Dropout(nil, b23, drop) }},
		{"DropoutBackward with nil dy", func() error { return b.DropoutBackward(b23, nil, drop) }},
		{"Linear with nil y", func() error { return b.Linear(nil, lx, lw, lb) }},
		{"LinearBackward with nil dy", func() error { return b.LinearBackward(f(4, 7), f(5, 7), lb, lx, lw, nil) }},
		{"CrossEntropy with nil loss", func() error { return b.CrossEntropy(nil, logits, labels, ce) }},
		{"CrossEntropyBackward into nil", func() error { return b.CrossEntropyBackward(nil, logits, labels, dloss, ce) }},
		{"SigmoidFocal with nil loss", func() error { return b.SigmoidFocal(nil, logits, labels, focal) }},
		{"SigmoidFocalBackward into nil", func() error { return b.SigmoidFocalBackward(nil, logits, labels, dloss, focal) }},
		{"Argmax into nil", func() error { return b.Argmax(nil, logits) }},
		{"Adam with nil p", func() error { return b.Adam(nil, g, m, v, adam) }},
	}
	run(t, "nil_outputs", func(t TB) {
		defer e.under(t)()
		for _, c := range nilOutputs {
			expectOpError(t, c)
		}
	})

	run(t, "bad_arguments", func(t TB) {
		defer e.under(t)()
		for _, c := range cases {
			expectOpError(t, c)
		}
	})

	// Labels outside [0, classes): the error may come from the call or,
	// for a backend that checks on the device, from the next Sync.
	run(t, "labels_out_of_range", func(t TB) {
		defer e.under(t)()
		for _, bad := range [][]int32{{0, 3, 10, 2}, {0, -1, 9, 2}} {
			badLabels := e.labels(bad)
			calls := []errCase{
				{"CrossEntropy", func() error { return b.CrossEntropy(loss, logits, badLabels, ce) }},
				{"CrossEntropyBackward", func() error { return b.CrossEntropyBackward(f(4, 10), logits, badLabels, dloss, ce) }},
				{"SigmoidFocal", func() error { return b.SigmoidFocal(loss, logits, badLabels, focal) }},
				{"SigmoidFocalBackward", func() error {
					return b.SigmoidFocalBackward(f(4, 10), logits, badLabels, dloss, focal)
				}},
			}
			for _, c := range calls {
				c.what = fmt.Sprintf("%s with labels %v for 10 classes (the call or the next Sync)", c.what, bad)
				call := c.call
				c.call = func() error {
					if err := call(); err != nil {
						return err
					}
					return b.Sync()
				}
				expectOpError(t, c)
			}
		}
	})

	run(t, "nil_wraps_ErrNilTensor", func(t TB) {
		defer e.under(t)()
		nils := []errCase{
			{"ReLU of nil", func() error { return b.ReLU(b23, nil) }},
			{"Conv2D with nil w", func() error { return b.Conv2D(y, x, nil, bias, conv) }},
			{"Linear with nil w", func() error { return b.Linear(ly, lx, nil, lb) }},
			{"Adam with nil v", func() error { return b.Adam(p, g, m, nil, adam) }},
		}
		for _, c := range nils {
			if err, _ := callSafely(c.call); err != nil && !errors.Is(err, ops.ErrNilTensor) {
				t.Errorf("%s: error %q does not wrap ops.ErrNilTensor", c.what, err)
			}
		}
	})

	// After all that, the backend still computes.
	run(t, "still_works", func(t TB) {
		defer e.under(t)()
		if err := b.Sync(); err != nil {
			t.Errorf("Sync after the bad calls: %v", err)
		}
		xh := e.uniform(6, -1, 1)
		src, dst := e.tensor(ops.Shape{6}, xh), e.junk(6)
		e.ok(b.Copy(dst, src), "Copy after the bad calls")
		expectClose(t, "Copy after the bad calls", dst.Shape(), e.get(dst), xh, exact)
	})
}
