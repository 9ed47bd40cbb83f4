//go:build amd64 && !purego

#include "textflag.h"

// AVX2 Winograd F(2×2, 3×3) run kernels; see winograd.go for the
// transforms and the layout. Each works on n tiles of one tile row (n a
// multiple of 4): groups of 8 tiles in ymm registers, then at most one
// group of 4 in xmm registers. Neighbouring tiles' windows start 2 columns
// apart, so a group of 8 reads or writes 16 (+2) columns of each image row.
//
// Splitting the even and odd columns of 16 floats with in-lane VSHUFPS
// yields tiles in the order 0 1 4 5 | 2 3 6 7; the transformed arrays keep
// that order (wgPerm), and VUNPCKLPS/VUNPCKHPS on vectors in that order
// give back columns 0-7 and 8-15 in order: no cross-lane permute is needed
// on the way in or out. A group of 4 stays in order.
//
// Planes ξ = 4a + b (a the row, b the column of the 4×4 tile) are addressed
// from four base registers, one per a, plus b·plane: 0, R8, 2·R8, DX=3·R8.

// Input: z = combination of two window rows (Bᵀ·d), then split into
// E (even columns), O (odd), E' and O' (shifted by one tile) and combined
// into the four columns of (Bᵀ·d)·B: E−E', O+E', E'−O, O−O'. P and Q are
// the row pointers, OP the row combination (P OP Q); stores go to AX.
#define IN8(OP, P, Q) \
	VMOVUPS	(P), Y0; \
	VMOVUPS	32(P), Y1; \
	VMOVUPS	8(P), Y2; \
	VMOVUPS	40(P), Y3; \
	OP	(Q), Y0, Y0; \
	OP	32(Q), Y1, Y1; \
	OP	8(Q), Y2, Y2; \
	OP	40(Q), Y3, Y3; \
	VSHUFPS	$0x88, Y1, Y0, Y4; \
	VSHUFPS	$0xDD, Y1, Y0, Y5; \
	VSHUFPS	$0x88, Y3, Y2, Y6; \
	VSHUFPS	$0xDD, Y3, Y2, Y7; \
	VSUBPS	Y6, Y4, Y8; \
	VADDPS	Y6, Y5, Y9; \
	VSUBPS	Y5, Y6, Y10; \
	VSUBPS	Y7, Y5, Y11; \
	VMOVUPS	Y8, (AX); \
	VMOVUPS	Y9, (AX)(R8*1); \
	VMOVUPS	Y10, (AX)(R8*2); \
	VMOVUPS	Y11, (AX)(DX*1); \
	LEAQ	(AX)(R8*4), AX

#define IN4(OP, P, Q) \
	VMOVUPS	(P), X0; \
	VMOVUPS	16(P), X1; \
	VMOVUPS	8(P), X2; \
	VMOVUPS	24(P), X3; \
	OP	(Q), X0, X0; \
	OP	16(Q), X1, X1; \
	OP	8(Q), X2, X2; \
	OP	24(Q), X3, X3; \
	VSHUFPS	$0x88, X1, X0, X4; \
	VSHUFPS	$0xDD, X1, X0, X5; \
	VSHUFPS	$0x88, X3, X2, X6; \
	VSHUFPS	$0xDD, X3, X2, X7; \
	VSUBPS	X6, X4, X8; \
	VADDPS	X6, X5, X9; \
	VSUBPS	X5, X6, X10; \
	VSUBPS	X7, X5, X11; \
	VMOVUPS	X8, (AX); \
	VMOVUPS	X9, (AX)(R8*1); \
	VMOVUPS	X10, (AX)(R8*2); \
	VMOVUPS	X11, (AX)(DX*1); \
	LEAQ	(AX)(R8*4), AX

// func wgInputAVX2(v *float32, plane int, x *float32, ldx int, n int)
TEXT ·wgInputAVX2(SB), NOSPLIT, $0-40
	MOVQ	v+0(FP), DI
	MOVQ	plane+8(FP), R8
	MOVQ	x+16(FP), R11
	MOVQ	ldx+24(FP), R9
	MOVQ	n+32(FP), CX
	SHLQ	$2, R8
	LEAQ	(R8)(R8*2), DX
	SHLQ	$2, R9
	LEAQ	(R11)(R9*1), R12 // window rows 0-3: R11, R12, R13, BX
	LEAQ	(R12)(R9*1), R13
	LEAQ	(R13)(R9*1), BX

