package trainer

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// Adam is PyTorch's torch.optim.Adam without amsgrad: betas (0.9,
// 0.999), eps 1e-8 by default, bias-corrected, and with Decoupled it is
// torch.optim.AdamW. Its moment estimates live on the parameters' backend
// and the update runs there.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	// WeightDecay is Adam's L2 penalty added to the gradient (g + wd*p)
	// or, with Decoupled, AdamW's decay of the weights (p*(1 - lr*wd))
	// before the update; 0 (NewAdam's) is none.
	WeightDecay float64
	Decoupled   bool
	// Guard, when set, is passed to every update (see ops.AdamSpec.Guard):
	// a non-finite value there leaves the weights unchanged.
	Guard *ops.Tensor

	params []*graph.Param
	m, v   []*ops.Tensor
	step   int
	// set, fm and fv are the flat layout (flat.go): on a backend with
	// views, one Adam operation over set.value, set.grad, fm and fv
	// updates every parameter.
	set    *flatSet
	fm, fv *ops.Tensor
}

// NewAdam returns an Adam optimizer over the trainable params with
// PyTorch's defaults and learning rate lr, without weight decay (set
// WeightDecay and Decoupled for it, or use NewOptimizer). On a backend
// with views (ops.Viewer) it moves the params' values and gradients into
// flat tensors (each Param's Value and Grad becomes a view, and the
// tensors they held before are freed), so that each Step is one Adam
// operation over all of them.
func NewAdam(b ops.Backend, params []*graph.Param, lr float64) (*Adam, error) {
	if !(lr >= 0) || math.IsInf(lr, 0) {
		return nil, fmt.Errorf("trainer: adam learning rate %g: want a finite value >= 0", lr)
	}
	a := &Adam{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8}
	for _, p := range params {
		if !p.Trainable() {
			return nil, fmt.Errorf("trainer: adam: %s has no gradient (a running statistic?)", p.Name)
		}
	}
	set, err := flatten(b, params)
	if err != nil {
		return nil, fmt.Errorf("trainer: adam: %w", err)
	}
	a.params, a.set = params, set
	if a.fm, a.m, err = set.state(params); err != nil {
		return nil, err
	}
	if a.fv, a.v, err = set.state(params); err != nil {
		return nil, err
	}
	return a, nil
}

// Step applies one update to every parameter from its Grad.
func (a *Adam) Step() error {
	a.step++
	spec := ops.AdamSpec{LR: a.LR, Beta1: a.Beta1, Beta2: a.Beta2, Eps: a.Eps, Step: a.step,
		WeightDecay: a.WeightDecay, Decoupled: a.Decoupled, Guard: a.Guard}
	if a.set.flat() {
		if err := a.set.b.Adam(a.set.value, a.set.grad, a.fm, a.fv, spec); err != nil {
			return fmt.Errorf("trainer: adam step %d: %w", a.step, err)
		}
		return nil
	}
	for i, p := range a.params {
		if err := p.Value.Owner().Adam(p.Value, p.Grad, a.m[i], a.v[i], spec); err != nil {
			return fmt.Errorf("trainer: adam step %d on %s: %w", a.step, p.Name, err)
		}
	}
	return nil
}

// Steps returns the number of updates applied so far (PyTorch's "step").
func (a *Adam) Steps() int { return a.step }

// Moments returns the first and second moment estimates of parameter i
// (PyTorch's exp_avg and exp_avg_sq).
func (a *Adam) Moments(i int) (m, v *ops.Tensor) { return a.m[i], a.v[i] }

// State returns parameter i's exp_avg and exp_avg_sq, for checkpoints.
func (a *Adam) State(i int) []StateTensor {
	return []StateTensor{{Key: "exp_avg", Tensor: a.m[i]}, {Key: "exp_avg_sq", Tensor: a.v[i], NonNegative: true}}
}

// SetHyper sets the learning rate and, when h.SetMomentum, beta1.
func (a *Adam) SetHyper(h Hyper) {
	a.LR = h.LR
	if h.SetMomentum {
		a.Beta1 = h.Momentum
	}
}

// SetGuard sets the tensor every update checks (Guard).
func (a *Adam) SetGuard(g *ops.Tensor) { a.Guard = g }

// Params returns the parameters the optimizer updates, in order.
func (a *Adam) Params() []*graph.Param { return a.params }

// SetSteps sets the step count, when resuming from a checkpoint.
func (a *Adam) SetSteps(n int) { a.step = n }
