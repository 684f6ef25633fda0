package graph

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// Criterion is a classification loss on logits [N, C] and I32 labels [N].
type Criterion interface {
	// Key is the name the loss is logged under, such as "ce" (logged as
	// loss_ce).
	Key() string
	// Loss returns the scalar [1] loss.
	Loss(c *Context, logits, labels *Var) (*Var, error)
}

// CrossEntropy is nn.CrossEntropyLoss with mean reduction.
type CrossEntropy struct{}

// Key returns "ce".
func (CrossEntropy) Key() string { return "ce" }

// Loss computes the mean cross-entropy.
func (CrossEntropy) Loss(c *Context, logits, labels *Var) (*Var, error) {
	return lossOp(c, logits, labels, "cross entropy",
		func(out *ops.Tensor) error { return c.B.CrossEntropy(out, logits.Value, labels.Value) },
		func(dx, dl *ops.Tensor) error { return c.B.CrossEntropyBackward(dx, logits.Value, labels.Value, dl) })
}

// SigmoidFocal is the tutorial's FocalLossMultiClass: one-vs-rest sigmoid
// focal loss, summed over classes and averaged over rows.
type SigmoidFocal struct{ Spec ops.FocalSpec }

// Key returns "focal".
func (SigmoidFocal) Key() string { return "focal" }

// Loss computes the focal loss.
func (f SigmoidFocal) Loss(c *Context, logits, labels *Var) (*Var, error) {
	return lossOp(c, logits, labels, "focal",
		func(out *ops.Tensor) error { return c.B.SigmoidFocal(out, logits.Value, labels.Value, f.Spec) },
		func(dx, dl *ops.Tensor) error {
			return c.B.SigmoidFocalBackward(dx, logits.Value, labels.Value, dl, f.Spec)
		})
}

func lossOp(c *Context, logits, labels *Var, name string, fwd func(out *ops.Tensor) error, bwd func(dx, dl *ops.Tensor) error) (*Var, error) {
	out, err := c.newVar(ops.Shape{1}, true)
	if err != nil {
		return nil, err
	}
	if err := fwd(out.Value); err != nil {
		return nil, fmt.Errorf("graph: %s loss: %w", name, err)
	}
	c.record(func() error {
		if !out.gradSet {
			return nil
		}
		return c.gradInto(logits, func(dx *ops.Tensor) error {
			if err := bwd(dx, out.grad); err != nil {
				return fmt.Errorf("graph: %s loss backward: %w", name, err)
			}
			return nil
		})
	})
	return out, nil
}

// WeightedSum returns sum_k weights[k]*losses[k], the multi-criterion loss
// of the tutorial (0.5*CE + 0.5*focal).
func WeightedSum(c *Context, losses []*Var, weights []float32) (*Var, error) {
	if len(losses) != len(weights) {
		return nil, fmt.Errorf("graph: weighted sum of %d losses with %d weights", len(losses), len(weights))
	}
	out, err := c.newVar(ops.Shape{1}, true)
	if err != nil {
		return nil, err
	}
	values := make([]*ops.Tensor, len(losses))
	for i, l := range losses {
		values[i] = l.Value
	}
	if err := c.B.WeightedSum(out.Value, values, weights); err != nil {
		return nil, fmt.Errorf("graph: weighted loss: %w", err)
	}
	c.record(func() error {
		for i, l := range losses {
			if err := c.gradInto(l, func(d *ops.Tensor) error { return c.B.Scale(d, out.grad, weights[i]) }); err != nil {
				return err
			}
		}
		return nil
	})
	return out, nil
}
