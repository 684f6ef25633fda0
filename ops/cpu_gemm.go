package ops

// The blocked matrix product (GEMM) behind Conv2D, its two gradients and
// LinearBackward; it is not an operation of Backend. Both operands are packed into panels whose
// full contraction length is contiguous: A as [ceil(m/gemmMR)][k][gemmMR]
// and B as [ceil(n/gemmNR)][k][gemmNR], zero-padded past m and n. A
// register-tiled micro-kernel then computes one gemmMR x gemmNR tile of C
// per call over a block of at most gemmKC contraction steps. Every element
// of C is summed in ascending contraction order by a single call sequence,
// so results never depend on how callers split the work between cores.
const (
	gemmNR = 16  // columns of a micro-tile (two YMM or one ZMM register)
	gemmKC = 256 // contraction steps per cache block
	maxMR  = 8   // the most rows of any micro-tile
)

// The micro-kernels. kernel selects the one in use (the best this CPU
// runs; tests switch it to check the others), and with it the number of
// rows of a micro-tile, gemmMR.
const (
	kernGo     = iota // portable Go, 6x16
	kernAVX2          // AVX2+FMA assembly, 6x16 (cpu_gemm_amd64.s)
	kernAVX512        // AVX-512F assembly, 8x16 (cpu_gemm_amd64.s)
)

// kernelNames names the micro-kernels, as Describe reports them.
var kernelNames = [...]string{kernGo: "go", kernAVX2: "avx2", kernAVX512: "avx512"}

var (
	kernel = bestKernel()
	gemmMR = rowsOf(kernel)
)

// setKernel selects the micro-kernel k; it must not run during a product.
func setKernel(k int) {
	kernel = k
	gemmMR = rowsOf(k)
}

// rowsOf returns the rows of a micro-tile of kernel k.
func rowsOf(k int) int {
	if k == kernAVX512 {
		return 8
	}
	return 6
}

// gemmNN computes c[m,n] = a[m,k] · b[k,n] (overwriting c) for rows
// [r0,r1) of c, through the blocked product below.
func gemmNN(r0, r1, n, k int, a, b, c []float32) {
	gemmStrided(r1-r0, n, k, a[r0*k:], k, 1, b, n, 1, c[r0*n:], n)
}

// gemmTN computes c[m,n] = a[k,m]^T · b[k,n] (overwriting c) for rows
// [r0,r1) of c.
func gemmTN(r0, r1, m, n, k int, a, b, c []float32) {
	gemmStrided(r1-r0, n, k, a[r0:], 1, m, b, n, 1, c[r0*n:], n)
}

// gemmStrided computes C = A·B on the calling goroutine for
// A[i][p] = a[i*ars+p*acs], B[p][j] = b[p*brs+j*bcs] and
// C[i][j] = c[i*ldc+j], packing both operands into pooled buffers.
func gemmStrided(m, n, k int, a []float32, ars, acs int, b []float32, brs, bcs int, c []float32, ldc int) {
	if m <= 0 || n <= 0 {
		return
	}
	as := getScratch(packedASize(m, k))
	bs := getScratch(packedBSize(k, n))
	packA(as.buf, a, ars, acs, m, k, k, 0)
	packB(bs.buf, b, brs, bcs, k, n, k, 0)
	gemmPacked(m, n, k, as.buf, bs.buf, c, ldc, false)
	putScratch(as)
	putScratch(bs)
}

// packedASize and packedBSize return the lengths of packed operands.
func packedASize(m, k int) int { return (m + gemmMR - 1) / gemmMR * gemmMR * k }

func packedBSize(k, n int) int { return (n + gemmNR - 1) / gemmNR * gemmNR * k }

