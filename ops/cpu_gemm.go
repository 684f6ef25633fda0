package ops

import "math"

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// gemmNN computes c[m,n] = a[m,k] · b[k,n] (overwriting c) for rows
// [r0,r1) of c, through the blocked kernel of gemm_blocked.go.
func gemmNN(r0, r1, n, k int, a, b, c []float32) {
	gemmStrided(r1-r0, n, k, a[r0*k:], k, 1, b, n, 1, c[r0*n:], n)
}

// gemmTN computes c[m,n] = a[k,m]^T · b[k,n] (overwriting c) for rows
// [r0,r1) of c.
func gemmTN(r0, r1, m, n, k int, a, b, c []float32) {
	gemmStrided(r1-r0, n, k, a[r0:], 1, m, b, n, 1, c[r0*n:], n)
}

// gemmStrided computes C = A·B on the calling goroutine for
// A[i][p] = a[i*ars+p*acs], B[p][j] = b[p*brs+j*bcs] and
// C[i][j] = c[i*ldc+j], packing both operands into pooled buffers.
func gemmStrided(m, n, k int, a []float32, ars, acs int, b []float32, brs, bcs int, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	as := getScratch(packedASize(m, k))
	bs := getScratch(packedBSize(k, n))
	packA(as.buf, a, ars, acs, m, k, k, 0)
	packB(bs.buf, b, brs, bcs, k, n, k, 0)
	gemmPacked(m, n, k, as.buf, bs.buf, c, ldc, false)
	putScratch(as)
	putScratch(bs)
}

// dot returns the float32 sum of a[i]*b[i] in four interleaved partial
// sums, combined in a fixed order.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
