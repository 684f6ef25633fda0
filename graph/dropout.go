package graph

import "github.com/wgtrain/wgtrain/ops"

// Dropout is inverted dropout with wgtrain's counter-based mask: in
// training each element is kept with probability 1-P and scaled by
// 1/(1-P); in evaluation it is the identity. The mask depends on the
// context's Seed plus Salt (so two dropout layers differ), its Step and
// the element index.
type Dropout struct {
	noState
	Name string
	P    float32
	Salt uint32
}

// Forward applies the mask.
func (l *Dropout) Forward(c *Context, x *Var) (*Var, error) {
	if !c.Train || l.P == 0 {
		return x, nil
	}
	spec := ops.DropoutSpec{P: l.P, Seed: c.Seed + l.Salt, Step: c.Step}
	y, err := c.newAct(x.Value.Shape(), true)
	if err != nil {
		return nil, err
	}
	if err := c.B.Dropout(y.Value, x.Value, spec); err != nil {
		return nil, layerErr(l.Name, "dropout", err)
	}
	c.record(node{op: l, x: x, y: y, dropout: spec})
	return y, nil
}

func (l *Dropout) backward(c *Context, n *node) error {
	return c.gradInto(n.x, func(dx *ops.Tensor) error {
		return layerErr(l.Name, "dropout_backward", c.B.DropoutBackward(dx, n.y.grad, n.dropout))
	})
}
