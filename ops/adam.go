package ops

import "math"

// AdamSpec holds one Adam step's hyper-parameters, in float64 as PyTorch
// keeps them on the host. Step is the 1-based step count t used in the
// bias corrections 1-beta^t.
type AdamSpec struct {
	LR    float64 // learning rate
	Beta1 float64 // decay of the first moment estimate m
	Beta2 float64 // decay of the second moment estimate v
	Eps   float64 // added to sqrt(v) / sqrt(1-beta2^t)
	Step  int     // the 1-based step count t
	// WeightDecay is torch.optim.Adam's L2 penalty (g = g + wd*p) or,
	// with Decoupled, AdamW's decay (p = p*(1 - lr*wd) before the update).
	WeightDecay float64
	Decoupled   bool
	// Guard, when not nil, is an F32 [1] tensor (the step's loss, or a
	// flag derived from it): when its value is not finite the step leaves
	// p, m and v unchanged. It lets a backend that runs the step without
	// reading the loss back first still never write NaN into the weights.
	Guard *Tensor
}

// DefaultAdam returns PyTorch's Adam defaults (betas 0.9, 0.999, eps 1e-8)
// with the given learning rate and step.
func DefaultAdam(lr float64, step int) AdamSpec {
	return AdamSpec{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: step}
}

// CheckAdam validates an Adam step.
func CheckAdam(p, g, m, v *Tensor, s AdamSpec) error {
	const op = "adam"
	if err := CheckSame(op, []string{"p", "g", "m", "v"}, p, g, m, v); err != nil {
		return err
	}
	if s.Step < 1 || !(s.LR >= 0) || !(s.Beta1 >= 0 && s.Beta1 < 1) || !(s.Beta2 >= 0 && s.Beta2 < 1) || !(s.Eps >= 0) || !(s.WeightDecay >= 0) {
		return errf(op, "step %d lr %g betas (%g, %g) eps %g weight decay %g out of range", s.Step, s.LR, s.Beta1, s.Beta2, s.Eps, s.WeightDecay)
	}
	if s.Guard != nil {
		return needShape(op, "guard", s.Guard, F32, Shape{1})
	}
	return nil
}

// AdamConsts are the float32 constants of one Adam step, computed once in
// float64 on the host (as PyTorch does) so that every backend uses the same
// values. The update of each element, in this order, is
//
//	p = p*Decay                  (AdamW; Decay is 1 otherwise)
//	g = g + WeightDecay*p        (Adam's L2 penalty; 0 otherwise)
//	m = Beta1*m + OneMinusBeta1*g
//	v = Beta2*v + OneMinusBeta2*g*g
//	p = p - StepSize * m / (sqrt(v)/SqrtBias2 + Eps)
type AdamConsts struct {
	Beta1, Beta2                 float32 // the decays, rounded to float32
	OneMinusBeta1, OneMinusBeta2 float32 // 1 - beta1, 1 - beta2, in float64 then rounded
	StepSize                     float32 // lr / (1 - beta1^t)
	SqrtBias2                    float32 // sqrt(1 - beta2^t)
	Eps                          float32 // eps, rounded to float32
	Decay                        float32 // 1 - lr*wd for AdamW, in float64 then rounded; else 1
	WeightDecay                  float32 // Adam's coupled wd; 0 for AdamW
}

// Consts returns the step's float32 constants.
func (s AdamSpec) Consts() AdamConsts {
	t := float64(s.Step)
	k := AdamConsts{
		Beta1:         float32(s.Beta1),
		Beta2:         float32(s.Beta2),
		OneMinusBeta1: float32(1 - s.Beta1),
		OneMinusBeta2: float32(1 - s.Beta2),
		StepSize:      float32(s.LR / (1 - math.Pow(s.Beta1, t))),
		SqrtBias2:     float32(math.Sqrt(1 - math.Pow(s.Beta2, t))),
		Eps:           float32(s.Eps),
		Decay:         1,
	}
	if s.Decoupled {
		k.Decay = float32(1 - s.LR*s.WeightDecay)
	} else {
		k.WeightDecay = float32(s.WeightDecay)
	}
	return k
}
