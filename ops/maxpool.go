package ops

// CheckMaxPool2D validates a max pool with kernel and stride k.
func CheckMaxPool2D(op string, x, y *Tensor, k int) error {
	if err := need(op, "x", x, F32, 4); err != nil {
		return err
	}
	if k < 1 {
		return errf(op, "kernel %d: want >= 1", k)
	}
	n, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	if h < k || w < k {
		return errf(op, "x %s smaller than kernel %d", x, k)
	}
	return needShape(op, "y", y, F32, Shape{n, c, h / k, w / k})
}

// CheckMaxPool2DBackward validates MaxPool2DBackward: x and dy as
// CheckMaxPool2D checks x and y, and dx of x's shape.
func CheckMaxPool2DBackward(dx, x, dy *Tensor, k int) error {
	const op = "maxpool2d_backward"
	if err := CheckMaxPool2D(op, x, dy, k); err != nil {
		return err
	}
	return needShape(op, "dx", dx, F32, x.shape)
}
