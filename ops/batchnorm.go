package ops

// BatchNormSpec holds batch norm's epsilon and running-average momentum.
type BatchNormSpec struct {
	Eps      float32 // added to the variance before its square root
	Momentum float32 // weight of the batch statistics in the running ones
}

// DefaultBatchNorm is PyTorch's BatchNorm2d default: eps 1e-5, momentum 0.1.
var DefaultBatchNorm = BatchNormSpec{Eps: 1e-5, Momentum: 0.1}

// CheckBatchNormTrain validates BatchNormTrain's arguments: x and y NCHW
// of one shape, mean, inv_std, gamma, beta, running_mean and running_var
// [C] (checked in that order), the spec, and more than one value per
// channel.
func CheckBatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	const op = "batchnorm_train"
	if err := checkBatchNorm(op, x, y, s,
		namedTensor{"mean", mean}, namedTensor{"inv_std", invStd}, namedTensor{"gamma", gamma},
		namedTensor{"beta", beta}, namedTensor{"running_mean", runMean}, namedTensor{"running_var", runVar},
	); err != nil {
		return err
	}
	if count := x.shape[0] * x.shape[2] * x.shape[3]; count < 2 {
		return errf(op, "x %s has %d value per channel; training needs more than 1", x, count)
	}
	return nil
}

// CheckBatchNormEval validates BatchNormEval's arguments: x and y NCHW of
// one shape, gamma, beta, running_mean and running_var [C], the spec.
func CheckBatchNormEval(y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	return checkBatchNorm("batchnorm_eval", x, y, s,
		namedTensor{"gamma", gamma}, namedTensor{"beta", beta},
		namedTensor{"running_mean", runMean}, namedTensor{"running_var", runVar},
	)
}

// CheckBatchNormBackward validates BatchNormBackward's arguments: x and dx
// NCHW of one shape, dgamma, dbeta, mean, inv_std and gamma [C], and dy of
// x's shape.
func CheckBatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma *Tensor) error {
	const op = "batchnorm_backward"
	if err := checkBatchNorm(op, x, dx, DefaultBatchNorm,
		namedTensor{"dgamma", dgamma}, namedTensor{"dbeta", dbeta}, namedTensor{"mean", mean},
		namedTensor{"inv_std", invStd}, namedTensor{"gamma", gamma},
	); err != nil {
		return err
	}
	return needShape(op, "dy", dy, F32, x.shape)
}

// namedTensor is a tensor argument with the name error messages give it.
type namedTensor struct {
	name string
	t    *Tensor
}

// checkBatchNorm checks x, y, every per-channel tensor [C] in the order
// given (a nil one is an error) and the spec; it allocates nothing.
func checkBatchNorm(op string, x, y *Tensor, s BatchNormSpec, perChannel ...namedTensor) error {
	if err := need(op, "x", x, F32, 4); err != nil {
		return err
	}
	if err := needShape(op, "y", y, F32, x.shape); err != nil {
		return err
	}
	c := Shape{x.shape[1]}
	for _, p := range perChannel {
		if err := needShape(op, p.name, p.t, F32, c); err != nil {
			return err
		}
	}
	if !(s.Eps > 0) || s.Momentum < 0 || s.Momentum > 1 {
		return errf(op, "eps %g and momentum %g: want eps > 0 and momentum in [0,1]", s.Eps, s.Momentum)
	}
	return nil
}
