package ops

import "math"

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
	c.parallel(ch, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			var sum float64
			for i := 0; i < n; i++ {
				for _, v := range xs[(i*ch+k)*hw : (i*ch+k+1)*hw] {
					sum += float64(v)
				}
			}
			mu := sum / float64(count)
			var sq float64
			for i := 0; i < n; i++ {
				for _, v := range xs[(i*ch+k)*hw : (i*ch+k+1)*hw] {
					d := float64(v) - mu
					sq += d * d
				}
			}
			variance := sq / float64(count)
			inv := 1 / math.Sqrt(variance+float64(s.Eps))
			ms[k], is[k] = float32(mu), float32(inv)
			scale := float64(gs[k]) * inv
			shift := float64(bs[k]) - mu*scale
			for i := 0; i < n; i++ {
				off := (i*ch + k) * hw
				for j, v := range xs[off : off+hw] {
					ys[off+j] = float32(float64(v)*scale + shift)
				}
			}
			m := float64(s.Momentum)
			unbiased := sq / float64(count-1)
			rm[k] = float32((1-m)*float64(rm[k]) + m*mu)
			rv[k] = float32((1-m)*float64(rv[k]) + m*unbiased)
		}
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
	for k := 0; k < ch; k++ {
		inv := 1 / math.Sqrt(float64(rv[k])+float64(s.Eps))
		scale := float64(gs[k]) * inv
		shift := float64(bs[k]) - float64(rm[k])*scale
		for i := 0; i < n; i++ {
			off := (i*ch + k) * hw
			for j, v := range xs[off : off+hw] {
				ys[off+j] = float32(float64(v)*scale + shift)
			}
		}
	}
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
	c.parallel(ch, func(lo, hi int) {
		for k := lo; k < hi; k++ {
			mu, inv := float64(ms[k]), float64(is[k])
			var sdy, sdyx float64
			for i := 0; i < n; i++ {
				off := (i*ch + k) * hw
				for j, g := range dys[off : off+hw] {
					sdy += float64(g)
					sdyx += float64(g) * (float64(xs[off+j]) - mu) * inv
				}
			}
			dgs[k], dbs[k] = float32(sdyx), float32(sdy)
			f := float64(gs[k]) * inv / count
			for i := 0; i < n; i++ {
				off := (i*ch + k) * hw
				for j, g := range dys[off : off+hw] {
					xhat := (float64(xs[off+j]) - mu) * inv
					dxs[off+j] = float32(f * (count*float64(g) - sdy - xhat*sdyx))
				}
			}
		}
	})
	return nil
}
