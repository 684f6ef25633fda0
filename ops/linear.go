package ops

// CheckLinear validates a linear layer's tensors; b may be nil.
func CheckLinear(op string, x, w, b, y *Tensor) error {
	if err := need(op, "x", x, F32, 2); err != nil {
		return err
	}
	if err := need(op, "w", w, F32, 2); err != nil {
		return err
	}
	if x.shape[1] != w.shape[1] {
		return errf(op, "x %s has %d features but w %s expects %d", x, x.shape[1], w, w.shape[1])
	}
	if b != nil {
		if err := needShape(op, "b", b, F32, Shape{w.shape[0]}); err != nil {
			return err
		}
	}
	return needShape(op, "y", y, F32, Shape{x.shape[0], w.shape[0]})
}

// CheckLinearBackward validates LinearBackward: x, w, db and dy as
// CheckLinear checks x, w, b and y, and dx and dw, when not nil, of x's
// and w's shapes.
func CheckLinearBackward(dx, dw, db, x, w, dy *Tensor) error {
	const op = "linear_backward"
	if err := CheckLinear(op, x, w, db, dy); err != nil {
		return err
	}
	if dx != nil {
		if err := needShape(op, "dx", dx, F32, x.shape); err != nil {
			return err
		}
	}
	if dw != nil {
		return needShape(op, "dw", dw, F32, w.shape)
	}
	return nil
}
