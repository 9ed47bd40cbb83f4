//go:build amd64 && !purego

#include "textflag.h"

// Sum and Dot accumulate in four float32 ymm accumulators (32 lanes) for a
// block of 256 elements, so each lane adds only 8 values in float32, then
// fold the block into two float64 ymm accumulators. The float32 inner loop
// runs at the speed of a plain float32 sum; the float64 fold every 256
// elements keeps the error of a 10^6-element sum near float32 rounding
// instead of growing with n. The last <8 elements are added directly in
// float64.

// FOLD: Y8/Y9 (float64) += Y0+Y1+Y2+Y3 (float32), and clear Y0..Y3.
#define FOLD \
	VADDPS	Y1, Y0, Y0; \
	VADDPS	Y3, Y2, Y2; \
	VADDPS	Y2, Y0, Y0; \
	VCVTPS2PD	X0, Y10; \
	VEXTRACTF128	$1, Y0, X11; \
	VCVTPS2PD	X11, Y11; \
	VADDPD	Y10, Y8, Y8; \
	VADDPD	Y11, Y9, Y9; \
	VXORPS	Y0, Y0, Y0; \
	VXORPS	Y1, Y1, Y1; \
	VXORPS	Y2, Y2, Y2; \
	VXORPS	Y3, Y3, Y3

// HSUM64: X8 low lane = sum of the eight float64 lanes of Y8 and Y9.
#define HSUM64 \
	VADDPD	Y9, Y8, Y8; \
	VEXTRACTF128	$1, Y8, X9; \
	VADDPD	X9, X8, X8; \
	VPERMILPD	$1, X8, X9; \
	VADDSD	X9, X8, X8

#define SUMBODY32 \
	VADDPS	(SI), Y0, Y0; \
	VADDPS	32(SI), Y1, Y1; \
	VADDPS	64(SI), Y2, Y2; \
	VADDPS	96(SI), Y3, Y3; \
	ADDQ	$128, SI

// func vecSumAVX2(x []float32) float32
TEXT ·vecSumAVX2(SB), NOSPLIT, $0-28
	MOVQ	x_base+0(FP), SI
	MOVQ	x_len+8(FP), CX
	VXORPS	Y0, Y0, Y0
	VXORPS	Y1, Y1, Y1
	VXORPS	Y2, Y2, Y2
	VXORPS	Y3, Y3, Y3
	VXORPD	Y8, Y8, Y8
	VXORPD	Y9, Y9, Y9

sblock:
	CMPQ	CX, $256
	JB	s32
	MOVQ	$8, R8

sinner:
	SUMBODY32
	DECQ	R8
	JNE	sinner
	SUBQ	$256, CX
	FOLD
	JMP	sblock

s32:
	CMPQ	CX, $32
	JB	s8
	SUMBODY32
	SUBQ	$32, CX
	JMP	s32

s8:
	CMPQ	CX, $8
	JB	sfold
	VADDPS	(SI), Y0, Y0
	ADDQ	$32, SI
	SUBQ	$8, CX
	JMP	s8

sfold:
	FOLD
	HSUM64

s1:
	TESTQ	CX, CX
	JE	sdone
	VCVTSS2SD	(SI), X1, X1
	VADDSD	X1, X8, X8
	ADDQ	$4, SI
	DECQ	CX
	JMP	s1

sdone:
	VCVTSD2SS	X8, X8, X0
	VMOVSS	X0, ret+24(FP)
	VZEROUPPER
	RET

#define DOTBODY32 \
	VMOVUPS	(SI), Y4; \
	VMOVUPS	32(SI), Y5; \
	VMOVUPS	64(SI), Y6; \
	VMOVUPS	96(SI), Y7; \
	VFMADD231PS	(DX), Y4, Y0; \
	VFMADD231PS	32(DX), Y5, Y1; \
	VFMADD231PS	64(DX), Y6, Y2; \
	VFMADD231PS	96(DX), Y7, Y3; \
	ADDQ	$128, SI; \
	ADDQ	$128, DX

// func vecDotAVX2(x, y []float32) float32
TEXT ·vecDotAVX2(SB), NOSPLIT, $0-52
	MOVQ	x_base+0(FP), SI
	MOVQ	x_len+8(FP), CX
	MOVQ	y_base+24(FP), DX
	VXORPS	Y0, Y0, Y0
	VXORPS	Y1, Y1, Y1
	VXORPS	Y2, Y2, Y2
	VXORPS	Y3, Y3, Y3
	VXORPD	Y8, Y8, Y8
	VXORPD	Y9, Y9, Y9

dblock:
	CMPQ	CX, $256
	JB	d32
	MOVQ	$8, R8

dinner:
	DOTBODY32
	DECQ	R8
	JNE	dinner
	SUBQ	$256, CX
	FOLD
	JMP	dblock

d32:
	CMPQ	CX, $32
	JB	d8
	DOTBODY32
	SUBQ	$32, CX
	JMP	d32

d8:
	CMPQ	CX, $8
	JB	dfold
	VMOVUPS	(SI), Y4
	VFMADD231PS	(DX), Y4, Y0
	ADDQ	$32, SI
	ADDQ	$32, DX
	SUBQ	$8, CX
	JMP	d8

dfold:
	FOLD
	HSUM64

d1:
	TESTQ	CX, CX
	JE	ddone
	VCVTSS2SD	(SI), X1, X1
	VCVTSS2SD	(DX), X2, X2
	VFMADD231SD	X2, X1, X8
	ADDQ	$4, SI
	ADDQ	$4, DX
	DECQ	CX
	JMP	d1

