package ops

// Backend is a compute device: it owns tensor storage and runs every
// operation the tutorial's network needs, forward and backward.
//
// All operations validate their arguments with the Check functions of this
// package and return an *Error, never panic, on a mismatch. A backend may
// queue work and report a device failure at the next Download or Sync.
// Outputs must not alias inputs unless an operation says so.
type Backend interface {
	// Name identifies the backend ("cpu", "webgpu").
	Name() string

	// Alloc returns a zero-filled tensor of the given type and shape, or
	// an *Error for an extent below 1, a size that overflows an int, or
	// one larger than the backend can hold.
	Alloc(dtype DType, shape Shape) (*Tensor, error)
	// Free returns the tensor's storage to the backend; t must not be
	// used afterwards. Freeing a view frees nothing.
	Free(t *Tensor)
	// Upload copies host data into an F32 tensor; len(data) must equal Numel.
	Upload(t *Tensor, data []float32) error
	// UploadInt copies host data into an I32 tensor.
	UploadInt(t *Tensor, data []int32) error
	// Download copies an F32 tensor to a new host slice, waiting for any
	// queued work that writes it.
	Download(t *Tensor) ([]float32, error)
	// DownloadInt copies an I32 tensor to a new host slice.
	DownloadInt(t *Tensor) ([]int32, error)
	// Sync waits for all queued work and reports any deferred failure.
	Sync() error

	// Fill sets every element of an F32 tensor to v.
	Fill(t *Tensor, v float32) error
	// Copy copies src into dst (same numel).
	Copy(dst, src *Tensor) error
	// Add writes dst = a + b elementwise (same shape); dst may alias a or b.
	Add(dst, a, b *Tensor) error
	// Scale writes dst = alpha * src; dst may alias src.
	Scale(dst, src *Tensor, alpha float32) error

	// Conv2D writes y = conv(x, w) + b with x NCHW, w OIHW, b [O] or nil.
	Conv2D(y, x, w, b *Tensor, s ConvSpec) error
	// Conv2DBackwardData writes dx, the gradient of the input.
	Conv2DBackwardData(dx, dy, w *Tensor, s ConvSpec) error
	// Conv2DBackwardFilter writes dw and, when db is not nil, db.
	Conv2DBackwardFilter(dw, db, x, dy *Tensor, s ConvSpec) error

	// BatchNormTrain normalizes x with its batch statistics, writes y and
	// the per-channel mean and inverse standard deviation (for backward),
	// and updates runMean and runVar in place as PyTorch does (unbiased
	// variance in the running estimate).
	BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error
	// BatchNormEval normalizes x with the running statistics.
	BatchNormEval(y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error
	// BatchNormBackward writes dx, dgamma and dbeta of a training-mode
	// batch norm from its saved mean and invStd.
	BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma *Tensor) error

	// ReLU writes y = max(x, 0); y may alias x.
	ReLU(y, x *Tensor) error
	// ReLUBackward writes dx = dy where y > 0, else 0, from the forward
	// output y; dx may alias dy.
	ReLUBackward(dx, y, dy *Tensor) error

	// MaxPool2D writes y, the maximum over each k x k window of x with
	// stride k and no padding (rows and columns past the last whole
	// window are dropped, as PyTorch does).
	MaxPool2D(y, x *Tensor, k int) error
	// MaxPool2DBackward writes dx: each window's dy goes to the first
	// maximum of that window of x (row-major order), zeros elsewhere.
	MaxPool2DBackward(dx, x, dy *Tensor, k int) error

	// Dropout writes y = x * mask / (1-p) with the counter-based mask of
	// DropoutKeep; y may alias x.
	Dropout(y, x *Tensor, s DropoutSpec) error
	// DropoutBackward writes dx = dy * mask / (1-p); dx may alias dy.
	DropoutBackward(dx, dy *Tensor, s DropoutSpec) error

	// Linear writes y = x w^T + b with x [N,in], w [out,in], b [out] or nil.
	Linear(y, x, w, b *Tensor) error
	// LinearBackward writes dx, dw and db; any of them may be nil when
	// that gradient is not wanted.
	LinearBackward(dx, dw, db, x, w, dy *Tensor) error

	// CrossEntropy writes loss [1], the batch mean of
	// (1-eps)*(-log_softmax(logits)[label]) + eps*mean_j(-log_softmax(logits)[j])
	// with eps = s.Smoothing (0: plain cross-entropy); labels is I32 [N].
	CrossEntropy(loss, logits, labels *Tensor, s CrossEntropySpec) error
	// CrossEntropyBackward writes dlogits = dloss * d(loss)/d(logits),
	// with dloss a [1] tensor.
	CrossEntropyBackward(dlogits, logits, labels, dloss *Tensor, s CrossEntropySpec) error
	// SigmoidFocal writes loss [1], the tutorial's one-vs-rest sigmoid
	// focal loss summed over classes and averaged over rows.
	SigmoidFocal(loss, logits, labels *Tensor, s FocalSpec) error
	// SigmoidFocalBackward writes dlogits = dloss * d(loss)/d(logits).
	SigmoidFocalBackward(dlogits, logits, labels, dloss *Tensor, s FocalSpec) error
	// WeightedSum writes out [1] = sum_k weights[k] * losses[k], each a [1]
	// tensor.
	WeightedSum(out *Tensor, losses []*Tensor, weights []float32) error

	// Adam applies one bias-corrected Adam step to p in place from its
	// gradient g, updating the moment estimates m and v in place.
	Adam(p, g, m, v *Tensor, s AdamSpec) error
	// SGD applies one torch.optim.SGD step to p in place from its gradient
	// g, updating the momentum buffer buf in place.
	SGD(p, g, buf *Tensor, s SGDSpec) error

	// Argmax writes pred (I32 [N]), the index of the largest logit of
	// each row, the first one on ties.
	Argmax(pred, logits *Tensor) error
}
