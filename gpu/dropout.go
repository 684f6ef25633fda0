package gpu

import "github.com/wgtrain/wgtrain/ops"

// dropoutParams is the parameter block of dropout.wgsl: the step's hash
// key, the 24-bit keep threshold, the scale 1/(1-p), and the index of
// the dispatch's first element (a slice of a tensor larger than one
// binding, split.go).
type dropoutParams struct {
	flat
	Key, Threshold uint32
	Scale          float32
	First          uint32
}

// Dropout writes y = x * mask * 1/(1-p) with the counter-based mask of
// ops.DropoutKeep; y may alias x.
func (g *Backend) Dropout(y, x *ops.Tensor, s ops.DropoutSpec) error {
	const op = "dropout"
	return g.dropout(op, ops.CheckDropout(op, x, y, s), y, x, s)
}

// DropoutBackward writes dx = dy * mask * 1/(1-p) with the mask of the
// forward pass of the same spec; dx may alias dy.
func (g *Backend) DropoutBackward(dx, dy *ops.Tensor, s ops.DropoutSpec) error {
	const op = "dropout_backward"
	return g.dropout(op, ops.CheckDropout(op, dy, dx, s), dx, dy, s)
}

// dropout records the dropout shader: dst = src * mask * 1/(1-p) with the
// mask of ops.DropoutKeep(ops.DropoutHash(seed, step, i), threshold); the
// step key, threshold and scale are computed here by the ops functions so
// that the mask and the scale match the CPU backend bit for bit.
func (g *Backend) dropout(op string, checked error, dst, src *ops.Tensor, s ops.DropoutSpec) error {
	bs, done, err := g.begin(op, checked, dst, src)
	if err != nil {
		return err
	}
	defer done()
	n := src.Numel()
	params := &dropoutParams{
		Key:       ops.DropoutStepKey(s.Seed, s.Step),
		Threshold: ops.DropoutThreshold(s.P),
		Scale:     ops.DropoutScale(s.P),
	}
	// dst may alias src: each invocation reads its element before writing.
	return g.flatChunks(n, func(first, count int) error {
		params.First = uint32(first)
		return g.dispatchFlat(op, "dropout", count, 256, float64(count), params,
			out(bs[0], n).slice(first, count), in(bs[1], n).slice(first, count))
	})
}