ddone:
	VCVTSD2SS	X8, X8, X0
	VMOVSS	X0, ret+48(FP)
	VZEROUPPER
	RET

// vecMaxAVX2 needs len(x) >= 8. It returns the max of the non-NaN values
// and whether any NaN was seen; the caller then finds the index. NaNs are
// tracked with an unordered compare of two vectors at once (one compare
// catches a NaN in either), since VMAXPS alone cannot keep a NaN sticky.
// The last 8 elements are re-read as one overlapping vector instead of a
// scalar tail: max and NaN tests do not care about seeing a value twice.
//
// func vecMaxAVX2(x []float32) (m float32, nan bool)
TEXT ·vecMaxAVX2(SB), NOSPLIT, $0-29
	MOVQ	x_base+0(FP), SI
	MOVQ	x_len+8(FP), CX
	LEAQ	-32(SI)(CX*4), DX
	VMOVUPS	(SI), Y0
	VMOVAPS	Y0, Y1
	VMOVAPS	Y0, Y2
	VMOVAPS	Y0, Y3
	VXORPS	Y4, Y4, Y4
	VXORPS	Y5, Y5, Y5
	CMPQ	CX, $32
	JB	m8

m32:
	VMOVUPS	(SI), Y6
	VMOVUPS	32(SI), Y7
	VMOVUPS	64(SI), Y8
	VMOVUPS	96(SI), Y9
	VMAXPS	Y6, Y0, Y0
	VMAXPS	Y7, Y1, Y1
	VMAXPS	Y8, Y2, Y2
	VMAXPS	Y9, Y3, Y3
	VCMPPS	$3, Y7, Y6, Y10
	VCMPPS	$3, Y9, Y8, Y11
	VORPS	Y10, Y4, Y4
	VORPS	Y11, Y5, Y5
	ADDQ	$128, SI
	SUBQ	$32, CX
	CMPQ	CX, $32
	JAE	m32

m8:
	CMPQ	CX, $8
	JB	mlast
	VMOVUPS	(SI), Y6
	VMAXPS	Y6, Y0, Y0
	VCMPPS	$3, Y6, Y6, Y10
	VORPS	Y10, Y4, Y4
	ADDQ	$32, SI
	SUBQ	$8, CX
	JMP	m8

mlast:
	VMOVUPS	(DX), Y6
	VMAXPS	Y6, Y1, Y1
	VCMPPS	$3, Y6, Y6, Y10
	VORPS	Y10, Y5, Y5
	VMAXPS	Y1, Y0, Y0
	VMAXPS	Y3, Y2, Y2
	VMAXPS	Y2, Y0, Y0
	VEXTRACTF128	$1, Y0, X1
	VMAXPS	X1, X0, X0
	VPERMILPS	$0x4e, X0, X1
	VMAXPS	X1, X0, X0
	VPERMILPS	$0xb1, X0, X1
	VMAXPS	X1, X0, X0
	VMOVSS	X0, m+24(FP)
	VORPS	Y5, Y4, Y4
	VMOVMSKPS	Y4, AX
	TESTL	AX, AX
	SETNE	nan+28(FP)
	VZEROUPPER
	RET

// vecIndexAVX2 returns the first i with x[i] == v (ordered compare, so
// never for NaN), or -1. Four compares are OR-ed and tested once per 32
// elements to keep the search loop short; the hit is located afterwards.
//
// func vecIndexAVX2(x []float32, v float32) int
TEXT ·vecIndexAVX2(SB), NOSPLIT, $0-40
	MOVQ	x_base+0(FP), SI
	MOVQ	x_len+8(FP), BX
	VBROADCASTSS	v+24(FP), Y15
	XORQ	AX, AX

i32:
	LEAQ	32(AX), R8
	CMPQ	R8, BX
	JA	i8
	VCMPPS	$0, (SI)(AX*4), Y15, Y0
	VCMPPS	$0, 32(SI)(AX*4), Y15, Y1
	VCMPPS	$0, 64(SI)(AX*4), Y15, Y2
	VCMPPS	$0, 96(SI)(AX*4), Y15, Y3
	VORPS	Y1, Y0, Y4
	VORPS	Y3, Y2, Y5
	VORPS	Y5, Y4, Y4
	VPTEST	Y4, Y4
	JNE	ihit32
	MOVQ	R8, AX
	JMP	i32

ihit32:
	VMOVMSKPS	Y0, R9
	TESTL	R9, R9
	JNE	ifound
	ADDQ	$8, AX
	VMOVMSKPS	Y1, R9
	TESTL	R9, R9
	JNE	ifound
	ADDQ	$8, AX
	VMOVMSKPS	Y2, R9
	TESTL	R9, R9
	JNE	ifound
	ADDQ	$8, AX
	VMOVMSKPS	Y3, R9
	JMP	ifound

i8:
	LEAQ	8(AX), R8
	CMPQ	R8, BX
	JA	i1
	VCMPPS	$0, (SI)(AX*4), Y15, Y0
	VMOVMSKPS	Y0, R9
	TESTL	R9, R9
	JNE	ifound
	MOVQ	R8, AX
	JMP	i8

i1:
	CMPQ	AX, BX
	JAE	inone
	VUCOMISS	(SI)(AX*4), X15
	JNE	inext
	JPS	inext
	JMP	iret

inext:
	INCQ	AX
	JMP	i1

ifound:
	BSFL	R9, R9
	ADDQ	R9, AX

iret:
	MOVQ	AX, ret+32(FP)
	VZEROUPPER
	RET

inone:
	MOVQ	$-1, ret+32(FP)
	VZEROUPPER
	RET
