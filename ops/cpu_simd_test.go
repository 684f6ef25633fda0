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

// up0 is the ReLU gradient from its definition: up where y > 0 or y is
// a NaN, +0 elsewhere.
func up0(y, up float32) float32 {
	if y > 0 || y != y {
		return up
	}
	return 0
}

// TestVectorElemKernelsBitExact checks ReLU, its gradient and the batch-norm affine map,
// whose prefixes run in vector instructions where the CPU has them,
// against the scalar definitions bit for bit, on every length up to 80
// and at unaligned starts.
func TestVectorElemKernelsBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomBits(rng, 140)
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
			ys, ups := x[off:off+n], x[(off+37)%50:(off+37)%50+n]
			reluBackF32(out, ys, ups)
			for i, v := range ys {
				want := reluBack1(v, ups[i])
				if math.Float32bits(out[i]) != math.Float32bits(want) {
					t.Fatalf("reluBack n=%d off=%d [%d]: y %#x up %#x gave %#x, want %#x", n, off, i,
						math.Float32bits(v), math.Float32bits(ups[i]), math.Float32bits(out[i]), math.Float32bits(want))
				}
				if math.Float32bits(want) != math.Float32bits(up0(v, ups[i])) {
					t.Fatalf("reluBack1(%#x, %#x) = %#x, not up where y > 0 or NaN", math.Float32bits(v), math.Float32bits(ups[i]), math.Float32bits(want))
				}
			}
			// In place, as the backend's callers may alias g with up.
			copy(out, ups)
			reluBackF32(out, ys, out)
			for i, v := range ys {
				if want := reluBack1(v, ups[i]); math.Float32bits(out[i]) != math.Float32bits(want) {
					t.Fatalf("reluBack in place n=%d off=%d [%d]: gave %#x, want %#x", n, off, i, math.Float32bits(out[i]), math.Float32bits(want))
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
