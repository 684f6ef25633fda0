package gpu

import "github.com/wgtrain/wgtrain/ops"

// The WebGPU backend's batch norm fused with the ReLU and the k x k max
// pooling after it (ops.BatchNormReLUPoolBackend). The training forward
// is batchnorm.go's two passes with batchnorm_relu_pool.wgsl as the
// second, which writes the pooled output and idx, not the
// full-resolution activation (one dispatch fewer than BatchNormReLUTrain
// then MaxPool2D, and that activation is neither written nor read back);
// evaluation is batchnorm_apply.wgsl's eval_relu_pool, one dispatch. The
// backward is two passes, batchnorm_pool_grad.wgsl and
// batchnorm_pool_dx.wgsl, which both compute each value's gradient from
// the pooled dy and idx instead of reading a full-resolution one: one
// dispatch fewer than MaxPool2DBackward then BatchNormReLUBackward.

var _ ops.BatchNormReLUPoolBackend = (*Backend)(nil)

// BatchNormReLUPoolTrain writes y = maxpool(relu(BatchNormTrain's y)) and
// idx, and does the rest of BatchNormTrain, in two dispatches (each once
// per slice of a batch too large for one binding).
func (g *Backend) BatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec, k int) error {
	const op = "batchnorm_relu_pool_train"
	checked := ops.CheckBatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar, s, k)
	bs, done, err := g.begin(op, checked, y, idx, mean, invStd, x, gamma, beta, runMean, runVar)
	if err != nil {
		return err
	}
	defer done()
	by, bidx, bmean, binv, bx, bgamma, bbeta, brm, brv := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7], bs[8]
	batch, n, ny := x.Shape()[0], x.Numel(), y.Numel()
	item, oitem := n/batch, ny/batch
	per, err := g.batchChunk(op, batch, item, oitem)
	if err != nil {
		return err
	}
	l := g.bnLayout(x, per)
	l.Eps, l.Momentum = s.Eps, s.Momentum
	l.W, l.K = uint32(x.Shape()[3]), uint32(k)
	c := int(l.C)
	merge := 8 * float64(c*int(l.Parts)) * float64(l.Parts)
	return g.bnPasses(op, [2]string{"batchnorm_stats:partial", "batchnorm_relu_pool:train"}, &l, batch, per, [2]float64{4 * float64(n), 4*float64(n) + merge},
		func(pass int, part binding, b0, nb int) []binding {
			xs := in(bx, n).slice(b0*item, nb*item)
			if pass == 0 {
				return []binding{xs, part, in(bgamma, c), in(bbeta, c)}
			}
			o, m := b0*oitem, nb*oitem
			return []binding{out(by, ny).slice(o, m), out(bidx, ny).slice(o, m), xs, part,
				out(bmean, c), out(binv, c), in(brm, c), in(brv, c)}
		})
}

// BatchNormReLUPoolEval writes y = maxpool(relu(BatchNormEval's y)), one
// invocation per pooled output.
func (g *Backend) BatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec, k int) error {
	const op = "batchnorm_relu_pool_eval"
	checked := ops.CheckBatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar, s, k)
	bs, done, err := g.begin(op, checked, y, x, runMean, runVar, gamma, beta)
	if err != nil {
		return err
	}
	defer done()
	xs := x.Shape()
	c, n, ny := xs[1], x.Numel(), y.Numel()
	item, oitem := n/xs[0], ny/xs[0]
	params := bnApplyParams{C: uint32(c), HW: uint32(xs[2] * xs[3]), W: uint32(xs[3]), K: uint32(k), Eps: s.Eps}
	return g.batchChunks(op, xs[0], []int{item, oitem}, func(b0, nb int) error {
		m := nb * oitem
		p := params
		return g.dispatchFlat(op, "batchnorm_apply:eval_relu_pool", m, 256, 4*float64(nb*item), &p,
			out(bs[0], ny).slice(b0*oitem, m), in(bs[1], n).slice(b0*item, nb*item), in(bs[2], c), in(bs[3], c), in(bs[4], c), in(bs[5], c))
	})
}

// BatchNormReLUPoolBackward writes BatchNormBackward's gradients for the
// pooled dy routed through idx, in two dispatches (each once per slice
// of a batch too large for one binding): the per-chunk sums, then
// batchnorm_pool_dx, which combines them, writes dgamma and dbeta, and
// dx.
func (g *Backend) BatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma *ops.Tensor, k int) error {
	const op = "batchnorm_relu_pool_backward"
	checked := ops.CheckBatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma, k)
	bs, done, err := g.begin(op, checked, dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma)
	if err != nil {
		return err
	}
	defer done()
	bdx, bdg, bdb, bx, bidx, bdy, bmean, binv, bgamma := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7], bs[8]
	batch, n, ny := x.Shape()[0], x.Numel(), dy.Numel()
	item, oitem := n/batch, ny/batch
	per, err := g.batchChunk(op, batch, item, oitem)
	if err != nil {
		return err
	}
	l := g.bnLayout(x, per)
	l.W, l.K = uint32(x.Shape()[3]), uint32(k)
	c := int(l.C)
	sums := 2 * float64(c*int(l.Parts)) * float64(l.Parts)
	return g.bnPasses(op, [2]string{"batchnorm_pool_grad:partial", "batchnorm_pool_dx"}, &l, batch, per, [2]float64{5 * float64(n), 8*float64(n) + sums},
		func(pass int, part binding, b0, nb int) []binding {
			o, m := b0*item, nb*item
			po, pm := b0*oitem, nb*oitem
			xs, dys, idxs := in(bx, n).slice(o, m), in(bdy, ny).slice(po, pm), in(bidx, ny).slice(po, pm)
			if pass == 0 {
				return []binding{xs, dys, idxs, in(bmean, c), in(binv, c), part, in(bgamma, c)}
			}
			return []binding{out(bdx, n).slice(o, m), xs, dys, idxs, part, out(bdg, c), out(bdb, c)}
		})
}
