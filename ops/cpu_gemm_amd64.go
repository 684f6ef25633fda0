package ops

// The GEMM micro-kernels in assembly (cpu_gemm_amd64.s), and the choice
// between them and kern6x16Go (cpu_gemm.go) by the processor's features.

// bestKernel returns the fastest micro-kernel this CPU (and OS) runs.
func bestKernel() int {
	switch {
	case haveAVX512F:
		return kernAVX512
	case haveAVX2 && haveFMA:
		return kernAVX2
	}
	return kernGo
}

// availableKernels lists the micro-kernels this CPU runs.
func availableKernels() []int {
	ks := []int{kernGo}
	if haveAVX2 && haveFMA {
		ks = append(ks, kernAVX2)
	}
	if haveAVX512F {
		ks = append(ks, kernAVX512)
	}
	return ks
}

// kern6x16AVX2 (cpu_gemm_amd64.s) sets the 6x16 tile at c (row stride ldc)
// to, or with acc increments it by, the product of kb steps of the packed
// panels a (6 floats a step) and b (16 floats a step), with FMA.
//
//go:noescape
func kern6x16AVX2(kb int, a, b, c *float32, ldc int, acc bool)

// kern8x16AVX512 (cpu_gemm_amd64.s) is kern6x16AVX2 for 8x16 tiles in ZMM
// registers (8 floats of a a step).
//
//go:noescape
func kern8x16AVX512(kb int, a, b, c *float32, ldc int, acc bool)
