package conformance

// The matrix product: the float64 reference the linear references build
// on, and the GEMM family. Matrix products are no ops.Backend method, but
// every backend computes Linear, LinearBackward and the convolutions
// with them (the CPU backend with register-tiled micro-kernels, the WebGPU
// backend with workgroup tiles and split-K), so the family checks those
// operations at the shapes that stress a tiled product.

import "github.com/wgtrain/wgtrain/ops"

// mat is a float64 matrix whose element (i, j) is data[i*rs + j*cs]: a
// row-major matrix and its transpose are the same data with the strides
// swapped.
type mat struct {
	data   []float64
	rs, cs int
}

// rowMajor returns the matrix of cols columns stored row after row in data.
func rowMajor(data []float64, cols int) mat { return mat{data: data, rs: cols, cs: 1} }

// T returns the transpose of a.
func (a mat) T() mat { return mat{data: a.data, rs: a.cs, cs: a.rs} }

// refGEMM returns the m x n row-major matrix c0 + a*b for a of m x k and b
// of k x n; c0 may be nil (zeros). Each element is summed in float64,
// starting from c0's, in ascending order of the reduction index.
func refGEMM(m, n, k int, a, b mat, c0 []float64) []float64 {
	c := make([]float64, m*n)
	copy(c, c0)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			s := c[i*n+j]
			for p := 0; p < k; p++ {
				s += a.data[i*a.rs+p*a.cs] * b.data[p*b.rs+j*b.cs]
			}
			c[i*n+j] = s
		}
	}
	return c
}

// dyBound is the bound of the random output gradient dy drawn for a layer
// whose weight gradient sums k products (the batch, or the batch's output
// pixels): 1 up to 256 terms, 256/k beyond, so that the float32 rounding
// of that sum stays that of a 256-term sum of O(1) products, which
// ReferenceTol allows for. In a network the loss's 1/N makes dy as small.
func dyBound(k int) float64 { return min(1, 256/float64(k)) }

// The products the WebGPU backend computes (its GEMM planner, gemmTileFor
// and gemmSplit in package gpu) are m x n, reduced over k, in tiles of
// 64x64, 32x128 or 128x32 outputs (the one that pads least), 4x4 outputs
// per invocation and 16-deep slices of k; with at most 64 tiles and k of
// at least 512 the reduction is split over several workgroups (split-K)
// into slices of a multiple of 16:
//
//	Linear               m = batch      n = out          k = in
//	LinearBackward dx    m = batch      n = in           k = out
//	LinearBackward dw    m = out        n = in           k = batch
//	Conv2D               m = O          n = N*OH*OW      k = C*KH*KW
//	Conv2DBackwardData   m = C          n = N*H*W        k = O*KH*KW
//	Conv2DBackwardFilter m = O          n = C*KH*KW      k = N*OH*OW
//
// The cases below make m and n fall on either side of 32, 64 and 128 and
// off multiples of 4, k off multiples of 16, and take each tile shape, a
// last tile of one row or column, and split-K.
var gemmLinearCases = []linearCase{
	// y 33x65 (k 47), dx 33x47 (k 65), dw 65x47 (k 33): 64x64 tiles, one
	// more row or column than a tile.
	{33, 47, 65, true},
	// y 63x127 (k 31), dx 63x31 (k 127), dw 127x31 (k 63): one fewer.
	{63, 31, 127, true},
	// Tall and thin: y 257x3 (k 17) and dx 257x17 (k 3) in 128x32 tiles,
	// the last row tile holding one row.
	{257, 17, 3, true},
	// Short and wide: y 3x129 (k 257) and dx 3x257 (k 129) in 32x128
	// tiles, the last column tile holding one column; dw 129x257 (k 3) in
	// 3x5 tiles of 64x64, reduced over less than one slice.
	{3, 257, 129, false},
	// A long reduction into one tile: y 5x7 over k 999, split-K in three
	// slices of 336, 336 and 327.
	{5, 999, 7, true},
	// The same in dw, reduced over the batch: 6x9 over k 2050, split-K in
	// eight slices of 272, the last of 146.
	{2050, 9, 6, true},
}

var gemmConvCases = []convCase{
	// The filter gradient 5x27 reduced over 722 output pixels: split-K in
	// slices of 368 and 354; the forward 5x722 (k 27) and the data
	// gradient 3x722 (k 45) in 32x128 tiles, the last 82 columns wide.
	{ConvDims{N: 2, C: 3, H: 19, W: 19, O: 5, KH: 3, KW: 3, Stride: 1, Pad: 1}, true},
	// 33 output channels: the forward 33x117 (k 45) in two 64x64 tiles,
	// the data gradient 5x117 (k 297), the filter gradient 33x45 (k 117).
	{ConvDims{N: 1, C: 5, H: 9, W: 13, O: 33, KH: 3, KW: 3, Stride: 1, Pad: 1}, true},
	// The forward 7x60 reduced over 549 inputs and taps: split-K in slices
	// of 288 and 261, the bias added by the pass that sums them.
	{ConvDims{N: 2, C: 61, H: 5, W: 6, O: 7, KH: 3, KW: 3, Stride: 1, Pad: 1}, true},
	// The data gradient 3x20 reduced over 531 outputs and taps: split-K in
	// slices of 272 and 259.
	{ConvDims{N: 1, C: 3, H: 4, W: 5, O: 59, KH: 3, KW: 3, Stride: 1, Pad: 1}, true},
	// The filter gradient 70x144 reduced over 576 output pixels: five
	// 128x32 tiles, split-K in slices of 288; db, the row sums of dy,
	// from the first column tile, after each split's partial output.
	{ConvDims{N: 4, C: 16, H: 12, W: 12, O: 70, KH: 3, KW: 3, Stride: 1, Pad: 1}, true},
	// The filter gradient 140x18 (k 36) in two 128x32 row tiles, one
	// split: db written by the product directly, the second tile's 12
	// rows past 128.
	{ConvDims{N: 1, C: 2, H: 6, W: 6, O: 140, KH: 3, KW: 3, Stride: 1, Pad: 1}, true},
}

// GEMM checks Linear, LinearBackward (every subset of the gradients),
// Conv2D, Conv2DBackwardData and Conv2DBackwardFilter (with and without
// db) against the float64 references, as Linear and Conv2D do, at shapes
// that stress a tiled matrix product: extents on either side of the tile
// sizes, reductions that are not a multiple of the slice depth, tall-thin
// and short-wide products, and long reductions into few output tiles
// (split-K). It runs no finite differences: they check the gradient
// formulas, which do not depend on the shape and which Linear and Conv2D
// check, and cost some 250 forward runs per gradient (measured on
// lavapipe: 7.7 s for the family with them, 0.24 s without).
func GEMM(t TB, b ops.Backend) {
	t.Helper()
	runCases(t, b, "linear/", gemmLinearCases, func(t TB, b ops.Backend, c linearCase) { checkLinear(t, b, c, false) })
	runCases(t, b, "conv2d/forward/", gemmConvCases, convForward)
	runCases(t, b, "conv2d/backward/", gemmConvCases, func(t TB, b ops.Backend, c convCase) { checkConvBackward(t, b, c, false) })
}
