package graph

import (
	"github.com/wgtrain/wgtrain/ops"
)

// Conv2d is PyTorch's nn.Conv2d with a bias: weight OIHW, bias [O].
type Conv2d struct {
	Name         string // state_dict prefix, such as "0.0"
	Weight, Bias *Param
	Spec         ops.ConvSpec
}

// NewConv2d allocates a convolution with a k x k kernel; its parameters
// are zero until initialized (InitPyTorch) or loaded.
func NewConv2d(b ops.Backend, name string, in, out, k int, spec ops.ConvSpec) (*Conv2d, error) {
	w, err := newParam(b, name+".weight", ops.Shape{out, in, k, k}, true)
	if err != nil {
		return nil, err
	}
	bias, err := newParam(b, name+".bias", ops.Shape{out}, true)
	if err != nil {
		return nil, err
	}
	return &Conv2d{Name: name, Weight: w, Bias: bias, Spec: spec}, nil
}

// Forward computes the convolution.
func (l *Conv2d) Forward(c *Context, x *Var) (*Var, error) {
	xs, ws := x.Value.Shape(), l.Weight.Value.Shape()
	if len(xs) != 4 || len(ws) != 4 {
		return nil, layerErr(l.Name, "conv2d", &ops.Error{Op: "conv2d", Msg: "input " + x.Value.String() + " is not NCHW"})
	}
	oh := ops.ConvOut(xs[2], ws[2], l.Spec.Stride, l.Spec.Padding)
	ow := ops.ConvOut(xs[3], ws[3], l.Spec.Stride, l.Spec.Padding)
	if oh < 1 || ow < 1 {
		oh, ow = 1, 1 // let the op report the size error
	}
	y, err := c.newAct(ops.Shape{xs[0], ws[0], oh, ow}, true)
	if err != nil {
		return nil, err
	}
	if err := c.B.Conv2D(y.Value, x.Value, l.Weight.Value, l.Bias.Value, l.Spec); err != nil {
		return nil, layerErr(l.Name, "conv2d", err)
	}
	if c.Train {
		c.record(node{op: l, x: x, y: y, w: c.paramVar(l.Weight), b: c.paramVar(l.Bias)})
	}
	return y, nil
}

func (l *Conv2d) backward(c *Context, n *node) error {
	dw, db, err := c.paramGrads(n)
	if err != nil {
		return err
	}
	if err := c.B.Conv2DBackwardFilter(dw, db, n.x.Value, n.y.grad, l.Spec); err != nil {
		return layerErr(l.Name, "conv2d_backward_filter", err)
	}
	if err := c.commitParams(n, dw, db); err != nil {
		return err
	}
	return c.gradInto(n.x, func(dx *ops.Tensor) error {
		return layerErr(l.Name, "conv2d_backward_data", c.B.Conv2DBackwardData(dx, n.y.grad, l.Weight.Value, l.Spec))
	})
}

// State lists weight and bias.
func (l *Conv2d) State(out []StateEntry) []StateEntry {
	return append(out, l.Weight.entry(), l.Bias.entry())
}

// Params lists weight and bias.
func (l *Conv2d) Params(out []*Param) []*Param { return append(out, l.Weight, l.Bias) }
