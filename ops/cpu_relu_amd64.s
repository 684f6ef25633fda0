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
