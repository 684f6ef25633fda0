package ops

// ConvSpec is a 2-d convolution's stride and zero padding, the same in
// both spatial dimensions. The kernel size comes from the weight's shape.
type ConvSpec struct {
	Stride  int // step between windows, >= 1
	Padding int // zeros added on every side, >= 0
}

// ConvOut returns the output extent of a convolution along one dimension.
func ConvOut(in, k, stride, pad int) int { return (in+2*pad-k)/stride + 1 }

// CheckConv2D validates a convolution's tensors against x and w and
// returns the output height and width. The padding must be smaller than
// the kernel in both dimensions. Every tensor but b is required; the
// backward checks pass their gradients in the same positions.
func CheckConv2D(op string, x, w, b, y *Tensor, s ConvSpec) (oh, ow int, err error) {
	if err := need(op, "x", x, F32, 4); err != nil {
		return 0, 0, err
	}
	if err := need(op, "w", w, F32, 4); err != nil {
		return 0, 0, err
	}
	if s.Stride < 1 || s.Padding < 0 {
		return 0, 0, errf(op, "stride %d and padding %d: want stride >= 1 and padding >= 0", s.Stride, s.Padding)
	}
	n, c, h, wd := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	o, ci, kh, kw := w.shape[0], w.shape[1], w.shape[2], w.shape[3]
	if ci != c {
		return 0, 0, errf(op, "x %s has %d channels but w %s expects %d", x, c, w, ci)
	}
	if s.Padding >= kh || s.Padding >= kw {
		// Such a padding only adds windows that see nothing but zeros, and
		// the padded image it makes could be any size.
		return 0, 0, errf(op, "padding %d: want less than the kernel's %dx%d", s.Padding, kh, kw)
	}
	if h+2*s.Padding < kh || wd+2*s.Padding < kw {
		return 0, 0, errf(op, "kernel %dx%d larger than padded input %dx%d", kh, kw, h+2*s.Padding, wd+2*s.Padding)
	}
	oh, ow = ConvOut(h, kh, s.Stride, s.Padding), ConvOut(wd, kw, s.Stride, s.Padding)
	if b != nil {
		if err := needShape(op, "b", b, F32, Shape{o}); err != nil {
			return 0, 0, err
		}
	}
	if err := needShape(op, "y", y, F32, Shape{n, o, oh, ow}); err != nil {
		return 0, 0, err
	}
	return oh, ow, nil
}

// CheckConv2DBackwardData validates Conv2DBackwardData: dx fixes the
// input shape, w the kernel, dy must be the matching output gradient.
func CheckConv2DBackwardData(dx, dy, w *Tensor, s ConvSpec) error {
	_, _, err := CheckConv2D("conv2d_backward_data", dx, w, nil, dy, s)
	return err
}

// CheckConv2DBackwardFilter validates Conv2DBackwardFilter.
func CheckConv2DBackwardFilter(dw, db, x, dy *Tensor, s ConvSpec) error {
	_, _, err := CheckConv2D("conv2d_backward_filter", x, dw, db, dy, s)
	return err
}
