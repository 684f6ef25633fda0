//go:build amd64

package ops

// Vector versions of element-wise kernels (cpu_simd_amd64.s). Each
// handles a prefix of its slices whose length is a multiple of its vector
// width and leaves the rest to the Go loop; both give the same bits.

// reluAVX2 writes out[i] = relu1(in[i]) for i < len(out) &^ 7.
//
//go:noescape
func reluAVX2(out, in []float32)

// reluBackAVX2 writes g[i] = reluBack1(y[i], up[i]) for i < len(g) &^ 7.
//
//go:noescape
func reluBackAVX2(g, y, up []float32)

// affineAVX2 writes y[i] = float32(float64(x[i])*scale + shift) for
// i < len(y) &^ 3.
//
//go:noescape
func affineAVX2(y, x []float32, scale, shift float64)

// simdElem reports whether the vector kernels run: on CPUs with AVX2,
// unless the tests selected the portable GEMM kernel (kernGo), which
// makes the whole backend portable Go.
func simdElem() bool { return haveAVX2 && kernel != kernGo }

// reluVec applies ReLU to the longest vector-sized prefix of out it can
// and returns its length.
func reluVec(out, in []float32) int {
	if !simdElem() {
		return 0
	}
	n := len(out) &^ 7
	reluAVX2(out[:n], in[:n])
	return n
}

// reluBackVec writes the ReLU gradient of the longest vector-sized
// prefix of g it can and returns its length.
func reluBackVec(g, y, up []float32) int {
	if !simdElem() {
		return 0
	}
	n := len(g) &^ 7
	reluBackAVX2(g[:n], y[:n], up[:n])
	return n
}

// affineVec applies the affine map to the longest vector-sized prefix of
// y it can and returns its length.
func affineVec(y, x []float32, scale, shift float64) int {
	if !simdElem() {
		return 0
	}
	n := len(y) &^ 3
	affineAVX2(y[:n], x[:n], scale, shift)
	return n
}

// maxPool2AVX2 pools 8 windows a step; see cpu_simd_amd64.s for the
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
