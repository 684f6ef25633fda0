package graph

import "github.com/wgtrain/wgtrain/ops"

// ReLU is max(x, 0).
type ReLU struct {
	noState
	Name string
}

// Forward applies the rectifier.
func (l *ReLU) Forward(c *Context, x *Var) (*Var, error) {
	y, err := c.newAct(x.Value.Shape(), true)
	if err != nil {
		return nil, err
	}
	if err := c.B.ReLU(y.Value, x.Value); err != nil {
		return nil, layerErr(l.Name, "relu", err)
	}
	c.record(node{op: l, x: x, y: y})
	return y, nil
}

func (l *ReLU) backward(c *Context, n *node) error {
	return c.gradInto(n.x, func(dx *ops.Tensor) error {
		return layerErr(l.Name, "relu_backward", c.B.ReLUBackward(dx, n.y.Value, n.y.grad))
	})
}
