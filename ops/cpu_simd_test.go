package ops

import (
	"math"
	"math/rand/v2"
	"testing"
)

// randomBits returns n float32s of uniformly random bits (NaNs with any
// payload and sign, infinities, denormals, signed zeros included) mixed
// with the specials.
func randomBits(rng *rand.Rand, n int) []float32 {
	d := make([]float32, n)
	for i := range d {
		if rng.IntN(4) == 0 {
			d[i] = specials[rng.IntN(len(specials))]
		} else {
			d[i] = math.Float32frombits(rng.Uint32())
		}
	}
	return d
}

// TestVectorElemKernelsBitExact checks ReLU and the batch-norm affine map,
// whose prefixes run in vector instructions where the CPU has them,
// against the scalar definitions bit for bit, on every length up to 80
// and at unaligned starts.
func TestVectorElemKernelsBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomBits(rng, 90)
	params := []float64{1, -0.75, 3.1e-5, 1e300, math.Inf(1), math.NaN(), math.Float64frombits(0xfff8000000000123), 5e-324, 0}
	for n := 0; n <= 80; n++ {
		for off := 0; off < 3; off++ {
			in := x[off : off+n]
			out := make([]float32, n)
			reluF32(out, in)
			for i, v := range in {
				if math.Float32bits(out[i]) != math.Float32bits(relu1(v)) {
					t.Fatalf("relu n=%d off=%d [%d]: %#x gave %#x, want %#x", n, off, i,
						math.Float32bits(v), math.Float32bits(out[i]), math.Float32bits(relu1(v)))
				}
			}
			scale, shift := params[rng.IntN(len(params))], params[rng.IntN(len(params))]
			if rng.IntN(2) == 0 {
				scale, shift = rng.NormFloat64(), rng.NormFloat64()
			}
			affineF32(out, in, scale, shift)
			for i, v := range in {
				want := float32(float64(float64(v)*scale) + shift)
				if math.Float32bits(out[i]) != math.Float32bits(want) {
					t.Fatalf("affine n=%d off=%d [%d]: %#x*%v+%v gave %#x, want %#x", n, off, i,
						math.Float32bits(v), scale, shift, math.Float32bits(out[i]), math.Float32bits(want))
				}
			}
		}
	}
}
