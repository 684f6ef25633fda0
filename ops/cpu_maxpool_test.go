package ops

import (
	"math"
	"math/rand"
	"testing"
)

// TestMaxPool2MatchesGeneric checks the 2x2 fast paths against the
// generic window search, on odd sizes, ties, signed zeros and NaNs (in
// the second round, none: then rows take the branch-free path, and
// planes 8 or a multiple of 16 wide the vector one).
func TestMaxPool2MatchesGeneric(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	c := NewCPU()
	shapes := []Shape{{2, 3, 4, 4}, {1, 2, 5, 7}, {3, 1, 6, 3}, {1, 1, 2, 2}, {2, 2, 32, 32}, {1, 3, 9, 17}, {3, 5, 8, 8}, {2, 3, 6, 16}, {1, 1, 2, 8}, {2, 1, 4, 48}, {1, 2, 16, 16}, {2, 1, 7, 9}}
	for round, sh := range append(shapes, shapes...) {
		n := sh.Numel()
		xv := specialData(rng, n)
		for i := range xv { // ties: small integers and signed zeros repeat
			switch {
			case rng.Intn(3) == 0:
				xv[i] = float32(rng.Intn(3))
			case rng.Intn(4) == 0:
				xv[i] = float32(math.Copysign(0, float64(rng.Intn(2)*2-1)))
			case round >= len(shapes) && xv[i] != xv[i]:
				xv[i] = float32(math.Copysign(0, -1))
			}
		}
		dyShape := Shape{sh[0], sh[1], sh[2] / 2, sh[3] / 2}
		dyv := specialData(rng, dyShape.Numel())
		x, dy := mustAlloc(t, c, F32, sh), mustAlloc(t, c, F32, dyShape)
		y, dx := mustAlloc(t, c, F32, dyShape), mustAlloc(t, c, F32, sh)
		upload(t, c, x, xv)
		upload(t, c, dy, dyv)
		if err := c.Fill(dx, 9); err != nil { // stale values must be overwritten
			t.Fatal(err)
		}
		if err := c.MaxPool2D(y, x, 2); err != nil {
			t.Fatal(err)
		}
		if err := c.MaxPool2DBackward(dx, x, dy, 2); err != nil {
			t.Fatal(err)
		}
		yv, dxv := download(t, c, y), download(t, c, dx)
		h, w, oh, ow := sh[2], sh[3], dyShape[2], dyShape[3]
		wantDx := make([]float32, n)
		for p := range sh[0] * sh[1] {
			plane := xv[p*h*w : (p+1)*h*w]
			for oy := range oh {
				for ox := range ow {
					at := windowArgmax(plane, w, 2*oy, 2*ox, 2)
					o := p*oh*ow + oy*ow + ox
					if math.Float32bits(yv[o]) != math.Float32bits(plane[at]) {
						t.Fatalf("%s: max of window (%d,%d,%d) = %v, want %v", sh, p, oy, ox, yv[o], plane[at])
					}
					wantDx[p*h*w+at] = dyv[o]
				}
			}
		}
		for i := range wantDx {
			if math.Float32bits(dxv[i]) != math.Float32bits(wantDx[i]) {
				t.Fatalf("%s: dx[%d] = %v, want %v", sh, i, dxv[i], wantDx[i])
			}
		}
	}
}
