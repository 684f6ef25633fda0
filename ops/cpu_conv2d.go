package ops

// Conv2D and its two gradients, as matrix products (cpu_gemm.go) of the
// weights with each image's im2col matrix, which is never built whole:
// cpu_conv2d_im2col.go writes it straight into the packed panels of the
// forward product, cpu_conv2d_im2row.go its transpose into those of the
// filter gradient, and cpu_conv2d_col2im.go adds the data gradient's
// product back into the image.

// convGeom is one convolution's sizes, derived once from x and w.
type convGeom struct {
	n, c, h, w     int // input
	o, kh, kw      int // weight
	oh, ow         int // output
	stride, pad    int
	k, hw, outSize int // k = c*kh*kw (im2col rows), hw = oh*ow
}

func newConvGeom(x, w *Tensor, oh, ow int, s ConvSpec) convGeom {
	g := convGeom{
		n: x.shape[0], c: x.shape[1], h: x.shape[2], w: x.shape[3],
		o: w.shape[0], kh: w.shape[2], kw: w.shape[3],
		oh: oh, ow: ow, stride: s.Stride, pad: s.Padding,
	}
	g.k = g.c * g.kh * g.kw
	g.hw = oh * ow
	g.outSize = g.o * g.hw
	return g
}

// Conv2D writes y = conv(x, w) + b as the matrix product of the weights
// (packed once) and each image's im2col matrix (packed as it is built),
// one image per task.
func (c *CPU) Conv2D(y, x, w, b *Tensor, s ConvSpec) error {
	const op = "conv2d"
	if err := c.mine(op, y, x, w, b); err != nil {
		return err
	}
	oh, ow, err := CheckConv2D(op, x, w, b, y, s)
	if err != nil {
		return err
	}
	g := newConvGeom(x, w, oh, ow, s)
	as := getScratch(packedASize(g.o, g.k))
	packA(as.buf, f32(w), g.k, 1, g.o, g.k, g.k, 0)
	j := convForwardJob{g: g, xs: f32(x), ys: f32(y), bs: f32(b), ap: as.buf}
	dispatch(c, &c.jobs.convFwd, j, g.n, c.perWorker(g.n))
	putScratch(as)
	return nil
}

// convForwardJob computes the outputs of images [lo,hi) of Conv2D from
// the packed weights ap and the bias bs (nil for none).
type convForwardJob struct {
	g          convGeom
	xs, ys, bs []float32
	ap         []float32
}

// run computes images [lo,hi), with per-call packing scratch.
func (j *convForwardJob) run(lo, hi int) {
	g := &j.g
	nb := packedBSize(g.k, g.hw)
	sc := getScratch(nb + g.paddedSize())
	bp, padded := sc.buf[:nb], sc.buf[nb:]
	for n := lo; n < hi; n++ {
		g.im2colPanels(j.xs[n*g.c*g.h*g.w:(n+1)*g.c*g.h*g.w], bp, padded)
		out := j.ys[n*g.outSize : (n+1)*g.outSize]
		if j.bs != nil {
			for o, v := range j.bs[:g.o] {
				fillF32(out[o*g.hw:(o+1)*g.hw], v)
			}
		}
		gemmPacked(g.o, g.hw, g.k, j.ap, bp, out, g.hw, j.bs != nil)
	}
	putScratch(sc)
}

// Conv2DBackwardData writes dx = col2im(w^T · dy), one image per task.
func (c *CPU) Conv2DBackwardData(dx, dy, w *Tensor, s ConvSpec) error {
	if err := c.mine("conv2d_backward_data", dx, dy, w); err != nil {
		return err
	}
	if err := CheckConv2DBackwardData(dx, dy, w, s); err != nil {
		return err
	}
	g := newConvGeom(dx, w, dy.shape[2], dy.shape[3], s)
	as := getScratch(packedASize(g.k, g.o))
	packA(as.buf, f32(w), 1, g.k, g.k, g.o, g.o, 0)
	j := convDataJob{g: g, dxs: f32(dx), dys: f32(dy), ap: as.buf}
	dispatch(c, &c.jobs.convData, j, g.n, c.perWorker(g.n))
	putScratch(as)
	return nil
}

// convDataJob computes the input gradients of images [lo,hi) of
// Conv2DBackwardData from the packed, transposed weights ap.
type convDataJob struct {
	g            convGeom
	dxs, dys, ap []float32
}

