package ops

import "math"

// Fill sets every element to v.
func (c *CPU) Fill(t *Tensor, v float32) error {
	if err := c.mine("Fill", t); err != nil {
		return err
	}
	if err := need("fill", "t", t, F32, -1); err != nil {
		return err
	}
	d := f32(t)
	dispatch(c, &c.jobs.fill, fillJob{d, v}, len(d), c.elemChunk(len(d)))
	return nil
}

// Copy copies src into dst.
func (c *CPU) Copy(dst, src *Tensor) error {
	if err := c.mine("Copy", dst, src); err != nil {
		return err
	}
	if err := CheckCopy(dst, src); err != nil {
		return err
	}
	d := f32(dst)
	dispatch(c, &c.jobs.copy, copyJob{d, f32(src)}, len(d), c.elemChunk(len(d)))
	return nil
}

// Add writes dst = a + b.
func (c *CPU) Add(dst, a, b *Tensor) error {
	if err := c.mine("Add", dst, a, b); err != nil {
		return err
	}
	if err := CheckSame("add", []string{"dst", "a", "b"}, dst, a, b); err != nil {
		return err
	}
	d := f32(dst)
	dispatch(c, &c.jobs.add, addJob{d, f32(a), f32(b)}, len(d), c.elemChunk(len(d)))
	return nil
}

// Scale writes dst = alpha * src.
func (c *CPU) Scale(dst, src *Tensor, alpha float32) error {
	if err := c.mine("Scale", dst, src); err != nil {
		return err
	}
	if err := CheckSame("scale", []string{"dst", "src"}, dst, src); err != nil {
		return err
	}
	d := f32(dst)
	dispatch(c, &c.jobs.scale, scaleJob{d, f32(src), alpha}, len(d), c.elemChunk(len(d)))
	return nil
}

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

// addF32Go is the portable addF32.
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

// copyJob copies s into d.
type copyJob struct{ d, s []float32 }

// run copies elements [lo,hi).
func (j *copyJob) run(lo, hi int) { copy(j.d[lo:hi], j.s[lo:hi]) }

// addJob writes d = x + y.
type addJob struct{ d, x, y []float32 }

// run adds elements [lo,hi).
func (j *addJob) run(lo, hi int) { addF32To(j.d[lo:hi], j.x[lo:hi], j.y[lo:hi]) }

// scaleJob writes d = alpha * s.
type scaleJob struct {
	d, s  []float32
	alpha float32
}

// run scales elements [lo,hi).
func (j *scaleJob) run(lo, hi int) { scaleF32(j.d[lo:hi], j.s[lo:hi], j.alpha) }
