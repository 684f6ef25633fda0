//go:build !amd64

package ops

func affineVec(y, x []float32, scale, shift float64) int { return 0 }
