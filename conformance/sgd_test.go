package conformance

// The broken SGD steps that SGD must catch.

import "github.com/wgtrain/wgtrain/ops"

type sgdIgnoresGuard struct{ ops.Backend }

func (b sgdIgnoresGuard) SGD(p, g, buf *ops.Tensor, s ops.SGDSpec) error {
	s.Guard = nil
	return b.Backend.SGD(p, g, buf, s)
}

// sgdNeverFirst decays the buffer's old contents on the first step instead
// of replacing them with d.
type sgdNeverFirst struct{ ops.Backend }

func (b sgdNeverFirst) SGD(p, g, buf *ops.Tensor, s ops.SGDSpec) error {
	s.First = false
	return b.Backend.SGD(p, g, buf, s)
}

// sgdNoNesterov ignores Nesterov.
type sgdNoNesterov struct{ ops.Backend }

func (b sgdNoNesterov) SGD(p, g, buf *ops.Tensor, s ops.SGDSpec) error {
	s.Nesterov = false
	return b.Backend.SGD(p, g, buf, s)
}

// sgdNoWeightDecay ignores the weight decay.
type sgdNoWeightDecay struct{ ops.Backend }

func (b sgdNoWeightDecay) SGD(p, g, buf *ops.Tensor, s ops.SGDSpec) error {
	s.WeightDecay = 0
	return b.Backend.SGD(p, g, buf, s)
}

var sgdMutants = []mutant{
	{"sgd_never_first", SGD, sgdNeverFirst{cpu}, []string{"momentum 0.9, nesterov false, weight decay 0, step 1): buf"}},
	{"sgd_no_nesterov", SGD, sgdNoNesterov{cpu}, []string{"nesterov true, weight decay 0, step 1): p"}},
	{"sgd_no_weight_decay", SGD, sgdNoWeightDecay{cpu}, []string{"momentum 0, nesterov false, weight decay 0.0005, step 1): p"}},
	{"sgd_ignores_guard", SGD, sgdIgnoresGuard{cpu}, []string{"SGD with guard NaN: p unchanged", "shape [2]: no error"}},
}
