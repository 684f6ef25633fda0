package conformance

import "math"

// The float64 reference implementations the backends are compared with:
// naive loops that follow the definitions (PyTorch's semantics, see
// REFERENCE.md sections 2 and 3) and nothing clever.

// ConvDims describes a convolution: x NCHW, w OIHW (O outputs, kernel
// KH x KW), stride and zero padding in both spatial dimensions.
type ConvDims struct {
	N, C, H, W, O, KH, KW, Stride, Pad int
}

// out returns the output height and width.
func (d ConvDims) Out() (oh, ow int) {
	return (d.H+2*d.Pad-d.KH)/d.Stride + 1, (d.W+2*d.Pad-d.KW)/d.Stride + 1
}

// RefConv2D returns y = conv(x, w) + b; b may be nil.
func RefConv2D(d ConvDims, x, w, b []float64) []float64 {
	oh, ow := d.Out()
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

// RefConv2DBackward returns the gradients of sum(dy * conv(x, w) + b)
// with respect to x, w and b, by running the forward loops and
// scattering each product's share.
func RefConv2DBackward(d ConvDims, x, w, dy []float64) (dx, dw, db []float64) {
	oh, ow := d.Out()
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

// bnDims is a batch norm's input: N images of C channels of HW pixels.
type bnDims struct{ N, C, HW int }

// at returns the flat index of pixel s of channel c of image n.
func (d bnDims) at(n, c, s int) int { return (n*d.C+c)*d.HW + s }

// count is the number of values per channel, N*H*W.
func (d bnDims) count() int { return d.N * d.HW }

// refBatchStats returns each channel's mean and biased variance.
func refBatchStats(d bnDims, x []float64) (mean, variance []float64) {
	mean = make([]float64, d.C)
	variance = make([]float64, d.C)
	m := float64(d.count())
	for c := 0; c < d.C; c++ {
		s := 0.0
		for n := 0; n < d.N; n++ {
			for p := 0; p < d.HW; p++ {
				s += x[d.at(n, c, p)]
			}
		}
		mean[c] = s / m
		v := 0.0
		for n := 0; n < d.N; n++ {
			for p := 0; p < d.HW; p++ {
				dev := x[d.at(n, c, p)] - mean[c]
				v += dev * dev
			}
		}
		variance[c] = v / m
	}
	return mean, variance
}

// refBatchNorm returns gamma*(x-mean)/sqrt(variance+eps) + beta per channel.
func refBatchNorm(d bnDims, x, gamma, beta, mean, variance []float64, eps float64) []float64 {
	y := make([]float64, len(x))
	for n := 0; n < d.N; n++ {
		for c := 0; c < d.C; c++ {
			inv := 1 / math.Sqrt(variance[c]+eps)
			for p := 0; p < d.HW; p++ {
				i := d.at(n, c, p)
				y[i] = gamma[c]*(x[i]-mean[c])*inv + beta[c]
			}
		}
	}
	return y
}

// refBatchNormBackward returns the training-mode gradients of
// sum(dy * batchnorm(x)) with respect to x, gamma and beta, where the
// batch statistics depend on x:
//
//	dx = gamma*invStd/m * (m*dy - sum(dy) - xhat*sum(dy*xhat))
func refBatchNormBackward(d bnDims, x, dy, gamma []float64, eps float64) (dx, dgamma, dbeta []float64) {
	mean, variance := refBatchStats(d, x)
	m := float64(d.count())
	dx = make([]float64, len(x))
	dgamma = make([]float64, d.C)
	dbeta = make([]float64, d.C)
	for c := 0; c < d.C; c++ {
		inv := 1 / math.Sqrt(variance[c]+eps)
		for n := 0; n < d.N; n++ {
			for p := 0; p < d.HW; p++ {
				i := d.at(n, c, p)
				dbeta[c] += dy[i]
				dgamma[c] += dy[i] * (x[i] - mean[c]) * inv
			}
		}
		for n := 0; n < d.N; n++ {
			for p := 0; p < d.HW; p++ {
				i := d.at(n, c, p)
				xhat := (x[i] - mean[c]) * inv
				dx[i] = gamma[c] * inv / m * (m*dy[i] - dbeta[c] - xhat*dgamma[c])
			}
		}
	}
	return dx, dgamma, dbeta
}

// refMaxPool2D returns the maximum of each k x k window (stride k, no
// padding, trailing rows and columns dropped) and the flat index in x of
// each window's first maximum in row-major order.
func refMaxPool2D(n, c, h, w, k int, x []float64) (y []float64, arg []int) {
	oh, ow := h/k, w/k
	y = make([]float64, n*c*oh*ow)
	arg = make([]int, len(y))
	for img := 0; img < n*c; img++ {
		for i := 0; i < oh; i++ {
			for j := 0; j < ow; j++ {
				best := -1
				for p := 0; p < k; p++ {
					for q := 0; q < k; q++ {
						xi := (img*h+i*k+p)*w + j*k + q
						if best < 0 || x[xi] > x[best] {
							best = xi
						}
					}
				}
				yi := (img*oh+i)*ow + j
				y[yi], arg[yi] = x[best], best
			}
		}
	}
	return y, arg
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

// refCrossEntropy returns the batch mean of -log_softmax(x)[label] and its
// gradient (softmax - onehot)/N, using a max-shifted log-sum-exp.
func refCrossEntropy(n, c int, x []float64, labels []int32) (loss float64, grad []float64) {
	grad = make([]float64, n*c)
	for r := 0; r < n; r++ {
		row := x[r*c : (r+1)*c]
		mx := math.Inf(-1)
		for _, v := range row {
			mx = math.Max(mx, v)
		}
		sum := 0.0
		for _, v := range row {
			sum += math.Exp(v - mx)
		}
		lse := mx + math.Log(sum)
		loss += lse - row[labels[r]]
		for j, v := range row {
			grad[r*c+j] = math.Exp(v-mx) / sum / float64(n)
		}
		grad[r*c+int(labels[r])] -= 1 / float64(n)
	}
	return loss / float64(n), grad
}

// refSigmoidFocal returns the tutorial's sigmoid focal loss (REFERENCE.md
// section 3: one-vs-rest over one-hot targets, summed over classes,
// averaged over rows) and its gradient.
func refSigmoidFocal(n, c int, x []float64, labels []int32, gamma, alpha float64) (loss float64, grad []float64) {
	grad = make([]float64, n*c)
	for r := 0; r < n; r++ {
		for j := 0; j < c; j++ {
			v := x[r*c+j]
			t, s, w := 0.0, -1.0, 1-alpha
			if int32(j) == labels[r] {
				t, s, w = 1, 1, alpha
			}
			// BCEWithLogits(v, t), stable: max(v,0) - v*t + log(1+exp(-|v|)).
			logpt := -(math.Max(v, 0) - v*t + math.Log1p(math.Exp(-math.Abs(v))))
			pt := math.Exp(logpt)
			loss += -math.Pow(1-pt, gamma) * logpt * w
			grad[r*c+j] = w * s * math.Pow(1-pt, gamma) * (gamma*pt*logpt - (1 - pt)) / float64(n)
		}
	}
	return loss / float64(n), grad
}
