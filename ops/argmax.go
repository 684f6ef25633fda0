package ops

// CheckArgmax validates Argmax.
func CheckArgmax(pred, logits *Tensor) error {
	if err := need("argmax", "logits", logits, F32, 2); err != nil {
		return err
	}
	return needShape("argmax", "pred", pred, I32, Shape{logits.shape[0]})
}
