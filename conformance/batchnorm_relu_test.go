package conformance

// The broken fused batch norms + ReLU that BatchNormReLU must catch.

import "github.com/wgtrain/wgtrain/ops"

// bnReLUForwardNoReLU's fused forward leaves out the ReLU.
type bnReLUForwardNoReLU struct{ *ops.CPU }

func (b bnReLUForwardNoReLU) BatchNormReLUTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return b.BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

// bnReLUBackwardNoMask's fused backward ignores ReLU's gradient.
type bnReLUBackwardNoMask struct{ *ops.CPU }

func (b bnReLUBackwardNoMask) BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *ops.Tensor) error {
	return b.BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma)
}

// bnReLUBackwardNaNMasked's fused backward drops the gradient where y is
// NaN (a mask of y > 0 alone), which ReLUBackward passes.
type bnReLUBackwardNaNMasked struct{ *ops.CPU }

func (b bnReLUBackwardNaNMasked) BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *ops.Tensor) error {
	ys, err := b.Download(y)
	if err != nil {
		return err
	}
	for i, v := range ys {
		if v != v {
			ys[i] = 0
		}
	}
	return withTensor(b, y.Shape(), ys, func(y *ops.Tensor) error {
		return b.CPU.BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma)
	})
}

var bnReLUMutants = []mutant{
	{"bn_relu_forward_no_relu", BatchNormReLU, bnReLUForwardNoReLU{cpu}, []string{"BatchNormReLUTrain", ": y", "unfused composition"}},
	{"bn_relu_backward_no_mask", BatchNormReLU, bnReLUBackwardNoMask{cpu}, []string{"BatchNormReLUBackward", "dx", "dgamma", "dbeta"}},
	{"bn_relu_backward_nan_masked", BatchNormReLU, bnReLUBackwardNaNMasked{cpu}, []string{"BatchNormReLUBackward", "dbeta"}},
}
