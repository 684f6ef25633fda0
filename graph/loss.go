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

// CrossEntropy is nn.CrossEntropyLoss(label_smoothing=Smoothing) with
// mean reduction; the zero value is plain cross-entropy.
type CrossEntropy struct {
	// Smoothing is the label smoothing eps in [0, 1]: each row's target
	// is (1-eps)*onehot(label) + eps/C.
	Smoothing float32
}

// Key returns "ce", with or without smoothing.
func (CrossEntropy) Key() string { return "ce" }

// Loss computes the mean (label-smoothed) cross-entropy.
func (e CrossEntropy) Loss(c *Context, logits, labels *Var) (*Var, error) {
	s := ops.CrossEntropySpec{Smoothing: e.Smoothing}
	return c.loss("cross_entropy", node{op: ceBackward{}, x: logits, x2: labels, ce: s}, func(out *ops.Tensor) error {
		return c.B.CrossEntropy(out, logits.Value, labels.Value, s)
	})
}

// ceBackward is the tape entry of CrossEntropy.
type ceBackward struct{}

func (ceBackward) backward(c *Context, n *node) error {
	return c.lossBackward(n, "cross_entropy_backward", func(dx *ops.Tensor) error {
		return c.B.CrossEntropyBackward(dx, n.x.Value, n.x2.Value, n.y.grad, n.ce)
	})
}

// SigmoidFocal is the tutorial's FocalLossMultiClass: one-vs-rest sigmoid
// focal loss, summed over classes and averaged over rows.
type SigmoidFocal struct{ Spec ops.FocalSpec }

// Key returns "focal".
func (SigmoidFocal) Key() string { return "focal" }

// Loss computes the focal loss.
func (f SigmoidFocal) Loss(c *Context, logits, labels *Var) (*Var, error) {
	return c.loss("sigmoid_focal", node{op: focalBackward{}, x: logits, x2: labels, focal: f.Spec}, func(out *ops.Tensor) error {
		return c.B.SigmoidFocal(out, logits.Value, labels.Value, f.Spec)
	})
}

// focalBackward is the tape entry of SigmoidFocal.
type focalBackward struct{}

func (focalBackward) backward(c *Context, n *node) error {
	return c.lossBackward(n, "sigmoid_focal_backward", func(dx *ops.Tensor) error {
		return c.B.SigmoidFocalBackward(dx, n.x.Value, n.x2.Value, n.y.grad, n.focal)
	})
}

// loss runs the criterion op into a new scalar [1] Var, naming the op in
// its error, and records n (the criterion's tape entry, whose y it sets).
func (c *Context) loss(op string, n node, run func(out *ops.Tensor) error) (*Var, error) {
	out, err := c.newVar(ops.Shape{1}, true)
	if err != nil {
		return nil, err
	}
	if err := run(out.Value); err != nil {
		return nil, fmt.Errorf("graph: %s: %w", op, err)
	}
	n.y = out
	c.record(n)
	return out, nil
}

// lossBackward lets run write the logits' gradient of a criterion's tape
// entry n, naming the op in its error; nothing flows when the loss took
// no gradient.
func (c *Context) lossBackward(n *node, op string, run func(dx *ops.Tensor) error) error {
	if !n.y.gradSet {
		return nil
	}
	return c.gradInto(n.x, func(dx *ops.Tensor) error {
		if err := run(dx); err != nil {
			return fmt.Errorf("graph: %s: %w", op, err)
		}
		return nil
	})
}

// WeightedSum returns sum_k weights[k]*losses[k], the multi-criterion loss
// of the tutorial (0.5*CE + 0.5*focal). The tape keeps losses and weights
// until Backward: do not change them in between.
func WeightedSum(c *Context, losses []*Var, weights []float32) (*Var, error) {
	if len(losses) != len(weights) {
		return nil, fmt.Errorf("graph: weighted sum of %d losses with %d weights", len(losses), len(weights))
	}
	out, err := c.newVar(ops.Shape{1}, true)
	if err != nil {
		return nil, err
	}
	c.values = c.values[:0]
	for _, l := range losses {
		c.values = append(c.values, l.Value)
	}
	err = c.B.WeightedSum(out.Value, c.values, weights)
	clear(c.values)
	if err != nil {
		return nil, fmt.Errorf("graph: weighted_sum: %w", err)
	}
	c.record(node{op: weightedSumBackward{}, y: out, parts: losses, weights: weights})
	return out, nil
}

// weightedSumBackward is the tape entry of WeightedSum.
type weightedSumBackward struct{}

func (weightedSumBackward) backward(c *Context, n *node) error {
	for i, l := range n.parts {
		w := n.weights[i]
		if err := c.gradInto(l, func(d *ops.Tensor) error { return c.B.Scale(d, n.y.grad, w) }); err != nil {
			return err
		}
	}
	return nil
}
