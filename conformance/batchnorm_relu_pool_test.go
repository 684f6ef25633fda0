package conformance

// The broken fused batch norms + ReLU + max pooling that
// BatchNormReLUPool must catch.

import "github.com/wgtrain/wgtrain/ops"

// bnPoolForwardNoReLU's fused training forward pools batch norm's output
// without the ReLU (and idx from the right forward).
type bnPoolForwardNoReLU struct{ *ops.CPU }

func (b bnPoolForwardNoReLU) BatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec, k int) error {
	if err := b.CPU.BatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar, s, k); err != nil {
		return err
	}
	full, err := b.Alloc(ops.F32, x.Shape())
	if err != nil {
		return err
	}
	defer b.Free(full)
	// BatchNormEval with the batch's statistics normalizes x as the
	// training forward did.
	return withTensor(b, runMean.Shape(), make([]float32, runMean.Numel()), func(rm *ops.Tensor) error {
		return withTensor(b, runVar.Shape(), make([]float32, runVar.Numel()), func(rv *ops.Tensor) error {
			m, err := b.Download(mean)
			if err != nil {
				return err
			}
			inv, err := b.Download(invStd)
			if err != nil {
				return err
			}
			for i := range inv {
				inv[i] = 1/(inv[i]*inv[i]) - s.Eps // the variance, for BatchNormEval
			}
			if err := b.Upload(rm, m); err != nil {
				return err
			}
			if err := b.Upload(rv, inv); err != nil {
				return err
			}
			if err := b.BatchNormEval(full, x, gamma, beta, rm, rv, s); err != nil {
				return err
			}
			return b.MaxPool2D(y, full, k)
		})
	})
}

// bnPoolEvalNoReLU's fused evaluation pools batch norm's output without
// the ReLU.
type bnPoolEvalNoReLU struct{ *ops.CPU }

func (b bnPoolEvalNoReLU) BatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec, k int) error {
	full, err := b.Alloc(ops.F32, x.Shape())
	if err != nil {
		return err
	}
	defer b.Free(full)
	if err := b.BatchNormEval(full, x, gamma, beta, runMean, runVar, s); err != nil {
		return err
	}
	return b.MaxPool2D(y, full, k)
}

// bnPoolBackwardIdx's fused backward reads idx changed by change.
type bnPoolBackwardIdx struct {
	*ops.CPU
	change func(at int32, k int) int32
}

func (b bnPoolBackwardIdx) BatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma *ops.Tensor, k int) error {
	v, err := b.DownloadInt(idx)
	if err != nil {
		return err
	}
	for i := range v {
		v[i] = b.change(v[i], k)
	}
	changed, err := b.Alloc(ops.I32, idx.Shape())
	if err != nil {
		return err
	}
	defer b.Free(changed)
	if err := b.UploadInt(changed, v); err != nil {
		return err
	}
	return b.CPU.BatchNormReLUPoolBackward(dx, dgamma, dbeta, x, changed, dy, mean, invStd, gamma, k)
}

var bnPoolMutants = []mutant{
	{"bn_pool_forward_no_relu", BatchNormReLUPool, bnPoolForwardNoReLU{cpu}, []string{"BatchNormReLUPoolTrain", ": y", "unfused composition"}},
	{"bn_pool_eval_no_relu", BatchNormReLUPool, bnPoolEvalNoReLU{cpu}, []string{"BatchNormReLUPoolEval", ": y"}},
	// The window's gradient to its first element, not its maximum.
	{"bn_pool_backward_first_element", BatchNormReLUPool, bnPoolBackwardIdx{cpu, func(at int32, k int) int32 { return min(at, 0) }},
		[]string{"BatchNormReLUPoolBackward", "dx", "dgamma"}},
	// The ReLU's mask ignored: every window passes its gradient.
	{"bn_pool_backward_no_mask", BatchNormReLUPool, bnPoolBackwardIdx{cpu, func(at int32, k int) int32 { return max(at, 0) }},
		[]string{"BatchNormReLUPoolBackward", "dx", "dbeta"}},
}
