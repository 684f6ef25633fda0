package trainer

import (
	"fmt"
	"math"

	"github.com/wgtrain/wgtrain/graph"
	"github.com/wgtrain/wgtrain/ops"
)

// Dynamic loss scaling for binary16 activations (the WebGPU backend's
// --precision f16), as torch.cuda.amp.GradScaler does it: the backward
// pass starts from scale·dL/dL instead of 1, so that small activation
// gradients stay above binary16's subnormal range; the parameters'
// (float32) gradients are divided by the scale before the update; a step
// whose gradients hold an infinity or a NaN is skipped (the optimizers'
// non-finite guard) and halves the scale, and 2000 finite steps in a row
// double it. notes/precision-f16.md has the measurement that asks for it.
//
// The check runs on the device: probe = the sum of every gradient
// element (LinearBackward's bias gradient of the flat gradient viewed as
// n rows of one output: one reduction, no product), not finite exactly
// when some element is not (the unscaled gradients are far too small for
// a finite sum to overflow), added to the step's guard. The host reads the probe back with
// the loss, so a pipelined run updates the scale when it reads a step,
// after the next step was recorded with the old scale (GradScaler updates
// it before the next step): a burst of overflow costs one more skipped
// step than in PyTorch.

// Loss scaling constants: GradScaler's defaults.
const (
	LossScaleInit     = 65536
	LossScaleGrowth   = 2
	LossScaleBackoff  = 0.5
	LossScaleInterval = 2000
)

// lossScaler holds the scale and the device tensors of the check.
type lossScaler struct {
	scale   float64
	good    int // finite steps since the scale last changed
	skipped int // steps skipped for a non-finite gradient

	grad     *ops.Tensor // the flat gradient viewed as [n, 1]
	w, probe *ops.Tensor // [1, 1], unused by the reduction; [1] the probe
	guard    *ops.Tensor // [1]: the sticky flag + this step's probe
}

// newLossScaler returns a scaler over the flat gradient grad of backend b.
func newLossScaler(b ops.Backend, grad *ops.Tensor) (*lossScaler, error) {
	if grad == nil {
		return nil, fmt.Errorf("trainer: loss scaling needs the optimizer's flat gradient (a backend with views)")
	}
	n := grad.Numel()
	s := &lossScaler{scale: LossScaleInit}
	var err error
	if s.grad, err = ops.Reshape(grad, ops.Shape{n, 1}); err != nil {
		return nil, err
	}
	if s.w, err = b.Alloc(ops.F32, ops.Shape{1, 1}); err != nil {
		return nil, err
	}
	if s.probe, err = b.Alloc(ops.F32, ops.Shape{1}); err != nil {
		return nil, err
	}
	if s.guard, err = b.Alloc(ops.F32, ops.Shape{1}); err != nil {
		return nil, err
	}
	return s, nil
}

// afterBackward divides the gradients by the scale, computes the probe,
// and returns the step's guard (flag + probe) and a read-back of the
// probe.
func (s *lossScaler) afterBackward(b ops.Backend, flag *ops.Tensor) (*ops.Tensor, ops.Future, error) {
	if err := b.Scale(s.grad, s.grad, float32(1/s.scale)); err != nil {
		return nil, nil, err
	}
	if err := b.LinearBackward(nil, nil, s.probe, s.grad, s.w, s.grad); err != nil {
		return nil, nil, err
	}
	if err := b.Add(s.guard, flag, s.probe); err != nil {
		return nil, nil, err
	}
	f, err := ops.ReadAsync(b, s.probe)
	return s.guard, f, err
}

// update moves the scale after a step whose gradients were finite or not.
func (s *lossScaler) update(finite bool) {
	if !finite {
		s.skipped++
		s.good = 0
		s.scale = max(s.scale*LossScaleBackoff, 1)
		return
	}
	s.good++
	if s.good >= LossScaleInterval {
		s.good = 0
		if next := s.scale * LossScaleGrowth; next <= math.MaxFloat32 {
			s.scale = next
		}
	}
}

// free returns the scaler's tensors to b.
func (s *lossScaler) free(b ops.Backend) {
	for _, t := range []*ops.Tensor{s.w, s.probe, s.guard} {
		b.Free(t)
	}
}

// LossScale returns the current loss scale and the number of steps
// skipped so far for non-finite gradients; 0, 0 when the stepper does not
// scale (float32 activations).
func (s *Stepper) LossScale() (scale float64, skipped int) {
	if s.scaler == nil {
		return 0, 0
	}
	return s.scaler.scale, s.scaler.skipped
}

// flatGrad returns the optimizer's flat gradient, nil when it has none.
func flatGrad(o Optimizer) *ops.Tensor {
	switch o := o.(type) {
	case *Adam:
		return o.set.grad
	case *SGD:
		return o.set.grad
	}
	return nil
}

// startScaling makes the scaler on the first training step of a model
// whose activations are binary16 (one process only: a data-parallel
// step keeps the unscaled gradients), and sets the context's loss scale.
func (s *Stepper) startScaling(be ops.Backend, c *graph.Context) error {
	a, ok := be.(ops.ActBackend)
	if !ok || !a.HalfActs() || s.distributed() {
		return nil
	}
	if s.scaler == nil {
		var err error
		if s.scaler, err = newLossScaler(be, flatGrad(s.Opt)); err != nil {
			return err
		}
	}
	c.LossScale = float32(s.scaler.scale)
	return nil
}
