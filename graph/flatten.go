package graph

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// Flatten views [N, ...] as [N, rest], as nn.Flatten does.
type Flatten struct {
	noState
	Name string
}

// Forward reshapes without copying; the gradient is reshaped back.
func (l *Flatten) Forward(c *Context, x *Var) (*Var, error) {
	s := x.Value.Shape()
	if len(s) < 1 {
		return nil, layerErr(l.Name, "flatten", fmt.Errorf("input %v has no batch dimension", x.Value))
	}
	v, err := c.reshape(x.Value, ops.Shape{s[0], x.Value.Numel() / s[0]})
	if err != nil {
		return nil, layerErr(l.Name, "flatten", err)
	}
	y := c.wrap(v, x.needsGrad && c.Train)
	c.record(node{op: l, x: x, y: y, shape: s})
	return y, nil
}

func (l *Flatten) backward(c *Context, n *node) error {
	if !n.x.needsGrad || !n.y.gradSet {
		return nil
	}
	g, err := c.reshape(n.y.grad, n.shape)
	if err != nil {
		return layerErr(l.Name, "flatten_backward", err)
	}
	return layerErr(l.Name, "flatten_backward", c.passGrad(n.x, g))
}
