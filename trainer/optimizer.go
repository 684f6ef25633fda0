package trainer

import (
	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// Optimizer updates trainable parameters from their gradients, on the
// parameters' backend: Adam (and AdamW), SGD.
type Optimizer interface {
	// Step applies one update to every parameter from its Grad.
	Step() error
	// Steps returns the number of updates applied so far (PyTorch's
	// "step"); SetSteps sets it when resuming from a checkpoint.
	Steps() int
	SetSteps(n int)
	// Params returns the parameters the optimizer updates, in order.
	Params() []*graph.Param
	// SetHyper sets the learning rate, and when h.SetMomentum the momentum
	// (SGD's momentum, Adam's beta1), of the following steps.
	SetHyper(h Hyper)
	// SetGuard sets the tensor every update checks (see ops.AdamSpec.Guard):
	// a non-finite value there leaves the weights unchanged.
	SetGuard(g *ops.Tensor)
	// State returns the optimizer's buffers of parameter i, named by
	// PyTorch's state keys (exp_avg, exp_avg_sq, momentum_buffer), for
	// checkpoints.
	State(i int) []StateTensor
}

// StateTensor is one named per-parameter buffer of an optimizer.
type StateTensor struct {
	Key    string // PyTorch's state key: "exp_avg", "exp_avg_sq", "momentum_buffer"
	Tensor *ops.Tensor
	// NonNegative says that every valid value is >= 0 (exp_avg_sq), which
	// a checkpoint's reader checks.
	NonNegative bool
}

// Hyper is what a Schedule sets before each optimizer step.
type Hyper struct {
	LR float64
	// Momentum is SGD's momentum or Adam's beta1, used when SetMomentum;
	// otherwise the optimizer keeps its own.
	Momentum    float64
	SetMomentum bool
}
