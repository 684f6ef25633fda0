package ops

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

// im2col writes col[k, hw] for one image: row (ci,i,j) holds the input
// value under kernel tap (i,j) of channel ci for every output position,
// zero where the tap falls in the padding.
func (g *convGeom) im2col(img, col []float32) {
	row := 0
	for ci := 0; ci < g.c; ci++ {
		plane := img[ci*g.h*g.w : (ci+1)*g.h*g.w]
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				dst := col[row*g.hw : (row+1)*g.hw]
				for oy := 0; oy < g.oh; oy++ {
					iy := oy*g.stride - g.pad + i
					out := dst[oy*g.ow : (oy+1)*g.ow]
					if iy < 0 || iy >= g.h {
						clear(out)
						continue
					}
					src := plane[iy*g.w : (iy+1)*g.w]
					for ox := range out {
						ix := ox*g.stride - g.pad + j
						if ix >= 0 && ix < g.w {
							out[ox] = src[ix]
						} else {
							out[ox] = 0
						}
					}
				}
				row++
			}
		}
	}
}

// col2im adds col[k, hw] back into one image's gradient (the transpose of
// im2col); img must be zeroed by the caller.
func (g *convGeom) col2im(col, img []float32) {
	row := 0
	for ci := 0; ci < g.c; ci++ {
		plane := img[ci*g.h*g.w : (ci+1)*g.h*g.w]
		for i := 0; i < g.kh; i++ {
			for j := 0; j < g.kw; j++ {
				src := col[row*g.hw : (row+1)*g.hw]
				for oy := 0; oy < g.oh; oy++ {
					iy := oy*g.stride - g.pad + i
					if iy < 0 || iy >= g.h {
						continue
					}
					dst := plane[iy*g.w : (iy+1)*g.w]
					for ox, v := range src[oy*g.ow : (oy+1)*g.ow] {
						ix := ox*g.stride - g.pad + j
						if ix >= 0 && ix < g.w {
							dst[ix] += v
						}
					}
				}
				row++
			}
		}
	}
}

// Conv2D writes y = conv(x, w) + b through im2col and a matrix product,
// one image per task.
func (c *CPU) Conv2D(y, x, w, b *Tensor, s ConvSpec) error {
	if err := c.mine("Conv2D", y, x, w, b); err != nil {
		return err
	}
	oh, ow, err := CheckConv2D("conv2d", x, w, b, y, s)
	if err != nil {
		return err
	}
	g := newConvGeom(x, w, oh, ow, s)
	xs, ws, ys := f32(x), f32(w), f32(y)
	bs := f32(b)
	c.parallel(g.n, func(lo, hi int) {
		col := make([]float32, g.k*g.hw)
		for n := lo; n < hi; n++ {
			g.im2col(xs[n*g.c*g.h*g.w:(n+1)*g.c*g.h*g.w], col)
			out := ys[n*g.outSize : (n+1)*g.outSize]
			gemmNN(0, g.o, g.hw, g.k, ws, col, out)
			if bs != nil {
				for o := 0; o < g.o; o++ {
					bo := bs[o]
					row := out[o*g.hw : (o+1)*g.hw]
					for i := range row {
						row[i] += bo
					}
				}
			}
		}
	})
	return nil
}

// Conv2DBackwardData writes dx = col2im(w^T · dy), one image per task.
func (c *CPU) Conv2DBackwardData(dx, dy, w *Tensor, s ConvSpec) error {
	if err := c.mine("Conv2DBackwardData", dx, dy, w); err != nil {
		return err
	}
	if err := CheckConv2DBackwardData(dx, dy, w, s); err != nil {
		return err
	}
	g := newConvGeom(dx, w, dy.shape[2], dy.shape[3], s)
	dxs, dys, ws := f32(dx), f32(dy), f32(w)
	c.parallel(g.n, func(lo, hi int) {
		col := make([]float32, g.k*g.hw)
		for n := lo; n < hi; n++ {
			gemmTN(0, g.k, g.k, g.hw, g.o, ws, dys[n*g.outSize:(n+1)*g.outSize], col)
			img := dxs[n*g.c*g.h*g.w : (n+1)*g.c*g.h*g.w]
			clear(img)
			g.col2im(col, img)
		}
	})
	return nil
}

// Conv2DBackwardFilter writes dw = sum_n dy_n · im2col(x_n)^T and
// db = sum over n, y, x of dy. Work is split by output channel so that
// every element is summed over the batch in one fixed order.
func (c *CPU) Conv2DBackwardFilter(dw, db, x, dy *Tensor, s ConvSpec) error {
	if err := c.mine("Conv2DBackwardFilter", dw, db, x, dy); err != nil {
		return err
	}
	if err := CheckConv2DBackwardFilter(dw, db, x, dy, s); err != nil {
		return err
	}
	g := newConvGeom(x, dw, dy.shape[2], dy.shape[3], s)
	xs, dys, dws := f32(x), f32(dy), f32(dw)
	cols := make([]float32, g.n*g.k*g.hw)
	c.parallel(g.n, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			g.im2col(xs[n*g.c*g.h*g.w:(n+1)*g.c*g.h*g.w], cols[n*g.k*g.hw:(n+1)*g.k*g.hw])
		}
	})
	clear(dws)
	c.parallel(g.o, func(lo, hi int) {
		for n := 0; n < g.n; n++ {
			gemmNTAcc(lo, hi, g.k, g.hw, dys[n*g.outSize:(n+1)*g.outSize], cols[n*g.k*g.hw:(n+1)*g.k*g.hw], dws)
		}
	})
	if db != nil {
		dbs := f32(db)
		for o := 0; o < g.o; o++ {
			var sum float64
			for n := 0; n < g.n; n++ {
				for _, v := range dys[n*g.outSize+o*g.hw : n*g.outSize+(o+1)*g.hw] {
					sum += float64(v)
				}
			}
			dbs[o] = float32(sum)
		}
	}
	return nil
}
