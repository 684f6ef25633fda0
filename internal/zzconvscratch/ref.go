package zzconvscratch

// convDims describes a convolution: x NCHW, w OIHW (O outputs, kernel
// KH x KW), stride and zero padding in both spatial dimensions.
type convDims struct {
	N, C, H, W, O, KH, KW, Stride, Pad int
}

// out returns the output height and width.
func (d convDims) out() (oh, ow int) {
	return (d.H+2*d.Pad-d.KH)/d.Stride + 1, (d.W+2*d.Pad-d.KW)/d.Stride + 1
}

// refConv2D returns y = conv(x, w) + b; b may be nil.
func refConv2D(d convDims, x, w, b []float64) []float64 {
	oh, ow := d.out()
	y := make([]float64, d.N*d.O*oh*ow)
	for n := 0; n < d.N; n++ {
		for o := 0; o < d.O; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					s := 0.0
					if b != nil {
						s = b[o]
					}
					for c := 0; c < d.C; c++ {
						for p := 0; p < d.KH; p++ {
							for q := 0; q < d.KW; q++ {
								r, col := i*d.Stride-d.Pad+p, j*d.Stride-d.Pad+q
								if r < 0 || r >= d.H || col < 0 || col >= d.W {
									continue
								}
								s += x[((n*d.C+c)*d.H+r)*d.W+col] * w[((o*d.C+c)*d.KH+p)*d.KW+q]
							}
						}
					}
					y[((n*d.O+o)*oh+i)*ow+j] = s
				}
			}
		}
	}
	return y
}

// refConv2DBackward returns the gradients of sum(dy * conv(x, w) + b)
// with respect to x, w and b, by running the forward loops and
// scattering each product's share.
func refConv2DBackward(d convDims, x, w, dy []float64) (dx, dw, db []float64) {
	oh, ow := d.out()
	dx = make([]float64, len(x))
	dw = make([]float64, len(w))
	db = make([]float64, d.O)
	for n := 0; n < d.N; n++ {
		for o := 0; o < d.O; o++ {
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					g := dy[((n*d.O+o)*oh+i)*ow+j]
					db[o] += g
					for c := 0; c < d.C; c++ {
						for p := 0; p < d.KH; p++ {
							for q := 0; q < d.KW; q++ {
								r, col := i*d.Stride-d.Pad+p, j*d.Stride-d.Pad+q
								if r < 0 || r >= d.H || col < 0 || col >= d.W {
									continue
								}
								xi := ((n*d.C+c)*d.H+r)*d.W + col
								wi := ((o*d.C+c)*d.KH+p)*d.KW + q
								dx[xi] += g * w[wi]
								dw[wi] += g * x[xi]
							}
						}
					}
				}
			}
		}
	}
	return dx, dw, db
}

// refLinear returns y = x w^T + b for x [n,in], w [out,in]; b may be nil.
func refLinear(n, in, out int, x, w, b []float64) []float64 {
	y := make([]float64, n*out)
	for r := 0; r < n; r++ {
		for o := 0; o < out; o++ {
			s := 0.0
			if b != nil {
				s = b[o]
			}
			for i := 0; i < in; i++ {
				s += x[r*in+i] * w[o*in+i]
			}
			y[r*out+o] = s
		}
	}
	return y
}

// refLinearBackward returns dx = dy w, dw = dy^T x and db = column sums of dy.
func refLinearBackward(n, in, out int, x, w, dy []float64) (dx, dw, db []float64) {
	dx = make([]float64, n*in)
	dw = make([]float64, out*in)
	db = make([]float64, out)
	for r := 0; r < n; r++ {
		for o := 0; o < out; o++ {
			g := dy[r*out+o]
			db[o] += g
			for i := 0; i < in; i++ {
				dx[r*in+i] += g * w[o*in+i]
				dw[o*in+i] += g * x[r*in+i]
			}
		}
	}
	return dx, dw, db
}

