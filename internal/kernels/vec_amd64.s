//go:build amd64 && !purego

#include "textflag.h"

// AVX2 elementwise kernels. These loops are load/store bound, so they move
// 32 floats (four ymm) per iteration to keep enough independent memory ops in
// flight, then 8 at a time, then finish the last <8 elements with scalar VEX
// ops (no masked stores: VMASKMOVPS stores are slow on AMD). All loads and
// stores are unaligned-tolerant VMOVUPS; Go gives no 32-byte alignment.
//
// Register convention: DI = dst, SI = first input, DX = second input,
// CX = elements left. Each element is loaded before its dst slot is stored,
// so dst may be the same slice as an input (exact alias, not a shifted one).

// BINOP: dst = SI op DX, elementwise. OP is the packed form, SOP the scalar
// one; both take the DX operand from memory, as the second source.
#define BINOP(OP, SOP) \
	CMPQ	CX, $32; \
	JB	bin8; \
bin32: \
	VMOVUPS	(SI), Y0; \
	VMOVUPS	32(SI), Y1; \
	VMOVUPS	64(SI), Y2; \
	VMOVUPS	96(SI), Y3; \
	OP	(DX), Y0, Y0; \
	OP	32(DX), Y1, Y1; \
	OP	64(DX), Y2, Y2; \
	OP	96(DX), Y3, Y3; \
	VMOVUPS	Y0, (DI); \
	VMOVUPS	Y1, 32(DI); \
	VMOVUPS	Y2, 64(DI); \
	VMOVUPS	Y3, 96(DI); \
	ADDQ	$128, SI; \
	ADDQ	$128, DX; \
	ADDQ	$128, DI; \
	SUBQ	$32, CX; \
	CMPQ	CX, $32; \
	JAE	bin32; \
bin8: \
	CMPQ	CX, $8; \
	JB	bin1; \
	VMOVUPS	(SI), Y0; \
	OP	(DX), Y0, Y0; \
	VMOVUPS	Y0, (DI); \
	ADDQ	$32, SI; \
	ADDQ	$32, DX; \
	ADDQ	$32, DI; \
	SUBQ	$8, CX; \
	JMP	bin8; \
bin1: \
	TESTQ	CX, CX; \
	JE	bindone; \
	VMOVSS	(SI), X0; \
	SOP	(DX), X0, X0; \
	VMOVSS	X0, (DI); \
	ADDQ	$4, SI; \
	ADDQ	$4, DX; \
	ADDQ	$4, DI; \
	DECQ	CX; \
	JMP	bin1; \
bindone:

// UNOP: dst = SI op Y15 (Y15 holds a broadcast constant, X15 its low lane).
#define UNOP(OP, SOP) \
	CMPQ	CX, $32; \
	JB	un8; \
un32: \
	OP	(SI), Y15, Y0; \
	OP	32(SI), Y15, Y1; \
	OP	64(SI), Y15, Y2; \
	OP	96(SI), Y15, Y3; \
	VMOVUPS	Y0, (DI); \
	VMOVUPS	Y1, 32(DI); \
	VMOVUPS	Y2, 64(DI); \
	VMOVUPS	Y3, 96(DI); \
	ADDQ	$128, SI; \
	ADDQ	$128, DI; \
	SUBQ	$32, CX; \
	CMPQ	CX, $32; \
	JAE	un32; \
un8: \
	CMPQ	CX, $8; \
	JB	un1; \
	OP	(SI), Y15, Y0; \
	VMOVUPS	Y0, (DI); \
	ADDQ	$32, SI; \
	ADDQ	$32, DI; \
	SUBQ	$8, CX; \
	JMP	un8; \
un1: \
	TESTQ	CX, CX; \
	JE	undone; \
	SOP	(SI), X15, X0; \
	VMOVSS	X0, (DI); \
	ADDQ	$4, SI; \
	ADDQ	$4, DI; \
	DECQ	CX; \
	JMP	un1; \
undone:

#define LOADBIN \
	MOVQ	dst_base+0(FP), DI; \
	MOVQ	dst_len+8(FP), CX; \
	MOVQ	a_base+24(FP), SI; \
	MOVQ	b_base+48(FP), DX

// func vecAddAVX2(dst, a, b []float32)
TEXT ·vecAddAVX2(SB), NOSPLIT, $0-72
	LOADBIN
	BINOP(VADDPS, VADDSS)
	VZEROUPPER
	RET

// func vecSubAVX2(dst, a, b []float32)
TEXT ·vecSubAVX2(SB), NOSPLIT, $0-72
	LOADBIN
	BINOP(VSUBPS, VSUBSS)
	VZEROUPPER
	RET

