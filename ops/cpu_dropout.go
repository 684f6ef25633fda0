package ops

// Dropout writes y = x * mask * 1/(1-p).
func (c *CPU) Dropout(y, x *Tensor, s DropoutSpec) error {
	if err := c.mine("Dropout", y, x); err != nil {
		return err
	}
	if err := CheckDropout("dropout", x, y, s); err != nil {
		return err
	}
	c.dropout(f32(y), f32(x), s)
	return nil
}

// DropoutBackward writes dx = dy * mask * 1/(1-p).
func (c *CPU) DropoutBackward(dx, dy *Tensor, s DropoutSpec) error {
	if err := c.mine("DropoutBackward", dx, dy); err != nil {
		return err
	}
	if err := CheckDropout("dropout_backward", dy, dx, s); err != nil {
		return err
	}
	c.dropout(f32(dx), f32(dy), s)
	return nil
}

// dropout writes out = in * mask * 1/(1-p), the mask drawn from s.
func (c *CPU) dropout(out, in []float32, s DropoutSpec) {
	j := dropoutJob{
		out: out, in: in,
		key: DropoutStepKey(s.Seed, s.Step), thr: DropoutThreshold(s.P), scale: DropoutScale(s.P),
	}
	dispatch(c, &c.jobs.dropout, j, len(out), c.elemChunk(len(out)))
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
