package ops

// The forward convolution's im2col, written straight into the packed-B
// panels of the matrix product in one pass.
//
// Row r = (ci, i, j) of the im2col matrix holds, at output position
// p = (oy, ox), the input value under kernel tap (i, j):
// x[ci][oy*stride-pad+i][ox*stride-pad+j], or 0 where that falls in the
// padding. The image is first copied into a zero-bordered copy (pad
// zeros on every side; none needed, and none made, when pad is 0), where
// the value is simply xp[ci][oy*stride+i][ox*stride+j] with no bounds to
// check. Each packed panel (gemmNR output positions by all k rows) is
// then filled in order, row by row: its positions form a few runs along
// output rows (one run when a panel lies inside one output row, as with
// 32x32 and 16x16 images; two, four or more when output rows are
// shorter than a panel, as with 8x8 and 4x4 images), and each run of a
// stride-1 convolution is a contiguous piece of a padded input row.
//
// Only data moves, so the product is bit-identical to one over the plain
// im2col matrix.

// padDims returns the sizes of one zero-bordered plane: its height and
// width, pad larger on each side.
func (g *convGeom) padDims() (ph, pw int) { return g.h + 2*g.pad, g.w + 2*g.pad }

// paddedSize returns the scratch im2colPanels needs for the padded image
// (0 when pad is 0: the image is used as it is).
func (g *convGeom) paddedSize() int {
	if g.pad == 0 {
		return 0
	}
	ph, pw := g.padDims()
	return g.c * ph * pw
}

// padImage returns img with a border of g.pad zeros around every plane,
// written into scratch (paddedSize floats), or img itself when pad is 0.
func (g *convGeom) padImage(img, scratch []float32) []float32 {
	if g.pad == 0 {
		return img
	}
	ph, pw := g.padDims()
	p, h, w := g.pad, g.h, g.w
	for ci := 0; ci < g.c; ci++ {
		src := img[ci*h*w : (ci+1)*h*w]
		dst := scratch[ci*ph*pw : (ci+1)*ph*pw]
		clear(dst[:p*pw+p]) // top border and the first row's left border
		for y := 0; y < h; y++ {
			row := dst[(y+p)*pw+p : (y+p+1)*pw+p] // w values, then right and next left border
			copy(row, src[y*w:(y+1)*w])
			clear(row[w:])
		}
		clear(dst[(h+p)*pw+p:]) // the rest of the bottom border
	}
	return scratch[:g.c*ph*pw]
}

// panelRun is one run of a panel's output positions along an output
// row: n positions starting at panel column q, the first of which reads
// the padded plane at off for tap (0, 0).
type panelRun struct{ q, n, off int }

// panelRuns splits the output positions [p0, p0+cnt) into runs along
// output rows, writing them to runs and returning how many there are.
func (g *convGeom) panelRuns(p0, cnt int, runs *[gemmNR]panelRun) int {
	_, pw := g.padDims()
	nr := 0
	for q := 0; q < cnt; {
		p := p0 + q
		oy, ox := p/g.ow, p%g.ow
		n := min(cnt-q, g.ow-ox)
		runs[nr] = panelRun{q: q, n: n, off: oy*g.stride*pw + ox*g.stride}
		nr++
		q += n
	}
	return nr
}

// im2colPanels writes one image's im2col matrix col[k, hw] straight into
// the packed-B layout of packB: panels of gemmNR output positions, each
// holding all k rows, the columns past hw of the last one zeroed.
// scratch holds paddedSize floats.
func (g *convGeom) im2colPanels(img, dst, scratch []float32) {
	xp := g.padImage(img, scratch)
	ph, pw := g.padDims()
	plane := ph * pw
	var runs [gemmNR]panelRun
	for jp := 0; jp*gemmNR < g.hw; jp++ {
		p0 := jp * gemmNR
		cnt := min(gemmNR, g.hw-p0)
		panel := dst[jp*g.k*gemmNR : (jp+1)*g.k*gemmNR]
		nr := g.panelRuns(p0, cnt, &runs)
		if g.stride == 1 && nr == 1 && cnt == gemmNR {
			g.panelOneRun(panel, xp, runs[0].off)
			continue
		}
		row := 0
		for ci := 0; ci < g.c; ci++ {
			for i := 0; i < g.kh; i++ {
				for j := 0; j < g.kw; j++ {
					base := ci*plane + i*pw + j
					d := panel[row*gemmNR : (row+1)*gemmNR : (row+1)*gemmNR]
					for _, r := range runs[:nr] {
						g.copyRun(d[r.q:r.q+r.n], xp[base+r.off:])
					}
					if cnt < gemmNR {
						clear(d[cnt:])
					}
					row++
				}
			}
		}
	}
}

// panelOneRun fills a panel whose gemmNR positions lie in one output row
// of a stride-1 convolution: each row of the panel is gemmNR consecutive
// values of a padded input row, starting at off for tap (0, 0).
func (g *convGeom) panelOneRun(panel, xp []float32, off int) {
	ph, pw := g.padDims()
	row := 0
	for ci := 0; ci < g.c; ci++ {
		for i := 0; i < g.kh; i++ {
			src := xp[ci*ph*pw+i*pw+off:]
			for j := 0; j < g.kw; j++ {
				// Through a local array: an array assignment between
				// slices that might overlap would call memmove.
				v := [gemmNR]float32(src[j:])
				*(*[gemmNR]float32)(panel[row*gemmNR:]) = v
				row++
			}
		}
	}
}

// copyRun writes into d the len(d) values of a run that starts at src[0]:
// consecutive for stride 1, every stride-th value otherwise.
func (g *convGeom) copyRun(d, src []float32) {
	switch {
	case g.stride != 1:
		s := g.stride
		src = src[:(len(d)-1)*s+1]
		for x := range d {
			d[x] = src[x*s]
		}
	case len(d) == 8: // 8-wide images; a plain copy would call memmove
		v := [8]float32(src)
		*(*[8]float32)(d) = v
	case len(d) == 4: // 4-wide images
		v := [4]float32(src)
		*(*[4]float32)(d) = v
	default:
		copy(d, src[:len(d)])
	}
}