// func vecMulAVX2(dst, a, b []float32)
TEXT ·vecMulAVX2(SB), NOSPLIT, $0-72
	LOADBIN
	BINOP(VMULPS, VMULSS)
	VZEROUPPER
	RET

// func vecDivAVX2(dst, a, b []float32)
TEXT ·vecDivAVX2(SB), NOSPLIT, $0-72
	LOADBIN
	BINOP(VDIVPS, VDIVSS)
	VZEROUPPER
	RET

// func vecAddScalarAVX2(dst, a []float32, s float32)
TEXT ·vecAddScalarAVX2(SB), NOSPLIT, $0-52
	MOVQ	dst_base+0(FP), DI
	MOVQ	dst_len+8(FP), CX
	MOVQ	a_base+24(FP), SI
	VBROADCASTSS	s+48(FP), Y15
	UNOP(VADDPS, VADDSS)
	VZEROUPPER
	RET

// func vecScaleAVX2(dst, a []float32, s float32)
TEXT ·vecScaleAVX2(SB), NOSPLIT, $0-52
	MOVQ	dst_base+0(FP), DI
	MOVQ	dst_len+8(FP), CX
	MOVQ	a_base+24(FP), SI
	VBROADCASTSS	s+48(FP), Y15
	UNOP(VMULPS, VMULSS)
	VZEROUPPER
	RET

// Relu is VMAXPS with zero as the first source: VMAXPS returns its second
// source when either is NaN and when both are zeros, so NaN and -0 pass
// through exactly as in vecReluGo (v < 0 ? 0 : v).
//
// func vecReluAVX2(dst, x []float32)
TEXT ·vecReluAVX2(SB), NOSPLIT, $0-48
	MOVQ	dst_base+0(FP), DI
	MOVQ	dst_len+8(FP), CX
	MOVQ	x_base+24(FP), SI
	VXORPS	Y15, Y15, Y15
	UNOP(VMAXPS, VMAXSS)
	VZEROUPPER
	RET

// FMA3 forms: VFMADD231PS m, a, acc computes acc = a*m + acc with a single
// rounding, so these are slightly more accurate than the Go loops, which
// round the product first (unless the compiler fuses them).

// func vecAxpyAVX2(alpha float32, x, y []float32)
TEXT ·vecAxpyAVX2(SB), NOSPLIT, $0-56
	VBROADCASTSS	alpha+0(FP), Y15
	MOVQ	x_base+8(FP), SI
	MOVQ	y_base+32(FP), DI
	MOVQ	y_len+40(FP), CX
	CMPQ	CX, $32
	JB	axpy8

axpy32:
	VMOVUPS	(DI), Y0
	VMOVUPS	32(DI), Y1
	VMOVUPS	64(DI), Y2
	VMOVUPS	96(DI), Y3
	VFMADD231PS	(SI), Y15, Y0
	VFMADD231PS	32(SI), Y15, Y1
	VFMADD231PS	64(SI), Y15, Y2
	VFMADD231PS	96(SI), Y15, Y3
	VMOVUPS	Y0, (DI)
	VMOVUPS	Y1, 32(DI)
	VMOVUPS	Y2, 64(DI)
	VMOVUPS	Y3, 96(DI)
	ADDQ	$128, SI
	ADDQ	$128, DI
	SUBQ	$32, CX
	CMPQ	CX, $32
	JAE	axpy32

axpy8:
	CMPQ	CX, $8
	JB	axpy1
	VMOVUPS	(DI), Y0
	VFMADD231PS	(SI), Y15, Y0
	VMOVUPS	Y0, (DI)
	ADDQ	$32, SI
	ADDQ	$32, DI
	SUBQ	$8, CX
	JMP	axpy8

axpy1:
	TESTQ	CX, CX
	JE	axpydone
	VMOVSS	(DI), X0
	VFMADD231SS	(SI), X15, X0
	VMOVSS	X0, (DI)
	ADDQ	$4, SI
	ADDQ	$4, DI
	DECQ	CX
	JMP	axpy1

axpydone:
	VZEROUPPER
	RET

// func vecMulAddAVX2(dst, a, b []float32)
TEXT ·vecMulAddAVX2(SB), NOSPLIT, $0-72
	LOADBIN
	CMPQ	CX, $32
	JB	ma8

