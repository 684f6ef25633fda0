package gpu

import "github.com/wgtrain/wgtrain/ops"

// maxPool records one maxpool shader over n invocations of planes of x.
func (g *Backend) maxPool(op, entry string, n int, x *ops.Tensor, k int, bufs ...binding) error {
	s := x.Shape()
	h, w := s[2], s[3]
	wx, wy, row := g.grid(n, 256)
	params := []uint32{uint32(n), row, uint32(h), uint32(w), uint32(h / k), uint32(w / k), uint32(k)}
	return g.dispatch(op, "maxpool:"+entry, params, wx, wy, float64(n*k*k), bufs...)
}

// MaxPool2D writes the maximum of each k x k window (stride k, trailing
// rows and columns dropped); the first maximum in row-major order wins
// ties and NaN propagates, as in PyTorch. One invocation per output.
func (g *Backend) MaxPool2D(y, x *ops.Tensor, k int) error {
	const op = "maxpool2d"
	if err := ops.CheckMaxPool2D(op, x, y, k); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, y, x)
	if err != nil {
		return err
	}
	n := y.Numel()
	return g.maxPool(op, "forward", n, x, k, out(bs[0], n), in(bs[1], x.Numel()))
}

// MaxPool2DBackward routes each window's gradient to its first maximum.
// It is a gather, one invocation per element of dx: an element takes its
// window's dy when it is that window's first maximum, else 0.
func (g *Backend) MaxPool2DBackward(dx, x, dy *ops.Tensor, k int) error {
	const op = "maxpool2d_backward"
	if err := ops.CheckMaxPool2D(op, x, dy, k); err != nil {
		return err
	}
	// The CPU backend's check of dx, with its messages.
	if err := ops.CheckSame(op, []string{"x", "dx"}, x, dx); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, dx, x, dy)
	if err != nil {
		return err
	}
	n := x.Numel()
	return g.maxPool(op, "backward", n, x, k, out(bs[0], n), in(bs[1], n), in(bs[2], dy.Numel()))
}

// dropout records the dropout shader: out = in * mask * 1/(1-p) with the
// mask of ops.DropoutKeep(ops.DropoutHash(seed, step, i), threshold); the
// step key, threshold and scale are computed here by the ops functions so
// that the mask and the scale match the CPU backend bit for bit.
func (g *Backend) dropout(op string, dst, src *ops.Tensor, s ops.DropoutSpec) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, dst, src)
	if err != nil {
		return err
	}
	n := src.Numel()
	extra := []uint32{ops.DropoutStepKey(s.Seed, s.Step), ops.DropoutThreshold(s.P), f32bits(ops.DropoutScale(s.P))}
	// dst may alias src: each invocation reads its element before writing.
	return g.elementwise(op, "dropout", n, extra, out(bs[0], n), in(bs[1], n))
}

// Dropout writes y = x * mask * 1/(1-p) with the counter-based mask of
// ops.DropoutKeep; y may alias x.
func (g *Backend) Dropout(y, x *ops.Tensor, s ops.DropoutSpec) error {
	if err := ops.CheckDropout("dropout", x, y, s); err != nil {
		return err
	}
	return g.dropout("dropout", y, x, s)
}

// DropoutBackward writes dx = dy * mask * 1/(1-p) with the mask of the
// forward pass of the same spec; dx may alias dy.
func (g *Backend) DropoutBackward(dx, dy *ops.Tensor, s ops.DropoutSpec) error {
	if err := ops.CheckDropout("dropout_backward", dy, dx, s); err != nil {
		return err
	}
	return g.dropout("dropout_backward", dx, dy, s)
}
