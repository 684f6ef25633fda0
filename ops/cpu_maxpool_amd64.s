#include "textflag.h"

// func maxPool2AVX2(out, in []float32, units, groups, ustride, half, w int) int
//
// The 2x2 max pooling of 8 windows a step, as maxPool2Row computes it
// (the first maximum by orderKey: the first of each window row, then the
// second row's only where greater), for input laid out in units of
// groups: group g of unit u has its top-left elements at
// in[u*ustride+16g :] (8 floats, windows 0-3) and
// in[u*ustride+16g+half :] (8 floats, windows 4-7), each with its bottom
// row w floats further; out receives the windows in order, 8 a group.
// VSHUFPS splits even and odd columns (in the window order 0 1 4 5 2 3 6
// 7, which VPERMPD undoes), VPCMPGTD compares the integer keys and
// VBLENDVPS selects. Returns non-zero when any value read is a NaN (out
// then holds no result).
TEXT ·maxPool2AVX2(SB), NOSPLIT, $0-96
	MOVQ out_base+0(FP), DI
	MOVQ in_base+24(FP), SI
	MOVQ units+48(FP), R8
	MOVQ groups+56(FP), R9
	MOVQ ustride+64(FP), R10
	SHLQ $2, R10
	MOVQ half+72(FP), R11
	SHLQ $2, R11
	MOVQ w+80(FP), R12
	SHLQ $2, R12
	LEAQ (R11)(R12*1), R13 // half + w, in bytes
	VPCMPEQD Y13, Y13, Y13
	VPSRLD $1, Y13, Y13    // 0x7fffffff
	VXORPS Y12, Y12, Y12   // NaN found
	TESTQ R8, R8
	JZ pooldone

poolunit:
	MOVQ SI, AX
	MOVQ R9, CX

poolgroup:
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R11*1), Y1
	VMOVUPS (AX)(R12*1), Y2
	VMOVUPS (AX)(R13*1), Y3
	VSHUFPS $0x88, Y1, Y0, Y4 // a: top left
	VSHUFPS $0xDD, Y1, Y0, Y5 // b: top right
	VSHUFPS $0x88, Y3, Y2, Y6 // c: bottom left
	VSHUFPS $0xDD, Y3, Y2, Y7 // d: bottom right
	VCMPPS $3, Y5, Y4, Y8
	VCMPPS $3, Y7, Y6, Y9
	VORPS Y8, Y12, Y12
	VORPS Y9, Y12, Y12

	// Keys: ((bits & 0x7fffffff) ^ s) - s with s the sign spread.
	VPSRAD $31, Y4, Y14
	VPAND Y13, Y4, Y8
	VPXOR Y14, Y8, Y8
	VPSUBD Y14, Y8, Y8
	VPSRAD $31, Y5, Y14
	VPAND Y13, Y5, Y9
	VPXOR Y14, Y9, Y9
	VPSUBD Y14, Y9, Y9
	VPSRAD $31, Y6, Y14
	VPAND Y13, Y6, Y10
	VPXOR Y14, Y10, Y10
	VPSUBD Y14, Y10, Y10
	VPSRAD $31, Y7, Y14
	VPAND Y13, Y7, Y11
	VPXOR Y14, Y11, Y11
	VPSUBD Y14, Y11, Y11

	VPCMPGTD Y8, Y9, Y14 // kb > ka
	VBLENDVPS Y14, Y5, Y4, Y4
	VBLENDVPS Y14, Y9, Y8, Y8
	VPCMPGTD Y10, Y11, Y14 // kd > kc
	VBLENDVPS Y14, Y7, Y6, Y6
	VBLENDVPS Y14, Y11, Y10, Y10
	VPCMPGTD Y8, Y10, Y14 // bottom > top
	VBLENDVPS Y14, Y6, Y4, Y4
	VPERMPD $0xD8, Y4, Y4
	VMOVUPS Y4, (DI)

	ADDQ $64, AX
	ADDQ $32, DI
	DECQ CX
	JNZ poolgroup
	ADDQ R10, SI
	DECQ R8
	JNZ poolunit

pooldone:
	VMOVMSKPS Y12, AX
	MOVQ AX, ret+88(FP)
	VZEROUPPER
	RET
