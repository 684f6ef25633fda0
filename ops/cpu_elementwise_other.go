//go:build !amd64

package ops

// Without vector kernels, addF32 is addF32Go (cpu_elementwise.go).

// addF32 does dst[i] += src[i] for every i < len(dst).
func addF32(dst, src []float32) { addF32Go(dst, src[:len(dst)]) }
