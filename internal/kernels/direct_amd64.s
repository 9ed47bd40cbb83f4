//go:build amd64 && !purego

#include "textflag.h"

// IndirectTile's kernel: the 6×16 GEMM micro-kernel of gemm_amd64.s with
// B row p read from b + 4·offs[p] bytes instead of b + p·ldb. The tile
// lives in Y4..Y15; each k step costs one offset load, two vector loads of
// B, six broadcasts of A and twelve FMAs.
//
//   SI  packed A   DI  b   R10  offs   AX  current offset
//   DX  C          R8  C row stride (bytes)   BX k/4, CX k%4

#define ISTEP(aoff, ooff) \
	MOVQ         ooff(R10), AX          \
	VMOVUPS      (DI)(AX*4), Y0         \
	VMOVUPS      32(DI)(AX*4), Y1       \
	VBROADCASTSS (aoff+0)(SI), Y2       \
	VFMADD231PS  Y0, Y2, Y4             \
	VFMADD231PS  Y1, Y2, Y5             \
	VBROADCASTSS (aoff+4)(SI), Y3       \
	VFMADD231PS  Y0, Y3, Y6             \
	VFMADD231PS  Y1, Y3, Y7             \
	VBROADCASTSS (aoff+8)(SI), Y2       \
	VFMADD231PS  Y0, Y2, Y8             \
	VFMADD231PS  Y1, Y2, Y9             \
	VBROADCASTSS (aoff+12)(SI), Y3      \
	VFMADD231PS  Y0, Y3, Y10            \
	VFMADD231PS  Y1, Y3, Y11            \
	VBROADCASTSS (aoff+16)(SI), Y2      \
	VFMADD231PS  Y0, Y2, Y12            \
	VFMADD231PS  Y1, Y2, Y13            \
	VBROADCASTSS (aoff+20)(SI), Y3      \
	VFMADD231PS  Y0, Y3, Y14            \
	VFMADD231PS  Y1, Y3, Y15

#define ISTORE(lo, hi) \
	VMOVUPS lo, (DX)     \
	VMOVUPS hi, 32(DX)   \
	ADDQ    R8, DX

// func indirectTileAVX2(kc int, a, b *float32, offs *int, c *float32, ldc int)
TEXT ·indirectTileAVX2(SB), NOSPLIT, $0-48
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ offs+24(FP), R10
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

	MOVQ  CX, BX
	SHRQ  $2, BX
	ANDQ  $3, CX
	TESTQ BX, BX
	JZ    itail

iloop4:
	ISTEP(0, 0)
	ISTEP(24, 8)
	ISTEP(48, 16)
	ISTEP(72, 24)
	ADDQ $96, SI
	ADDQ $32, R10
	DECQ BX
	JNZ  iloop4

itail:
	TESTQ CX, CX
	JZ    istore

iloop1:
	ISTEP(0, 0)
	ADDQ $24, SI
	ADDQ $8, R10
	DECQ CX
	JNZ  iloop1

istore:
	ISTORE(Y4, Y5)
	ISTORE(Y6, Y7)
	ISTORE(Y8, Y9)
	ISTORE(Y10, Y11)
	ISTORE(Y12, Y13)
	ISTORE(Y14, Y15)
	VZEROUPPER
	RET

// DotTile's kernel: twelve dot products of four rows a0..a3 (R8..R11) with
// three rows b0..b2 (R12, R13, BX), eight lanes at a time in Y4..Y15
// (accumulator 4+3i+j holds a_i·b_j), reduced at the end. Each step of
// eight costs seven loads and twelve FMAs.
//
//   AX  byte index   CX  k/8 counter   DI  out

#define DROW(areg, acc0, acc1, acc2) \
	VMOVUPS     (areg)(AX*1), Y3 \
	VFMADD231PS Y0, Y3, acc0     \
	VFMADD231PS Y1, Y3, acc1     \
	VFMADD231PS Y2, Y3, acc2

// HSUM stores the sum of acc's eight lanes at off(DI):
// ((s0+s4)+(s1+s5)) + ((s2+s6)+(s3+s7)).
#define HSUM(acc, xacc, off) \
	VEXTRACTF128 $1, acc, X0  \
	VADDPS       xacc, X0, X0 \
	VHADDPS      X0, X0, X0   \
	VHADDPS      X0, X0, X0   \
	VMOVSS       X0, off(DI)

// func dotTileAVX2(k int, a *[4]*float32, b *[3]*float32, out *[12]float32)
TEXT ·dotTileAVX2(SB), NOSPLIT, $0-32
	MOVQ k+0(FP), CX
	SHRQ $3, CX
	MOVQ a+8(FP), AX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	MOVQ 24(AX), R11
	MOVQ b+16(FP), AX
	MOVQ 0(AX), R12
	MOVQ 8(AX), R13
	MOVQ 16(AX), BX
	MOVQ out+24(FP), DI

	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	VXORPS Y12, Y12, Y12
	VXORPS Y13, Y13, Y13
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15
	XORQ   AX, AX

dloop:
	VMOVUPS (R12)(AX*1), Y0
	VMOVUPS (R13)(AX*1), Y1
	VMOVUPS (BX)(AX*1), Y2
	DROW(R8, Y4, Y5, Y6)
	DROW(R9, Y7, Y8, Y9)
	DROW(R10, Y10, Y11, Y12)
	DROW(R11, Y13, Y14, Y15)
	ADDQ $32, AX
	DECQ CX
	JNZ  dloop

	HSUM(Y4, X4, 0)
	HSUM(Y5, X5, 4)
	HSUM(Y6, X6, 8)
	HSUM(Y7, X7, 12)
	HSUM(Y8, X8, 16)
	HSUM(Y9, X9, 20)
	HSUM(Y10, X10, 24)
	HSUM(Y11, X11, 28)
	HSUM(Y12, X12, 32)
	HSUM(Y13, X13, 36)
	HSUM(Y14, X14, 40)
	HSUM(Y15, X15, 44)
	VZEROUPPER
	RET
