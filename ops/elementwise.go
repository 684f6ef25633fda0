package ops

// CheckSame checks that every tensor is an F32 tensor of the first one's shape.
func CheckSame(op string, names []string, ts ...*Tensor) error {
	if err := need(op, names[0], ts[0], F32, -1); err != nil {
		return err
	}
	for i := 1; i < len(ts); i++ {
		if err := needShape(op, names[i], ts[i], F32, ts[0].shape); err != nil {
			return err
		}
	}
	return nil
}

// CheckFill validates Fill: t is an F32 tensor.
func CheckFill(t *Tensor) error { return need("fill", "t", t, F32, -1) }

// CheckCopy validates Copy.
func CheckCopy(dst, src *Tensor) error {
	if err := need("copy", "dst", dst, F32, -1); err != nil {
		return err
	}
	if err := need("copy", "src", src, F32, -1); err != nil {
		return err
	}
	if dst.Numel() != src.Numel() {
		return errf("copy", "dst %s and src %s differ in size", dst, src)
	}
	return nil
}
