package gpu

import "github.com/wgtrain/wgtrain/ops"

// argmaxParams is the parameter block of argmax.wgsl: one invocation per
// row of C logits.
type argmaxParams struct {
	flat
	C uint32
}

// Argmax writes the index of each row's first largest logit; a NaN wins
// only in column 0, as in the CPU backend's scan.
func (g *Backend) Argmax(pred, logits *ops.Tensor) error {
	const op = "argmax"
	bs, done, err := g.begin(op, ops.CheckArgmax(pred, logits), pred, logits)
	if err != nil {
		return err
	}
	defer done()
	n, c := logits.Shape()[0], logits.Shape()[1]
	return g.dispatchFlat(op, "argmax", n, 64, float64(n*c), &argmaxParams{C: uint32(c)}, out(bs[0], n), in(bs[1], n*c))
}
