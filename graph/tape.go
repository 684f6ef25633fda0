package graph

import "github.com/wgtrain/wgtrain/ops"

// backwarder is what a tape entry calls to compute its inputs' gradients
// from its output's. Layers implement it with a pointer receiver and the
// losses with zero-size types, so that recording an entry allocates
// nothing.
type backwarder interface {
	backward(c *Context, n *node) error
}

// node is one entry of the tape: the operation and what its backward
// needs. Each operation uses the fields it needs and leaves the rest zero.
type node struct {
	op backwarder
	// x and y are the input and the output; x2 is a second input (the
	// residual's skip, the labels of a loss).
	x, x2, y *Var
	// w and b are the parameters' Vars (weight and bias, gamma and beta).
	w, b *Var
	// t1, t2 and t3 are tensors saved by the forward pass (batch norm's
	// mean and inverse standard deviation; the fused max pooling's idx).
	t1, t2, t3 *ops.Tensor
	// shape is the input's shape (Flatten); spec values are per-op settings.
	shape   ops.Shape
	dropout ops.DropoutSpec
	focal   ops.FocalSpec
	ce      ops.CrossEntropySpec
	// parts and weights are WeightedSum's operands.
	parts   []*Var
	weights []float32
}

// record appends n to the tape when training.
func (c *Context) record(n node) {
	if c.Train {
		c.tape = append(c.tape, n)
	}
}

// paramGrads returns the tensors the backward of a layer with a weight
// and a bias (n.w, n.b) writes their gradients into; commitParams must
// follow the write.
func (c *Context) paramGrads(n *node) (dw, db *ops.Tensor, err error) {
	if dw, err = c.gradTarget(n.w); err != nil {
		return nil, nil, err
	}
	if db, err = c.gradTarget(n.b); err != nil {
		return nil, nil, err
	}
	return dw, db, nil
}

// commitParams commits the gradients paramGrads handed out.
func (c *Context) commitParams(n *node, dw, db *ops.Tensor) error {
	if err := c.commit(n.w, dw); err != nil {
		return err
	}
	return c.commit(n.b, db)
}
