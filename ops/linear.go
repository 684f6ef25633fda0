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
