package ops

// The CPU backend's fused batch norm, ReLU and max pooling
// (BatchNormReLUPoolBackend): cpu_batchnorm_relu.go's fused batch norm
// and ReLU into scratch of x's size (cpu_scratch.go: a training step
// allocates nothing), then the pooling of cpu_maxpool.go with each
// window's winner recorded in idx; the
// backward routes the pooled dy through idx into dx and runs batch
// norm's backward on it in place. The arithmetic is the unfused
// composition's, so the results are bit for bit the same.

var _ BatchNormReLUPoolBackend = (*CPU)(nil)

// BatchNormReLUPoolTrain writes y = maxpool(relu(BatchNormTrain's y)),
// idx, and does the rest of BatchNormTrain.
func (c *CPU) BatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec, k int) error {
	const op = "batchnorm_relu_pool_train"
	if err := c.mine(op, y, idx, mean, invStd, x, gamma, beta, runMean, runVar); err != nil {
		return err
	}
	if err := CheckBatchNormReLUPoolTrain(y, idx, mean, invStd, x, gamma, beta, runMean, runVar, s, k); err != nil {
		return err
	}
	full := getScratch(x.Numel())
	defer putScratch(full)
	c.batchNormTrainInto(full.buf, true, mean, invStd, x, gamma, beta, runMean, runVar, s)
	j := poolIdxJob{xs: full.buf, ys: f32(y), idx: i32(idx), h: x.shape[2], w: x.shape[3], oh: y.shape[2], ow: y.shape[3], k: k}
	planes := x.shape[0] * x.shape[1]
	dispatch(c, &c.jobs.poolIdx, j, planes, c.perWorker(planes))
	return nil
}

// BatchNormReLUPoolEval writes y = maxpool(relu(BatchNormEval's y)).
func (c *CPU) BatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec, k int) error {
	const op = "batchnorm_relu_pool_eval"
	if err := c.mine(op, y, x, gamma, beta, runMean, runVar); err != nil {
		return err
	}
	if err := CheckBatchNormReLUPoolEval(y, x, gamma, beta, runMean, runVar, s, k); err != nil {
		return err
	}
	full := getScratch(x.Numel())
	defer putScratch(full)
	c.batchNormEvalInto(full.buf, true, x, gamma, beta, runMean, runVar, s)
	j := maxPoolJob{xs: full.buf, ys: f32(y), h: x.shape[2], w: x.shape[3], oh: y.shape[2], ow: y.shape[3], k: k}
	planes := x.shape[0] * x.shape[1]
	dispatch(c, &c.jobs.maxPool, j, planes, c.perWorker(planes))
	return nil
}

// BatchNormReLUPoolBackward writes BatchNormBackward's gradients for the
// pooled dy routed to the elements idx names (0 elsewhere), which go
// through dx.
func (c *CPU) BatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma *Tensor, k int) error {
	const op = "batchnorm_relu_pool_backward"
	if err := c.mine(op, dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma); err != nil {
		return err
	}
	if err := CheckBatchNormReLUPoolBackward(dx, dgamma, dbeta, x, idx, dy, mean, invStd, gamma, k); err != nil {
		return err
	}
	j := unpoolJob{dxs: f32(dx), dys: f32(dy), idx: i32(idx), h: x.shape[2], w: x.shape[3], oh: dy.shape[2], ow: dy.shape[3], k: k}
	planes := x.shape[0] * x.shape[1]
	dispatch(c, &c.jobs.unpool, j, planes, c.perWorker(planes))
	c.batchNormBackward(dx, dgamma, dbeta, x, nil, dx, mean, invStd, gamma)
	return nil
}

// poolIdxJob pools the (sample, channel) planes [lo,hi) of xs (h x w, the
// ReLU's output) into ys (oh x ow) as MaxPool2D does, and writes each
// window's winner into idx: its row-major offset in the window when it
// is positive or NaN, else -1.
type poolIdxJob struct {
	xs, ys          []float32
	idx             []int32
	h, w, oh, ow, k int
}

// run pools planes [lo,hi).
func (j *poolIdxJob) run(lo, hi int) {
	h, w, oh, ow, k := j.h, j.w, j.oh, j.ow, j.k
	for p := lo; p < hi; p++ {
		in := j.xs[p*h*w : (p+1)*h*w]
		for oy := range oh {
			for ox := range ow {
				at := -1
				if k == 2 {
					at = argmax4(in[2*oy*w+2*ox], in[2*oy*w+2*ox+1], in[(2*oy+1)*w+2*ox], in[(2*oy+1)*w+2*ox+1])
				}
				if at < 0 {
					q := windowArgmax(in, w, oy*k, ox*k, k)
					at = (q/w-oy*k)*k + q%w - ox*k
				}
				v := in[(oy*k+at/k)*w+ox*k+at%k]
				o := p*oh*ow + oy*ow + ox
				j.ys[o] = v
				if v > 0 || v != v {
					j.idx[o] = int32(at)
				} else {
					j.idx[o] = -1
				}
			}
		}
	}
}

// unpoolJob writes the planes [lo,hi) of dxs (h x w): each window's dy
// at the offset idx names, 0 elsewhere (and outside every whole window).
type unpoolJob struct {
	dxs, dys        []float32
	idx             []int32
	h, w, oh, ow, k int
}

// run routes the gradients of planes [lo,hi).
func (j *unpoolJob) run(lo, hi int) {
	h, w, oh, ow, k := j.h, j.w, j.oh, j.ow, j.k
	for p := lo; p < hi; p++ {
		g := j.dxs[p*h*w : (p+1)*h*w]
		clear(g)
		for oy := range oh {
			for ox := range ow {
				o := p*oh*ow + oy*ow + ox
				if at := int(j.idx[o]); at >= 0 && at < k*k {
					g[(oy*k+at/k)*w+ox*k+at%k] = j.dys[o]
				}
			}
		}
	}
}
