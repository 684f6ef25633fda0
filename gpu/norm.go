package gpu

import "github.com/wgtrain/wgtrain/ops"

// BatchNormTrain normalizes with batch statistics.
func (g *Backend) BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return notYet("batchnorm")
}

// BatchNormEval normalizes with running statistics.
func (g *Backend) BatchNormEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return notYet("batchnorm_eval")
}

// BatchNormBackward writes dx, dgamma and dbeta.
func (g *Backend) BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma *ops.Tensor) error {
	return notYet("batchnorm_backward")
}
