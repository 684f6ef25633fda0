package ops

import "math"

// Adam applies one bias-corrected Adam step in place.
func (c *CPU) Adam(p, g, m, v *Tensor, s AdamSpec) error {
	if err := c.mine("adam", p, g, m, v, s.Guard); err != nil {
		return err
	}
	if err := CheckAdam(p, g, m, v, s); err != nil {
		return err
	}
	if s.Guard != nil {
		if x := float64(f32(s.Guard)[0]); math.IsNaN(x) || math.IsInf(x, 0) {
			return nil
		}
	}
	pp := f32(p)
	j := adamJob{p: pp, g: f32(g), m: f32(m), v: f32(v), k: s.Consts()}
	dispatch(c, &c.jobs.adam, j, len(pp), c.elemChunk(len(pp)))
	return nil
}

// adamJob applies one Adam step, with the constants k, to p, m and v.
type adamJob struct {
	p, g, m, v []float32
	k          AdamConsts
}

// run updates elements [lo,hi), each in the order of AdamConsts.
func (j *adamJob) run(lo, hi int) {
	k := j.k
	pp, gg, mm, vv := j.p[lo:hi], j.g[lo:hi], j.m[lo:hi], j.v[lo:hi]
	gg, mm, vv = gg[:len(pp)], mm[:len(pp)], vv[:len(pp)]
	for i := range pp {
		pi := pp[i] * k.Decay
		gi := gg[i] + k.WeightDecay*pi
		mi := k.Beta1*mm[i] + k.OneMinusBeta1*gi
		vi := k.Beta2*vv[i] + k.OneMinusBeta2*gi*gi
		mm[i], vv[i] = mi, vi
		denom := sqrt32(vi)/k.SqrtBias2 + k.Eps
		pp[i] = pi - k.StepSize*(mi/denom)
	}
}

// sqrt32 returns the square root of x, computed by math.Sqrt in float64
// and rounded to float32.
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
