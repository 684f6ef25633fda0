// Package graph holds wgtrain's layers, a reverse-mode automatic
// differentiation over them, the loss criteria, and the tutorial's resnet9.
//
// A forward pass runs eagerly on an ops.Backend inside a Context. In
// training mode every layer records on the context's tape how to compute
// its inputs' gradients; Context.Backward replays the tape in reverse and
// leaves each parameter's gradient in Param.Grad. Parameters carry the
// names of PyTorch's state_dict, so checkpoints move between wgtrain and
// PyTorch unchanged.
//
// Each layer is in the file named for its operation, as in ops, gpu and
// shaders (conv2d.go, linear.go, batchnorm.go, relu.go, maxpool.go,
// dropout.go, flatten.go), the criteria in loss.go, Sequential and
// Residual in containers.go, and the tape in tape.go; a layer's errors
// name the operation as ops does ("conv2d", "batchnorm_train", ...).
package graph

import (
	"fmt"
	"slices"

	"github.com/wgtrain/wgtrain/ops"
)

// Var is a value in a forward pass and, after Backward, its gradient.
// A Var belongs to its Context and is reused by the next pass after
// Reset.
type Var struct {
	Value *ops.Tensor
	// grad holds the accumulated gradient; gradSet reports whether it has
	// been written in this backward pass.
	grad    *ops.Tensor
	gradSet bool
	// shared is true while grad is a tensor that passGrad handed over
	// (another Var's gradient too): commit then sums into a new tensor
	// instead of in place, so that no handed-over tensor is written.
	shared bool
	// needsGrad is false for inputs and labels: nothing flows into them.
	needsGrad bool
}

// Grad returns the gradient computed by Backward, or nil.
func (v *Var) Grad() *ops.Tensor {
	if v == nil || !v.gradSet {
		return nil
	}
	return v.grad
}

// Context is one forward (and, when training, backward) pass, and the
// storage that the next pass of the same shapes reuses.
//
// A training loop keeps one context and calls Reset before each pass:
// the pass then finds its activations, gradients, Vars and tape entries
// where the previous pass left them, in the same order, and allocates
// nothing. A pass whose shapes differ (the last, smaller batch of an
// epoch) replaces only the tensors whose shape changed.
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
	// LossScale is the gradient of the loss that Backward starts from
	// (0 means 1): the dynamic loss scale of binary16 activations.
	LossScale float32

	tape []node
	// owned holds the tensors of the pass in allocation order; the first
	// nOwned are in use by the current pass.
	owned  []*ops.Tensor
	nOwned int
	// vars holds the Vars of the pass, reused in the same way.
	vars  []*Var
	nVars int
	// views and viewOf hold Reshape views and the tensors they view.
	views, viewOf []*ops.Tensor
	nViews        int
	// values is scratch for WeightedSum's operand list.
	values []*ops.Tensor
	done   bool
}

// NewContext returns a context for one pass on b.
func NewContext(b ops.Backend, train bool) *Context {
	return &Context{B: b, Train: train}
}

// Reset readies the context for another pass, keeping its storage for
// reuse. Every Var and tensor the previous pass returned (the logits, the
// loss, tensors from Alloc) is recycled: read what you need before the
// next pass writes over it.
func (c *Context) Reset() {
	clear(c.tape)
	c.tape = c.tape[:0]
	c.nOwned, c.nVars, c.nViews = 0, 0, 0
	c.done = false
}

// Input wraps a tensor the caller owns (images, labels) as a Var that
// takes no gradient.
func (c *Context) Input(t *ops.Tensor) *Var { return c.wrap(t, false) }

// Alloc returns a tensor that the context frees in Release. It is zero
// when first allocated; a pass after Reset gets the same tensor back with
// whatever the previous pass left in it, so the caller must write it whole.
func (c *Context) Alloc(dt ops.DType, shape ops.Shape) (*ops.Tensor, error) {
	return c.alloc(dt, shape, false)
}

// alloc returns the pass's next tensor: the previous pass's tensor at the
// same position when its type, shape and storage match, a new one
// otherwise. act asks for activation storage (ops.AllocAct: binary16
// under the WebGPU backend's --precision f16).
func (c *Context) alloc(dt ops.DType, shape ops.Shape, act bool) (*ops.Tensor, error) {
	if c.nOwned < len(c.owned) {
		if t := c.owned[c.nOwned]; t.DType() == dt && t.Shape().Equal(shape) && ops.HalfStorage(t) == (act && c.half()) {
			c.nOwned++
			return t, nil
		}
	}
	var t *ops.Tensor
	var err error
	if act {
		t, err = ops.AllocAct(c.B, slices.Clone(shape))
	} else {
		t, err = c.B.Alloc(dt, slices.Clone(shape))
	}
	if err != nil {
		return nil, err
	}
	if c.nOwned < len(c.owned) {
		c.B.Free(c.owned[c.nOwned])
		c.owned[c.nOwned] = t
	} else {
		c.owned = append(c.owned, t)
	}
	c.nOwned++
	return t, nil
}

// reshape returns a view of t with the given shape, reusing the previous
// pass's view at the same position when it views t with that shape.
func (c *Context) reshape(t *ops.Tensor, shape ops.Shape) (*ops.Tensor, error) {
	if c.nViews < len(c.views) && c.viewOf[c.nViews] == t && c.views[c.nViews].Shape().Equal(shape) {
		c.nViews++
		return c.views[c.nViews-1], nil
	}
	v, err := ops.Reshape(t, slices.Clone(shape))
	if err != nil {
		return nil, err
	}
	if c.nViews < len(c.views) {
		c.views[c.nViews], c.viewOf[c.nViews] = v, t
	} else {
		c.views, c.viewOf = append(c.views, v), append(c.viewOf, t)
	}
	c.nViews++
	return v, nil
}

