package ops

// sumF64 returns the float64 sum of x, in four interleaved partial sums
// (elements i mod 4) added at the end: a fixed order.
func sumF64(x []float32) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		s0 += float64(v[0])
		s1 += float64(v[1])
		s2 += float64(v[2])
		s3 += float64(v[3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// sumSqDevF64 returns the float64 sum of (x-mu)^2, in the order of sumF64.
func sumSqDevF64(x []float32, mu float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		v := x[i : i+4 : i+4]
		d0, d1, d2, d3 := float64(v[0])-mu, float64(v[1])-mu, float64(v[2])-mu, float64(v[3])-mu
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - mu
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// sumDyDev returns the float64 sums of dy and of dy*(x-mu), each in two
// interleaved partial sums (even and odd elements).
func sumDyDev(dy, x []float32, mu float64) (sdy, sdyx float64) {
	x = x[:len(dy)]
	var a0, a1, b0, b1 float64
	i := 0
	for ; i+2 <= len(dy); i += 2 {
		g, v := dy[i:i+2:i+2], x[i:i+2:i+2]
		g0, g1 := float64(g[0]), float64(g[1])
		a0 += g0
		a1 += g1
		b0 += g0 * (float64(v[0]) - mu)
		b1 += g1 * (float64(v[1]) - mu)
	}
	for ; i < len(dy); i++ {
		g := float64(dy[i])
		a0 += g
		b0 += g * (float64(x[i]) - mu)
	}
	return a0 + a1, b0 + b1
}

// affineF32 writes y = x*scale + shift, computed in float64 as a rounded
// product and then a sum (the conversions of the product keep the
// compiler from fusing them into one FMA, so that every build gives the
// bits of affineVec): with vector instructions where there are some
// (affineVec), the rest element by element.
func affineF32(y, x []float32, scale, shift float64) {
	x = x[:len(y)]
	i := affineVec(y, x, scale, shift)
	for ; i+4 <= len(y); i += 4 {
		o, v := y[i:i+4:i+4], x[i:i+4:i+4]
		o[0] = float32(float64(float64(v[0])*scale) + shift)
		o[1] = float32(float64(float64(v[1])*scale) + shift)
		o[2] = float32(float64(float64(v[2])*scale) + shift)
		o[3] = float32(float64(float64(v[3])*scale) + shift)
	}
	for ; i < len(y); i++ {
		y[i] = float32(float64(float64(x[i])*scale) + shift)
	}
}

// bnBackF32 writes dx = a*dy + b + d*(x-mu), computed in float64.
func bnBackF32(dx, dy, x []float32, mu, a, b, d float64) {
	dy, x = dy[:len(dx)], x[:len(dx)]
	i := 0
	for ; i+4 <= len(dx); i += 4 {
		o, g, v := dx[i:i+4:i+4], dy[i:i+4:i+4], x[i:i+4:i+4]
		o[0] = float32(a*float64(g[0]) + b + d*(float64(v[0])-mu))
		o[1] = float32(a*float64(g[1]) + b + d*(float64(v[1])-mu))
		o[2] = float32(a*float64(g[2]) + b + d*(float64(v[2])-mu))
		o[3] = float32(a*float64(g[3]) + b + d*(float64(v[3])-mu))
	}
	for ; i < len(dx); i++ {
		dx[i] = float32(a*float64(dy[i]) + b + d*(float64(x[i])-mu))
	}
}

// f64Scratch holds the float64 scratch of the batch-norm kernels (partial
// sums and per-channel factors), so that a training step does not
// allocate it anew for every layer.
var f64Scratch freeList[float64]

// getF64 returns scratch of n float64s with unspecified contents.
func getF64(n int) *scratchBuf[float64] { return f64Scratch.get(n) }

// putF64 hands scratch back for a later getF64.
func putF64(s *scratchBuf[float64]) { f64Scratch.put(s) }