in8:
	CMPQ	CX, $8
	JB	in4
	MOVQ	DI, AX
	IN8(VSUBPS, R11, R13) // d0 − d2
	IN8(VADDPS, R12, R13) // d1 + d2
	IN8(VSUBPS, R13, R12) // d2 − d1
	IN8(VSUBPS, R12, BX)  // d1 − d3
	ADDQ	$32, DI
	ADDQ	$64, R11
	ADDQ	$64, R12
	ADDQ	$64, R13
	ADDQ	$64, BX
	SUBQ	$8, CX
	JMP	in8

in4:
	CMPQ	CX, $4
	JB	indone
	MOVQ	DI, AX
	IN4(VSUBPS, R11, R13)
	IN4(VADDPS, R12, R13)
	IN4(VSUBPS, R13, R12)
	IN4(VSUBPS, R12, BX)

indone:
	VZEROUPPER
	RET

// Output: for each column b of the 4×4 tile, the rows of Aᵀ·m,
// r0 = m0 + m1 + m2 and r1 = m1 − m2 − m3; then each row r of (Aᵀ·m)·A,
// (r0 + r1 + r2, r1 − r2 − r3), plus the bias (Y15), interleaved back into
// two output rows. Plane bases: SI (a = 0), R11, R12, R13 (a = 3).
// func wgOutputAVX2(y *float32, ldy int, m *float32, plane int, n int, bias float32)
TEXT ·wgOutputAVX2(SB), NOSPLIT, $0-44
	MOVQ	y+0(FP), DI
	MOVQ	ldy+8(FP), R9
	MOVQ	m+16(FP), SI
	MOVQ	plane+24(FP), R8
	MOVQ	n+32(FP), CX
	VBROADCASTSS	bias+40(FP), Y15
	SHLQ	$2, R9
	SHLQ	$2, R8
	LEAQ	(R8)(R8*2), DX
	LEAQ	(SI)(R8*4), R11
	LEAQ	(R11)(R8*4), R12
	LEAQ	(R12)(R8*4), R13

out8:
	CMPQ	CX, $8
	JB	out4
	VMOVUPS	(R11), Y0
	VMOVUPS	(R12), Y1
	VADDPS	Y1, Y0, Y2
	VADDPS	(SI), Y2, Y2
	VSUBPS	Y1, Y0, Y3
	VSUBPS	(R13), Y3, Y3
	VMOVUPS	(R11)(R8*1), Y0
	VMOVUPS	(R12)(R8*1), Y1
	VADDPS	Y1, Y0, Y4
	VADDPS	(SI)(R8*1), Y4, Y4
	VSUBPS	Y1, Y0, Y5
	VSUBPS	(R13)(R8*1), Y5, Y5
	VMOVUPS	(R11)(R8*2), Y0
	VMOVUPS	(R12)(R8*2), Y1
	VADDPS	Y1, Y0, Y6
	VADDPS	(SI)(R8*2), Y6, Y6
	VSUBPS	Y1, Y0, Y7
	VSUBPS	(R13)(R8*2), Y7, Y7
	VMOVUPS	(R11)(DX*1), Y0
	VMOVUPS	(R12)(DX*1), Y1
	VADDPS	Y1, Y0, Y8
	VADDPS	(SI)(DX*1), Y8, Y8
	VSUBPS	Y1, Y0, Y9
	VSUBPS	(R13)(DX*1), Y9, Y9
	// Y2, Y4, Y6, Y8 = r0 of columns 0-3; Y3, Y5, Y7, Y9 = r1.
	VADDPS	Y4, Y2, Y10
	VADDPS	Y6, Y10, Y10
	VADDPS	Y15, Y10, Y10 // y00
	VSUBPS	Y6, Y4, Y11
	VSUBPS	Y8, Y11, Y11
	VADDPS	Y15, Y11, Y11 // y01
	VADDPS	Y5, Y3, Y12
	VADDPS	Y7, Y12, Y12
	VADDPS	Y15, Y12, Y12 // y10
	VSUBPS	Y7, Y5, Y13
	VSUBPS	Y9, Y13, Y13
	VADDPS	Y15, Y13, Y13 // y11
	VUNPCKLPS	Y11, Y10, Y0
	VUNPCKHPS	Y11, Y10, Y1
	VUNPCKLPS	Y13, Y12, Y2
	VUNPCKHPS	Y13, Y12, Y3
	VMOVUPS	Y0, (DI)
	VMOVUPS	Y1, 32(DI)
	VMOVUPS	Y2, (DI)(R9*1)
	VMOVUPS	Y3, 32(DI)(R9*1)
	ADDQ	$32, SI
	ADDQ	$32, R11
	ADDQ	$32, R12
	ADDQ	$32, R13
	ADDQ	$64, DI
	SUBQ	$8, CX
	JMP	out8

