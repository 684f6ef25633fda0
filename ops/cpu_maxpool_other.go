//go:build !amd64

package ops

// Without vector kernels, 2x2 max pooling runs maxPool2Plane
// (cpu_maxpool.go) on every plane.

// maxPool2Vec pools nothing: it returns false.
func maxPool2Vec(out, in []float32, rows, w int) bool { return false }
