package ops

import "math"

// Fast paths of MaxPool2D and MaxPool2DBackward for 2x2 windows (the
// only size the models use). They pick the same element as windowArgmax:
// the first maximum in row-major order, where equal values (+0 and -0
// included) keep the earlier one and a NaN wins. Windows without a NaN
// compare integer keys without branches (the position of a window's
// maximum is random, so branches would mispredict); a window with a NaN
// goes to windowArgmax.

// orderKey maps the bits of a non-NaN float32 to an int32 with the same
// order, +0 and -0 both becoming 0.
func orderKey(b uint32) int32 {
	s := int32(b) >> 31 // all ones for a negative value
	return (int32(b&0x7fffffff) ^ s) - s
}

// isNaNBits is all ones when b is a NaN's bits, else 0.
func isNaNBits(b uint32) uint32 {
	return uint32(int32(0x7f800000-(b&0x7fffffff)) >> 31)
}

// argmax4 returns which of a, b, c, d (row-major in the window) is the
// first maximum, or -1 when one is a NaN.
func argmax4(a, b, c, d float32) int {
	ba, bb, bc, bd := math.Float32bits(a), math.Float32bits(b), math.Float32bits(c), math.Float32bits(d)
	if isNaNBits(ba)|isNaNBits(bb)|isNaNBits(bc)|isNaNBits(bd) != 0 {
		return -1
	}
	at, km := 0, orderKey(ba)
	if k := orderKey(bb); k > km {
		at, km = 1, k
	}
	if k := orderKey(bc); k > km {
		at, km = 2, k
	}
	if k := orderKey(bd); k > km {
		at = 3
	}
	return at
}

// maxPool2Plane writes the 2x2 maxima of one plane of width w into out
// (oh x ow). Each output row is first computed assuming its windows hold
// no NaN, as the first maximum by orderKey, which selects by conditional
// moves: the first maximum of each of the window's two rows, then the
// second row's only if it is greater. The NaN test is accumulated over the
// row and checked once; a row with a NaN is redone by windowArgmax.
func maxPool2Plane(out, in []float32, w, oh, ow int) {
	for oy := range oh {
		r0 := in[2*oy*w : 2*oy*w+2*ow]
		r1 := in[(2*oy+1)*w : (2*oy+1)*w+2*ow]
		o := out[oy*ow : oy*ow+ow]
		if maxPool2Row(o, r0, r1) != 0 {
			for ox := range o {
				o[ox] = in[windowArgmax(in, w, 2*oy, 2*ox, 2)]
			}
		}
	}
}

// maxPool2Row writes o[x] = the first maximum by orderKey of the window
// r0[2x], r0[2x+1], r1[2x], r1[2x+1], and returns non-zero when any of
// them is a NaN (and then o is not the pooling's result).
func maxPool2Row(o, r0, r1 []float32) uint32 {
	r0, r1 = r0[:2*len(o)], r1[:2*len(o)]
	var nan uint32
	for x := range o {
		t, b := r0[2*x:2*x+2:2*x+2], r1[2*x:2*x+2:2*x+2]
		ba, bb := math.Float32bits(t[0]), math.Float32bits(t[1])
		bc, bd := math.Float32bits(b[0]), math.Float32bits(b[1])
		nan |= isNaNBits(ba) | isNaNBits(bb) | isNaNBits(bc) | isNaNBits(bd)
		ka, kb, kc, kd := orderKey(ba), orderKey(bb), orderKey(bc), orderKey(bd)
		if kb > ka {
			ka, ba = kb, bb
		}
		if kd > kc {
			kc, bc = kd, bd
		}
		if kc > ka {
			ba = bc
		}
		o[x] = math.Float32frombits(ba)
	}
	return nan
}

// maxPool2BackPlane writes the gradient of one h x w plane: each window's
// upstream gradient at its first maximum, zero everywhere else.
func maxPool2BackPlane(g, in, up []float32, h, w, oh, ow int) {
	for oy := range oh {
		r0 := in[2*oy*w : 2*oy*w+2*ow]
		r1 := in[(2*oy+1)*w : (2*oy+1)*w+2*ow]
		g0 := g[2*oy*w : 2*oy*w+2*ow]
		g1 := g[(2*oy+1)*w : (2*oy+1)*w+2*ow]
		u := up[oy*ow : oy*ow+ow]
		for ox, d := range u {
			at := argmax4(r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1])
			if at < 0 {
				p := windowArgmax(in, w, 2*oy, 2*ox, 2)
				at = (p/w-2*oy)*2 + p%w - 2*ox
			}
			win := [4]float32{}
			win[at&3] = d
			g0[2*ox], g0[2*ox+1], g1[2*ox], g1[2*ox+1] = win[0], win[1], win[2], win[3]
		}
		if 2*ow < w { // odd width: the last column is in no window
			g[2*oy*w+w-1], g[(2*oy+1)*w+w-1] = 0, 0
		}
	}
	clear(g[2*oh*w : h*w]) // odd height: the last row is in no window
}
