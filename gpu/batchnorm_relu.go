package gpu

import "github.com/wgtrain/wgtrain/ops"

// The WebGPU backend's batch norm fused with the ReLU after it
// (ops.BatchNormReLUBackend): the forward is batchnorm.go's with the
// entry points train_relu and eval_relu of batchnorm_apply.wgsl, which
// write relu(y) (one dispatch fewer than batch norm then ReLU, and y is
// not read back); the backward masks dy by ReLU's gradient inside
// batchnorm_relu_grad.wgsl's partial sums, which also write the masked dy
// to dx, where batchnorm_grad.wgsl's finish and batchnorm_dx.wgsl (in
// place) read it: one dispatch fewer than ReLUBackward then
// BatchNormBackward, with the same arithmetic, so the same bits.

var _ ops.BatchNormReLUBackend = (*Backend)(nil)

// BatchNormReLUTrain writes y = relu(BatchNormTrain's y) and does the
// rest of BatchNormTrain.
func (g *Backend) BatchNormReLUTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return g.batchNormTrain("batchnorm_relu_train", "batchnorm_apply:train_relu", y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

// BatchNormReLUEval writes y = relu(BatchNormEval's y).
func (g *Backend) BatchNormReLUEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	return g.batchNormEval("batchnorm_relu_eval", "batchnorm_apply:eval_relu", y, x, gamma, beta, runMean, runVar, s)
}

// BatchNormReLUBackward writes BatchNormBackward's gradients for dy
// masked by ReLU's gradient at the fused forward's output y, in three
// dispatches (and the partial pass once per slice of a batch too large
// for one binding): the masked partial sums, which write the masked dy to
// dx; the per-channel finish, which writes dgamma and dbeta; and dx in
// place.
func (g *Backend) BatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *ops.Tensor) error {
	const op = "batchnorm_relu_backward"
	checked := ops.CheckBatchNormReLUBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma)
	bs, done, err := g.begin(op, checked, dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma)
	if err != nil {
		return err
	}
	defer done()
	bdx, bdg, bdb, bx, by, bdy, bmean, binv, bgamma := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7], bs[8]
	batch, n := x.Shape()[0], x.Numel()
	item := n / batch
	per, err := g.batchChunk(op, batch, item)
	if err != nil {
		return err
	}
	l := g.bnLayout(x, per)
	c := int(l.C)
	slice := func(b0, nb int) []binding {
		m := nb * item
		return []binding{in(bx, n).slice(b0*item, m), in(bdy, n).slice(b0*item, m), in(by, n).slice(b0*item, m),
			in(bmean, c), in(binv, c), out(bdx, n).slice(b0*item, m)}
	}
	// batchnorm_grad:finish binds x, dy, mean and invStd before its
	// scratch and reads none of them; dy is the masked one, in dx.
	first := min(per, batch) * item
	finishIn := []binding{in(bx, n).slice(0, first), in(bdx, n).slice(0, first), in(bmean, c), in(binv, c)}
	if err := g.bnReduce(op, "batchnorm_relu_grad:partial", "batchnorm_grad:finish", &l, batch, per, 6*float64(n), 2*float64(c*int(l.Parts)),
		slice, finishIn, []binding{out(bdg, c), out(bdb, c)}); err != nil {
		return err
	}
	return g.bnDx(op, &l, batch, per, item, bdx, bx, bdx, bmean, binv, bgamma, bdg, bdb)
}
