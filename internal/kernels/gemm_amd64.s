//go:build amd64 && !purego

#include "textflag.h"

// The 6×16 AVX2+FMA micro-kernel. C's 6×16 tile lives in Y4..Y15 (two ymm
// per row) for the whole k loop, so each k step costs two vector loads of B,
// six broadcasts of A and twelve FMAs: FMA-bound on Zen 4 (two 256-bit FMA
// pipes, four-cycle latency, and twelve independent chains to hide it).
//
// Register use in the loop:
//   SI  packed A (6 floats per k step)   DI  B row pointer, R9 B row stride (bytes)
//   BX  k/4 counter, CX k%4 counter      DX  C, R8 C row stride (bytes)
//   Y0, Y1  one row of B                 Y2, Y3  broadcast A values

// STEP does one k step: A at aoff(SI), B at (DI), then advances DI.
#define STEP(aoff) \
	VMOVUPS      (DI), Y0              \
	VMOVUPS      32(DI), Y1            \
	ADDQ         R9, DI                \
	VBROADCASTSS (aoff+0)(SI), Y2      \
	VFMADD231PS  Y0, Y2, Y4            \
	VFMADD231PS  Y1, Y2, Y5            \
	VBROADCASTSS (aoff+4)(SI), Y3      \
	VFMADD231PS  Y0, Y3, Y6            \
	VFMADD231PS  Y1, Y3, Y7            \
	VBROADCASTSS (aoff+8)(SI), Y2      \
	VFMADD231PS  Y0, Y2, Y8            \
	VFMADD231PS  Y1, Y2, Y9            \
	VBROADCASTSS (aoff+12)(SI), Y3     \
	VFMADD231PS  Y0, Y3, Y10           \
	VFMADD231PS  Y1, Y3, Y11           \
	VBROADCASTSS (aoff+16)(SI), Y2     \
	VFMADD231PS  Y0, Y2, Y12           \
	VFMADD231PS  Y1, Y2, Y13           \
	VBROADCASTSS (aoff+20)(SI), Y3     \
	VFMADD231PS  Y0, Y3, Y14           \
	VFMADD231PS  Y1, Y3, Y15

// STOREROW writes one finished row: C = acc (beta == 0, C never read).
#define STOREROW(lo, hi) \
	VMOVUPS lo, (DX)     \
	VMOVUPS hi, 32(DX)   \
	ADDQ    R8, DX

// FMAROW writes one finished row: C = acc + beta*C, beta in Y1.
#define FMAROW(lo, hi) \
	VFMADD231PS (DX), Y1, lo   \
	VFMADD231PS 32(DX), Y1, hi \
	VMOVUPS     lo, (DX)       \
	VMOVUPS     hi, 32(DX)     \
	ADDQ        R8, DX

// func sgemmKernelAVX2(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
TEXT ·sgemmKernelAVX2(SB), NOSPLIT, $0-56
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DI
	MOVQ ldb+24(FP), R9
	SHLQ $2, R9
	MOVQ c+32(FP), DX
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8

	// Touch the C tile early so its lines arrive while the k loop runs.
	MOVQ       DX, AX
	PREFETCHT0 (AX)
	PREFETCHT0 60(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 60(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 60(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 60(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 60(AX)
	ADDQ       R8, AX
	PREFETCHT0 (AX)
	PREFETCHT0 60(AX)

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

	MOVQ CX, BX
	SHRQ $2, BX
	ANDQ $3, CX
	TESTQ BX, BX
	JZ   tail

loop4:
	STEP(0)
	STEP(24)
	STEP(48)
	STEP(72)
	ADDQ $96, SI
	DECQ BX
	JNZ  loop4

tail:
	TESTQ CX, CX
	JZ    done

loop1:
	STEP(0)
	ADDQ $24, SI
	DECQ CX
	JNZ  loop1

done:
	// acc *= alpha
	VBROADCASTSS alpha+48(FP), Y0
	VMULPS       Y0, Y4, Y4
	VMULPS       Y0, Y5, Y5
	VMULPS       Y0, Y6, Y6
	VMULPS       Y0, Y7, Y7
	VMULPS       Y0, Y8, Y8
	VMULPS       Y0, Y9, Y9
	VMULPS       Y0, Y10, Y10
	VMULPS       Y0, Y11, Y11
	VMULPS       Y0, Y12, Y12
	VMULPS       Y0, Y13, Y13
	VMULPS       Y0, Y14, Y14
	VMULPS       Y0, Y15, Y15

	// beta == 0 must not read C (it may hold NaNs); a NaN beta is not zero.
	VBROADCASTSS beta+52(FP), Y1
	VXORPS       X2, X2, X2
	UCOMISS      X2, X1
	JNE          usebeta
	JPS          usebeta

	STOREROW(Y4, Y5)
	STOREROW(Y6, Y7)
	STOREROW(Y8, Y9)
	STOREROW(Y10, Y11)
	STOREROW(Y12, Y13)
	STOREROW(Y14, Y15)
	VZEROUPPER
	RET

usebeta:
	FMAROW(Y4, Y5)
	FMAROW(Y6, Y7)
	FMAROW(Y8, Y9)
	FMAROW(Y10, Y11)
	FMAROW(Y12, Y13)
	FMAROW(Y14, Y15)
	VZEROUPPER
	RET
