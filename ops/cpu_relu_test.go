package ops

import (
	"math"
	randv1 "math/rand"
	"math/rand/v2"
	"testing"
)

// TestReLUBitExact checks ReLU and its gradient through the backend, on
// specials and sizes that split into several chunks, against max(x, 0)
// with NaN passing through.
func TestReLUBitExact(t *testing.T) {
	rng := randv1.New(randv1.NewSource(1))
	c := NewCPU()
	for _, n := range []int{1, 7, 4*minChunk + 3} {
		xv, dyv := specialData(rng, n), specialData(rng, n)
		x, dy := mustAlloc(t, c, F32, Shape{n}), mustAlloc(t, c, F32, Shape{n})
		y, dx := mustAlloc(t, c, F32, Shape{n}), mustAlloc(t, c, F32, Shape{n})
		upload(t, c, x, xv)
		upload(t, c, dy, dyv)
		if err := c.ReLU(y, x); err != nil {
			t.Fatal(err)
		}
		if err := c.ReLUBackward(dx, y, dy); err != nil {
			t.Fatal(err)
		}
		yv, dxv := download(t, c, y), download(t, c, dx)
		for i, v := range xv {
			want := float32(0)
			if !(v <= 0) {
				want = v
			}
			if math.Float32bits(yv[i]) != math.Float32bits(want) {
				t.Fatalf("n=%d: relu(%v) = %v (bits %#x), want %v (bits %#x)", n, v, yv[i], math.Float32bits(yv[i]), want, math.Float32bits(want))
			}
			wantG := float32(0)
			if !(want <= 0) {
				wantG = dyv[i]
			}
			if math.Float32bits(dxv[i]) != math.Float32bits(wantG) {
				t.Fatalf("n=%d: relu backward at y=%v, dy=%v gave %v, want %v", n, want, dyv[i], dxv[i], wantG)
			}
		}
	}
}

// up0 is the ReLU gradient from its definition: up where y > 0 or y is
// a NaN, +0 elsewhere.
func up0(y, up float32) float32 {
	if y > 0 || y != y {
		return up
	}
	return 0
}

// TestReLUVecBitExact checks ReLU and its gradient, whose prefixes run
// in vector instructions where the CPU has them, against the scalar
// definitions bit for bit, on every length up to 80 and at unaligned
// starts.
func TestReLUVecBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomBits(rng, 140)
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
		}
	}
}
