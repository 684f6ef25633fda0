package ops

import "math"

// The batch-norm kernels work on (sample, channel) planes of h*w values,
// spread over the cores. Each per-channel reduction is a sum of per-plane
// partial sums: every plane is summed in one fixed order (sumF64 and
// friends), and the planes of a channel are then added in sample order, so
// that results do not depend on the number of cores.

// BatchNormTrain normalizes with batch statistics (biased variance), saves
// mean and 1/sqrt(var+eps), and updates the running statistics with the
// unbiased variance, as PyTorch's BatchNorm2d does in training mode.
func (c *CPU) BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	if err := c.mine("BatchNormTrain", y, mean, invStd, x, gamma, beta, runMean, runVar); err != nil {
		return err
	}
	const op = "batchnorm_train"
	if err := CheckBatchNorm(op, x, y, map[string]*Tensor{
		"mean": mean, "inv_std": invStd, "gamma": gamma, "beta": beta,
		"running_mean": runMean, "running_var": runVar,
	}, s); err != nil {
		return err
	}
	n, ch, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	count := n * hw
	if count < 2 {
		return errf(op, "x %s has %d value per channel; training needs more than 1", x, count)
	}
	xs, ys := f32(x), f32(y)
	ms, is, gs, bs, rm, rv := f32(mean), f32(invStd), f32(gamma), f32(beta), f32(runMean), f32(runVar)
	planes := n * ch
	buf := getF64(planes + 3*ch)
	defer putF64(buf)
	part, mu := (*buf)[:planes], (*buf)[planes:planes+ch]
	scale, shift := (*buf)[planes+ch:planes+2*ch], (*buf)[planes+2*ch:]
	c.planes(planes, hw, func(p int) { part[p] = sumF64(xs[p*hw : (p+1)*hw]) })
	for k := range ch {
		mu[k] = sumChannel(part, n, ch, k) / float64(count)
	}
	c.planes(planes, hw, func(p int) { part[p] = sumSqDevF64(xs[p*hw:(p+1)*hw], mu[p%ch]) })
	m := float64(s.Momentum)
	for k := range ch {
		sq := sumChannel(part, n, ch, k)
		inv := 1 / math.Sqrt(sq/float64(count)+float64(s.Eps))
		ms[k], is[k] = float32(mu[k]), float32(inv)
		scale[k] = float64(gs[k]) * inv
		shift[k] = float64(bs[k]) - mu[k]*scale[k]
		unbiased := sq / float64(count-1)
		rm[k] = float32((1-m)*float64(rm[k]) + m*mu[k])
		rv[k] = float32((1-m)*float64(rv[k]) + m*unbiased)
	}
	c.planes(planes, hw, func(p int) {
		affineF32(ys[p*hw:(p+1)*hw], xs[p*hw:(p+1)*hw], scale[p%ch], shift[p%ch])
	})
	return nil
}

// BatchNormEval normalizes with the running statistics.
func (c *CPU) BatchNormEval(y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	if err := c.mine("BatchNormEval", y, x, gamma, beta, runMean, runVar); err != nil {
		return err
	}
	if err := CheckBatchNorm("batchnorm_eval", x, y, map[string]*Tensor{
		"gamma": gamma, "beta": beta, "running_mean": runMean, "running_var": runVar,
	}, s); err != nil {
		return err
	}
	n, ch, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	xs, ys := f32(x), f32(y)
	gs, bs, rm, rv := f32(gamma), f32(beta), f32(runMean), f32(runVar)
	buf := getF64(2 * ch)
	defer putF64(buf)
	scale, shift := (*buf)[:ch], (*buf)[ch:]
	for k := range ch {
		inv := 1 / math.Sqrt(float64(rv[k])+float64(s.Eps))
		scale[k] = float64(gs[k]) * inv
		shift[k] = float64(bs[k]) - float64(rm[k])*scale[k]
	}
	c.planes(n*ch, hw, func(p int) {
		affineF32(ys[p*hw:(p+1)*hw], xs[p*hw:(p+1)*hw], scale[p%ch], shift[p%ch])
	})
	return nil
}

// BatchNormBackward writes the training-mode gradients:
// dx = gamma*invStd/m * (m*dy - sum(dy) - xhat*sum(dy*xhat)), with m the
// number of values per channel, dgamma = sum(dy*xhat), dbeta = sum(dy).
func (c *CPU) BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma *Tensor) error {
	if err := c.mine("BatchNormBackward", dx, dgamma, dbeta, x, dy, mean, invStd, gamma); err != nil {
		return err
	}
	const op = "batchnorm_backward"
	if err := CheckBatchNorm(op, x, dx, map[string]*Tensor{
		"dgamma": dgamma, "dbeta": dbeta, "mean": mean, "inv_std": invStd, "gamma": gamma,
	}, DefaultBatchNorm); err != nil {
		return err
	}
	if err := needShape(op, "dy", dy, F32, x.shape); err != nil {
		return err
	}
	n, ch, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	count := float64(n * hw)
	xs, dys, dxs := f32(x), f32(dy), f32(dx)
	ms, is, gs, dgs, dbs := f32(mean), f32(invStd), f32(gamma), f32(dgamma), f32(dbeta)
	planes := n * ch
	buf := getF64(2*planes + 3*ch)
	defer putF64(buf)
	pdy, pdyx := (*buf)[:planes], (*buf)[planes:2*planes]
	a, b, d := (*buf)[2*planes:2*planes+ch], (*buf)[2*planes+ch:2*planes+2*ch], (*buf)[2*planes+2*ch:]
	c.planes(planes, hw, func(p int) {
		pdy[p], pdyx[p] = sumDyDev(dys[p*hw:(p+1)*hw], xs[p*hw:(p+1)*hw], float64(ms[p%ch]))
	})
	// dx = a*dy + b + d*(x-mu) per channel.
	for k := range ch {
		inv := float64(is[k])
		sdy := sumChannel(pdy, n, ch, k)
		sdyx := sumChannel(pdyx, n, ch, k) * inv
		dgs[k], dbs[k] = float32(sdyx), float32(sdy)
		f := float64(gs[k]) * inv / count
		a[k], b[k], d[k] = f*count, -f*sdy, -f*sdyx*inv
	}
	c.planes(planes, hw, func(p int) {
		k := p % ch
		bnBackF32(dxs[p*hw:(p+1)*hw], dys[p*hw:(p+1)*hw], xs[p*hw:(p+1)*hw], float64(ms[k]), a[k], b[k], d[k])
	})
	return nil
}

// sumChannel adds the per-plane partial sums of channel k in sample order.
func sumChannel(part []float64, n, ch, k int) float64 {
	var s float64
	for i := range n {
		s += part[i*ch+k]
	}
	return s
}
