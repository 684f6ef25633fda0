package gpu

import "github.com/wgtrain/wgtrain/ops"

// Convolutions and linear layers are tiled matrix products (shaders
// gemm.wgsl and gemm_sum.wgsl): a workgroup of 256 invocations computes a
// 32x128, 64x64 or 128x32 tile of the output, each invocation a 4x4 block,
// from 16-deep slices of both operands staged in workgroup memory. The
// convolution operands are gathered on the fly (implicit im2col), so no
// column matrix is stored. Products with few output tiles and a long
// reduction (the filter gradient, reduced over every output pixel of the
// batch) split the reduction over several workgroups (split-K) and add
// the partial outputs in a second, fixed-order pass; no atomics anywhere.

const (
	gemmTK          = 16  // reduction slice staged per step (TK in gemm.wgsl)
	gemmSplitGroups = 128 // split the reduction until this many workgroups run
	gemmSplitMin    = 256 // but keep at least this much reduction per split
	gemmMaxSplits   = 64
	gemmSplitBytes  = 64 << 20 // at most this much scratch for partial outputs
)

// gemmTiles are the tiles gemm.wgsl supports, rows x columns.
var gemmTiles = [][2]int{{64, 64}, {32, 128}, {128, 32}}

// gemmProduct is one matrix product of gemm.wgsl: an m x n output reduced
// over k, written into dst in the entry point's own layout.
type gemmProduct struct {
	op, entry string
	m, n, k   int
	conv      [11]uint32 // convolution geometry (bn, c, h, w, o, kh, kw, oh, ow, stride, pad)
	strides   [4]uint32  // linear operand strides (sam, sak, sbk, sbn)
	dst       *buffer
	numel     int // elements of dst
	a, b      binding
	bias      *buffer // nil: no bias
	bdiv      int     // bias of output element i is bias[(i/bdiv) % bmod]
	bmod      int
}

func gemmDivUp(a, b int) int { return (a + b - 1) / b }

// gemmTileFor returns the tile shape that pads an m x n output least.
func gemmTileFor(m, n int) (tm, tn int) {
	best := -1
	for _, s := range gemmTiles {
		cost := gemmDivUp(m, s[0]) * s[0] * gemmDivUp(n, s[1]) * s[1]
		if best < 0 || cost < best {
			best, tm, tn = cost, s[0], s[1]
		}
	}
	return tm, tn
}

// gemmSplit returns the number of reduction splits for a product with the
// given output tiles, and the reduction length of each (a multiple of
// gemmTK).
func gemmSplit(tiles, k, numel int) (splits, kc int) {
	s := min(gemmDivUp(gemmSplitGroups, tiles), k/gemmSplitMin, gemmMaxSplits, gemmSplitBytes/(4*numel))
	if s <= 1 {
		return 1, gemmDivUp(k, gemmTK) * gemmTK
	}
	kc = gemmDivUp(gemmDivUp(k, s), gemmTK) * gemmTK
	return gemmDivUp(k, kc), kc
}

