package ops

import "math"

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// The matrix kernels below are the plain generic path: row-major, float32,
// each output element summed in ascending order of the contraction index,
// so results are the same whatever the caller's parallel split.

// gemmNN computes c[m,n] = a[m,k] · b[k,n] (overwriting c) for rows
// [r0,r1) of c.
func gemmNN(r0, r1, n, k int, a, b, c []float32) {
	for i := r0; i < r1; i++ {
		crow := c[i*n : (i+1)*n]
		clear(crow)
		arow := a[i*k : (i+1)*k]
		for p, av := range arow {
			if av == 0 {
				continue
			}
			axpy(crow, b[p*n:(p+1)*n], av)
		}
	}
}

// gemmTN computes c[m,n] = a[k,m]^T · b[k,n] (overwriting c) for rows
// [r0,r1) of c.
func gemmTN(r0, r1, m, n, k int, a, b, c []float32) {
	for i := r0; i < r1; i++ {
		crow := c[i*n : (i+1)*n]
		clear(crow)
		for p := 0; p < k; p++ {
			av := a[p*m+i]
			if av == 0 {
				continue
			}
			axpy(crow, b[p*n:(p+1)*n], av)
		}
	}
}

// gemmNTAcc computes c[m,n] += a[m,k] · b[n,k]^T for rows [r0,r1) of c.
func gemmNTAcc(r0, r1, n, k int, a, b, c []float32) {
	for i := r0; i < r1; i++ {
		arow := a[i*k : (i+1)*k]
		crow := c[i*n : (i+1)*n]
		for j := range crow {
			crow[j] += dot(arow, b[j*k:(j+1)*k])
		}
	}
}

// axpy computes y += alpha * x over len(y) elements.
func axpy(y, x []float32, alpha float32) {
	x = x[:len(y)]
	for i := range y {
		y[i] += alpha * x[i]
	}
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
