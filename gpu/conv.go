package gpu

import "github.com/wgtrain/wgtrain/ops"

// Conv2D writes y = conv(x, w) + b.
func (g *Backend) Conv2D(y, x, w, b *ops.Tensor, s ops.ConvSpec) error { return notYet("conv2d") }

// Conv2DBackwardData writes dx.
func (g *Backend) Conv2DBackwardData(dx, dy, w *ops.Tensor, s ops.ConvSpec) error {
	return notYet("conv2d_backward_data")
}

// Conv2DBackwardFilter writes dw and db.
func (g *Backend) Conv2DBackwardFilter(dw, db, x, dy *ops.Tensor, s ops.ConvSpec) error {
	return notYet("conv2d_backward_filter")
}

// Linear writes y = x w^T + b.
func (g *Backend) Linear(y, x, w, b *ops.Tensor) error { return notYet("linear") }

// LinearBackward writes dx, dw and db.
func (g *Backend) LinearBackward(dx, dw, db, x, w, dy *ops.Tensor) error {
	return notYet("linear")
}
