package ops

// The AVX2 kernel of 2x2 max pooling (cpu_maxpool_amd64.s) and its
// dispatch. It pools whole planes or none; where it does not,
// maxPool2Plane (cpu_maxpool.go) does, with the same result.

// maxPool2AVX2 pools 8 windows a step; see cpu_maxpool_amd64.s for the
// layout of units and groups. It returns non-zero when it met a NaN.
//
//go:noescape
func maxPool2AVX2(out, in []float32, units, groups, ustride, half, w int) int

// maxPool2Vec writes the 2x2 maxima of in, rows x w with both even, into
// out (rows/2 x w/2) in vector instructions and reports whether it did:
// it does not when the CPU lacks them, when w is neither a multiple of 16
// nor 8 (with rows a multiple of 4), or when in holds a NaN (out is then
// overwritten with no result, for the caller to redo). Planes stacked
// one after another pool as one tall plane.
func maxPool2Vec(out, in []float32, rows, w int) bool {
	if !simdElem() {
		return false
	}
	in, out = in[:rows*w], out[:rows*w/4]
	switch {
	case w%16 == 0 && rows%2 == 0: // a group: 16 floats of a row pair
		return maxPool2AVX2(out, in, rows/2, w/16, 2*w, 8, w) == 0
	case w == 8 && rows%4 == 0: // a group: two row pairs, a row each
		return maxPool2AVX2(out, in, rows/4, 1, 4*w, 2*w, w) == 0
	}
	return false
}