// gemm records a product: the tiled dispatches (several when the grid is
// larger than a dispatch may be or than the adapter's work per
// submission), then, with split-K, the pass that sums the splits.
func (g *Backend) gemm(p gemmProduct) error {
	tm, tn := gemmTileFor(p.m, p.n)
	rowTiles, colTiles := gemmDivUp(p.m, tm), gemmDivUp(p.n, tn)
	splits, kc := gemmSplit(rowTiles*colTiles, p.k, p.numel)
	target, bias := p.dst, p.bias
	if splits > 1 {
		part, err := g.get(4 * uint64(splits*p.numel))
		if err != nil {
			return opErr(p.op, "scratch for %d partial outputs: %v", splits, err)
		}
		defer g.put(part)
		target, bias = part, nil
	}

	maxDim := int(g.d.limits.MaxComputeWorkgroupsPerDimension)
	if maxDim <= 0 || maxDim > 65535 {
		maxDim = 65535
	}
	// Each dispatch covers a block of row tiles, column tiles and splits,
	// sized to the adapter's work per submission (when it has a limit).
	groupFlops := 2 * float64(tm*tn*kc)
	perDispatch := maxDim * maxDim
	if g.d.budget > 0 {
		perDispatch = max(1, int(g.d.budget/groupFlops))
	}
	splitsPer := min(splits, perDispatch)
	rowsPer := max(1, min(rowTiles, maxDim/splitsPer, perDispatch/splitsPer))
	colsPer := max(1, min(colTiles, maxDim, perDispatch/(rowsPer*splitsPer)))

	params := make([]uint32, 0, 27)
	for ti0 := 0; ti0 < rowTiles; ti0 += rowsPer {
		rows := min(rowsPer, rowTiles-ti0)
		for tj0 := 0; tj0 < colTiles; tj0 += colsPer {
			cols := min(colsPer, colTiles-tj0)
			for s0 := 0; s0 < splits; s0 += splitsPer {
				sp := min(splitsPer, splits-s0)
				params = append(params[:0],
					uint32(p.m), uint32(p.n), uint32(p.k), uint32(tm), uint32(tn), uint32(kc),
					uint32(rows), uint32(ti0), uint32(tj0), uint32(s0), uint32(p.numel), gemmFlag(bias != nil))
				params = append(params, p.conv[:]...)
				params = append(params, p.strides[:]...)
				binds := []binding{out(target, splits*p.numel), p.a, p.b}
				if bias != nil {
					binds = append(binds, in(bias, p.bmod))
				}
				flops := groupFlops * float64(rows*cols*sp)
				if err := g.dispatch(p.op, "gemm:"+p.entry, params, uint32(cols), uint32(rows*sp), flops, binds...); err != nil {
					return err
				}
			}
		}
	}
	if splits == 1 {
		return nil
	}
	wx, wy, row := g.grid(p.numel, 256)
	sp := []uint32{uint32(p.numel), row, uint32(splits), gemmFlag(p.bias != nil), uint32(max(p.bdiv, 1)), uint32(max(p.bmod, 1))}
	binds := []binding{out(p.dst, p.numel), in(target, splits*p.numel)}
	if p.bias != nil {
		binds = append(binds, in(p.bias, p.bmod))
	}
	return g.dispatch(p.op, "gemm_sum:split", sp, wx, wy, float64(splits*p.numel), binds...)
}

// gemmBiasGrad records db[o] = the sum of dy[image, o, q] over images < batch
// and q < hw.
func (g *Backend) gemmBiasGrad(op string, db, dy *buffer, batch, ch, hw int) error {
	wx, wy, _ := g.grid(ch*256, 256)
	params := []uint32{0, 0, 0, 0, 0, 0, uint32(ch), uint32(batch), uint32(hw), wx}
	return g.dispatch(op, "gemm_sum:bias_grad", params, wx, wy, float64(batch*ch*hw), out(db, ch), in(dy, batch*ch*hw))
}

// gemmFlag is a shader parameter's boolean.
func gemmFlag(v bool) uint32 {
	if v {
		return 1
	}
	return 0
}

// convGeometry packs the convolution geometry for gemm.wgsl; x is [N,C,H,W]
// (or dx), w [O,C,KH,KW], the output oh x ow.
func convGeometry(x, w *ops.Tensor, oh, ow int, s ops.ConvSpec) [11]uint32 {
	xs, ws := x.Shape(), w.Shape()
	return [11]uint32{
		uint32(xs[0]), uint32(xs[1]), uint32(xs[2]), uint32(xs[3]),
		uint32(ws[0]), uint32(ws[2]), uint32(ws[3]),
		uint32(oh), uint32(ow), uint32(s.Stride), uint32(s.Padding),
	}
}

