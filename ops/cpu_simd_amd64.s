//go:build amd64

#include "textflag.h"

// func reluAVX2(out, in []float32)
//
// out[i] = in[i] where in[i] > 0 or in[i] is a NaN, else +0, for
// i < len(out) &^ 7 (len(in) >= len(out)): the compare "not less than or
// equal, unordered true" against zero gives the mask of the values that
// pass, and the value ANDed with it is the value itself or +0, as reluKeep
// gives. 32 floats a step, then 8.
TEXT ·reluAVX2(SB), NOSPLIT, $0-48
	MOVQ out_base+0(FP), DI
	MOVQ out_len+8(FP), CX
	MOVQ in_base+24(FP), SI
	VXORPS Y15, Y15, Y15
	CMPQ CX, $32
	JLT relu8

relu32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VCMPPS $6, Y15, Y0, Y4
	VCMPPS $6, Y15, Y1, Y5
	VCMPPS $6, Y15, Y2, Y6
	VCMPPS $6, Y15, Y3, Y7
	VANDPS Y4, Y0, Y0
	VANDPS Y5, Y1, Y1
	VANDPS Y6, Y2, Y2
	VANDPS Y7, Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE relu32

relu8:
	CMPQ CX, $8
	JLT reludone
	VMOVUPS (SI), Y0
	VCMPPS $6, Y15, Y0, Y4
	VANDPS Y4, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP relu8

reludone:
	VZEROUPPER
	RET

// func reluBackAVX2(g, y, up []float32)
//
// g[i] = up[i] where y[i] > 0 or y[i] is a NaN, else +0, for
// i < len(g) &^ 7 (len(y), len(up) >= len(g)): the mask of reluAVX2,
// taken from y, ANDed with up, as reluBack1 gives. 32 floats a step,
// then 8. g may be up or y.
TEXT ·reluBackAVX2(SB), NOSPLIT, $0-72
	MOVQ g_base+0(FP), DI
	MOVQ g_len+8(FP), CX
	MOVQ y_base+24(FP), SI
	MOVQ up_base+48(FP), DX
	VXORPS Y15, Y15, Y15
	CMPQ CX, $32
	JLT reluback8

reluback32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VCMPPS $6, Y15, Y0, Y0
	VCMPPS $6, Y15, Y1, Y1
	VCMPPS $6, Y15, Y2, Y2
	VCMPPS $6, Y15, Y3, Y3
	VANDPS (DX), Y0, Y0
	VANDPS 32(DX), Y1, Y1
	VANDPS 64(DX), Y2, Y2
	VANDPS 96(DX), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DX
	ADDQ $128, DI
	SUBQ $32, CX
	CMPQ CX, $32
	JGE reluback32

reluback8:
	CMPQ CX, $8
	JLT relubackdone
	VMOVUPS (SI), Y0
	VCMPPS $6, Y15, Y0, Y0
	VANDPS (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP reluback8

relubackdone:
	VZEROUPPER
	RET

// func affineAVX2(y, x []float32, scale, shift float64)
//
// y[i] = float32(float64(x[i])*scale + shift) for i < len(y) &^ 3
// (len(x) >= len(y)): each value widened, multiplied and added in float64
// (a separate multiply and add, no FMA, with x as the first operand of
// the multiply and the product as the first of the add, as the compiled
// Go loop does) and rounded back to float32, 16 values a step, then 4.
TEXT ·affineAVX2(SB), NOSPLIT, $0-64
	MOVQ y_base+0(FP), DI
	MOVQ y_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	VBROADCASTSD scale+48(FP), Y14
	VBROADCASTSD shift+56(FP), Y15
	CMPQ CX, $16
	JLT affine4

affine16:
	VCVTPS2PD (SI), Y0
	VCVTPS2PD 16(SI), Y1
	VCVTPS2PD 32(SI), Y2
	VCVTPS2PD 48(SI), Y3
	VMULPD Y14, Y0, Y0
	VMULPD Y14, Y1, Y1
	VMULPD Y14, Y2, Y2
	VMULPD Y14, Y3, Y3
	VADDPD Y15, Y0, Y0
	VADDPD Y15, Y1, Y1
	VADDPD Y15, Y2, Y2
	VADDPD Y15, Y3, Y3
	VCVTPD2PSY Y0, X0
	VCVTPD2PSY Y1, X1
	VCVTPD2PSY Y2, X2
	VCVTPD2PSY Y3, X3
	VMOVUPS X0, (DI)
	VMOVUPS X1, 16(DI)
	VMOVUPS X2, 32(DI)
	VMOVUPS X3, 48(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	CMPQ CX, $16
	JGE affine16

affine4:
	CMPQ CX, $4
	JLT affinedone
	VCVTPS2PD (SI), Y0
	VMULPD Y14, Y0, Y0
	VADDPD Y15, Y0, Y0
	VCVTPD2PSY Y0, X0
	VMOVUPS X0, (DI)
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $4, CX
	JMP affine4

affinedone:
	VZEROUPPER
	RET

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
