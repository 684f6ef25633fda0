//go:build !amd64

package ops

// addF32 does dst[i] += src[i] for every i < len(dst).
func addF32(dst, src []float32) { addF32Go(dst, src[:len(dst)]) }
