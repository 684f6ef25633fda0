package ops

import "math"

// The batch-norm kernels work on (sample, channel) planes of h*w values,
// spread over the cores. Each per-channel reduction is a sum of per-plane
// partial sums: every plane is summed in one fixed order (sumF64 and
// friends), and the planes of a channel are then added in sample order, so
// that results do not depend on the number of cores.

// BatchNormTrain normalizes with batch statistics (biased variance), saves
// mean and 1/sqrt(var+eps), and updates the running statistics with the
// unbiased variance, as PyTorch's BatchNorm2d does in training mode.
func (c *CPU) BatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	return c.batchNormTrain("batchnorm_train", false, y, mean, invStd, x, gamma, beta, runMean, runVar, s)
}

// batchNormTrain is BatchNormTrain, followed by ReLU on each plane of y
// when relu is set (BatchNormReLUTrain).
func (c *CPU) batchNormTrain(op string, relu bool, y, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	if err := c.mine(op, y, mean, invStd, x, gamma, beta, runMean, runVar); err != nil {
		return err
	}
	if err := CheckBatchNormTrain(y, mean, invStd, x, gamma, beta, runMean, runVar, s); err != nil {
		return err
	}
	c.batchNormTrainInto(f32(y), relu, mean, invStd, x, gamma, beta, runMean, runVar, s)
	return nil
}

// batchNormTrainInto is batchNormTrain from checked arguments, writing y
// into ys (x's size).
func (c *CPU) batchNormTrainInto(ys []float32, relu bool, mean, invStd, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) {
	n, ch, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	count := n * hw
	xs := f32(x)
	ms, is, gs, bs, rm, rv := f32(mean), f32(invStd), f32(gamma), f32(beta), f32(runMean), f32(runVar)
	planes := n * ch
	chunk := c.planeChunk(planes, hw)
	sc := getF64(planes + 3*ch)
	defer putF64(sc)
	part, mu := sc.buf[:planes], sc.buf[planes:planes+ch]
	scale, shift := sc.buf[planes+ch:planes+2*ch], sc.buf[planes+2*ch:]
	dispatch(c, &c.jobs.bnSum, bnSumJob{part: part, xs: xs, hw: hw}, planes, chunk)
	for k := range ch {
		mu[k] = sumChannel(part, n, ch, k) / float64(count)
	}
	dispatch(c, &c.jobs.bnSqDev, bnSqDevJob{part: part, xs: xs, mu: mu, hw: hw}, planes, chunk)
	m := float64(s.Momentum)
	for k := range ch {
		sq := sumChannel(part, n, ch, k)
		inv := 1 / math.Sqrt(sq/float64(count)+float64(s.Eps))
		ms[k], is[k] = float32(mu[k]), float32(inv)
		scale[k] = float64(gs[k]) * inv
		shift[k] = float64(bs[k]) - mu[k]*scale[k]
		unbiased := sq / float64(count-1)
		rm[k] = float32((1-m)*float64(rm[k]) + m*mu[k])
		rv[k] = float32((1-m)*float64(rv[k]) + m*unbiased)
	}
	j := bnAffineJob{ys: ys, xs: xs, scale: scale, shift: shift, hw: hw, relu: relu}
	dispatch(c, &c.jobs.bnAffine, j, planes, chunk)
}

// BatchNormEval normalizes with the running statistics.
func (c *CPU) BatchNormEval(y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	return c.batchNormEval("batchnorm_eval", false, y, x, gamma, beta, runMean, runVar, s)
}

// batchNormEval is BatchNormEval, followed by ReLU on each plane of y
// when relu is set (BatchNormReLUEval).
func (c *CPU) batchNormEval(op string, relu bool, y, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) error {
	if err := c.mine(op, y, x, gamma, beta, runMean, runVar); err != nil {
		return err
	}
	if err := CheckBatchNormEval(y, x, gamma, beta, runMean, runVar, s); err != nil {
		return err
	}
	c.batchNormEvalInto(f32(y), relu, x, gamma, beta, runMean, runVar, s)
	return nil
}

