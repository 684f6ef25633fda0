package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refGEMM returns C = A·B in float64 for A[i][p] = a[i*ars+p*acs] and
// B[p][j] = b[p*brs+j*bcs].
func refGEMM(m, n, k int, a []float32, ars, acs int, b []float32, brs, bcs int) []float64 {
	c := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += float64(a[i*ars+p*acs]) * float64(b[p*brs+j*bcs])
			}
			c[i*n+j] = s
		}
	}
	return c
}

// checkClose compares got against the float64 reference with a bound
// proportional to the sum of |a||b| terms (float32 rounding of a k-term
// sum), failing on the first element outside it.
func checkClose(t *testing.T, m, n, k int, got []float32, ldc int, want []float64) {
	t.Helper()
	tol := 1e-6 * float64(k+4) // |a|,|b| <= 1, so each |term| <= 1
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			g, w := float64(got[i*ldc+j]), want[i*n+j]
			if math.IsNaN(g) || math.Abs(g-w) > tol {
				t.Fatalf("C[%d][%d] = %g, want %g (|diff| %g > %g)", i, j, g, w, math.Abs(g-w), tol)
			}
		}
	}
}

var gemmShapes = [][3]int{ // m, n, k
	{1, 1, 1}, {1, 37, 5}, {37, 1, 5}, {7, 9, 1}, {6, 16, 1},
	{6, 16, 8}, {12, 32, 300}, {5, 15, 17}, {13, 33, 257},
	{16, 1024, 27}, {32, 256, 288}, {128, 16, 1152}, {3, 70, 2000},
	{1, 1, 3000}, {64, 100, 513},
}

func TestGEMMShapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, kn := range kernels(t) {
		for _, sh := range gemmShapes {
			m, n, k := sh[0], sh[1], sh[2]
			t.Run(fmt.Sprintf("%s/%dx%dx%d", kernelNames[kn], m, n, k), func(t *testing.T) {
				withKernel(t, kn)
				a, b := randSlice(rng, m*k), randSlice(rng, k*n)
				// NN through gemmNN, on a sub-range of rows.
				c := randSlice(rng, m*n) // garbage: must be overwritten
				gemmNN(0, m, n, k, a, b, c)
				checkClose(t, m, n, k, c, n, refGEMM(m, n, k, a, k, 1, b, n, 1))
				if m > 2 {
					c2 := append([]float32(nil), c...)
					for i := range c2[:n] {
						c2[i] = 42
					}
					gemmNN(1, m, n, k, a, b, c2)
					if c2[0] != 42 {
						t.Fatalf("gemmNN(1, m) wrote row 0")
					}
					for i := n; i < m*n; i++ {
						if c2[i] != c[i] {
							t.Fatalf("gemmNN(1, m) element %d = %g, full product has %g", i, c2[i], c[i])
						}
					}
				}
				// TN: a holds A^T as [k][m].
				at := make([]float32, k*m)
				for i := 0; i < m; i++ {
					for p := 0; p < k; p++ {
						at[p*m+i] = a[i*k+p]
					}
				}
				c = randSlice(rng, m*n)
				gemmTN(0, m, m, n, k, at, b, c)
				checkClose(t, m, n, k, c, n, refGEMM(m, n, k, a, k, 1, b, n, 1))
				// NT, accumulating into C with a wider row stride.
				bt := make([]float32, n*k)
				for p := 0; p < k; p++ {
					for j := 0; j < n; j++ {
						bt[j*k+p] = b[p*n+j]
					}
				}
				ldc := n + 3
				c = randSlice(rng, m*ldc)
				c0 := append([]float32(nil), c...)
				as, bs := getScratch(packedASize(m, k)), getScratch(packedBSize(k, n))
				packA(as.buf, a, k, 1, m, k, k, 0)
				packB(bs.buf, bt, 1, k, k, n, k, 0)
				gemmPacked(m, n, k, as.buf, bs.buf, c, ldc, true)
				want := refGEMM(m, n, k, a, k, 1, b, n, 1)
				for i := 0; i < m; i++ {
					for j := 0; j < n; j++ {
						want[i*n+j] += float64(c0[i*ldc+j])
					}
					for j := n; j < ldc; j++ {
						if c[i*ldc+j] != c0[i*ldc+j] {
							t.Fatalf("gemmPacked wrote C[%d][%d] outside n=%d", i, j, n)
						}
					}
				}
				checkClose(t, m, n, k+1, c, ldc, want)
			})
		}
	}
}

// TestGEMMKernelsAgree checks that every kernel this CPU runs gives
// results within float32 rounding of the portable one on a conv-sized
// product.
func TestGEMMKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	m, n, k := 32, 256, 288
	a, b := randSlice(rng, m*k), randSlice(rng, k*n)
	var ref []float32
	for _, kn := range kernels(t) {
		old := kernel
		setKernel(kn)
		c := make([]float32, m*n)
		gemmNN(0, m, n, k, a, b, c)
		setKernel(old)
		if ref == nil {
			ref = c
			continue
		}
		for i := range ref {
			if d := math.Abs(float64(ref[i] - c[i])); d > 1e-4 {
				t.Fatalf("%s: element %d = %g, go kernel %g", kernelNames[kn], i, c[i], ref[i])
			}
		}
	}
}

// TestGEMMZeroK checks that an empty contraction writes zeros (or leaves
// an accumulated C alone).
func TestGEMMZeroK(t *testing.T) {
	c := []float32{1, 2, 3, 4, 5, 6}
	gemmNN(0, 2, 3, 0, nil, nil, c)
	for i, v := range c {
		if v != 0 {
			t.Fatalf("c[%d] = %g after a k=0 product, want 0", i, v)
		}
	}
	c = []float32{1, 2}
	gemmPacked(1, 2, 0, nil, nil, c, 2, true)
	if c[0] != 1 || c[1] != 2 {
		t.Fatalf("accumulating k=0 product changed C to %v", c)
	}
}

// BenchmarkGEMM times the blocked kernel on pre-packed operands at the
// per-image forward shapes of resnet9's convolutions (m = output
// channels, n = output positions, k = in*3*3) and reports GFLOP/s.
func BenchmarkGEMM(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	seen := map[[3]int]bool{}
	for _, cv := range resnet9Convs {
		m, n, k := cv[1], cv[2]*cv[2], cv[0]*9
		if seen[[3]int{m, n, k}] {
			continue
		}
		seen[[3]int{m, n, k}] = true
		for _, kn := range kernels(b) {
			b.Run(fmt.Sprintf("%s/m%d_n%d_k%d", kernelNames[kn], m, n, k), func(b *testing.B) {
				withKernel(b, kn)
				ap, bp := make([]float32, packedASize(m, k)), make([]float32, packedBSize(k, n))
				packA(ap, randSlice(rng, m*k), k, 1, m, k, k, 0)
				packB(bp, randSlice(rng, k*n), n, 1, k, n, k, 0)
				c := make([]float32, m*n)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					gemmPacked(m, n, k, ap, bp, c, n, false)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
