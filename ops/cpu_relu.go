package ops

import "math"

// ReLU writes y = max(x, 0); NaN stays NaN, as in PyTorch, so that a
// diverging model reaches the loss as non-finite.
func (c *CPU) ReLU(y, x *Tensor) error {
	if err := c.checkSame("relu", []string{"y", "x"}, y, x); err != nil {
		return err
	}
	out := f32(y)
	dispatch(c, &c.jobs.unary, unaryJob{reluF32, out, f32(x)}, len(out), c.elemChunk(len(out)))
	return nil
}

// ReLUBackward writes dx = dy where y > 0.
func (c *CPU) ReLUBackward(dx, y, dy *Tensor) error {
	if err := c.checkSame("relu_backward", []string{"dx", "y", "dy"}, dx, y, dy); err != nil {
		return err
	}
	g := f32(dx)
	dispatch(c, &c.jobs.binary, binaryJob{reluBackF32, g, f32(y), f32(dy)}, len(g), c.elemChunk(len(g)))
	return nil
}

// The kernels of ReLU and its gradient, run by unaryJob and binaryJob on
// chunks of the tensors: on amd64 with AVX2 a prefix of each chunk in
// vector instructions (reluVec and reluBackVec, cpu_relu_amd64.s), the
// rest, and everything elsewhere, in the Go loops below, unrolled by
// four. Both give the same bits.

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

// reluF32 writes out = max(in, 0), NaN passing through: with vector
// instructions where there are some (reluVec), the rest element by
// element.
func reluF32(out, in []float32) {
	in = in[:len(out)]
	i := reluVec(out, in)
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

// reluBackF32 writes g = up where y > 0 (or y is NaN), else 0: with
// vector instructions where there are some (reluBackVec), the rest
// element by element.
func reluBackF32(g, y, up []float32) {
	y, up = y[:len(g)], up[:len(g)]
	i := reluBackVec(g, y, up)
	for ; i+4 <= len(g); i += 4 {
		o, yy, u := g[i:i+4:i+4], y[i:i+4:i+4], up[i:i+4:i+4]
		o[0], o[1], o[2], o[3] = reluBack1(yy[0], u[0]), reluBack1(yy[1], u[1]), reluBack1(yy[2], u[2]), reluBack1(yy[3], u[3])
	}
	for ; i < len(g); i++ {
		g[i] = reluBack1(y[i], up[i])
	}
}