// batchNormEvalInto is batchNormEval from checked arguments, writing y
// into ys (x's size).
func (c *CPU) batchNormEvalInto(ys []float32, relu bool, x, gamma, beta, runMean, runVar *Tensor, s BatchNormSpec) {
	n, ch, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	xs := f32(x)
	gs, bs, rm, rv := f32(gamma), f32(beta), f32(runMean), f32(runVar)
	sc := getF64(2 * ch)
	defer putF64(sc)
	scale, shift := sc.buf[:ch], sc.buf[ch:]
	for k := range ch {
		inv := 1 / math.Sqrt(float64(rv[k])+float64(s.Eps))
		scale[k] = float64(gs[k]) * inv
		shift[k] = float64(bs[k]) - float64(rm[k])*scale[k]
	}
	j := bnAffineJob{ys: ys, xs: xs, scale: scale, shift: shift, hw: hw, relu: relu}
	dispatch(c, &c.jobs.bnAffine, j, n*ch, c.planeChunk(n*ch, hw))
}

// BatchNormBackward writes the training-mode gradients:
// dx = gamma*invStd/m * (m*dy - sum(dy) - xhat*sum(dy*xhat)), with m the
// number of values per channel, dgamma = sum(dy*xhat), dbeta = sum(dy).
func (c *CPU) BatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma *Tensor) error {
	const op = "batchnorm_backward"
	if err := c.mine(op, dx, dgamma, dbeta, x, dy, mean, invStd, gamma); err != nil {
		return err
	}
	if err := CheckBatchNormBackward(dx, dgamma, dbeta, x, dy, mean, invStd, gamma); err != nil {
		return err
	}
	c.batchNormBackward(dx, dgamma, dbeta, x, nil, dy, mean, invStd, gamma)
	return nil
}

// batchNormBackward writes BatchNormBackward's gradients from checked
// arguments. With y not nil (BatchNormReLUBackward) each plane of dy is
// first masked by ReLU's gradient into dx, and the rest reads dy from dx.
func (c *CPU) batchNormBackward(dx, dgamma, dbeta, x, y, dy, mean, invStd, gamma *Tensor) {
	n, ch, hw := x.shape[0], x.shape[1], x.shape[2]*x.shape[3]
	count := float64(n * hw)
	xs, dys, dxs := f32(x), f32(dy), f32(dx)
	ms, is, gs, dgs, dbs := f32(mean), f32(invStd), f32(gamma), f32(dgamma), f32(dbeta)
	planes := n * ch
	chunk := c.planeChunk(planes, hw)
	sc := getF64(2*planes + 3*ch)
	defer putF64(sc)
	pdy, pdyx := sc.buf[:planes], sc.buf[planes:2*planes]
	a, b, d := sc.buf[2*planes:2*planes+ch], sc.buf[2*planes+ch:2*planes+2*ch], sc.buf[2*planes+2*ch:]
	dyDev := bnDyDevJob{pdy: pdy, pdyx: pdyx, dys: dys, xs: xs, ms: ms, hw: hw}
	if y != nil {
		dyDev.ys, dyDev.dxs = f32(y), dxs
		dys = dxs
	}
	dispatch(c, &c.jobs.bnDyDev, dyDev, planes, chunk)
	// dx = a*dy + b + d*(x-mu) per channel.
	for k := range ch {
		inv := float64(is[k])
		sdy := sumChannel(pdy, n, ch, k)
		sdyx := sumChannel(pdyx, n, ch, k) * inv
		dgs[k], dbs[k] = float32(sdyx), float32(sdy)
		f := float64(gs[k]) * inv / count
		a[k], b[k], d[k] = f*count, -f*sdy, -f*sdyx*inv
	}
	j := bnBackJob{dxs: dxs, dys: dys, xs: xs, ms: ms, a: a, b: b, d: d, hw: hw}
	dispatch(c, &c.jobs.bnBack, j, planes, chunk)
}

