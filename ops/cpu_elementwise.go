package ops

import "math"

// Fill sets every element to v.
func (c *CPU) Fill(t *Tensor, v float32) error {
	const op = "fill"
	if err := c.mine(op, t); err != nil {
		return err
	}
	if err := CheckFill(t); err != nil {
		return err
	}
	d := f32(t)
	dispatch(c, &c.jobs.fill, fillJob{d, v}, len(d), c.elemChunk(len(d)))
	return nil
}

// Copy copies src into dst.
func (c *CPU) Copy(dst, src *Tensor) error {
	if err := c.mine("copy", dst, src); err != nil {
		return err
	}
	if err := CheckCopy(dst, src); err != nil {
		return err
	}
	d := f32(dst)
	dispatch(c, &c.jobs.unary, unaryJob{copyF32, d, f32(src)}, len(d), c.elemChunk(len(d)))
	return nil
}

// Add writes dst = a + b.
func (c *CPU) Add(dst, a, b *Tensor) error {
	if err := c.checkSame("add", []string{"dst", "a", "b"}, dst, a, b); err != nil {
		return err
	}
	d := f32(dst)
	dispatch(c, &c.jobs.binary, binaryJob{addF32To, d, f32(a), f32(b)}, len(d), c.elemChunk(len(d)))
	return nil
}

// Scale writes dst = alpha * src.
func (c *CPU) Scale(dst, src *Tensor, alpha float32) error {
	if err := c.checkSame("scale", []string{"dst", "src"}, dst, src); err != nil {
		return err
	}
	d := f32(dst)
	dispatch(c, &c.jobs.scale, scaleJob{d, f32(src), alpha}, len(d), c.elemChunk(len(d)))
	return nil
}

// checkSame checks the tensors of an element-wise operation: each
// belongs to c (mine), and all are F32 tensors of one shape (CheckSame).
func (c *CPU) checkSame(op string, names []string, ts ...*Tensor) error {
	if err := c.mine(op, ts...); err != nil {
		return err
	}
	return CheckSame(op, names, ts...)
}

// The element-wise kernels below process one chunk of an operation; the
// jobs at the end of the file hand them the chunks dispatch splits a
// tensor into. addF32To is unrolled by four so that the compiler drops
// the bounds checks and the loads of independent elements overlap.

// fillF32 sets every element of d to v: +0 by clear, anything else by
// setting a short run and then doubling it with copy (memmove, several
// times faster than a loop of single stores).
func fillF32(d []float32, v float32) {
	if math.Float32bits(v) == 0 { // +0 only: -0 must stay -0
		clear(d)
		return
	}
	n := min(len(d), 16)
	for i := range d[:n] {
		d[i] = v
	}
	for n < len(d) {
		n += copy(d[n:], d[:n])
	}
}

// copyF32 copies s into d.
func copyF32(d, s []float32) { copy(d, s) }

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

// addF32Go is addF32 in plain Go: dst[i] += src[i] for every
// i < len(dst). The col2im of Conv2DBackwardData accumulates with it.
func addF32Go(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

// fillJob sets d to v (Fill, and the clearing of recycled storage).
type fillJob struct {
	d []float32
	v float32
}

// run fills d[lo:hi].
func (j *fillJob) run(lo, hi int) { fillF32(j.d[lo:hi], j.v) }

// unaryJob writes out = f(in) for an element-wise kernel f: copyF32
// (Copy), reluF32 (ReLU).
type unaryJob struct {
	f       func(out, in []float32)
	out, in []float32
}

// run applies f to elements [lo,hi).
func (j *unaryJob) run(lo, hi int) { j.f(j.out[lo:hi], j.in[lo:hi]) }

// binaryJob writes out = f(a, b) for an element-wise kernel f: addF32To
// (Add), reluBackF32 (ReLUBackward).
type binaryJob struct {
	f         func(out, a, b []float32)
	out, a, b []float32
}

// run applies f to elements [lo,hi).
func (j *binaryJob) run(lo, hi int) { j.f(j.out[lo:hi], j.a[lo:hi], j.b[lo:hi]) }

// scaleJob writes d = alpha * s.
type scaleJob struct {
	d, s  []float32
	alpha float32
}

// run scales elements [lo,hi).
func (j *scaleJob) run(lo, hi int) { scaleF32(j.d[lo:hi], j.s[lo:hi], j.alpha) }
