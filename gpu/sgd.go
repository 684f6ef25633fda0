package gpu

import "github.com/wgtrain/wgtrain/ops"

// sgdParams is the parameter block of sgd.wgsl: the step's float32
// constants (ops.SGDConsts) and whether binding 4 holds a guard.
type sgdParams struct {
	flat
	LR, Momentum, WD                      float32
	UseMomentum, Nesterov, First, Guarded uint32
}

// SGD applies one torch.optim.SGD step in place on p and buf, each element
// in the order of float32 operations of ops.SGDConsts. With s.Guard, every
// invocation first reads the guard and leaves its element alone when the
// value is not finite.
func (g *Backend) SGD(p, gr, buf *ops.Tensor, s ops.SGDSpec) error {
	const op = "sgd"
	bs, done, err := g.begin(op, ops.CheckSGD(p, gr, buf, s), p, gr, buf, s.Guard)
	if err != nil {
		return err
	}
	defer done()
	n := p.Numel()
	k := s.Consts()
	params := &sgdParams{
		LR: k.LR, Momentum: k.Momentum, WD: k.WeightDecay,
		UseMomentum: flag(k.UseMomentum), Nesterov: flag(k.Nesterov), First: flag(k.First),
		Guarded: flag(s.Guard != nil),
	}
	bind := []binding{in(bs[0], n), in(bs[1], n), in(bs[2], n)}
	if s.Guard != nil {
		bind = append(bind, in(bs[3], 1))
	}
	return g.elementwise(op, "sgd", n, params, bind...)
}
