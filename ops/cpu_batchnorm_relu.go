package ops

// The CPU backend's fused batch norm and ReLU (BatchNormReLUBackend): the
// batch-norm kernels of cpu_batchnorm.go with ReLU's kernels of
// cpu_relu.go run on each (sample, channel) plane while it is in cache,
// so that the results are bit for bit those of the unfused composition.

var _ BatchNormReLUBackend = (*CPU)(nil)

// BatchNormReLUTrain writes y = relu(BatchNormTrain's y) and does the
// rest of BatchNormTrain.
func (c *CPU) BatchNormReLUTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	return c.batchNormTrain("batchnorm_relu_train", true, y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

// BatchNormReLUEval writes y = relu(BatchNormEval's y).
func (c *CPU) BatchNormReLUEval(y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	return c.batchNormEval("batchnorm_relu_eval", true, y, x, gamma, beta, runMean, runVar, s)
}

// BatchNormReLUBackward writes BatchNormBackward's gradients for dy
// masked by ReLU's gradient at the fused forward's output y; the masked
// dy goes through dx, which must not alias x, y or dy.
func (c *CPU) BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *Tensor) error {
	const op = "batchnorm_relu_backward"
	if err := c.mine(op, dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma); err != nil {
		return err
	}
	if err := CheckBatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma); err != nil {
		return err
	}
	c.batchNormBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma)
	return nil
}
