package ops

// The AVX2 kernel of addF32 (cpu_elementwise_amd64.s) and its dispatch;
// its Go twin is addF32Go (cpu_elementwise.go).

// addF32AVX2 does dst[i] += src[i] for i < len(dst).
//
//go:noescape
func addF32AVX2(dst, src []float32)

// addF32 does dst[i] += src[i] for every i < len(dst); each element gets
// one float32 addition, so the vector and plain loops agree bit for bit.
func addF32(dst, src []float32) {
	src = src[:len(dst)]
	if simdElem() {
		addF32AVX2(dst, src)
		return
	}
	addF32Go(dst, src)
}
