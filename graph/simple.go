package graph

import (
	"fmt"

	"github.com/wgtrain/wgtrain/ops"
)

// noState is embedded by layers without parameters.
type noState struct{}

// State lists nothing.
func (noState) State(out []StateEntry) []StateEntry { return out }

// Params lists nothing.
func (noState) Params(out []*Param) []*Param { return out }

// ReLU is max(x, 0).
type ReLU struct {
	noState
	Name string
}

// Forward applies the rectifier.
func (l *ReLU) Forward(c *Context, x *Var) (*Var, error) {
	y, err := c.newVar(x.Value.Shape(), true)
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
		return layerErr(l.Name, "relu backward", c.B.ReLUBackward(dx, n.y.Value, n.y.grad))
	})
}

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
	y, err := c.newVar(ops.Shape{s[0], s[1], s[2] / l.K, s[3] / l.K}, true)
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
		return layerErr(l.Name, "maxpool2d backward", c.B.MaxPool2DBackward(dx, n.x.Value, n.y.grad, l.K))
	})
}

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
		return layerErr(l.Name, "flatten backward", err)
	}
	return c.gradInto(n.x, func(dx *ops.Tensor) error { return c.B.Copy(dx, g) })
}

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
	y, err := c.newVar(x.Value.Shape(), true)
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
		return layerErr(l.Name, "dropout backward", c.B.DropoutBackward(dx, n.y.grad, n.dropout))
	})
}

// Sequential applies its modules in order; their state_dict names are
// prefixed by their index.
type Sequential struct {
	Name    string
	Modules []Module
}

// Forward chains the modules.
func (s *Sequential) Forward(c *Context, x *Var) (*Var, error) {
	var err error
	for _, m := range s.Modules {
		if x, err = m.Forward(c, x); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// State concatenates the modules' entries.
func (s *Sequential) State(out []StateEntry) []StateEntry {
	for _, m := range s.Modules {
		out = m.State(out)
	}
	return out
}

// Params concatenates the modules' parameters.
func (s *Sequential) Params(out []*Param) []*Param {
	for _, m := range s.Modules {
		out = m.Params(out)
	}
	return out
}

// Residual is the tutorial's ResidualBlock: y = Block(x) + x, with no
// activation after the sum. Its block's names carry the prefix "block".
type Residual struct {
	Name  string
	Block Module
}

// Forward adds the block's output to its input.
func (r *Residual) Forward(c *Context, x *Var) (*Var, error) {
	f, err := r.Block.Forward(c, x)
	if err != nil {
		return nil, err
	}
	y, err := c.newVar(x.Value.Shape(), true)
	if err != nil {
		return nil, err
	}
	if err := c.B.Add(y.Value, f.Value, x.Value); err != nil {
		return nil, layerErr(r.Name, "residual add", err)
	}
	c.record(node{op: r, x: f, x2: x, y: y})
	return y, nil
}

func (r *Residual) backward(c *Context, n *node) error {
	copyGrad := func(d *ops.Tensor) error { return c.B.Copy(d, n.y.grad) }
	if err := c.gradInto(n.x, copyGrad); err != nil {
		return layerErr(r.Name, "residual backward", err)
	}
	return layerErr(r.Name, "residual backward", c.gradInto(n.x2, copyGrad))
}

// State lists the block's entries.
func (r *Residual) State(out []StateEntry) []StateEntry { return r.Block.State(out) }

// Params lists the block's parameters.
func (r *Residual) Params(out []*Param) []*Param { return r.Block.Params(out) }
