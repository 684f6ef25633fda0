package conformance

// The broken ReLU that ReLU must catch.

import "github.com/wgtrain/wgtrain/ops"

type reluBackwardPassThrough struct{ ops.Backend }

func (b reluBackwardPassThrough) ReLUBackward(dx, y, dy *ops.Tensor) error { return b.Copy(dx, dy) }

var reluMutants = []mutant{
	{"relu_backward_pass_through", ReLU, reluBackwardPassThrough{cpu}, []string{"ReLUBackward", "differ beyond", "finite differences"}},
}
