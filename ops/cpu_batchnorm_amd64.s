#include "textflag.h"

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
