package ops

// Linear writes y = x w^T + b.
func (c *CPU) Linear(y, x, w, b *Tensor) error {
	const op = "linear"
	if err := c.mine(op, y, x, w, b); err != nil {
		return err
	}
	if err := CheckLinear(op, x, w, b, y); err != nil {
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

// dot returns the float32 sum of a[i]*b[i] in four interleaved partial
// sums, combined in a fixed order.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// LinearBackward writes dx = dy w, dw = dy^T x and db = the column sums
// of dy; nil outputs are skipped.
func (c *CPU) LinearBackward(dx, dw, db, x, w, dy *Tensor) error {
	const op = "linear_backward"
	if err := c.mine(op, dx, dw, db, x, w, dy); err != nil {
		return err
	}
	if err := CheckLinearBackward(dx, dw, db, x, w, dy); err != nil {
		return err
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
