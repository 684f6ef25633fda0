package gpu

// Convolutions and linear layers are tiled matrix products (shaders
// include/gemm_tile.wgsl, with conv2d.wgsl and gemm.wgsl, and
// gemm_sum.wgsl): a workgroup of 256 invocations computes a 32x128, 64x64
// or 128x32 tile of the output, each invocation a 4x4 block, from 16-deep
// slices of both operands staged in workgroup memory. The convolution
// operands are gathered on the fly (implicit im2col), so no column matrix
// is stored. Products with few output tiles and a long reduction (the
// filter gradient, reduced over every output pixel of the batch) split
// the reduction over several workgroups (split-K) and add the partial
// outputs in a second, fixed-order pass; no atomics anywhere.

const (
	gemmTK          = 16  // reduction slice staged per step (TK in gemm_tile.wgsl)
	gemmSplitGroups = 128 // split the reduction until this many workgroups run
	gemmSplitMin    = 256 // but keep at least this much reduction per split
	gemmMaxSplits   = 64
	gemmSplitBytes  = 64 << 20 // at most this much scratch for partial outputs
)

// gemmTiles are the tiles gemm_tile.wgsl supports, rows x columns.
var gemmTiles = [][2]int{{64, 64}, {32, 128}, {128, 32}}

// gemmParams is the parameter block of include/gemm_tile.wgsl (conv2d.wgsl
// and gemm.wgsl).
type gemmParams struct {
	M, N, K       uint32 // output rows, columns, reduction length
	TM, TN, KC    uint32 // tile rows and columns, reduction per split
	Rows          uint32 // row tiles in this dispatch
	TI0, TJ0, S0  uint32 // first row tile, column tile and split of this dispatch
	Numel, Bias   uint32 // output elements (distance between splits), 1: add the bias
	convShape            // convolutions only
	linearStrides        // linear products only
	Sums          uint32 // row sums of A: 0 none, 1 into the bias binding, 2 after each split's output there
}

// convShape is a convolution's geometry: x [BN, C, H, W], w [O, C, KH,
// KW], y [BN, O, OH, OW].
type convShape struct {
	BN, C, H, W, O, KH, KW, OH, OW, Stride, Pad uint32
}

// linearStrides places a linear product's operands: A[i, k] =
// a[i*SAM + k*SAK], B[k, j] = b[k*SBK + j*SBN].
type linearStrides struct{ SAM, SAK, SBK, SBN uint32 }

// gemmSumParams is the parameter block of gemm_sum.wgsl: split uses the
// flat head and Splits, Bias, BDiv, BMod and Tail (the last Tail values
// go to binding 3); bias_grad uses Ch, Batch, HW and GX.
type gemmSumParams struct {
	flat
	Splits, Bias, BDiv, BMod uint32
	Ch, Batch, HW, GX        uint32
	Tail                     uint32
}