// sumChannel adds the per-plane partial sums of channel k in sample order.
func sumChannel(part []float64, n, ch, k int) float64 {
	var s float64
	for i := range n {
		s += part[i*ch+k]
	}
	return s
}

// The batch-norm jobs below handle the (sample, channel) planes [lo,hi)
// of hw values each; a plane's channel is its index modulo the number of
// channels, the length of the per-channel slices.

// bnSumJob writes each plane's sum into part.
type bnSumJob struct {
	part []float64
	xs   []float32
	hw   int
}

// run sums planes [lo,hi).
func (j *bnSumJob) run(lo, hi int) {
	for p := lo; p < hi; p++ {
		j.part[p] = sumF64(j.xs[p*j.hw : (p+1)*j.hw])
	}
}

// bnSqDevJob writes each plane's sum of squared deviations from its
// channel's mean mu into part.
type bnSqDevJob struct {
	part, mu []float64
	xs       []float32
	hw       int
}

// run sums the squared deviations of planes [lo,hi).
func (j *bnSqDevJob) run(lo, hi int) {
	for p := lo; p < hi; p++ {
		j.part[p] = sumSqDevF64(j.xs[p*j.hw:(p+1)*j.hw], j.mu[p%len(j.mu)])
	}
}

// bnAffineJob writes y = x*scale + shift with its channel's scale and
// shift, then y = relu(y) when relu is set (while the plane is in cache).
type bnAffineJob struct {
	ys, xs       []float32
	scale, shift []float64
	hw           int
	relu         bool
}

// run normalizes planes [lo,hi).
func (j *bnAffineJob) run(lo, hi int) {
	hw, ch := j.hw, len(j.scale)
	for p := lo; p < hi; p++ {
		y := j.ys[p*hw : (p+1)*hw]
		affineF32(y, j.xs[p*hw:(p+1)*hw], j.scale[p%ch], j.shift[p%ch])
		if j.relu {
			reluF32(y, y)
		}
	}
}

// bnDyDevJob writes each plane's sums of dy and of dy*(x-mean) into pdy
// and pdyx. With ys set, it first writes ReLU's gradient of dy (masked
// by the fused forward's output ys) into dxs and sums that instead.
type bnDyDevJob struct {
	pdy, pdyx   []float64
	dys, xs, ms []float32
	ys, dxs     []float32
	hw          int
}

// run sums planes [lo,hi).
func (j *bnDyDevJob) run(lo, hi int) {
	hw, ch := j.hw, len(j.ms)
	for p := lo; p < hi; p++ {
		dy := j.dys[p*hw : (p+1)*hw]
		if j.ys != nil {
			g := j.dxs[p*hw : (p+1)*hw]
			reluBackF32(g, j.ys[p*hw:(p+1)*hw], dy)
			dy = g
		}
		j.pdy[p], j.pdyx[p] = sumDyDev(dy, j.xs[p*hw:(p+1)*hw], float64(j.ms[p%ch]))
	}
}

// bnBackJob writes dx = a*dy + b + d*(x-mean) with its channel's
// factors.
type bnBackJob struct {
	dxs, dys, xs, ms []float32
	a, b, d          []float64
	hw               int
}

// run writes the gradients of planes [lo,hi).
func (j *bnBackJob) run(lo, hi int) {
	hw, ch := j.hw, len(j.ms)
	for p := lo; p < hi; p++ {
		k := p % ch
		bnBackF32(j.dxs[p*hw:(p+1)*hw], j.dys[p*hw:(p+1)*hw], j.xs[p*hw:(p+1)*hw], float64(j.ms[k]), j.a[k], j.b[k], j.d[k])
	}
}

// The per-plane kernels of the jobs above: float64 sums in a fixed order,
// and the float32 outputs computed in float64.

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
