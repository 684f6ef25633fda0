package ops

// BatchNormReLUPoolBackend is implemented by a backend that fuses a batch
// norm, the ReLU after it and the k x k max pooling (stride k) after that:
// the forward writes only the pooled output y [N,C,H/k,W/k] (not the
// full-resolution activation), and, in training, idx (I32, y's shape):
// for each window, the row-major offset within the window of its first
// maximum (the one MaxPool2D takes: a NaN wins, the last NaN of a
// window) when the ReLU passes it (y > 0 or NaN), else -1. The backward
// routes each window's dy to that element and applies batch norm's
// backward, from idx alone: no full-resolution activation is read. Each
// operation gives what the unfused composition gives (BatchNormTrain or
// BatchNormEval, ReLU, MaxPool2D; MaxPool2DBackward, ReLUBackward,
// BatchNormBackward), and checks its arguments as those do. The graph
// uses it when the backend has it (a type assertion), and the unfused
// composition otherwise.
type BatchNormReLUPoolBackend interface {
	// BatchNormReLUPoolTrain is BatchNormTrain, ReLU and MaxPool2D(k)
	// into y, with idx as the type's comment says.
	BatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec, k int) error
	// BatchNormReLUPoolEval is BatchNormEval, ReLU and MaxPool2D(k).
	BatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec, k int) error
	// BatchNormReLUPoolBackward is MaxPool2DBackward of the pooled dy to
	// the elements idx names, then BatchNormBackward; dy is left as it
	// was, and dx must not alias x, idx or dy.
	BatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma *Tensor, k int) error
}

// CheckBatchNormReLUPoolTrain validates BatchNormReLUPoolTrain's
// arguments: those of BatchNormTrain but y, then y as MaxPool2D's output
// of x, and idx I32 of y's shape.
func CheckBatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec, k int) error {
	const op = "batchnorm_relu_pool_train"
	if err := CheckBatchNormTrain(x, mean, invStd, x, gamma, beta, runMean, runVar, s); err != nil {
		return err
	}
	if err := CheckMaxPool2D(op, x, y, k); err != nil {
		return err
	}
	return needShape(op, "idx", idx, I32, y.shape)
}

// CheckBatchNormReLUPoolEval validates BatchNormReLUPoolEval's
// arguments: those of BatchNormEval but y, then y as MaxPool2D's output
// of x.
func CheckBatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec, k int) error {
	if err := CheckBatchNormEval(x, x, gamma, beta, runMean, runVar, s); err != nil {
		return err
	}
	return CheckMaxPool2D("batchnorm_relu_pool_eval", x, y, k)
}

// CheckBatchNormReLUPoolBackward validates BatchNormReLUPoolBackward's
// arguments: those of BatchNormBackward but dy, then dy as MaxPool2D's
// output of x, and idx I32 of dy's shape.
func CheckBatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma *Tensor, k int) error {
	const op = "batchnorm_relu_pool_backward"
	if err := CheckBatchNormBackward(dx, dgamma, dbeta, x, x, mean, invStd, gamma); err != nil {
		return err
	}
	if err := CheckMaxPool2D(op, x, dy, k); err != nil {
		return err
	}
	return needShape(op, "idx", idx, I32, dy.shape)
}
