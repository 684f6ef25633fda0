package gpu

import "github.com/wgtrain/wgtrain/ops"

// Convolutions are products of gemm.go's planner, computed by the entry
// points of shaders/conv2d.wgsl.

// convShapeOf returns the convolution geometry for conv2d.wgsl; x is
// [N,C,H,W] (or dx), w [O,C,KH,KW], the output oh x ow.
func convShapeOf(x, w *ops.Tensor, oh, ow int, s ops.ConvSpec) convShape {
	xs, ws := x.Shape(), w.Shape()
	return convShape{
		BN: uint32(xs[0]), C: uint32(xs[1]), H: uint32(xs[2]), W: uint32(xs[3]),
		O: uint32(ws[0]), KH: uint32(ws[2]), KW: uint32(ws[3]),
		OH: uint32(oh), OW: uint32(ow), Stride: uint32(s.Stride), Pad: uint32(s.Padding),
	}
}

// Conv2D writes y = conv(x, w) + b (b may be nil) as an implicit-im2col
// product: rows are output channels, columns output pixels of the whole
// batch, the reduction runs over input channels and kernel taps. A batch
// too large for one binding runs in chunks of images (split.go).
func (g *Backend) Conv2D(y, x, w, b *ops.Tensor, s ops.ConvSpec) error {
	const op = "conv2d"
	oh, ow, checked := ops.CheckConv2D(op, x, w, b, y, s)
	bs, done, err := g.begin(op, checked, y, x, w, b)
	if err != nil {
		return err
	}
	defer done()
	ys, ws := y.Shape(), w.Shape()
	xi, yi := x.Numel()/ys[0], y.Numel()/ys[0]
	return g.batchChunks(op, ys[0], []int{xi, yi}, func(b0, nb int) error {
		conv := convShapeOf(x, w, oh, ow, s)
		conv.BN = uint32(nb)
		return g.gemm(gemmProduct{
			op: op, key: "conv2d:forward",
			m: ws[0], n: nb * oh * ow, k: ws[1] * ws[2] * ws[3],
			conv: conv,
			dst:  bs[0], dstOff: bs[0].esize() * uint64(b0*yi), numel: nb * yi,
			a: in(bs[2], w.Numel()), b: in(bs[1], x.Numel()).slice(b0*xi, nb*xi),
			bias: bs[3], bdiv: oh * ow, bmod: ws[0],
		})
	})
}

// Conv2DBackwardData writes dx, the gradient of the input, as a gather
// product: rows are input channels, columns input pixels of the whole
// batch, the reduction runs over output channels and kernel taps (taps
// that no output position reaches contribute zero). A batch too large for
// one binding runs in chunks of images.
func (g *Backend) Conv2DBackwardData(dx, dy, w *ops.Tensor, s ops.ConvSpec) error {
	const op = "conv2d_backward_data"
	bs, done, err := g.begin(op, ops.CheckConv2DBackwardData(dx, dy, w, s), dx, dy, w)
	if err != nil {
		return err
	}
	defer done()
	xs, ws, ys := dx.Shape(), w.Shape(), dy.Shape()
	xi, yi := dx.Numel()/xs[0], dy.Numel()/xs[0]
	return g.batchChunks(op, xs[0], []int{xi, yi}, func(b0, nb int) error {
		conv := convShapeOf(dx, w, ys[2], ys[3], s)
		conv.BN = uint32(nb)
		return g.gemm(gemmProduct{
			op: op, key: "conv2d:backward_data",
			m: xs[1], n: nb * xs[2] * xs[3], k: ws[0] * ws[2] * ws[3],
			conv: conv,
			dst:  bs[0], dstOff: bs[0].esize() * uint64(b0*xi), numel: nb * xi,
			a: in(bs[2], w.Numel()), b: in(bs[1], dy.Numel()).slice(b0*yi, nb*yi),
		})
	})
}

// Conv2DBackwardFilter writes dw (rows output channels, columns input
// channels and taps, reduced over every output pixel of the batch,
// usually with split-K) and, when db is not nil, db, the sum of dy over
// images and pixels, which the same product adds up from the slices of
// dy it stages (gemmProduct.rowSums). A batch too large for one binding
// runs in chunks of images: the first writes dw and db, each later one
// writes its own into scratch, which is then added to them.
func (g *Backend) Conv2DBackwardFilter(dw, db, x, dy *ops.Tensor, s ops.ConvSpec) error {
	const op = "conv2d_backward_filter"
	bs, done, err := g.begin(op, ops.CheckConv2DBackwardFilter(dw, db, x, dy, s), dw, db, x, dy)
	if err != nil {
		return err
	}
	defer done()
	ws, ys := dw.Shape(), dy.Shape()
	xi, yi := x.Numel()/ys[0], dy.Numel()/ys[0]
	var scratch [2]*buffer // a later chunk's dw and db
	defer func() {
		for _, b := range scratch {
			if b != nil {
				g.put(b)
			}
		}
	}()
	return g.batchChunks(op, ys[0], []int{xi, yi}, func(b0, nb int) error {
		dwOut, dbOut := bs[0], bs[1]
		if b0 > 0 {
			for i, n := range []int{dw.Numel(), ws[0]} {
				if scratch[i] == nil && (i == 0 || db != nil) {
					if scratch[i], err = g.get(4 * uint64(n)); err != nil {
						return opErr(op, "scratch for a chunk's gradient: %v", err)
					}
				}
			}
			dwOut, dbOut = scratch[0], scratch[1]
		}
		conv := convShapeOf(x, dw, ys[2], ys[3], s)
		conv.BN = uint32(nb)
		// db is the row sum of A = dy, which the product sums on the way.
		err := g.gemm(gemmProduct{
			op: op, key: "conv2d:backward_filter",
			m: ws[0], n: ws[1] * ws[2] * ws[3], k: nb * ys[2] * ys[3],
			conv: conv,
			dst:  dwOut, numel: dw.Numel(),
			a: in(bs[3], dy.Numel()).slice(b0*yi, nb*yi), b: in(bs[2], x.Numel()).slice(b0*xi, nb*xi),
			rowSums: dbOut,
		})
		if err != nil || b0 == 0 {
			return err
		}
		if err := g.accumulate(op, bs[0], scratch[0], dw.Numel()); err != nil || db == nil {
			return err
		}
		return g.accumulate(op, bs[1], scratch[1], ws[0])
	})
}

// accumulate records dst[i] += src[i] for i < n.
func (g *Backend) accumulate(op string, dst, src *buffer, n int) error {
	return g.elementwise(op, "elementwise_binary:add", n, &binaryParams{}, in(dst, n), in(dst, n), in(src, n))
}