// wrap returns the pass's next Var, holding t.
func (c *Context) wrap(t *ops.Tensor, needsGrad bool) *Var {
	if c.nVars == len(c.vars) {
		c.vars = append(c.vars, new(Var))
	}
	v := c.vars[c.nVars]
	c.nVars++
	*v = Var{Value: t, needsGrad: needsGrad}
	return v
}

// newVar allocates an F32 output Var shaped like shape, stored as
// float32 (logits, losses).
func (c *Context) newVar(shape ops.Shape, needsGrad bool) (*Var, error) {
	t, err := c.alloc(ops.F32, shape, false)
	if err != nil {
		return nil, err
	}
	return c.wrap(t, needsGrad && c.Train), nil
}

// newAct allocates an activation Var shaped like shape, in the backend's
// activation storage (ops.AllocAct).
func (c *Context) newAct(shape ops.Shape, needsGrad bool) (*Var, error) {
	t, err := c.alloc(ops.F32, shape, true)
	if err != nil {
		return nil, err
	}
	return c.wrap(t, needsGrad && c.Train), nil
}

// half reports whether the backend stores activations narrower than
// float32.
func (c *Context) half() bool {
	a, ok := c.B.(ops.ActBackend)
	return ok && a.HalfActs()
}

// paramVar wraps a parameter as a Var whose gradient lands in p.Grad.
func (c *Context) paramVar(p *Param) *Var {
	v := c.wrap(p.Value, p.Grad != nil)
	v.grad = p.Grad
	return v
}

// gradTarget returns the tensor a backward step writes v's gradient into;
// commit(v, t) must follow the write. The first write goes straight into
// v's gradient; later writes go to a temporary that commit adds in, so a
// value used twice (a residual input) gets the sum.
func (c *Context) gradTarget(v *Var) (*ops.Tensor, error) {
	if !v.gradSet {
		if v.grad == nil {
			g, err := c.alloc(ops.F32, v.Value.Shape(), ops.HalfStorage(v.Value))
			if err != nil {
				return nil, err
			}
			v.grad = g
		}
		return v.grad, nil
	}
	return c.alloc(ops.F32, v.Value.Shape(), ops.HalfStorage(v.Value))
}

// commit records that t, from gradTarget(v), now holds a gradient of v.
func (c *Context) commit(v *Var, t *ops.Tensor) error {
	if !v.gradSet {
		v.gradSet = true
		return nil
	}
	if v.shared {
		// Out of place: v.grad is also another Var's gradient.
		n, err := c.alloc(ops.F32, v.Value.Shape(), ops.HalfStorage(v.Value))
		if err != nil {
			return err
		}
		if err := c.B.Add(n, v.grad, t); err != nil {
			return err
		}
		v.grad, v.shared = n, false
		return nil
	}
	return c.B.Add(v.grad, v.grad, t)
}

// passGrad gives x the gradient g unchanged: x's gradient becomes g
// itself when x has none yet and no tensor of its own (an activation, not
// a parameter), else g is copied or added in as gradInto does. A tensor
// handed over is never written again: the caller must not write g, and a
// later gradient of x is summed into a new tensor (commit), so every Var
// sharing g keeps its gradient, however the modules nest.
func (c *Context) passGrad(x *Var, g *ops.Tensor) error {
	if !x.needsGrad {
		return nil
	}
	if !x.gradSet && x.grad == nil {
		x.grad, x.gradSet, x.shared = g, true, true
		return nil
	}
	return c.gradInto(x, func(d *ops.Tensor) error { return c.B.Copy(d, g) })
}

// gradInto lets write fill the gradient of x and commits it (summing
// with an earlier one); it does nothing when x takes no gradient.
func (c *Context) gradInto(x *Var, write func(dx *ops.Tensor) error) error {
	if !x.needsGrad {
		return nil
	}
	dx, err := c.gradTarget(x)
	if err != nil {
		return err
	}
	if err := write(dx); err != nil {
		return err
	}
	return c.commit(x, dx)
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
		return fmt.Errorf("graph: backward called twice on one pass")
	}
	if loss == nil {
		return fmt.Errorf("graph: backward of a nil loss")
	}
	if !loss.Value.Shape().Equal(ops.Shape{1}) {
		return fmt.Errorf("graph: backward needs a scalar [1] loss, got %v", loss.Value)
	}
	c.done = true
	g, err := c.gradTarget(loss)
	if err != nil {
		return err
	}
	seed := c.LossScale
	if seed == 0 {
		seed = 1
	}
	if err := c.B.Fill(g, seed); err != nil {
		return err
	}
	if err := c.commit(loss, g); err != nil {
		return err
	}
	for i := len(c.tape) - 1; i >= 0; i-- {
		if err := c.tape[i].op.backward(c, &c.tape[i]); err != nil {
			return err
		}
	}
	return nil
}

// Release frees every tensor the context holds (activations, temporary
// gradients, views). Parameters and their gradients are untouched. The
// context may be used again, and then allocates afresh.
func (c *Context) Release() {
	for _, t := range c.owned {
		c.B.Free(t)
	}
	*c = Context{B: c.B, Train: c.Train, Seed: c.Seed, Step: c.Step}
}
