package ops

import (
	"math"
	randv1 "math/rand"
	"math/rand/v2"
	"testing"
)

// TestBatchNormTrainAgainstFloat64 compares the batch statistics and
// output with a plain float64 two-pass computation.
func TestBatchNormTrainAgainstFloat64(t *testing.T) {
	rng := randv1.New(randv1.NewSource(4))
	sh := Shape{4, 3, 5, 7}
	n, ch, hw := sh[0], sh[1], sh[2]*sh[3]
	xv := make([]float32, sh.Numel())
	for i := range xv {
		xv[i] = float32(rng.NormFloat64()*2 + 100) // a large mean tests the two-pass variance
	}
	c := NewCPU()
	x, y := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, sh)
	upload(t, c, x, xv)
	vec := func() *Tensor { return mustAlloc(t, c, F32, Shape{ch}) }
	mean, inv, gamma, beta, rm, rv := vec(), vec(), vec(), vec(), vec(), vec()
	if err := c.Fill(gamma, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.BatchNormTrain(y, mean, inv, x, gamma, beta, rm, rv, DefaultBatchNorm); err != nil {
		t.Fatal(err)
	}
	yv, mv, iv := download(t, c, y), download(t, c, mean), download(t, c, inv)
	for k := range ch {
		var s, sq float64
		for i := range n {
			for _, v := range xv[(i*ch+k)*hw : (i*ch+k+1)*hw] {
				s += float64(v)
			}
		}
		mu := s / float64(n*hw)
		for i := range n {
			for _, v := range xv[(i*ch+k)*hw : (i*ch+k+1)*hw] {
				sq += (float64(v) - mu) * (float64(v) - mu)
			}
		}
		is := 1 / math.Sqrt(sq/float64(n*hw)+1e-5)
		if math.Abs(float64(mv[k])-mu) > 1e-5*math.Abs(mu) || math.Abs(float64(iv[k])-is) > 1e-5*is {
			t.Fatalf("channel %d: mean %v inv_std %v, want %v %v", k, mv[k], iv[k], mu, is)
		}
		for i := range n {
			for j := range hw {
				o := (i*ch+k)*hw + j
				want := (float64(xv[o]) - mu) * is
				if math.Abs(float64(yv[o])-want) > 1e-4 {
					t.Fatalf("y[%d] = %v, want %v", o, yv[o], want)
				}
			}
		}
	}
}

// TestAffineVecBitExact checks batch norm's affine map, whose prefix runs
// in vector instructions where the CPU has them, against the scalar
// definition bit for bit, on every length up to 80 and at unaligned
// starts, with special and random scales and shifts.
func TestAffineVecBitExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	x := randomBits(rng, 140)
	params := []float64{1, -0.75, 3.1e-5, 1e300, math.Inf(1), math.NaN(), math.Float64frombits(0xfff8000000000123), 5e-324, 0}
	for n := 0; n <= 80; n++ {
		for off := 0; off < 3; off++ {
			in := x[off : off+n]
			out := make([]float32, n)
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
