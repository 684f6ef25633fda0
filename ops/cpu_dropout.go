package ops

// Dropout writes y = x * mask * 1/(1-p).
func (c *CPU) Dropout(y, x *Tensor, s DropoutSpec) error {
	return c.dropout("dropout", y, x, s)
}

// DropoutBackward writes dx = dy * mask * 1/(1-p).
func (c *CPU) DropoutBackward(dx, dy *Tensor, s DropoutSpec) error {
	return c.dropout("dropout_backward", dx, dy, s)
}

// dropout checks out and in and writes out = in * mask * 1/(1-p), the
// mask drawn from s: Dropout and DropoutBackward are the same operation.
func (c *CPU) dropout(op string, out, in *Tensor, s DropoutSpec) error {
	if err := c.mine(op, out, in); err != nil {
		return err
	}
	if err := CheckDropout(op, in, out, s); err != nil {
		return err
	}
	o := f32(out)
	j := dropoutJob{
		out: o, in: f32(in),
		key: DropoutStepKey(s.Seed, s.Step), thr: DropoutThreshold(s.P), scale: DropoutScale(s.P),
	}
	dispatch(c, &c.jobs.dropout, j, len(o), c.elemChunk(len(o)))
	return nil
}

// dropoutJob writes out = in * scale where the element's hash, under the
// step key, clears the threshold, and 0 elsewhere.
type dropoutJob struct {
	out, in  []float32
	key, thr uint32
	scale    float32
}

// run masks elements [lo,hi); the mask depends on the global index.
func (j *dropoutJob) run(lo, hi int) {
	out, in := j.out[lo:hi], j.in[lo:hi]
	for i := range out {
		if DropoutKeep(mix32(j.key^uint32(lo+i)), j.thr) {
			out[i] = in[i] * j.scale
		} else {
			out[i] = 0
		}
	}
}
