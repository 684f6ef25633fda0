package ops

// Argmax writes the index of each row's first largest logit.
func (c *CPU) Argmax(pred, logits *Tensor) error {
	if err := c.mine("argmax", pred, logits); err != nil {
		return err
	}
	if err := CheckArgmax(pred, logits); err != nil {
		return err
	}
	n, k := logits.shape[0], logits.shape[1]
	x, out := f32(logits), i32(pred)
	for i := 0; i < n; i++ {
		row := x[i*k : (i+1)*k]
		best := 0
		for j := 1; j < k; j++ {
			if row[j] > row[best] {
				best = j
			}
		}
		out[i] = int32(best)
	}
	return nil
}
