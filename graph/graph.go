// Package graph holds wgtrain's layers, a reverse-mode automatic
// differentiation over them, the loss criteria, and the tutorial's resnet9.
//
// A forward pass runs eagerly on an ops.Backend inside a Context. In
// training mode every layer records on the context's tape how to compute
// its inputs' gradients; Context.Backward replays the tape in reverse and
// leaves each parameter's gradient in Param.Grad. Parameters carry the
// names of PyTorch's state_dict, so checkpoints move between wgtrain and
// PyTorch unchanged.
package graph

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// Var is a value in a forward pass and, after Backward, its gradient.
type Var struct {
	Value *ops.Tensor
	// grad holds the accumulated gradient; gradSet reports whether it has
	// been written in this backward pass.
	grad    *ops.Tensor
	gradSet bool
	// needsGrad is false for inputs and labels: nothing flows into them.
	needsGrad bool
	// temp marks values the context owns and frees in Release.
	temp bool
}

// Grad returns the gradient computed by Backward, or nil.
func (v *Var) Grad() *ops.Tensor {
	if v == nil || !v.gradSet {
		return nil
	}
	return v.grad
}

// Context is one forward (and, when training, backward) pass.
type Context struct {
	// B is the backend every operation runs on.
	B ops.Backend
	// Train selects training behaviour: batch statistics in batch norm,
	// dropout on, and a tape for Backward.
	Train bool
	// Seed and Step select the dropout masks; use the 0-based global
	// training step so that every step draws a new mask and a resumed run
	// draws the same ones.
	Seed uint32
	Step uint32

	tape  []func() error
	owned []*ops.Tensor
	done  bool
}

// NewContext returns a context for one pass on b.
func NewContext(b ops.Backend, train bool) *Context {
	return &Context{B: b, Train: train}
}

// Input wraps a tensor the caller owns (images, labels) as a Var that
// takes no gradient.
func (c *Context) Input(t *ops.Tensor) *Var { return &Var{Value: t} }

// Alloc returns a zero-filled tensor that the context frees in Release.
func (c *Context) Alloc(dt ops.DType, shape ops.Shape) (*ops.Tensor, error) {
	return c.alloc(dt, shape)
}

// alloc returns a tensor the context frees in Release.
func (c *Context) alloc(dt ops.DType, shape ops.Shape) (*ops.Tensor, error) {
	t, err := c.B.Alloc(dt, shape)
	if err != nil {
		return nil, err
	}
	c.owned = append(c.owned, t)
	return t, nil
}

// newVar allocates an F32 output Var shaped like shape.
func (c *Context) newVar(shape ops.Shape, needsGrad bool) (*Var, error) {
	t, err := c.alloc(ops.F32, shape)
	if err != nil {
		return nil, err
	}
	return &Var{Value: t, needsGrad: needsGrad && c.Train, temp: true}, nil
}

// record appends a backward step to the tape when training.
func (c *Context) record(f func() error) {
	if c.Train {
		c.tape = append(c.tape, f)
	}
}

// gradTarget returns the tensor a backward step writes v's gradient into
// and a commit function to call after writing it. The first write goes
// straight into v's gradient; later writes go to a temporary that commit
// adds in, so a value used twice (a residual input) gets the sum.
func (c *Context) gradTarget(v *Var) (*ops.Tensor, func() error, error) {
	if !v.gradSet {
		if v.grad == nil {
			g, err := c.alloc(ops.F32, v.Value.Shape())
			if err != nil {
				return nil, nil, err
			}
			v.grad = g
		}
		return v.grad, func() error { v.gradSet = true; return nil }, nil
	}
	tmp, err := c.alloc(ops.F32, v.Value.Shape())
	if err != nil {
		return nil, nil, err
	}
	return tmp, func() error { return c.B.Add(v.grad, v.grad, tmp) }, nil
}

// gradInto lets write fill the gradient of x and commits it (summing
// with an earlier one); it does nothing when x takes no gradient.
func (c *Context) gradInto(x *Var, write func(dx *ops.Tensor) error) error {
	if !x.needsGrad {
		return nil
	}
	dx, commit, err := c.gradTarget(x)
	if err != nil {
		return err
	}
	if err := write(dx); err != nil {
		return err
	}
	return commit()
}

// Backward computes the gradient of the scalar loss with respect to every
// parameter that took part in the forward pass, writing Param.Grad.
// Parameters that did not take part keep a zero gradient only if the
// caller zeroed it; wgtrain's models use every parameter in every pass.
func (c *Context) Backward(loss *Var) error {
	if !c.Train {
		return fmt.Errorf("graph: backward on a context that is not in training mode")
	}
	if c.done {
		return fmt.Errorf("graph: backward called twice on one context")
	}
	if loss == nil || !loss.Value.Shape().Equal(ops.Shape{1}) {
		return fmt.Errorf("graph: backward needs a scalar [1] loss, got %v", loss.Value)
	}
	c.done = true
	g, commit, err := c.gradTarget(loss)
	if err != nil {
		return err
	}
	if err := c.B.Fill(g, 1); err != nil {
		return err
	}
	if err := commit(); err != nil {
		return err
	}
	for i := len(c.tape) - 1; i >= 0; i-- {
		if err := c.tape[i](); err != nil {
			return err
		}
	}
	return nil
}

// Release frees every tensor the pass allocated (activations, temporary
// gradients). Parameters and their gradients are untouched. The context
// must not be used afterwards.
func (c *Context) Release() {
	for _, t := range c.owned {
		c.B.Free(t)
	}
	c.owned, c.tape = nil, nil
}
