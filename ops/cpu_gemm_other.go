//go:build !amd64

package ops

// Without assembly micro-kernels every product runs kern6x16Go.
func bestKernel() int { return kernGo }

func availableKernels() []int { return []int{kernGo} }

func kern6x16AVX2(kb int, a, b, c *float32, ldc int, acc bool) {
	panic("ops: no assembly GEMM kernel on this architecture")
}

func kern8x16AVX512(kb int, a, b, c *float32, ldc int, acc bool) {
	panic("ops: no assembly GEMM kernel on this architecture")
}
