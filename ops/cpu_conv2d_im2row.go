package ops

// The filter gradient's transposed im2col, written straight into the
// packed-B panels of its matrix product in one pass.
//
// Conv2DBackwardFilter contracts over output positions p, so its B
// operand is the im2col matrix transposed: B[p][r] = col[r][p]. A packed
// panel holds gemmNR consecutive im2col rows r = (ci, i, j), and at each
// contraction step p their gemmNR values side by side. With the image
// copied into a zero-bordered plane (as for the forward im2col, see
// cpu_conv2d_im2col.go), row r's value at p = (oy, ox) is
// xp[ci][oy*stride+i][ox*stride+j]: a fixed offset per row plus one per
// position. Along one output row of a stride-1 convolution each of the
// gemmNR rows therefore reads a contiguous piece of a padded input row,
// and the panel's steps for that output row are those gemmNR pieces
// interleaved. Rows past the last im2col row read zeros.
//
// Only data moves, so the product is bit-identical to one over the plain
// im2col matrix.

// padChannels returns channels [c0,c1) of img with a border of g.pad
// zeros around every plane, written into scratch ((c1-c0) padded planes),
// or those channels of img itself when pad is 0.
func (g *convGeom) padChannels(img, scratch []float32, c0, c1 int) []float32 {
	hw := g.h * g.w
	src := img[c0*hw : c1*hw]
	if g.pad == 0 {
		return src
	}
	s := *g
	s.c = c1 - c0
	return s.padImage(src, scratch)
}

// im2rowScratch returns the scratch im2rowPanels needs besides its
// output: padded planes for the channels of gemmNR*panels rows, and a
// row of zeros.
func (g *convGeom) im2rowScratch(panels int) int {
	per := g.kh * g.kw
	chans := min(g.c, (panels*gemmNR+per-1)/per+1)
	if g.pad == 0 {
		chans = 0
	}
	ph, pw := g.padDims()
	return chans*ph*pw + g.ow
}

// im2rowPanels writes rows [r0,r1) of one image's im2col matrix,
// transposed, into packed-B panels of gemmNR rows starting at r0, with
// panel stride ktot and contraction offset koff; columns of the last
// panel past r1 are zeroed. r0 is a multiple of gemmNR, and scratch holds
// im2rowScratch(panels) floats for the number of panels written.
func (g *convGeom) im2rowPanels(img, dst, scratch []float32, r0, r1, ktot, koff int) {
	per := g.kh * g.kw
	c0, c1 := r0/per, (r1-1)/per+1
	ph, pw := g.padDims()
	xp := g.padChannels(img, scratch, c0, c1)
	if g.pad == 0 {
		ph, pw = g.h, g.w
	} else {
		scratch = scratch[len(xp):]
	}
	zeros := scratch[:g.ow]
	clear(zeros)
	var offs [gemmNR]int // each row's offset in xp for tap position (0, 0)
	var src [gemmNR][]float32
	for jr := r0; jr < r1; jr += gemmNR {
		rows := min(gemmNR, r1-jr)
		for cc := range rows {
			r := jr + cc
			t := r % per
			offs[cc] = (r/per-c0)*ph*pw + t/g.kw*pw + t%g.kw
		}
		jp := (jr - r0) / gemmNR
		d := dst[(jp*ktot+koff)*gemmNR : (jp*ktot+koff+g.hw)*gemmNR]
		if g.stride != 1 {
			g.gatherStrided(d, xp, &offs, rows)
			continue
		}
		for cc := rows; cc < gemmNR; cc++ {
			src[cc] = zeros
		}
		for oy := 0; oy < g.oh; oy++ {
			for cc := range rows {
				o := oy*pw + offs[cc]
				src[cc] = xp[o : o+g.ow]
			}
			interleave16(d[oy*g.ow*gemmNR:(oy+1)*g.ow*gemmNR], &src)
		}
	}
}

// gatherStrided is im2rowPanels' inner loop for strides other than 1:
// d[p*gemmNR+cc] = xp[offs[cc] + the offset of position p] for the first
// rows rows, and 0 for the rest.
func (g *convGeom) gatherStrided(d, xp []float32, offs *[gemmNR]int, rows int) {
	_, pw := g.padDims()
	if g.pad == 0 {
		pw = g.w
	}
	s := g.stride
	for oy := 0; oy < g.oh; oy++ {
		for ox := 0; ox < g.ow; ox++ {
			t := (*[gemmNR]float32)(d[(oy*g.ow+ox)*gemmNR:])
			base := oy*s*pw + ox*s
			for cc := range rows {
				t[cc] = xp[base+offs[cc]]
			}
			clear(t[rows:])
		}
	}
}

// interleave16 writes d[p*16+r] = src[r][p] for r < 16 and p < n, where n
// is len(src[0]) and every src[r] holds at least n values.
// (An AVX-512 gather version measured slower than this plain loop.)
func interleave16(d []float32, src *[16][]float32) {
	l0 := src[0]
	n := len(l0)
	l1, l2, l3 := src[1][:n], src[2][:n], src[3][:n]
	l4, l5, l6, l7 := src[4][:n], src[5][:n], src[6][:n], src[7][:n]
	l8, l9, l10, l11 := src[8][:n], src[9][:n], src[10][:n], src[11][:n]
	l12, l13, l14, l15 := src[12][:n], src[13][:n], src[14][:n], src[15][:n]
	d = d[:n*16]
	for p := range l0 {
		t := (*[16]float32)(d[p*16 : p*16+16])
		t[0], t[1], t[2], t[3] = l0[p], l1[p], l2[p], l3[p]
		t[4], t[5], t[6], t[7] = l4[p], l5[p], l6[p], l7[p]
		t[8], t[9], t[10], t[11] = l8[p], l9[p], l10[p], l11[p]
		t[12], t[13], t[14], t[15] = l12[p], l13[p], l14[p], l15[p]
	}
}
