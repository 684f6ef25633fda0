package ops

// The data gradient's col2im: the transpose of im2col, adding each
// entry of the product w^T · dy back into the input element under its
// kernel tap.

// col2im adds col[k, hw] back into one image's gradient (the transpose of
// im2col); img must be zeroed by the caller.
func (g *convGeom) col2im(col, img []float32) {
	if g.stride == 1 && g.ow == g.w {
		g.col2imSame(col, img)
		return
	}
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
					if g.stride == 1 {
						lo := min(max(g.pad-j, 0), g.ow)
						hi := max(min(g.w+g.pad-j, g.ow), lo)
						s := src[oy*g.ow+lo : oy*g.ow+hi]
						d := dst[lo-g.pad+j:]
						d = d[:len(s)]
						for x, v := range s {
							d[x] += v
						}
						continue
					}
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

// col2imSame is col2im for stride 1 and output rows as wide as input
// rows (a "same" convolution such as 3x3 with padding 1): each col row is
// added to its plane shifted by a constant, in one run, after the entries
// whose tap falls in the horizontal padding are zeroed (col is scratch),
// so that no per-row bounds are needed. Each image element still receives
// its contributions in the order of the col rows.
func (g *convGeom) col2imSame(col, img []float32) {
	w := g.w
	row := 0
	for ci := 0; ci < g.c; ci++ {
		plane := img[ci*g.h*w : (ci+1)*g.h*w]
		for i := 0; i < g.kh; i++ {
			oy0 := min(max(g.pad-i, 0), g.oh)
			oy1 := max(min(g.h+g.pad-i, g.oh), oy0)
			for j := 0; j < g.kw; j++ {
				src := col[row*g.hw : (row+1)*g.hw]
				row++
				d := j - g.pad
				shift := (i-g.pad)*w + d
				lo := max(oy0*w, -shift)
				hi := min(oy1*w, len(plane)-shift)
				if lo >= hi {
					continue
				}
				zl, zr := min(max(-d, 0), w), max(min(w-d, w), 0)
				if zl > 0 || zr < w {
					for oy := oy0; oy < oy1; oy++ {
						r := src[oy*w : (oy+1)*w]
						for x := 0; x < zl; x++ {
							r[x] = 0
						}
						for x := zr; x < w; x++ {
							r[x] = 0
						}
					}
				}
				addF32(plane[lo+shift:hi+shift], src[lo:hi])
			}
		}
	}
}
