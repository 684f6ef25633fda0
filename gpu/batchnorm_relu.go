package gpu

import "github.com/wgtrain/wgtrain/ops"

// The WebGPU backend's batch norm fused with the ReLU after it
// (ops.BatchNormReLUBackend): the forward is batchnorm.go's with the
// entry points apply_relu of batchnorm_train.wgsl and eval_relu of
// batchnorm_apply.wgsl, which write relu(y) (one dispatch fewer than
// batch norm then ReLU, and y is not read back); the backward masks dy by
// ReLU's gradient inside batchnorm_relu_grad.wgsl's partial sums, which
// also write the masked dy to dx, where batchnorm_dx.wgsl reads it (in
// place): one dispatch fewer than ReLUBackward then BatchNormBackward,
// with the same arithmetic, so the same bits.

var _ ops.BatchNormReLUBackend = (*Backend)(nil)

// BatchNormReLUTrain writes y = relu(BatchNormTrain's y) and does the
// rest of BatchNormTrain.
func (g *Backend) BatchNormReLUTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return g.batchNormTrain("batchnorm_relu_train", "batchnorm_train:apply_relu", y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

// BatchNormReLUEval writes y = relu(BatchNormEval's y).
func (g *Backend) BatchNormReLUEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return g.batchNormEval("batchnorm_relu_eval", "batchnorm_apply:eval_relu", y, x, gamma, beta, runMean, runVar, s)
}

// BatchNormReLUBackward writes BatchNormBackward's gradients for dy
// masked by ReLU's gradient at the fused forward's output y, in two
// dispatches (each once per slice of a batch too large for one binding):
// the masked partial sums, which write the masked dy to dx; and
// batchnorm_dx, which combines the sums, writes dgamma and dbeta, and dx
// in place.
func (g *Backend) BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *ops.Tensor) error {
	const op = "batchnorm_relu_backward"
	checked := ops.CheckBatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma)
	bs, done, err := g.begin(op, checked, dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma)
	if err != nil {
		return err
	}
	defer done()
	bdx, bdg, bdb, bx, by, bdy, bmean, binv, bgamma := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7], bs[8]
	n, c := x.Numel(), dgamma.Numel()
	return g.bnBackward(op, "batchnorm_relu_grad:partial", x, func(b0, m int) []binding {
		return []binding{in(bx, n).slice(b0, m), in(bdy, n).slice(b0, m), in(by, n).slice(b0, m),
			in(bmean, c), in(binv, c), out(bdx, n).slice(b0, m)}
	}, bdx, bdx, bx, bmean, binv, bgamma, bdg, bdb, 6)
}
