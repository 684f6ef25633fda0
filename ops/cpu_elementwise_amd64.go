package ops

// addF32AVX2 (gemm_amd64.s) does dst[i] += src[i] for i < len(dst).
//
//go:noescape
func addF32AVX2(dst, src []float32)

// addF32 does dst[i] += src[i] for every i < len(dst); each element gets
// one float32 addition, so the vector and plain loops agree bit for bit.
func addF32(dst, src []float32) {
	src = src[:len(dst)]
	if haveAVX2 && kernel != kernGo {
		addF32AVX2(dst, src)
		return
	}
	addF32Go(dst, src)
}
