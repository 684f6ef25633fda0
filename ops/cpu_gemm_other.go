//go:build !amd64

package ops

// Without assembly micro-kernels every product runs kern6x16Go; the
// assembly kernels' names exist only so that microKernel compiles.

// bestKernel returns kernGo, the only micro-kernel here.
func bestKernel() int { return kernGo }

// availableKernels lists kernGo, the only micro-kernel here.
func availableKernels() []int { return []int{kernGo} }

// kern6x16AVX2 is never called here: kernel is always kernGo.
func kern6x16AVX2(kb int, a, b, c *float32, ldc int, acc bool) {
	panic("ops: no assembly GEMM kernel on this architecture")
}

// kern8x16AVX512 is never called here: kernel is always kernGo.
func kern8x16AVX512(kb int, a, b, c *float32, ldc int, acc bool) {
	panic("ops: no assembly GEMM kernel on this architecture")
}
