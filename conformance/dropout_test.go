package conformance

// The broken dropouts that Dropout must catch.

import "github.com/wgtrain/wgtrain/ops"

type dropoutIgnoresStep struct{ ops.Backend }

func (b dropoutIgnoresStep) Dropout(y, x *ops.Tensor, s ops.DropoutSpec) error {
	s.Step = 0
	return b.Backend.Dropout(y, x, s)
}

type dropoutBackwardUnscaled struct{ ops.Backend }

func (b dropoutBackwardUnscaled) DropoutBackward(dx, dy *ops.Tensor, s ops.DropoutSpec) error {
	if err := b.Backend.DropoutBackward(dx, dy, s); err != nil {
		return err
	}
	return b.Scale(dx, dx, 1-s.P)
}

var dropoutMutants = []mutant{
	{"dropout_ignores_step", Dropout, dropoutIgnoresStep{cpu}, []string{"mask differs from ops.DropoutKeep", "masks differ in only"}},
	{"dropout_backward_unscaled", Dropout, dropoutBackwardUnscaled{cpu}, []string{"DropoutBackward", "finite differences"}},
}
