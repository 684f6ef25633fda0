package conformance

// The broken Adam steps that Adam must catch.

import "github.com/wgtrain/wgtrain/ops"

type adamIgnoresGuard struct{ ops.Backend }

func (b adamIgnoresGuard) Adam(p, g, m, v *ops.Tensor, s ops.AdamSpec) error {
	s.Guard = nil
	return b.Backend.Adam(p, g, m, v, s)
}

type adamNoBiasCorrection struct{ ops.Backend }

func (b adamNoBiasCorrection) Adam(p, g, m, v *ops.Tensor, s ops.AdamSpec) error {
	s.Step = 100000
	return b.Backend.Adam(p, g, m, v, s)
}

// adamCoupledDecay treats AdamW's decay as Adam's L2 penalty.
type adamCoupledDecay struct{ ops.Backend }

func (b adamCoupledDecay) Adam(p, g, m, v *ops.Tensor, s ops.AdamSpec) error {
	s.Decoupled = false
	return b.Backend.Adam(p, g, m, v, s)
}

var adamMutants = []mutant{
	{"adam_no_bias_correction", Adam, adamNoBiasCorrection{cpu}, []string{"step 1)", ": p"}},
	{"adam_coupled_decay", Adam, adamCoupledDecay{cpu}, []string{"weight decay 0.01, decoupled true, step 1): p"}},
	{"adam_ignores_guard", Adam, adamIgnoresGuard{cpu}, []string{"Adam with guard NaN: p unchanged", "shape [2]: no error"}},
}
