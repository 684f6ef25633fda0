package graph

import (
	"github.com/wgtrain/wgtrain/ops"
)

// Linear is PyTorch's nn.Linear: weight [out, in], bias [out].
type Linear struct {
	Name         string
	Weight, Bias *Param
}

// NewLinear allocates a linear layer.
func NewLinear(b ops.Backend, name string, in, out int) (*Linear, error) {
	w, err := newParam(b, name+".weight", ops.Shape{out, in}, true)
	if err != nil {
		return nil, err
	}
	bias, err := newParam(b, name+".bias", ops.Shape{out}, true)
	if err != nil {
		return nil, err
	}
	return &Linear{Name: name, Weight: w, Bias: bias}, nil
}

// Forward computes x w^T + b for x [N, in].
func (l *Linear) Forward(c *Context, x *Var) (*Var, error) {
	xs := x.Value.Shape()
	if len(xs) != 2 {
		return nil, layerErr(l.Name, "linear", &ops.Error{Op: "linear", Msg: "input " + x.Value.String() + " is not [N, features]"})
	}
	y, err := c.newVar(ops.Shape{xs[0], l.Weight.Value.Shape()[0]}, true)
	if err != nil {
		return nil, err
	}
	if err := c.B.Linear(y.Value, x.Value, l.Weight.Value, l.Bias.Value); err != nil {
		return nil, layerErr(l.Name, "linear", err)
	}
	if c.Train {
		c.record(node{op: l, x: x, y: y, w: c.paramVar(l.Weight), b: c.paramVar(l.Bias)})
	}
	return y, nil
}

func (l *Linear) backward(c *Context, n *node) error {
	dw, db, err := c.paramGrads(n)
	if err != nil {
		return err
	}
	var dx *ops.Tensor
	if n.x.needsGrad {
		if dx, err = c.gradTarget(n.x); err != nil {
			return err
		}
	}
	if err := c.B.LinearBackward(dx, dw, db, n.x.Value, l.Weight.Value, n.y.grad); err != nil {
		return layerErr(l.Name, "linear_backward", err)
	}
	if err := c.commitParams(n, dw, db); err != nil {
		return err
	}
	if dx != nil {
		return c.commit(n.x, dx)
	}
	return nil
}

// State lists weight and bias.
func (l *Linear) State(out []StateEntry) []StateEntry {
	return append(out, l.Weight.entry(), l.Bias.entry())
}

// Params lists weight and bias.
func (l *Linear) Params(out []*Param) []*Param { return append(out, l.Weight, l.Bias) }
