package ops

import "math"

// The element-wise kernels below process one chunk of an operation; the
// callers split the tensor into chunks with CPU.chunks. Each is unrolled
// by four so that the compiler drops the bounds checks and the loads of
// independent elements overlap.

// fillF32 sets every element of d to v.
func fillF32(d []float32, v float32) {
	if math.Float32bits(v) == 0 { // +0 only: -0 must stay -0
		clear(d)
		return
	}
	for i := range d {
		d[i] = v
	}
}

// addF32To writes d = x + y.
func addF32To(d, x, y []float32) {
	x, y = x[:len(d)], y[:len(d)]
	i := 0
	for ; i+4 <= len(d); i += 4 {
		dd, xx, yy := d[i:i+4:i+4], x[i:i+4:i+4], y[i:i+4:i+4]
		dd[0] = xx[0] + yy[0]
		dd[1] = xx[1] + yy[1]
		dd[2] = xx[2] + yy[2]
		dd[3] = xx[3] + yy[3]
	}
	for ; i < len(d); i++ {
		d[i] = x[i] + y[i]
	}
}

// scaleF32 writes d = alpha * s.
func scaleF32(d, s []float32, alpha float32) {
	s = s[:len(d)]
	for i, v := range s {
		d[i] = alpha * v
	}
}

// reluKeep returns all ones when a ReLU passes the float32 with bits b
// (b > +0, or b a NaN of either sign) and zero otherwise (b <= 0, -0
// included), without a branch: the signs of ReLU inputs are random, and a
// mispredicted branch costs more than these integer operations.
func reluKeep(b uint32) uint32 {
	neg := uint32(int32(b) >> 31)                         // sign bit set
	nan := uint32(int32(0x7f800000-(b&0x7fffffff)) >> 31) // exponent all ones, mantissa not 0
	zero := uint32(int32((b&0x7fffffff)-1) >> 31)         // +0 or -0
	return ^(neg | zero) | nan
}

// relu1 is max(v, 0) with NaN passed through, as in PyTorch; -0 becomes 0.
func relu1(v float32) float32 {
	b := math.Float32bits(v)
	return math.Float32frombits(b & reluKeep(b))
}

// reluF32 writes out = max(in, 0), NaN passing through.
func reluF32(out, in []float32) {
	in = in[:len(out)]
	i := 0
	for ; i+4 <= len(out); i += 4 {
		o, x := out[i:i+4:i+4], in[i:i+4:i+4]
		o[0], o[1], o[2], o[3] = relu1(x[0]), relu1(x[1]), relu1(x[2]), relu1(x[3])
	}
	for ; i < len(out); i++ {
		out[i] = relu1(in[i])
	}
}

// reluBack1 is up where y > 0 (or y is NaN), else 0.
func reluBack1(y, up float32) float32 {
	return math.Float32frombits(math.Float32bits(up) & reluKeep(math.Float32bits(y)))
}

// reluBackF32 writes g = up where y > 0.
func reluBackF32(g, y, up []float32) {
	y, up = y[:len(g)], up[:len(g)]
	i := 0
	for ; i+4 <= len(g); i += 4 {
		o, yy, u := g[i:i+4:i+4], y[i:i+4:i+4], up[i:i+4:i+4]
		o[0], o[1], o[2], o[3] = reluBack1(yy[0], u[0]), reluBack1(yy[1], u[1]), reluBack1(yy[2], u[2]), reluBack1(yy[3], u[3])
	}
	for ; i < len(g); i++ {
		g[i] = reluBack1(y[i], up[i])
	}
}
