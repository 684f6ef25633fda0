package ops

// affineAVX2 writes y[i] = float32(float64(x[i])*scale + shift) for
// i < len(y) &^ 3.
//
//go:noescape
func affineAVX2(y, x []float32, scale, shift float64)

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
