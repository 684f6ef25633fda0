package graph

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// MaxPool2d is PyTorch's nn.MaxPool2d(K): kernel K, stride K, no padding.
type MaxPool2d struct {
	noState
	Name string
	K    int
}

// Forward takes the maximum of each window.
func (l *MaxPool2d) Forward(c *Context, x *Var) (*Var, error) {
	s := x.Value.Shape()
	if len(s) != 4 || l.K < 1 || s[2] < l.K || s[3] < l.K {
		return nil, layerErr(l.Name, "maxpool2d", fmt.Errorf("input %v too small for kernel %d", x.Value, l.K))
	}
	y, err := c.newAct(ops.Shape{s[0], s[1], s[2] / l.K, s[3] / l.K}, true)
	if err != nil {
		return nil, err
	}
	if err := c.B.MaxPool2D(y.Value, x.Value, l.K); err != nil {
		return nil, layerErr(l.Name, "maxpool2d", err)
	}
	c.record(node{op: l, x: x, y: y})
	return y, nil
}

func (l *MaxPool2d) backward(c *Context, n *node) error {
	return c.gradInto(n.x, func(dx *ops.Tensor) error {
		return layerErr(l.Name, "maxpool2d_backward", c.B.MaxPool2DBackward(dx, n.x.Value, n.y.grad, l.K))
	})
}
