package ops

import "math"

// SGD applies one torch.optim.SGD step in place on p and buf.
func (c *CPU) SGD(p, g, buf *Tensor, s SGDSpec) error {
	if err := c.mine("sgd", p, g, buf, s.Guard); err != nil {
		return err
	}
	if err := CheckSGD(p, g, buf, s); err != nil {
		return err
	}
	if s.Guard != nil {
		if x := float64(f32(s.Guard)[0]); math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	pp := f32(p)
	j := sgdJob{p: pp, g: f32(g), b: f32(buf), k: s.Consts()}
	dispatch(c, &c.jobs.sgd, j, len(pp), c.elemChunk(len(pp)))
	return nil
}

// sgdJob applies one SGD step, with the constants k, to p and b.
type sgdJob struct {
	p, g, b []float32
	k       SGDConsts
}

// run updates elements [lo,hi) by SGDConsts.Update.
func (j *sgdJob) run(lo, hi int) {
	pp, gg, bb := j.p[lo:hi], j.g[lo:hi], j.b[lo:hi]
	gg, bb = gg[:len(pp)], bb[:len(pp)]
	for i := range pp {
		pp[i], bb[i] = j.k.Update(pp[i], gg[i], bb[i])
	}
}
