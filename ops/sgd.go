package ops

// SGDSpec holds one step of torch.optim.SGD (dampening 0, maximize off),
// in float64 as PyTorch keeps them on the host.
type SGDSpec struct {
	LR          float64 // learning rate
	Momentum    float64 // 0 turns the momentum buffer off
	WeightDecay float64 // L2 penalty added to the gradient: d = g + wd*p
	Nesterov    bool    // d = d + momentum*buf instead of d = buf
	// First says the momentum buffer holds nothing yet (the parameter's
	// first step): the buffer is set to d, as PyTorch's clone of d_p,
	// instead of decayed.
	First bool
	// Guard, when not nil, is an F32 [1] tensor: when its value is not
	// finite the step leaves p and buf unchanged (see AdamSpec.Guard).
	Guard *Tensor
}

// CheckSGD validates an SGD step. Nesterov needs a momentum above 0, as
// in PyTorch.
func CheckSGD(p, g, buf *Tensor, s SGDSpec) error {
	const op = "sgd"
	if err := CheckSame(op, []string{"p", "g", "buf"}, p, g, buf); err != nil {
		return err
	}
	if !(s.LR >= 0) || !(s.Momentum >= 0 && s.Momentum < 1) || !(s.WeightDecay >= 0) {
		return errf(op, "lr %g momentum %g weight decay %g out of range", s.LR, s.Momentum, s.WeightDecay)
	}
	if s.Nesterov && s.Momentum == 0 {
		return errf(op, "nesterov needs a momentum above 0")
	}
	if s.Guard != nil {
		return needShape(op, "guard", s.Guard, F32, Shape{1})
	}
	return nil
}

// SGDConsts are the float32 constants of one SGD step, computed once on
// the host so that every backend uses the same values. The update of each
// element, in PyTorch's order of float32 operations, is
//
//	d = g + WeightDecay*p
//	buf = d                      (First, when Momentum > 0)
//	buf = Momentum*buf + d       (otherwise, when Momentum > 0)
//	d = d + Momentum*buf         (Nesterov)  or  d = buf  (Momentum > 0)
//	p = p - LR*d
type SGDConsts struct {
	LR, Momentum, WeightDecay float32
	UseMomentum, Nesterov     bool
	First                     bool
}

// Consts returns the step's float32 constants.
func (s SGDSpec) Consts() SGDConsts {
	return SGDConsts{
		LR: float32(s.LR), Momentum: float32(s.Momentum), WeightDecay: float32(s.WeightDecay),
		UseMomentum: s.Momentum > 0, Nesterov: s.Nesterov, First: s.First,
	}
}

// Update returns the new parameter and buffer values of one element with
// parameter p, gradient g and buffer b, in the order of SGDConsts. The
// CPU backend runs it; it is the definition the other backends follow.
func (k SGDConsts) Update(p, g, b float32) (float32, float32) {
	d := g + k.WeightDecay*p
	if k.UseMomentum {
		if k.First {
			b = d
		} else {
			b = k.Momentum*b + d
		}
		if k.Nesterov {
			d = d + k.Momentum*b
		} else {
			d = b
		}
	}
	return p - k.LR*d, b
}
