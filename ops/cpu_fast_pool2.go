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
// (oh x ow).
func maxPool2Plane(out, in []float32, w, oh, ow int) {
	for oy := range oh {
		r0 := in[2*oy*w : 2*oy*w+2*ow]
		r1 := in[(2*oy+1)*w : (2*oy+1)*w+2*ow]
		o := out[oy*ow : oy*ow+ow]
		for ox := range o {
			win := [4]float32{r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1]}
			at := argmax4(win[0], win[1], win[2], win[3])
			if at < 0 {
				at = windowArgmax(in, w, 2*oy, 2*ox, 2)
				o[ox] = in[at]
				continue
			}
			o[ox] = win[at&3]
		}
	}
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