// run computes images [lo,hi), with per-call packing scratch.
func (j *convDataJob) run(lo, hi int) {
	g := &j.g
	nb := packedBSize(g.o, g.hw)
	sc := getScratch(nb + g.k*g.hw)
	bp, col := sc.buf[:nb], sc.buf[nb:]
	for n := lo; n < hi; n++ {
		packB(bp, j.dys[n*g.outSize:(n+1)*g.outSize], g.hw, 1, g.o, g.hw, g.o, 0)
		gemmPacked(g.k, g.hw, g.o, j.ap, bp, col, g.hw, false)
		img := j.dxs[n*g.c*g.h*g.w : (n+1)*g.c*g.h*g.w]
		clear(img)
		g.col2im(col, img)
	}
	putScratch(sc)
}

// Conv2DBackwardFilter writes dw = sum_n dy_n · im2col(x_n)^T and
// db = sum over n, y, x of dy. Work is split by panels of dw's columns;
// each worker sums its elements over the whole batch, in chunks of images
// whose size depends only on the shapes, so results do not depend on the
// number of workers.
func (c *CPU) Conv2DBackwardFilter(dw, db, x, dy *Tensor, s ConvSpec) error {
	if err := c.mine("conv2d_backward_filter", dw, db, x, dy); err != nil {
		return err
	}
	if err := CheckConv2DBackwardFilter(dw, db, x, dy, s); err != nil {
		return err
	}
	g := newConvGeom(x, dw, dy.shape[2], dy.shape[3], s)
	dys := f32(dy)
	// dy, packed once as the A operand of the whole batch (contraction
	// over image and position), one image per task.
	as := getScratch(packedASize(g.o, g.n*g.hw))
	dispatch(c, &c.jobs.packDy, convPackDyJob{g: g, dys: dys, ap: as.buf}, g.n, c.perWorker(g.n))
	panels := (g.k + gemmNR - 1) / gemmNR
	j := convFilterJob{g: g, xs: f32(x), ap: as.buf, dws: f32(dw)}
	dispatch(c, &c.jobs.convFilter, j, panels, c.perWorker(panels))
	putScratch(as)
	if db != nil {
		dispatch(c, &c.jobs.convBias, convBiasJob{g: g, dys: dys, dbs: f32(db)}, g.o, c.perWorker(g.o))
	}
	return nil
}

// convPackDyJob packs the output gradients of images [lo,hi) into ap, the
// A operand of Conv2DBackwardFilter's product over the whole batch.
type convPackDyJob struct {
	g       convGeom
	dys, ap []float32
}

// run packs images [lo,hi).
func (j *convPackDyJob) run(lo, hi int) {
	g := &j.g
	for n := lo; n < hi; n++ {
		packA(j.ap, j.dys[n*g.outSize:(n+1)*g.outSize], g.hw, 1, g.o, g.hw, g.n*g.hw, n*g.hw)
	}
}

// convFilterJob computes the columns of dw in the gemmNR-wide panels
// [lo,hi), summing over the batch in chunks of images of about 1024
// output positions: each chunk's im2col rows are packed into B panels and
// multiplied by the packed dy (ap), accumulating into dw.
type convFilterJob struct {
	g           convGeom
	xs, ap, dws []float32
}

// run computes the panels [lo,hi) of dw.
func (j *convFilterJob) run(lo, hi int) {
	g := &j.g
	lt := g.n * g.hw
	chunk := max(1, 1024/max(g.hw, 1))
	r0, r1 := lo*gemmNR, min(hi*gemmNR, g.k)
	maxL := min(chunk, g.n) * g.hw
	nb := (hi - lo) * gemmNR * maxL
	sc := getScratch(nb + g.im2rowScratch(hi-lo))
	bp, pad := sc.buf[:nb], sc.buf[nb:]
	for n0 := 0; n0 < g.n; n0 += chunk {
		n1 := min(n0+chunk, g.n)
		L := (n1 - n0) * g.hw
		for n := n0; n < n1; n++ {
			g.im2rowPanels(j.xs[n*g.c*g.h*g.w:(n+1)*g.c*g.h*g.w], bp, pad, r0, r1, L, (n-n0)*g.hw)
		}
		gemmPanels(g.o, r1-r0, L, j.ap[n0*g.hw*gemmMR:], lt, bp, L, j.dws[r0:], g.k, n0 > 0)
	}
	putScratch(sc)
}

// convBiasJob writes the bias gradients of output channels [lo,hi): the
// float64 sum of each channel's dy over images and positions, in order.
type convBiasJob struct {
	g        convGeom
	dys, dbs []float32
}

// run sums output channels [lo,hi).
func (j *convBiasJob) run(lo, hi int) {
	g := &j.g
	for o := lo; o < hi; o++ {
		var sum float64
		for n := 0; n < g.n; n++ {
			for _, v := range j.dys[n*g.outSize+o*g.hw : n*g.outSize+(o+1)*g.hw] {
				sum += float64(v)
			}
		}
		j.dbs[o] = float32(sum)
	}
}
