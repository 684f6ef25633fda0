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
// batch, the reduction runs over input channels and kernel taps.
func (g *Backend) Conv2D(y, x, w, b *ops.Tensor, s ops.ConvSpec) error {
	const op = "conv2d"
	oh, ow, checked := ops.CheckConv2D(op, x, w, b, y, s)
	bs, done, err := g.begin(op, checked, y, x, w, b)
	if err != nil {
		return err
	}
	defer done()
	ys, ws := y.Shape(), w.Shape()
	return g.gemm(gemmProduct{
		op: op, key: "conv2d:forward",
		m: ws[0], n: ys[0] * oh * ow, k: ws[1] * ws[2] * ws[3],
		conv: convShapeOf(x, w, oh, ow, s),
		dst:  bs[0], numel: y.Numel(),
		a: in(bs[2], w.Numel()), b: in(bs[1], x.Numel()),
		bias: bs[3], bdiv: oh * ow, bmod: ws[0],
	})
}

// Conv2DBackwardData writes dx, the gradient of the input, as a gather
// product: rows are input channels, columns input pixels of the whole
// batch, the reduction runs over output channels and kernel taps (taps
// that no output position reaches contribute zero).
func (g *Backend) Conv2DBackwardData(dx, dy, w *ops.Tensor, s ops.ConvSpec) error {
	const op = "conv2d_backward_data"
	bs, done, err := g.begin(op, ops.CheckConv2DBackwardData(dx, dy, w, s), dx, dy, w)
	if err != nil {
		return err
	}
	defer done()
	xs, ws, ys := dx.Shape(), w.Shape(), dy.Shape()
	return g.gemm(gemmProduct{
		op: op, key: "conv2d:backward_data",
		m: xs[1], n: xs[0] * xs[2] * xs[3], k: ws[0] * ws[2] * ws[3],
		conv: convShapeOf(dx, w, ys[2], ys[3], s),
		dst:  bs[0], numel: dx.Numel(),
		a: in(bs[2], w.Numel()), b: in(bs[1], dy.Numel()),
	})
}

// Conv2DBackwardFilter writes dw (rows output channels, columns input
// channels and taps, reduced over every output pixel of the batch,
// usually with split-K) and, when db is not nil, db, the sum of dy over
// images and pixels.
func (g *Backend) Conv2DBackwardFilter(dw, db, x, dy *ops.Tensor, s ops.ConvSpec) error {
	const op = "conv2d_backward_filter"
	bs, done, err := g.begin(op, ops.CheckConv2DBackwardFilter(dw, db, x, dy, s), dw, db, x, dy)
	if err != nil {
		return err
	}
	defer done()
	ws, ys := dw.Shape(), dy.Shape()
	err = g.gemm(gemmProduct{
		op: op, key: "conv2d:backward_filter",
		m: ws[0], n: ws[1] * ws[2] * ws[3], k: ys[0] * ys[2] * ys[3],
		conv: convShapeOf(x, dw, ys[2], ys[3], s),
		dst:  bs[0], numel: dw.Numel(),
		a: in(bs[3], dy.Numel()), b: in(bs[2], x.Numel()),
	})
	if err != nil || db == nil {
		return err
	}
	return g.gemmBiasGrad(op, bs[1], bs[3], ys[0], ys[1], ys[2]*ys[3])
}
