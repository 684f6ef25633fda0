package gpu

import "github.com/wgtrain/wgtrain/ops"

// maxPoolParams is the parameter block of maxpool.wgsl: planes of H x W,
// OH x OW windows of K x K.
type maxPoolParams struct {
	flat
	H, W, OH, OW, K uint32
}

// maxPool records entry point entry of maxpool.wgsl over n invocations
// of the planes of x.
func (g *Backend) maxPool(op, entry string, n int, x *ops.Tensor, k int, bufs ...binding) error {
	s := x.Shape()
	h, w := s[2], s[3]
	params := &maxPoolParams{H: uint32(h), W: uint32(w), OH: uint32(h / k), OW: uint32(w / k), K: uint32(k)}
	return g.dispatchFlat(op, "maxpool:"+entry, n, 256, float64(n*k*k), params, bufs...)
}

// MaxPool2D writes the maximum of each k x k window (stride k, trailing
// rows and columns dropped); the first maximum in row-major order wins
// ties and NaN propagates, as in PyTorch. One invocation per output. A
// batch too large for one binding runs in chunks of images (split.go).
func (g *Backend) MaxPool2D(y, x *ops.Tensor, k int) error {
	const op = "maxpool2d"
	bs, done, err := g.begin(op, ops.CheckMaxPool2D(op, x, y, k), y, x)
	if err != nil {
		return err
	}
	defer done()
	batch := x.Shape()[0]
	xi, yi := x.Numel()/batch, y.Numel()/batch
	return g.batchChunks(op, batch, []int{xi, yi}, func(b0, nb int) error {
		n := nb * yi
		return g.maxPool(op, "forward", n, x, k, out(bs[0], y.Numel()).slice(b0*yi, n), in(bs[1], x.Numel()).slice(b0*xi, nb*xi))
	})
}

// MaxPool2DBackward routes each window's gradient to its first maximum.
// It is a gather, one invocation per element of dx: an element takes its
// window's dy when it is that window's first maximum, else 0.
func (g *Backend) MaxPool2DBackward(dx, x, dy *ops.Tensor, k int) error {
	const op = "maxpool2d_backward"
	bs, done, err := g.begin(op, ops.CheckMaxPool2DBackward(dx, x, dy, k), dx, x, dy)
	if err != nil {
		return err
	}
	defer done()
	batch := x.Shape()[0]
	xi, yi := x.Numel()/batch, dy.Numel()/batch
	return g.batchChunks(op, batch, []int{xi, yi}, func(b0, nb int) error {
		n := nb * xi
		return g.maxPool(op, "backward", n, x, k, out(bs[0], x.Numel()).slice(b0*xi, n),
			in(bs[1], x.Numel()).slice(b0*xi, n), in(bs[2], dy.Numel()).slice(b0*yi, nb*yi))
	})
}
