package ops

// BatchNormReLUBackend is implemented by a backend that fuses a batch norm
// with the ReLU that follows it: the forward writes y = relu(batchnorm(x))
// in one pass over the data, and the backward applies ReLU's gradient
// (dy where y > 0 or y is NaN, as ReLUBackward) inside batch norm's
// backward. Each operation gives what the unfused composition gives
// (BatchNormTrain or BatchNormEval then ReLU; ReLUBackward then
// BatchNormBackward) and checks its arguments as those do. The graph uses
// it when the backend has it (a type assertion), and the unfused
// composition otherwise.
type BatchNormReLUBackend interface {
	// BatchNormReLUTrain is BatchNormTrain followed by ReLU on y.
	BatchNormReLUTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error
	// BatchNormReLUEval is BatchNormEval followed by ReLU on y.
	BatchNormReLUEval(y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error
	// BatchNormReLUBackward is ReLUBackward(dy masked by y, the fused
	// forward's output) followed by BatchNormBackward; dy is left as it
	// was, and dx must not alias x, y or dy.
	BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *Tensor) error
}

// CheckBatchNormReLUBackward validates BatchNormReLUBackward's arguments:
// those of BatchNormBackward, then y of x's shape.
func CheckBatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *Tensor) error {
	if err := CheckBatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma); err != nil {
		return err
	}
	return needShape("batchnorm_backward", "y", y, F32, x.shape)
}
