package ops

// MaxPool2D writes the maximum of each k x k window (stride k); the first
// maximum in row-major order wins ties, as in PyTorch.
func (c *CPU) MaxPool2D(y, x *Tensor, k int) error {
	if err := c.mine("MaxPool2D", y, x); err != nil {
		return err
	}
	if err := CheckMaxPool2D("maxpool2d", x, y, k); err != nil {
		return err
	}
	j := maxPoolJob{xs: f32(x), ys: f32(y), h: x.shape[2], w: x.shape[3], oh: y.shape[2], ow: y.shape[3], k: k}
	planes := x.shape[0] * x.shape[1]
	dispatch(c, &c.jobs.pool, j, planes, c.perWorker(planes))
	return nil
}

// maxPoolJob writes the window maxima of the (sample, channel) planes
// [lo,hi) of MaxPool2D: h x w planes in xs, oh x ow planes in ys.
type maxPoolJob struct {
	xs, ys          []float32
	h, w, oh, ow, k int
}

// run pools planes [lo,hi): 2x2 windows on even-sized planes all at
// once in vector instructions where it can (maxPool2Vec), else plane by
// plane.
func (j *maxPoolJob) run(lo, hi int) {
	h, w, oh, ow, k := j.h, j.w, j.oh, j.ow, j.k
	if k == 2 && h%2 == 0 && w%2 == 0 && maxPool2Vec(j.ys[lo*oh*ow:hi*oh*ow], j.xs[lo*h*w:hi*h*w], (hi-lo)*h, w) {
		return
	}
	for p := lo; p < hi; p++ {
		in, out := j.xs[p*h*w:(p+1)*h*w], j.ys[p*oh*ow:(p+1)*oh*ow]
		if k == 2 {
			maxPool2Plane(out, in, w, oh, ow)
			continue
		}
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				out[oy*ow+ox] = in[windowArgmax(in, w, oy*k, ox*k, k)]
			}
		}
	}
}

// windowArgmax returns the flat index in a plane of width w of the first
// maximum of the k x k window whose top-left corner is (y0, x0).
func windowArgmax(plane []float32, w, y0, x0, k int) int {
	best := y0*w + x0
	for i := y0; i < y0+k; i++ {
		for j := x0; j < x0+k; j++ {
			if v := plane[i*w+j]; v > plane[best] || v != v { // NaN wins, as in PyTorch
				best = i*w + j
			}
		}
	}
	return best
}

// MaxPool2DBackward routes each window's gradient to its first maximum.
func (c *CPU) MaxPool2DBackward(dx, x, dy *Tensor, k int) error {
	if err := c.mine("MaxPool2DBackward", dx, x, dy); err != nil {
		return err
	}
	const op = "maxpool2d_backward"
	if err := CheckMaxPool2D(op, x, dy, k); err != nil {
		return err
	}
	if err := needShape(op, "dx", dx, F32, x.shape); err != nil {
		return err
	}
	j := maxPoolBackJob{xs: f32(x), dys: f32(dy), dxs: f32(dx), h: x.shape[2], w: x.shape[3], oh: dy.shape[2], ow: dy.shape[3], k: k}
	planes := x.shape[0] * x.shape[1]
	dispatch(c, &c.jobs.poolBack, j, planes, c.perWorker(planes))
	return nil
}

// maxPoolBackJob writes the input gradients of the (sample, channel)
// planes [lo,hi) of MaxPool2DBackward.
type maxPoolBackJob struct {
	xs, dys, dxs    []float32
	h, w, oh, ow, k int
}

// run routes the gradients of planes [lo,hi).
func (j *maxPoolBackJob) run(lo, hi int) {
	h, w, oh, ow, k := j.h, j.w, j.oh, j.ow, j.k
	for p := lo; p < hi; p++ {
		in, g := j.xs[p*h*w:(p+1)*h*w], j.dxs[p*h*w:(p+1)*h*w]
		up := j.dys[p*oh*ow : (p+1)*oh*ow]
		if k == 2 {
			maxPool2BackPlane(g, in, up, h, w, oh, ow)
			continue
		}
		clear(g)
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				g[windowArgmax(in, w, oy*k, ox*k, k)] = up[oy*ow+ox]
			}
		}
	}
}

// Linear writes y = x w^T + b.
func (c *CPU) Linear(y, x, w, b *Tensor) error {
	if err := c.mine("Linear", y, x, w, b); err != nil {
		return err
	}
	if err := CheckLinear("linear", x, w, b, y); err != nil {
		return err
	}
	n := x.shape[0]
	j := linearJob{xs: f32(x), ws: f32(w), ys: f32(y), bs: f32(b), in: x.shape[1], out: w.shape[0]}
	dispatch(c, &c.jobs.linear, j, n, c.perWorker(n))
	return nil
}

// linearJob writes rows [lo,hi) of Linear's output: each a dot product
// of an input row with every weight row, plus the bias (nil for none).
type linearJob struct {
	xs, ws, ys, bs []float32
	in, out        int
}

// run computes rows [lo,hi).
func (j *linearJob) run(lo, hi int) {
	in, out := j.in, j.out
	for i := lo; i < hi; i++ {
		row := j.xs[i*in : (i+1)*in]
		for o := 0; o < out; o++ {
			v := dot(row, j.ws[o*in:(o+1)*in])
			if j.bs != nil {
				v += j.bs[o]
			}
			j.ys[i*out+o] = v
		}
	}
}

// LinearBackward writes dx = dy w, dw = dy^T x and db = the column sums
// of dy; nil outputs are skipped.
func (c *CPU) LinearBackward(dx, dw, db, x, w, dy *Tensor) error {
	if err := c.mine("LinearBackward", dx, dw, db, x, w, dy); err != nil {
		return err
	}
	const op = "linear_backward"
	if err := CheckLinear(op, x, w, db, dy); err != nil {
		return err
	}
	if dx != nil {
		if err := needShape(op, "dx", dx, F32, x.shape); err != nil {
			return err
		}
	}
	if dw != nil {
		if err := needShape(op, "dw", dw, F32, w.shape); err != nil {
			return err
		}
	}
	n, in, out := x.shape[0], x.shape[1], w.shape[0]
	xs, ws, dys := f32(x), f32(w), f32(dy)
	if dx != nil {
		gemmNN(0, n, in, out, dys, ws, f32(dx))
	}
	if dw != nil {
		gemmTN(0, out, out, in, n, dys, xs, f32(dw))
	}
	if db != nil {
		dbs := f32(db)
		for o := 0; o < out; o++ {
			var s float64
			for i := 0; i < n; i++ {
				s += float64(dys[i*out+o])
			}
			dbs[o] = float32(s)
		}
	}
	return nil
}
