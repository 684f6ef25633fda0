package gpu

import "github.com/wgtrain/wgtrain/ops"

// bnChunk is the number of values of one channel that one workgroup of a
// batch norm reduction takes (16 per invocation); a channel with more
// values is split into chunks whose partial results a second dispatch
// combines, so that large batches keep many workgroups busy.
const bnChunk = 16 * 256

// bnLayout returns the channel count, the values per plane and per
// channel of x [N,C,H,W], and how the per-channel reductions split each
// channel: chunk values per workgroup, parts workgroups per channel.
func (g *Backend) bnLayout(x *ops.Tensor) (c, hw, count, chunk, parts int) {
	s := x.Shape()
	c, hw = s[1], s[2]*s[3]
	count = s[0] * hw
	chunk = bnChunk
	maxParts := int(g.d.limits.MaxComputeWorkgroupsPerDimension)
	if maxParts <= 0 || maxParts > 65535 {
		maxParts = 65535
	}
	if parts = (count + chunk - 1) / chunk; parts > maxParts {
		chunk = (count + maxParts - 1) / maxParts
		parts = (count + chunk - 1) / chunk
	}
	return c, hw, count, chunk, parts
}

// BatchNormTrain normalizes with batch statistics (biased variance),
// saves mean and 1/sqrt(var+eps), and updates the running statistics with
// the unbiased variance, as PyTorch's BatchNorm2d does in training mode.
// The statistics come from two reduction dispatches (chunk mean and
// squared deviations, then a fixed-order pairwise merge per channel); a
// third dispatch writes y.
func (g *Backend) BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	const op = "batchnorm_train"
	if err := ops.CheckBatchNorm(op, x, y, map[string]*ops.Tensor{
		"mean": mean, "inv_std": invStd, "gamma": gamma, "beta": beta,
		"running_mean": runMean, "running_var": runVar,
	}, s); err != nil {
		return err
	}
	c, hw, count, chunk, parts := g.bnLayout(x)
	if count < 2 {
		return opErr(op, "x %s has %d value per channel; training needs more than 1", x, count)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, y, mean, invStd, x, gamma, beta, runMean, runVar)
	if err != nil {
		return err
	}
	by, bmean, binv, bx, bgamma, bbeta, brm, brv := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7]
	n := x.Numel()
	part, err := g.get(uint64(8 * c * parts))
	if err != nil {
		return opErr(op, "scratch for %d partial sums: %v", 2*c*parts, err)
	}
	defer g.put(part)
	params := []uint32{uint32(c), uint32(hw), uint32(count), uint32(chunk), uint32(parts), f32bits(s.Eps), f32bits(s.Momentum)}
	if err := g.dispatch(op, "batchnorm_stats:partial", params, uint32(parts), uint32(c), 4*float64(n),
		in(bx, n), out(part, 2*c*parts)); err != nil {
		return err
	}
	if err := g.dispatch(op, "batchnorm_stats:finish", params, uint32(c), 1, 8*float64(c*parts),
		in(bx, n), in(part, 2*c*parts), out(bmean, c), out(binv, c), in(brm, c), in(brv, c)); err != nil {
		return err
	}
	wx, wy, row := g.grid(n, 256)
	return g.dispatch(op, "batchnorm_apply:train", []uint32{uint32(n), row, uint32(c), uint32(hw), 0}, wx, wy, 3*float64(n),
		out(by, n), in(bx, n), in(bmean, c), in(binv, c), in(bgamma, c), in(bbeta, c))
}

// BatchNormEval normalizes with the running statistics.
func (g *Backend) BatchNormEval(y, x, gamma, beta, runMean, runVar *ops.Tensor, s ops.BatchNormSpec) error {
	const op = "batchnorm_eval"
	if err := ops.CheckBatchNorm(op, x, y, map[string]*ops.Tensor{
		"gamma": gamma, "beta": beta, "running_mean": runMean, "running_var": runVar,
	}, s); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, y, x, runMean, runVar, gamma, beta)
	if err != nil {
		return err
	}
	xs := x.Shape()
	c, hw, n := xs[1], xs[2]*xs[3], x.Numel()
	wx, wy, row := g.grid(n, 256)
	return g.dispatch(op, "batchnorm_apply:eval", []uint32{uint32(n), row, uint32(c), uint32(hw), f32bits(s.Eps)}, wx, wy, 3*float64(n),
		out(bs[0], n), in(bs[1], n), in(bs[2], c), in(bs[3], c), in(bs[4], c), in(bs[5], c))
}

// BatchNormBackward writes the training-mode gradients from the saved
// mean and invStd: dgamma = sum(dy*xhat) and dbeta = sum(dy) by two
// reduction dispatches (chunk tree sums, then a fixed-order sum per
// channel), then dx = gamma*invStd/m * (m*dy - dbeta - xhat*dgamma), with
// m the number of values per channel.
func (g *Backend) BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma *ops.Tensor) error {
	const op = "batchnorm_backward"
	if err := ops.CheckBatchNorm(op, x, dx, map[string]*ops.Tensor{
		"dgamma": dgamma, "dbeta": dbeta, "mean": mean, "inv_std": invStd, "gamma": gamma,
	}, ops.DefaultBatchNorm); err != nil {
		return err
	}
	// The CPU backend's check of dy, with its messages.
	if err := ops.CheckSame(op, []string{"x", "dy"}, x, dy); err != nil {
		return err
	}
	c, hw, count, chunk, parts := g.bnLayout(x)
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, dx, dgamma, dbeta, x, dy, mean, invStd, gamma)
	if err != nil {
		return err
	}
	bdx, bdg, bdb, bx, bdy, bmean, binv, bgamma := bs[0], bs[1], bs[2], bs[3], bs[4], bs[5], bs[6], bs[7]
	n := x.Numel()
	part, err := g.get(uint64(8 * c * parts))
	if err != nil {
		return opErr(op, "scratch for %d partial sums: %v", 2*c*parts, err)
	}
	defer g.put(part)
	params := []uint32{uint32(c), uint32(hw), uint32(count), uint32(chunk), uint32(parts)}
	if err := g.dispatch(op, "batchnorm_grad:partial", params, uint32(parts), uint32(c), 5*float64(n),
		in(bx, n), in(bdy, n), in(bmean, c), in(binv, c), out(part, 2*c*parts)); err != nil {
		return err
	}
	if err := g.dispatch(op, "batchnorm_grad:finish", params, uint32(c), 1, 2*float64(c*parts),
		in(bx, n), in(bdy, n), in(bmean, c), in(binv, c), in(part, 2*c*parts), out(bdg, c), out(bdb, c)); err != nil {
		return err
	}
	wx, wy, row := g.grid(n, 256)
	return g.dispatch(op, "batchnorm_dx", []uint32{uint32(n), row, uint32(c), uint32(hw), f32bits(float32(count))}, wx, wy, 8*float64(n),
		out(bdx, n), in(bx, n), in(bdy, n), in(bmean, c), in(binv, c), in(bgamma, c), in(bdg, c), in(bdb, c))
}