// packA packs the m x k matrix A[i][p] = a[i*rs+p*cs] into dst, laid out
// as panels of gemmMR rows with a panel stride of ktot*gemmMR and the
// contraction index starting at koff within each panel.
func packA(dst, a []float32, rs, cs, m, k, ktot, koff int) {
	for ip := 0; ip*gemmMR < m; ip++ {
		d := dst[(ip*ktot+koff)*gemmMR : (ip*ktot+koff+k)*gemmMR]
		rows := min(gemmMR, m-ip*gemmMR)
		base := ip * gemmMR * rs
		if rows == 6 && gemmMR == 6 && cs == 1 {
			a0 := a[base : base+k]
			a1 := a[base+rs : base+rs+k]
			a2 := a[base+2*rs : base+2*rs+k]
			a3 := a[base+3*rs : base+3*rs+k]
			a4 := a[base+4*rs : base+4*rs+k]
			a5 := a[base+5*rs : base+5*rs+k]
			for p := range a0 {
				t := d[p*6 : p*6+6 : p*6+6]
				t[0], t[1], t[2], t[3], t[4], t[5] = a0[p], a1[p], a2[p], a3[p], a4[p], a5[p]
			}
			continue
		}
		if rows == 8 && gemmMR == 8 && cs == 1 {
			a0 := a[base : base+k]
			a1 := a[base+rs : base+rs+k]
			a2 := a[base+2*rs : base+2*rs+k]
			a3 := a[base+3*rs : base+3*rs+k]
			a4 := a[base+4*rs : base+4*rs+k]
			a5 := a[base+5*rs : base+5*rs+k]
			a6 := a[base+6*rs : base+6*rs+k]
			a7 := a[base+7*rs : base+7*rs+k]
			for p := range a0 {
				t := d[p*8 : p*8+8 : p*8+8]
				t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7] = a0[p], a1[p], a2[p], a3[p], a4[p], a5[p], a6[p], a7[p]
			}
			continue
		}
		for p := 0; p < k; p++ {
			t := d[p*gemmMR : p*gemmMR+gemmMR]
			o := base + p*cs
			for r := 0; r < rows; r++ {
				t[r] = a[o+r*rs]
			}
			clear(t[rows:])
		}
	}
}

// packB packs the k x n matrix B[p][j] = b[p*rs+j*cs] into dst, laid out
// as panels of gemmNR columns with a panel stride of ktot*gemmNR and the
// contraction index starting at koff within each panel.
func packB(dst, b []float32, rs, cs, k, n, ktot, koff int) {
	for jp := 0; jp*gemmNR < n; jp++ {
		d := dst[(jp*ktot+koff)*gemmNR : (jp*ktot+koff+k)*gemmNR]
		cols := min(gemmNR, n-jp*gemmNR)
		base := jp * gemmNR * cs
		switch {
		case cs == 1:
			for p := 0; p < k; p++ {
				t := d[p*gemmNR : p*gemmNR+gemmNR]
				copy(t, b[base+p*rs:base+p*rs+cols])
				clear(t[cols:])
			}
		case rs == 1:
			for j := 0; j < cols; j++ {
				src := b[base+j*cs : base+j*cs+k]
				for p, v := range src {
					d[p*gemmNR+j] = v
				}
			}
			if cols < gemmNR {
				for p := 0; p < k; p++ {
					clear(d[p*gemmNR+cols : (p+1)*gemmNR])
				}
			}
		default:
			for p := 0; p < k; p++ {
				t := d[p*gemmNR : p*gemmNR+gemmNR]
				for j := 0; j < cols; j++ {
					t[j] = b[base+p*rs+j*cs]
				}
				clear(t[cols:])
			}
		}
	}
}

// gemmPacked computes C = A·B (acc false) or C += A·B (acc true) for the
// packed m x k A and k x n B of packA and packB (ktot = k, koff = 0);
// C[i][j] is c[i*ldc+j]. It runs on the calling goroutine.
func gemmPacked(m, n, k int, ap, bp, c []float32, ldc int, acc bool) {
	gemmPanels(m, n, k, ap, k, bp, k, c, ldc, acc)
}

// gemmPanels is gemmPacked for operands whose panels are longer than k:
// A's panels lie ak contraction steps apart and B's bk apart, and the
// product uses the first k steps of each.
func gemmPanels(m, n, k int, ap []float32, ak int, bp []float32, bk int, c []float32, ldc int, acc bool) {
	if m <= 0 || n <= 0 {
		return
	}
	if k == 0 {
		if !acc {
			for i := 0; i < m; i++ {
				clear(c[i*ldc : i*ldc+n])
			}
		}
		return
	}
	for k0 := 0; k0 < k; k0 += gemmKC {
		kb := min(gemmKC, k-k0)
		accb := acc || k0 > 0
		for jp := 0; jp*gemmNR < n; jp++ {
			bpan := bp[(jp*bk+k0)*gemmNR : (jp*bk+k0+kb)*gemmNR]
			cols := min(gemmNR, n-jp*gemmNR)
			for ip := 0; ip*gemmMR < m; ip++ {
				apan := ap[(ip*ak+k0)*gemmMR : (ip*ak+k0+kb)*gemmMR]
				rows := min(gemmMR, m-ip*gemmMR)
				off := ip*gemmMR*ldc + jp*gemmNR
				if rows == gemmMR && cols == gemmNR {
					tile := c[off : off+(gemmMR-1)*ldc+gemmNR]
					microKernel(kb, apan, bpan, tile, ldc, accb)
					continue
				}
				edgeTile(kb, apan, bpan, c[off:], ldc, rows, cols, accb)
			}
		}
	}
}

