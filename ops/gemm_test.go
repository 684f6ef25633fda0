package ops

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// kernels lists the micro-kernels this machine can run; withKernel selects
// one (setKernel) for the rest of a test or benchmark.
func kernels(t testing.TB) []int {
	t.Helper()
	return availableKernels()
}

func withKernel(t testing.TB, k int) {
	t.Helper()
	old := kernel
	setKernel(k)
	t.Cleanup(func() { setKernel(old) })
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.Float64()*2 - 1)
	}
	return s
}

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

// TestScratchReuse checks that a returned buffer is handed out again
// rather than a new one allocated.
func TestScratchReuse(t *testing.T) {
	s := getScratch(1000)
	putScratch(s)
	allocs := testing.AllocsPerRun(10, func() {
		a := getScratch(900)
		b := getScratch(10)
		putScratch(a)
		putScratch(b)
	})
	if allocs != 0 {
		t.Errorf("getScratch/putScratch allocated %v times a round, want 0", allocs)
	}
	if a := getScratch(1000); cap(a.buf) < 1000 || len(a.buf) != 1000 {
		t.Errorf("getScratch(1000) returned len %d cap %d", len(a.buf), cap(a.buf))
	}
}

// TestAddF32 checks the vector add against the plain loop, bit for bit,
// at lengths around its 32-float step, on every kernel setting.
func TestAddF32(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, kn := range kernels(t) {
		withKernel(t, kn)
		for _, n := range []int{0, 1, 7, 31, 32, 33, 64, 100, 1029} {
			src := randSlice(rng, n+3)
			dst := randSlice(rng, n+2)
			want := append([]float32(nil), dst...)
			for i := 0; i < n; i++ {
				want[i] += src[i]
			}
			addF32(dst[:n], src)
			for i := range want {
				if dst[i] != want[i] {
					t.Fatalf("%s n=%d: dst[%d] = %g, want %g", kernelNames[kn], n, i, dst[i], want[i])
				}
			}
		}
	}
}

// TestInterleave16 checks the panel transpose of im2rowPanels bit for
// bit (NaN payloads, signed zeros), from rows longer than the first
// (which sets n).
func TestInterleave16(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 25, 32, 64, 1023, 1024} {
		lines := randomBits(rng, 16*n)
		d := randSlice(rng, 16*n+5)
		tail := append([]float32(nil), d[16*n:]...)
		var src [16][]float32
		for r := range src {
			src[r] = lines[r*n : (r+1)*n : (r+1)*n]
			if r > 0 && r*n+n+1 <= len(lines) {
				src[r] = lines[r*n : r*n+n+1] // extra values must not be read
			}
		}
		interleave16(d, &src)
		for p := 0; p < n; p++ {
			for r := 0; r < 16; r++ {
				if math.Float32bits(d[p*16+r]) != math.Float32bits(lines[r*n+p]) {
					t.Fatalf("n=%d: d[%d] = %g, want lines[%d] = %g", n, p*16+r, d[p*16+r], r*n+p, lines[r*n+p])
				}
			}
		}
		if !slices.Equal(d[16*n:], tail) {
			t.Fatalf("n=%d: wrote past 16n", n)
		}
	}
}
