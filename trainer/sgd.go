package trainer

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// SGD is PyTorch's torch.optim.SGD with dampening 0: momentum (0 is
// plain gradient descent), Nesterov momentum and L2 weight decay added to
// the gradient (ops.SGDConsts gives the order of operations). Its
// momentum buffers live on the parameters' backend and the update runs
// there.
type SGD struct {
	LR, Momentum, WeightDecay float64
	Nesterov                  bool
	// Guard, when set, is passed to every update (see ops.SGDSpec.Guard):
	// a non-finite value there leaves the weights unchanged.
	Guard *ops.Tensor

	params []*graph.Param
	buf    []*ops.Tensor
	step   int
	// set and fbuf are the flat layout (flat.go): on a backend with
	// views, one SGD operation over set.value, set.grad and fbuf updates
	// every parameter.
	set  *flatSet
	fbuf *ops.Tensor
}

// NewSGD returns an SGD optimizer over the trainable params. A momentum
// buffer is allocated for every parameter even with momentum 0 (a
// schedule may raise it), so checkpoints always hold momentum_buffer. On
// a backend with views it moves the params into flat tensors as NewAdam
// does, so that each Step is one SGD operation.
func NewSGD(b ops.Backend, params []*graph.Param, lr, momentum float64, nesterov bool, weightDecay float64) (*SGD, error) {
	switch {
	case !(lr >= 0) || math.IsInf(lr, 0):
		return nil, fmt.Errorf("trainer: sgd learning rate %g: want a finite value >= 0", lr)
	case !(momentum >= 0 && momentum < 1):
		return nil, fmt.Errorf("trainer: sgd momentum %g: want 0 <= momentum < 1", momentum)
	case nesterov && momentum == 0:
		return nil, fmt.Errorf("trainer: sgd: nesterov needs a momentum above 0")
	case !(weightDecay >= 0) || math.IsInf(weightDecay, 0):
		return nil, fmt.Errorf("trainer: sgd weight decay %g: want a finite value >= 0", weightDecay)
	}
	s := &SGD{LR: lr, Momentum: momentum, Nesterov: nesterov, WeightDecay: weightDecay}
	for _, p := range params {
		if !p.Trainable() {
			return nil, fmt.Errorf("trainer: sgd: %s has no gradient (a running statistic?)", p.Name)
		}
	}
	set, err := flatten(b, params)
	if err != nil {
		return nil, fmt.Errorf("trainer: sgd: %w", err)
	}
	s.params, s.set = params, set
	if s.fbuf, s.buf, err = set.state(params); err != nil {
		return nil, err
	}
	return s, nil
}

// Step applies one update to every parameter from its Grad. The first
// step (Steps() == 0 before it) sets each momentum buffer to the
// gradient, as PyTorch's first step clones it; a resumed run has loaded
// its buffers and steps on from them.
func (s *SGD) Step() error {
	spec := ops.SGDSpec{LR: s.LR, Momentum: s.Momentum, WeightDecay: s.WeightDecay, Nesterov: s.Nesterov,
		First: s.step == 0, Guard: s.Guard}
	s.step++
	if s.set.flat() {
		if err := s.set.b.SGD(s.set.value, s.set.grad, s.fbuf, spec); err != nil {
			return fmt.Errorf("trainer: sgd step %d: %w", s.step, err)
		}
		return nil
	}
	for i, p := range s.params {
		if err := p.Value.Owner().SGD(p.Value, p.Grad, s.buf[i], spec); err != nil {
			return fmt.Errorf("trainer: sgd step %d on %s: %w", s.step, p.Name, err)
		}
	}
	return nil
}

// Steps returns the number of updates applied so far.
func (s *SGD) Steps() int { return s.step }

// SetSteps sets the step count, when resuming from a checkpoint.
func (s *SGD) SetSteps(n int) { s.step = n }

// Params returns the parameters the optimizer updates, in order.
func (s *SGD) Params() []*graph.Param { return s.params }

// State returns parameter i's momentum_buffer, for checkpoints.
func (s *SGD) State(i int) []StateTensor {
	return []StateTensor{{Key: "momentum_buffer", Tensor: s.buf[i]}}
}

// SetHyper sets the learning rate and, when h.SetMomentum, the momentum.
func (s *SGD) SetHyper(h Hyper) {
	s.LR = h.LR
	if h.SetMomentum {
		s.Momentum = h.Momentum
	}
}

// SetGuard sets the tensor every update checks (Guard).
func (s *SGD) SetGuard(g *ops.Tensor) { s.Guard = g }
