package gpu

import "github.com/wgtrain/wgtrain/ops"

// adamParams is the parameter block of adam.wgsl: the step's float32
// constants (ops.AdamConsts) and whether binding 5 holds a guard.
type adamParams struct {
	flat
	Beta1, Beta2, OMB1, OMB2 float32
	Step, SqrtBias2, Eps     float32
	Guarded                  uint32
	Decay, WD                float32
}

// Adam applies one bias-corrected Adam step in place on p, m and v. The
// step's float32 constants come from s.Consts(), computed on the host as
// the CPU backend does, and each element is updated in the same order of
// float32 operations. With s.Guard, every invocation first reads the
// guard and leaves its element alone when the value is not finite.
func (g *Backend) Adam(p, gr, m, v *ops.Tensor, s ops.AdamSpec) error {
	const op = "adam"
	bs, done, err := g.begin(op, ops.CheckAdam(p, gr, m, v, s), p, gr, m, v, s.Guard)
	if err != nil {
		return err
	}
	defer done()
	n := p.Numel()
	k := s.Consts()
	params := &adamParams{
		Beta1: k.Beta1, Beta2: k.Beta2, OMB1: k.OneMinusBeta1, OMB2: k.OneMinusBeta2,
		Step: k.StepSize, SqrtBias2: k.SqrtBias2, Eps: k.Eps, Guarded: flag(s.Guard != nil),
		Decay: k.Decay, WD: k.WeightDecay,
	}
	bind := []binding{in(bs[0], n), in(bs[1], n), in(bs[2], n), in(bs[3], n)}
	if s.Guard != nil {
		bind = append(bind, in(bs[4], 1))
	}
	return g.elementwise(op, "adam", n, params, bind...)
}