ma32:
	VMOVUPS	(DI), Y0
	VMOVUPS	32(DI), Y1
	VMOVUPS	64(DI), Y2
	VMOVUPS	96(DI), Y3
	VMOVUPS	(SI), Y4
	VMOVUPS	32(SI), Y5
	VMOVUPS	64(SI), Y6
	VMOVUPS	96(SI), Y7
	VFMADD231PS	(DX), Y4, Y0
	VFMADD231PS	32(DX), Y5, Y1
	VFMADD231PS	64(DX), Y6, Y2
	VFMADD231PS	96(DX), Y7, Y3
	VMOVUPS	Y0, (DI)
	VMOVUPS	Y1, 32(DI)
	VMOVUPS	Y2, 64(DI)
	VMOVUPS	Y3, 96(DI)
	ADDQ	$128, SI
	ADDQ	$128, DX
	ADDQ	$128, DI
	SUBQ	$32, CX
	CMPQ	CX, $32
	JAE	ma32

ma8:
	CMPQ	CX, $8
	JB	ma1
	VMOVUPS	(DI), Y0
	VMOVUPS	(SI), Y4
	VFMADD231PS	(DX), Y4, Y0
	VMOVUPS	Y0, (DI)
	ADDQ	$32, SI
	ADDQ	$32, DX
	ADDQ	$32, DI
	SUBQ	$8, CX
	JMP	ma8

ma1:
	TESTQ	CX, CX
	JE	madone
	VMOVSS	(DI), X0
	VMOVSS	(SI), X4
	VFMADD231SS	(DX), X4, X0
	VMOVSS	X0, (DI)
	ADDQ	$4, SI
	ADDQ	$4, DX
	ADDQ	$4, DI
	DECQ	CX
	JMP	ma1

madone:
	VZEROUPPER
	RET

// ReluBackward: mask = (0 < x) with an ordered quiet compare (false for NaN),
// dx = mask & dy. No blend needed: the false lanes become +0.
//
// func vecReluBackwardAVX2(dx, x, dy []float32)
TEXT ·vecReluBackwardAVX2(SB), NOSPLIT, $0-72
	MOVQ	dx_base+0(FP), DI
	MOVQ	dx_len+8(FP), CX
	MOVQ	x_base+24(FP), SI
	MOVQ	dy_base+48(FP), DX
	VXORPS	Y15, Y15, Y15
	CMPQ	CX, $32
	JB	rb8

rb32:
	VCMPPS	$0x11, (SI), Y15, Y0
	VCMPPS	$0x11, 32(SI), Y15, Y1
	VCMPPS	$0x11, 64(SI), Y15, Y2
	VCMPPS	$0x11, 96(SI), Y15, Y3
	VANDPS	(DX), Y0, Y0
	VANDPS	32(DX), Y1, Y1
	VANDPS	64(DX), Y2, Y2
	VANDPS	96(DX), Y3, Y3
	VMOVUPS	Y0, (DI)
	VMOVUPS	Y1, 32(DI)
	VMOVUPS	Y2, 64(DI)
	VMOVUPS	Y3, 96(DI)
	ADDQ	$128, SI
	ADDQ	$128, DX
	ADDQ	$128, DI
	SUBQ	$32, CX
	CMPQ	CX, $32
	JAE	rb32

rb8:
	CMPQ	CX, $8
	JB	rb1
	VCMPPS	$0x11, (SI), Y15, Y0
	VANDPS	(DX), Y0, Y0
	VMOVUPS	Y0, (DI)
	ADDQ	$32, SI
	ADDQ	$32, DX
	ADDQ	$32, DI
	SUBQ	$8, CX
	JMP	rb8

rb1:
	TESTQ	CX, CX
	JE	rbdone
	VCMPSS	$0x11, (SI), X15, X0
	VMOVSS	(DX), X1
	VANDPS	X1, X0, X0
	VMOVSS	X0, (DI)
	ADDQ	$4, SI
	ADDQ	$4, DX
	ADDQ	$4, DI
	DECQ	CX
	JMP	rb1

rbdone:
	VZEROUPPER
	RET

// The row loop is in assembly, not Go, so that narrow rows (bias adds with
// cols of 10..100) do not pay a call per row. Rows are contiguous, so SI/DI
// simply run on from one row into the next; only the bias pointer and the
// count are reset.
//
// func vecAddRowBroadcastAVX2(dst, x []float32, rows, cols int, bias []float32)
TEXT ·vecAddRowBroadcastAVX2(SB), NOSPLIT, $0-88
	MOVQ	dst_base+0(FP), DI
	MOVQ	x_base+24(FP), SI
	MOVQ	rows+48(FP), R8
	MOVQ	cols+56(FP), R9
	MOVQ	bias_base+64(FP), R10

rowloop:
	TESTQ	R8, R8
	JE	rowdone
	MOVQ	R10, DX
	MOVQ	R9, CX
	BINOP(VADDPS, VADDSS)
	DECQ	R8
	JMP	rowloop

rowdone:
	VZEROUPPER
	RET
