package trainer

import (
	"fmt"
	"math"

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

// OptimizerConfig chooses a run's optimizer; the zero value is Adam with
// PyTorch's defaults and no weight decay. Every value is taken as it is
// (no per-optimizer defaults: an adamw with WeightDecay 0 decays nothing).
type OptimizerConfig struct {
	// Name is "adam" (or ""), "adamw" or "sgd".
	Name string
	// Momentum and Nesterov are SGD's; they must be 0 and false otherwise.
	Momentum float64
	Nesterov bool
	// WeightDecay is torch.optim's weight_decay: Adam's and SGD's L2
	// penalty added to the gradient, AdamW's decoupled decay.
	WeightDecay float64
}

// check reports a configuration that NewOptimizer refuses.
func (c OptimizerConfig) check() error {
	switch c.Name {
	case "", "adam", "adamw", "sgd":
	default:
		return fmt.Errorf("trainer: optimizer %q: want adam, adamw or sgd", c.Name)
	}
	if c.Name != "sgd" && (c.Momentum != 0 || c.Nesterov) {
		return fmt.Errorf("trainer: momentum %g, nesterov %v: only sgd has them", c.Momentum, c.Nesterov)
	}
	if !(c.Momentum >= 0 && c.Momentum < 1) {
		return fmt.Errorf("trainer: sgd momentum %g: want 0 <= momentum < 1", c.Momentum)
	}
	if c.Nesterov && c.Momentum == 0 {
		return fmt.Errorf("trainer: sgd: nesterov needs a momentum above 0")
	}
	if !(c.WeightDecay >= 0) || math.IsInf(c.WeightDecay, 0) {
		return fmt.Errorf("trainer: weight decay %g: want a finite value >= 0", c.WeightDecay)
	}
	return nil
}

// NewOptimizer returns the optimizer c names over the trainable params,
// with learning rate lr: *Adam (Decoupled for adamw) or *SGD.
func NewOptimizer(b ops.Backend, params []*graph.Param, lr float64, c OptimizerConfig) (Optimizer, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.Name == "sgd" {
		return NewSGD(b, params, lr, c.Momentum, c.Nesterov, c.WeightDecay)
	}
	a, err := NewAdam(b, params, lr)
	if err != nil {
		return nil, err
	}
	a.WeightDecay, a.Decoupled = c.WeightDecay, c.Name == "adamw"
	return a, nil
}