out4:
	CMPQ	CX, $4
	JB	outdone
	VMOVUPS	(R11), X0
	VMOVUPS	(R12), X1
	VADDPS	X1, X0, X2
	VADDPS	(SI), X2, X2
	VSUBPS	X1, X0, X3
	VSUBPS	(R13), X3, X3
	VMOVUPS	(R11)(R8*1), X0
	VMOVUPS	(R12)(R8*1), X1
	VADDPS	X1, X0, X4
	VADDPS	(SI)(R8*1), X4, X4
	VSUBPS	X1, X0, X5
	VSUBPS	(R13)(R8*1), X5, X5
	VMOVUPS	(R11)(R8*2), X0
	VMOVUPS	(R12)(R8*2), X1
	VADDPS	X1, X0, X6
	VADDPS	(SI)(R8*2), X6, X6
	VSUBPS	X1, X0, X7
	VSUBPS	(R13)(R8*2), X7, X7
	VMOVUPS	(R11)(DX*1), X0
	VMOVUPS	(R12)(DX*1), X1
	VADDPS	X1, X0, X8
	VADDPS	(SI)(DX*1), X8, X8
	VSUBPS	X1, X0, X9
	VSUBPS	(R13)(DX*1), X9, X9
	VADDPS	X4, X2, X10
	VADDPS	X6, X10, X10
	VADDPS	X15, X10, X10
	VSUBPS	X6, X4, X11
	VSUBPS	X8, X11, X11
	VADDPS	X15, X11, X11
	VADDPS	X5, X3, X12
	VADDPS	X7, X12, X12
	VADDPS	X15, X12, X12
	VSUBPS	X7, X5, X13
	VSUBPS	X9, X13, X13
	VADDPS	X15, X13, X13
	VUNPCKLPS	X11, X10, X0
	VUNPCKHPS	X11, X10, X1
	VUNPCKLPS	X13, X12, X2
	VUNPCKHPS	X13, X12, X3
	VMOVUPS	X0, (DI)
	VMOVUPS	X1, 16(DI)
	VMOVUPS	X2, (DI)(R9*1)
	VMOVUPS	X3, 16(DI)(R9*1)

outdone:
	VZEROUPPER
	RET

// Output gradient: the 2×2 tile [[p q] [r s]] split from two dy rows, then
// A·dY rows (p, q), (p+r, q+s), (p−r, q−s), (−r, −s), each row (u, w) → the
// columns (u, u+w, u−w, −w) of A·dY·Aᵀ, stored at plane base B. Y15 is 0.
#define OG8(U, W, B) \
	VMOVUPS	U, (B); \
	VADDPS	W, U, Y8; \
	VMOVUPS	Y8, (B)(R8*1); \
	VSUBPS	W, U, Y9; \
	VMOVUPS	Y9, (B)(R8*2); \
	VSUBPS	W, Y15, Y10; \
	VMOVUPS	Y10, (B)(DX*1)

#define OG4(U, W, B) \
	VMOVUPS	U, (B); \
	VADDPS	W, U, X8; \
	VMOVUPS	X8, (B)(R8*1); \
	VSUBPS	W, U, X9; \
	VMOVUPS	X9, (B)(R8*2); \
	VSUBPS	W, X15, X10; \
	VMOVUPS	X10, (B)(DX*1)

// func wgOutputGradAVX2(dm *float32, plane int, dy *float32, ldy int, n int)
TEXT ·wgOutputGradAVX2(SB), NOSPLIT, $0-40
	MOVQ	dm+0(FP), DI
	MOVQ	plane+8(FP), R8
	MOVQ	dy+16(FP), SI
	MOVQ	ldy+24(FP), R9
	MOVQ	n+32(FP), CX
	SHLQ	$2, R8
	LEAQ	(R8)(R8*2), DX
	SHLQ	$2, R9
	LEAQ	(DI)(R8*4), R11
	LEAQ	(R11)(R8*4), R12
	LEAQ	(R12)(R8*4), R13
	VXORPS	Y15, Y15, Y15

