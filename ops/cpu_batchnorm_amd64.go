package ops

// The AVX2 kernel of batch norm's affine map (cpu_batchnorm_amd64.s) and
// its dispatch. It handles a prefix of its slices whose length is a
// multiple of 4 and leaves the rest to the Go loop of affineF32
// (cpu_batchnorm.go); both give the same bits.

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
