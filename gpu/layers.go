package gpu

import "github.com/wgtrain/wgtrain/ops"

// MaxPool2D writes the window maxima.
func (g *Backend) MaxPool2D(y, x *ops.Tensor, k int) error { return notYet("maxpool2d") }

// MaxPool2DBackward gathers dy to each window's first maximum.
func (g *Backend) MaxPool2DBackward(dx, x, dy *ops.Tensor, k int) error {
	return notYet("maxpool2d_backward")
}

// Dropout applies the counter-based mask.
func (g *Backend) Dropout(y, x *ops.Tensor, s ops.DropoutSpec) error { return notYet("dropout") }

// DropoutBackward applies the same mask to dy.
func (g *Backend) DropoutBackward(dx, dy *ops.Tensor, s ops.DropoutSpec) error {
	return notYet("dropout_backward")
}