// gemmProduct is one matrix product: an m x n output reduced over k,
// computed by entry point key ("conv2d:forward", "gemm:linear", ...) and
// written into dst in the entry point's own layout.
type gemmProduct struct {
	op, key string
	m, n, k int
	conv    convShape     // convolutions
	strides linearStrides // linear products
	dst     *buffer
	dstOff  uint64 // bytes: the output starts there in dst (a slice, split.go)
	numel   int    // elements of the output
	a, b    binding
	bias    *buffer // nil: no bias
	bdiv    int     // bias of output element i is bias[(i/bdiv) % bmod]
	bmod    int
	// rowSums, when not nil, receives the m row sums of A (a
	// convolution's bias gradient, the row sums of dy); only for products
	// without a bias whose output is m x n.
	rowSums *buffer
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
// gemmTK); the partial outputs take at most maxBytes (one binding).
func gemmSplit(tiles, k, numel, maxBytes int) (splits, kc int) {
	s := min(gemmDivUp(gemmSplitGroups, tiles), k/gemmSplitMin, gemmMaxSplits, min(gemmSplitBytes, maxBytes)/(4*numel))
	if s <= 1 {
		return 1, gemmDivUp(k, gemmTK) * gemmTK
	}
	kc = gemmDivUp(gemmDivUp(k, s), gemmTK) * gemmTK
	return gemmDivUp(k, kc), kc
}

// gemm records a product: the tiled dispatches (several when the grid is
// larger than a dispatch may be or than the adapter's work per
// submission), then, with split-K, the pass that sums the splits. With
// rowSums, each split's partial output is followed by its m row sums,
// which the sum pass writes to rowSums.
func (g *Backend) gemm(p gemmProduct) error {
	if p.rowSums != nil && (p.bias != nil || p.numel != p.m*p.n) {
		return opErr(p.op, "row sums of a product with a bias or a %d-element output of %d x %d", p.numel, p.m, p.n)
	}
	region := p.numel // elements of each split's partial output
	if p.rowSums != nil {
		region += p.m
	}
	tm, tn := gemmTileFor(p.m, p.n)
	rowTiles, colTiles := gemmDivUp(p.m, tm), gemmDivUp(p.n, tn)
	splits, kc := gemmSplit(rowTiles*colTiles, p.k, region, int(min(g.bindCap(), 1<<40)))
	target, bias := p.dst, p.bias
	if splits > 1 {
		part, err := g.get(4 * uint64(splits*region))
		if err != nil {
			return opErr(p.op, "scratch for %d partial outputs: %v", splits, err)
		}
		defer g.put(part)
		target, bias = part, nil
	}

	maxDim := g.maxGroups()
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

	params := &gemmParams{
		M: uint32(p.m), N: uint32(p.n), K: uint32(p.k), TM: uint32(tm), TN: uint32(tn), KC: uint32(kc),
		Numel: uint32(region), Bias: flag(bias != nil), convShape: p.conv, linearStrides: p.strides,
	}
	binds := []binding{out(target, splits*region), p.a, p.b}
	if splits == 1 {
		binds[0] = out(target, p.numel)
		binds[0].off += p.dstOff
	}
	if bias != nil {
		binds = append(binds, in(bias, p.bmod))
	}
	if p.rowSums != nil {
		// The tile writes the row sums through the bias binding: db, or
		// the partial outputs again (after each split's).
		params.Sums = 1
		sums := out(p.rowSums, p.m)
		if splits > 1 {
			params.Sums, sums = 2, binds[0]
		}
		binds = append(binds, sums)
	}
	for ti0 := 0; ti0 < rowTiles; ti0 += rowsPer {
		rows := min(rowsPer, rowTiles-ti0)
		for tj0 := 0; tj0 < colTiles; tj0 += colsPer {
			cols := min(colsPer, colTiles-tj0)
			for s0 := 0; s0 < splits; s0 += splitsPer {
				sp := min(splitsPer, splits-s0)
				params.Rows, params.TI0, params.TJ0, params.S0 = uint32(rows), uint32(ti0), uint32(tj0), uint32(s0)
				flops := groupFlops * float64(rows*cols*sp)
				if err := g.dispatch(p.op, p.key, params, uint32(cols), uint32(rows*sp), flops, binds...); err != nil {
					return err
				}
			}
		}
	}
	if splits == 1 {
		return nil
	}
	dst := out(p.dst, p.numel)
	dst.off += p.dstOff
	sum := []binding{dst, in(target, splits*region)}
	if p.bias != nil {
		sum = append(sum, in(p.bias, p.bmod))
	}
	if p.rowSums != nil {
		sum = append(sum, out(p.rowSums, p.m))
	}
	return g.dispatchFlat(p.op, "gemm_sum:split", region, 256, float64(splits*region), &gemmSumParams{
		Splits: uint32(splits), Bias: flag(p.bias != nil), BDiv: uint32(max(p.bdiv, 1)), BMod: uint32(max(p.bmod, 1)),
		Tail: uint32(region - p.numel),
	}, sum...)
}

// gemmBiasGrad records db[o] = the sum of dy[image, o, q] over images <
// batch and q < hw: a linear layer's bias gradient (hw = 1); a
// convolution's comes with its filter gradient (gemmProduct.rowSums).
func (g *Backend) gemmBiasGrad(op string, db, dy *buffer, batch, ch, hw int) error {
	wx, wy, _ := g.grid(ch*256, 256)
	params := &gemmSumParams{Ch: uint32(ch), Batch: uint32(batch), HW: uint32(hw), GX: wx}
	return g.dispatch(op, "gemm_sum:bias_grad", params, wx, wy, float64(batch*ch*hw), out(db, ch), in(dy, batch*ch*hw))
}

// flag is a shader parameter's boolean.
func flag(v bool) uint32 {
	if v {
		return 1
	}
	return 0
}
