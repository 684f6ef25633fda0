package ops

import "math"

// The element-wise kernels below process one chunk of an operation; the
// jobs at the end of the file hand them the chunks dispatch splits a
// tensor into. Each is unrolled by four so that the compiler drops the
// bounds checks and the loads of independent elements overlap.

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

// reluJob writes out = max(in, 0).
type reluJob struct{ out, in []float32 }

// run applies ReLU to elements [lo,hi).
func (j *reluJob) run(lo, hi int) { reluF32(j.out[lo:hi], j.in[lo:hi]) }

// reluBackJob writes g = up where y > 0.
type reluBackJob struct{ g, y, up []float32 }

// run writes the gradient of elements [lo,hi).
func (j *reluBackJob) run(lo, hi int) { reluBackF32(j.g[lo:hi], j.y[lo:hi], j.up[lo:hi]) }

// dropoutJob writes out = in * scale where the element's hash, under the
// step key, clears the threshold, and 0 elsewhere.
type dropoutJob struct {
	out, in  []float32
	key, thr uint32
	scale    float32
}

// run masks elements [lo,hi); the mask depends on the global index.
func (j *dropoutJob) run(lo, hi int) {
	out, in := j.out[lo:hi], j.in[lo:hi]
	for i := range out {
		if DropoutKeep(mix32(j.key^uint32(lo+i)), j.thr) {
			out[i] = in[i] * j.scale
		} else {
			out[i] = 0
		}
	}
}

// adamJob applies one Adam step, with the constants k, to p, m and v.
type adamJob struct {
	p, g, m, v []float32
	k          AdamConsts
}

// run updates elements [lo,hi), each in the order of AdamConsts.
func (j *adamJob) run(lo, hi int) {
	k := j.k
	pp, gg, mm, vv := j.p[lo:hi], j.g[lo:hi], j.m[lo:hi], j.v[lo:hi]
	gg, mm, vv = gg[:len(pp)], mm[:len(pp)], vv[:len(pp)]
	for i := range pp {
		gi := gg[i]
		mi := k.Beta1*mm[i] + k.OneMinusBeta1*gi
		vi := k.Beta2*vv[i] + k.OneMinusBeta2*gi*gi
		mm[i], vv[i] = mi, vi
		denom := sqrt32(vi)/k.SqrtBias2 + k.Eps
		pp[i] -= k.StepSize * (mi / denom)
	}
}
