package gpu

import "github.com/wgtrain/wgtrain/ops"

// ReLU runs on the element-wise shaders: relu in elementwise_unary.wgsl,
// relu_backward in elementwise_binary.wgsl.

// ReLU writes y = max(x, 0); NaN stays NaN.
func (g *Backend) ReLU(y, x *ops.Tensor) error {
	const op = "relu"
	bs, done, err := g.begin(op, ops.CheckSame(op, []string{"y", "x"}, y, x), y, x)
	if err != nil {
		return err
	}
	defer done()
	n := y.Numel()
	return g.elementwise(op, "elementwise_unary:relu", n, &unaryParams{}, out(bs[0], n), in(bs[1], n))
}

// ReLUBackward writes dx = dy where y > 0, else 0.
func (g *Backend) ReLUBackward(dx, y, dy *ops.Tensor) error {
	const op = "relu_backward"
	bs, done, err := g.begin(op, ops.CheckSame(op, []string{"dx", "y", "dy"}, dx, y, dy), dx, y, dy)
	if err != nil {
		return err
	}
	defer done()
	n := dx.Numel()
	return g.elementwise(op, "elementwise_binary:relu_backward", n, &binaryParams{}, in(bs[0], n), in(bs[1], n), in(bs[2], n))
}