og8:
	CMPQ	CX, $8
	JB	og4
	VMOVUPS	(SI), Y0
	VMOVUPS	32(SI), Y1
	VSHUFPS	$0x88, Y1, Y0, Y2 // p
	VSHUFPS	$0xDD, Y1, Y0, Y3 // q
	VMOVUPS	(SI)(R9*1), Y0
	VMOVUPS	32(SI)(R9*1), Y1
	VSHUFPS	$0x88, Y1, Y0, Y4 // r
	VSHUFPS	$0xDD, Y1, Y0, Y5 // s
	OG8(Y2, Y3, DI)
	VADDPS	Y4, Y2, Y6
	VADDPS	Y5, Y3, Y7
	OG8(Y6, Y7, R11)
	VSUBPS	Y4, Y2, Y6
	VSUBPS	Y5, Y3, Y7
	OG8(Y6, Y7, R12)
	VSUBPS	Y4, Y15, Y6
	VSUBPS	Y5, Y15, Y7
	OG8(Y6, Y7, R13)
	ADDQ	$64, SI
	ADDQ	$32, DI
	ADDQ	$32, R11
	ADDQ	$32, R12
	ADDQ	$32, R13
	SUBQ	$8, CX
	JMP	og8

og4:
	CMPQ	CX, $4
	JB	ogdone
	VMOVUPS	(SI), X0
	VMOVUPS	16(SI), X1
	VSHUFPS	$0x88, X1, X0, X2
	VSHUFPS	$0xDD, X1, X0, X3
	VMOVUPS	(SI)(R9*1), X0
	VMOVUPS	16(SI)(R9*1), X1
	VSHUFPS	$0x88, X1, X0, X4
	VSHUFPS	$0xDD, X1, X0, X5
	OG4(X2, X3, DI)
	VADDPS	X4, X2, X6
	VADDPS	X5, X3, X7
	OG4(X6, X7, R11)
	VSUBPS	X4, X2, X6
	VSUBPS	X5, X3, X7
	OG4(X6, X7, R12)
	VSUBPS	X4, X15, X6
	VSUBPS	X5, X15, X7
	OG4(X6, X7, R13)

ogdone:
	VZEROUPPER
	RET

// Input gradient. For window row i, p_b (b = 0..3) is row i of B·dv (a
// combination of the planes of column b), then the four columns of
// (B·dv)·Bᵀ are c0 = p0, c1 = p1 − p2 + p3, c2 = p1 + p2 − p0, c3 = −p3.
// A tile adds c0 c1 at its columns 0-1 and c2 c3 at 2-3, which are the
// next tile's 0-1: interleaved, S = (c0, c1) covers columns 0-15 of the
// group and T = (c2, c3) columns 2-17. T is shifted by two columns into
// place (VPERMPD rotates it by one 64-bit pair, VBLENDPD brings in the
// pair shifted out of the previous group, carried in CARRY), so that each
// dx row is read and written once per group. The last carry is added after
// the run. Window row pointers: ROW; plane bases: SI, R11, R12, R13.
#define IGACC8(ROW, CARRY) \
	VSUBPS	Y2, Y1, Y4; \
	VADDPS	Y3, Y4, Y4; \
	VADDPS	Y2, Y1, Y5; \
	VSUBPS	Y0, Y5, Y5; \
	VXORPS	Y6, Y6, Y6; \
	VSUBPS	Y3, Y6, Y6; \
	VUNPCKLPS	Y4, Y0, Y7; \
	VUNPCKHPS	Y4, Y0, Y8; \
	VUNPCKLPS	Y6, Y5, Y9; \
	VUNPCKHPS	Y6, Y5, Y10; \
	VPERMPD	$0x93, Y9, Y9; \
	VPERMPD	$0x93, Y10, Y10; \
	VBLENDPD	$1, CARRY, Y9, Y11; \
	VBLENDPD	$1, Y9, Y10, Y9; \
	VMOVAPS	Y10, CARRY; \
	VADDPS	Y11, Y7, Y7; \
	VADDPS	(ROW), Y7, Y7; \
	VMOVUPS	Y7, (ROW); \
	VADDPS	Y9, Y8, Y8; \
	VADDPS	32(ROW), Y8, Y8; \
	VMOVUPS	Y8, 32(ROW)

#define IGACC4(ROW, CARRY) \
	VSUBPS	X2, X1, X4; \
	VADDPS	X3, X4, X4; \
	VADDPS	X2, X1, X5; \
	VSUBPS	X0, X5, X5; \
	VXORPS	X6, X6, X6; \
	VSUBPS	X3, X6, X6; \
	VUNPCKLPS	X4, X0, X7; \
	VUNPCKHPS	X4, X0, X8; \
	VUNPCKLPS	X6, X5, X9; \
	VUNPCKHPS	X6, X5, X10; \
	VUNPCKLPD	X9, CARRY, X11; \
	VSHUFPD	$1, X10, X9, X9; \
	VPERMILPD	$1, X10, CARRY; \
	VADDPS	X11, X7, X7; \
	VADDPS	(ROW), X7, X7; \
	VMOVUPS	X7, (ROW); \
	VADDPS	X9, X8, X8; \
	VADDPS	16(ROW), X8, X8; \
	VMOVUPS	X8, 16(ROW)

