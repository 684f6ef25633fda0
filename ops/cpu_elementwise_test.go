package ops

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestCPUFillKeepsNegativeZero(t *testing.T) {
	c := NewCPU()
	a := mustAlloc(t, c, F32, Shape{5})
	for _, v := range []float32{float32(math.Copysign(0, -1)), 0, 3} {
		if err := c.Fill(a, v); err != nil {
			t.Fatal(err)
		}
		for _, got := range download(t, c, a) {
			if math.Float32bits(got) != math.Float32bits(v) {
				t.Fatalf("Fill(%v) wrote %v", v, got)
			}
		}
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