// Conv2D writes y = conv(x, w) + b (b may be nil) as an implicit-im2col
// product: rows are output channels, columns output pixels of the whole
// batch, the reduction runs over input channels and kernel taps.
func (g *Backend) Conv2D(y, x, w, b *ops.Tensor, s ops.ConvSpec) error {
	const op = "conv2d"
	oh, ow, err := ops.CheckConv2D(op, x, w, b, y, s)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, y, x, w, b)
	if err != nil {
		return err
	}
	ys, ws := y.Shape(), w.Shape()
	k := ws[1] * ws[2] * ws[3]
	return g.gemm(gemmProduct{
		op: op, entry: "conv_fwd",
		m: ws[0], n: ys[0] * oh * ow, k: k,
		conv: convGeometry(x, w, oh, ow, s),
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
	if err := ops.CheckConv2DBackwardData(dx, dy, w, s); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, dx, dy, w)
	if err != nil {
		return err
	}
	xs, ws, ys := dx.Shape(), w.Shape(), dy.Shape()
	return g.gemm(gemmProduct{
		op: op, entry: "conv_bwd_data",
		m: xs[1], n: xs[0] * xs[2] * xs[3], k: ws[0] * ws[2] * ws[3],
		conv: convGeometry(dx, w, ys[2], ys[3], s),
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
	if err := ops.CheckConv2DBackwardFilter(dw, db, x, dy, s); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, dw, db, x, dy)
	if err != nil {
		return err
	}
	ws, ys := dw.Shape(), dy.Shape()
	err = g.gemm(gemmProduct{
		op: op, entry: "conv_bwd_filter",
		m: ws[0], n: ws[1] * ws[2] * ws[3], k: ys[0] * ys[2] * ys[3],
		conv: convGeometry(x, dw, ys[2], ys[3], s),
		dst:  bs[0], numel: dw.Numel(),
		a: in(bs[3], dy.Numel()), b: in(bs[2], x.Numel()),
	})
	if err != nil || db == nil {
		return err
	}
	return g.gemmBiasGrad(op, bs[1], bs[3], ys[0], ys[1], ys[2]*ys[3])
}

// Linear writes y = x w^T + b (b may be nil).
func (g *Backend) Linear(y, x, w, b *ops.Tensor) error {
	const op = "linear"
	if err := ops.CheckLinear(op, x, w, b, y); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, y, x, w, b)
	if err != nil {
		return err
	}
	n, in_, out_ := x.Shape()[0], x.Shape()[1], w.Shape()[0]
	return g.gemm(gemmProduct{
		op: op, entry: "linear",
		m: n, n: out_, k: in_,
		strides: [4]uint32{uint32(in_), 1, 1, uint32(in_)},
		dst:     bs[0], numel: y.Numel(),
		a: in(bs[1], x.Numel()), b: in(bs[2], w.Numel()),
		bias: bs[3], bdiv: 1, bmod: out_,
	})
}

// LinearBackward writes dx = dy w, dw = dy^T x and db = the column sums
// of dy; nil outputs are skipped.
func (g *Backend) LinearBackward(dx, dw, db, x, w, dy *ops.Tensor) error {
	const op = "linear_backward"
	if err := ops.CheckLinear(op, x, w, db, dy); err != nil {
		return err
	}
	if err := linearGradShape(op, "dx", dx, x.Shape()); err != nil {
		return err
	}
	if err := linearGradShape(op, "dw", dw, w.Shape()); err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	bs, err := g.bufs(op, dx, dw, db, x, w, dy)
	if err != nil {
		return err
	}
	n, in_, out_ := x.Shape()[0], x.Shape()[1], w.Shape()[0]
	if dx != nil {
		err := g.gemm(gemmProduct{
			op: op, entry: "linear", m: n, n: in_, k: out_,
			strides: [4]uint32{uint32(out_), 1, uint32(in_), 1},
			dst:     bs[0], numel: dx.Numel(),
			a: in(bs[5], dy.Numel()), b: in(bs[4], w.Numel()),
		})
		if err != nil {
			return err
		}
	}
	if dw != nil {
		err := g.gemm(gemmProduct{
			op: op, entry: "linear", m: out_, n: in_, k: n,
			strides: [4]uint32{1, uint32(out_), uint32(in_), 1},
			dst:     bs[1], numel: dw.Numel(),
			a: in(bs[5], dy.Numel()), b: in(bs[3], x.Numel()),
		})
		if err != nil {
			return err
		}
	}
	if db != nil {
		return g.gemmBiasGrad(op, bs[2], bs[5], n, out_, 1)
	}
	return nil
}

// linearGradShape checks an optional gradient the way the CPU backend
// does, with the same messages.
func linearGradShape(op, name string, t *ops.Tensor, want ops.Shape) error {
	switch {
	case t == nil:
		return nil
	case t.DType() != ops.F32:
		return opErr(op, "%s is %s, want %s", name, t, ops.F32)
	case len(t.Shape()) != len(want):
		return opErr(op, "%s is %s, want rank %d", name, t, len(want))
	case !t.Shape().Equal(want):
		return opErr(op, "%s is %s, want %s%s", name, t, ops.F32, want)
	}
	return nil
}