// Rows of B·dv for one column of the tile into V, from that column's
// planes A0-A3 (a = 0..3): row 0 = dv0, row 1 = dv1 − dv2 + dv3,
// row 2 = dv1 + dv2 − dv0, row 3 = −dv3.
#define IGROW0(V, A0, A1, A2, A3) \
	VMOVUPS	A0, V
#define IGROW1(V, A0, A1, A2, A3) \
	VMOVUPS	A1, V; \
	VSUBPS	A2, V, V; \
	VADDPS	A3, V, V
#define IGROW2(V, A0, A1, A2, A3) \
	VMOVUPS	A1, V; \
	VADDPS	A2, V, V; \
	VSUBPS	A0, V, V
#define IGROW3(V, A0, A1, A2, A3) \
	VXORPS	V, V, V; \
	VSUBPS	A3, V, V

// IGROWS(ROWMACRO, regs) fills the four columns p0-p3.
#define IGROWS(M, R0, R1, R2, R3) \
	M(R0, (SI), (R11), (R12), (R13)); \
	M(R1, (SI)(R8*1), (R11)(R8*1), (R12)(R8*1), (R13)(R8*1)); \
	M(R2, (SI)(R8*2), (R11)(R8*2), (R12)(R8*2), (R13)(R8*2)); \
	M(R3, (SI)(DX*1), (R11)(DX*1), (R12)(DX*1), (R13)(DX*1))

// func wgInputGradAVX2(dx *float32, ldx int, dv *float32, plane int, n int)
TEXT ·wgInputGradAVX2(SB), NOSPLIT, $0-40
	MOVQ	dx+0(FP), AX
	MOVQ	ldx+8(FP), R9
	MOVQ	dv+16(FP), SI
	MOVQ	plane+24(FP), R8
	MOVQ	n+32(FP), CX
	SHLQ	$2, R9
	SHLQ	$2, R8
	LEAQ	(R8)(R8*2), DX
	LEAQ	(AX)(R9*1), BX // window rows 0-3: AX, BX, DI, R9
	LEAQ	(BX)(R9*1), DI
	LEAQ	(DI)(R9*1), R9
	LEAQ	(SI)(R8*4), R11
	LEAQ	(R11)(R8*4), R12
	LEAQ	(R12)(R8*4), R13
	VXORPS	Y12, Y12, Y12
	VXORPS	Y13, Y13, Y13
	VXORPS	Y14, Y14, Y14
	VXORPS	Y15, Y15, Y15

ig8:
	CMPQ	CX, $8
	JB	ig4
	IGROWS(IGROW0, Y0, Y1, Y2, Y3)
	IGACC8(AX, Y12)
	IGROWS(IGROW1, Y0, Y1, Y2, Y3)
	IGACC8(BX, Y13)
	IGROWS(IGROW2, Y0, Y1, Y2, Y3)
	IGACC8(DI, Y14)
	IGROWS(IGROW3, Y0, Y1, Y2, Y3)
	IGACC8(R9, Y15)
	ADDQ	$32, SI
	ADDQ	$32, R11
	ADDQ	$32, R12
	ADDQ	$32, R13
	ADDQ	$64, AX
	ADDQ	$64, BX
	ADDQ	$64, DI
	ADDQ	$64, R9
	SUBQ	$8, CX
	JMP	ig8

ig4:
	CMPQ	CX, $4
	JB	igtail
	IGROWS(IGROW0, X0, X1, X2, X3)
	IGACC4(AX, X12)
	IGROWS(IGROW1, X0, X1, X2, X3)
	IGACC4(BX, X13)
	IGROWS(IGROW2, X0, X1, X2, X3)
	IGACC4(DI, X14)
	IGROWS(IGROW3, X0, X1, X2, X3)
	IGACC4(R9, X15)
	ADDQ	$32, AX
	ADDQ	$32, BX
	ADDQ	$32, DI
	ADDQ	$32, R9

igtail:
	// The last tile's columns 2-3 of each window row.
	VMOVSD	(AX), X0
	VADDPS	X12, X0, X0
	VMOVSD	X0, (AX)
	VMOVSD	(BX), X0
	VADDPS	X13, X0, X0
	VMOVSD	X0, (BX)
	VMOVSD	(DI), X0
	VADDPS	X14, X0, X0
	VMOVSD	X0, (DI)
	VMOVSD	(R9), X0
	VADDPS	X15, X0, X0
	VMOVSD	X0, (R9)
	VZEROUPPER
	RET
