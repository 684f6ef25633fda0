package ops

import "math"

// MaxPool2D writes the maximum of each k x k window (stride k); the first
// maximum in row-major order wins ties, as in PyTorch.
func (c *CPU) MaxPool2D(y, x *Tensor, k int) error {
	const op = "maxpool2d"
	if err := c.mine(op, y, x); err != nil {
		return err
	}
	if err := CheckMaxPool2D(op, x, y, k); err != nil {
		return err
	}
	j := maxPoolJob{xs: f32(x), ys: f32(y), h: x.shape[2], w: x.shape[3], oh: y.shape[2], ow: y.shape[3], k: k}
	planes := x.shape[0] * x.shape[1]
	dispatch(c, &c.jobs.maxPool, j, planes, c.perWorker(planes))
	return nil
}

// maxPoolJob writes the window maxima of the (sample, channel) planes
// [lo,hi) of MaxPool2D: h x w planes in xs, oh x ow planes in ys.
type maxPoolJob struct {
	xs, ys          []float32
	h, w, oh, ow, k int
}

// run pools planes [lo,hi): 2x2 windows on even-sized planes all at
// once in vector instructions where it can (maxPool2Vec), else plane by
// plane.
func (j *maxPoolJob) run(lo, hi int) {
	h, w, oh, ow, k := j.h, j.w, j.oh, j.ow, j.k
	if k == 2 && h%2 == 0 && w%2 == 0 && maxPool2Vec(j.ys[lo*oh*ow:hi*oh*ow], j.xs[lo*h*w:hi*h*w], (hi-lo)*h, w) {
		return
	}
	for p := lo; p < hi; p++ {
		in, out := j.xs[p*h*w:(p+1)*h*w], j.ys[p*oh*ow:(p+1)*oh*ow]
		if k == 2 {
			maxPool2Plane(out, in, w, oh, ow)
			continue
		}
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				out[oy*ow+ox] = in[windowArgmax(in, w, oy*k, ox*k, k)]
			}
		}
	}
}

// MaxPool2DBackward routes each window's gradient to its first maximum.
func (c *CPU) MaxPool2DBackward(dx, x, dy *Tensor, k int) error {
	const op = "maxpool2d_backward"
	if err := c.mine(op, dx, x, dy); err != nil {
		return err
	}
	if err := CheckMaxPool2DBackward(dx, x, dy, k); err != nil {
		return err
	}
	j := maxPoolBackJob{xs: f32(x), dys: f32(dy), dxs: f32(dx), h: x.shape[2], w: x.shape[3], oh: dy.shape[2], ow: dy.shape[3], k: k}
	planes := x.shape[0] * x.shape[1]
	dispatch(c, &c.jobs.maxPoolBack, j, planes, c.perWorker(planes))
	return nil
}

// maxPoolBackJob writes the input gradients of the (sample, channel)
// planes [lo,hi) of MaxPool2DBackward.
type maxPoolBackJob struct {
	xs, dys, dxs    []float32
	h, w, oh, ow, k int
}

// run routes the gradients of planes [lo,hi).
func (j *maxPoolBackJob) run(lo, hi int) {
	h, w, oh, ow, k := j.h, j.w, j.oh, j.ow, j.k
	for p := lo; p < hi; p++ {
		in, g := j.xs[p*h*w:(p+1)*h*w], j.dxs[p*h*w:(p+1)*h*w]
		up := j.dys[p*oh*ow : (p+1)*oh*ow]
		if k == 2 {
			maxPool2BackPlane(g, in, up, h, w, oh, ow)
			continue
		}
		clear(g)
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				g[windowArgmax(in, w, oy*k, ox*k, k)] = up[oy*ow+ox]
			}
		}
	}
}

// windowArgmax returns the flat index in a plane of width w of the first
// maximum of the k x k window whose top-left corner is (y0, x0).
func windowArgmax(plane []float32, w, y0, x0, k int) int {
	best := y0*w + x0
	for i := y0; i < y0+k; i++ {
		for j := x0; j < x0+k; j++ {
			if v := plane[i*w+j]; v > plane[best] || v != v { // NaN wins, as in PyTorch
				best = i*w + j
			}
		}
	}
	return best
}

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