// edgeTile runs the micro-kernel on a full tile held on the stack and
// copies back the rows x cols part that lies inside C.
func edgeTile(kb int, apan, bpan, c []float32, ldc, rows, cols int, acc bool) {
	var t [maxMR * gemmNR]float32
	if acc {
		for r := 0; r < rows; r++ {
			copy(t[r*gemmNR:r*gemmNR+cols], c[r*ldc:r*ldc+cols])
		}
	}
	microKernel(kb, apan, bpan, t[:], gemmNR, acc)
	for r := 0; r < rows; r++ {
		copy(c[r*ldc:r*ldc+cols], t[r*gemmNR:r*gemmNR+cols])
	}
}

// microKernel computes one gemmMR x gemmNR tile of C from kb contraction
// steps of packed panels with the selected kernel.
func microKernel(kb int, a, b, c []float32, ldc int, acc bool) {
	_ = a[kb*gemmMR-1]
	_ = b[kb*gemmNR-1]
	_ = c[(gemmMR-1)*ldc+gemmNR-1]
	switch kernel {
	case kernAVX512:
		kern8x16AVX512(kb, &a[0], &b[0], &c[0], ldc, acc)
	case kernAVX2:
		kern6x16AVX2(kb, &a[0], &b[0], &c[0], ldc, acc)
	default:
		kern6x16Go(kb, a, b, c, ldc, acc)
	}
}

// kern6x16Go is the portable micro-kernel: float32 products and sums,
// each element accumulated in ascending contraction order. It sweeps the
// tile in 3x4 sub-tiles whose 12 sums the compiler keeps in registers.
func kern6x16Go(kb int, a, b, c []float32, ldc int, acc bool) {
	a, b = a[:kb*6], b[:kb*gemmNR]
	for r0 := 0; r0 < 6; r0 += 3 {
		c0, c1, c2 := c[r0*ldc:r0*ldc+gemmNR], c[(r0+1)*ldc:(r0+1)*ldc+gemmNR], c[(r0+2)*ldc:(r0+2)*ldc+gemmNR]
		for j0 := 0; j0 < gemmNR; j0 += 4 {
			var s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23 float32
			if acc {
				s00, s01, s02, s03 = c0[j0], c0[j0+1], c0[j0+2], c0[j0+3]
				s10, s11, s12, s13 = c1[j0], c1[j0+1], c1[j0+2], c1[j0+3]
				s20, s21, s22, s23 = c2[j0], c2[j0+1], c2[j0+2], c2[j0+3]
			}
			for p := 0; p < kb; p++ {
				aa := (*[3]float32)(a[p*6+r0 : p*6+r0+3])
				bb := (*[4]float32)(b[p*gemmNR+j0 : p*gemmNR+j0+4])
				a0, a1, a2 := aa[0], aa[1], aa[2]
				b0, b1, b2, b3 := bb[0], bb[1], bb[2], bb[3]
				s00 += a0 * b0
				s01 += a0 * b1
				s02 += a0 * b2
				s03 += a0 * b3
				s10 += a1 * b0
				s11 += a1 * b1
				s12 += a1 * b2
				s13 += a1 * b3
				s20 += a2 * b0
				s21 += a2 * b1
				s22 += a2 * b2
				s23 += a2 * b3
			}
			c0[j0], c0[j0+1], c0[j0+2], c0[j0+3] = s00, s01, s02, s03
			c1[j0], c1[j0+1], c1[j0+2], c1[j0+3] = s10, s11, s12, s13
			c2[j0], c2[j0+1], c2[j0+2], c2[j0+3] = s20, s21, s22, s23
		}
	}
}
