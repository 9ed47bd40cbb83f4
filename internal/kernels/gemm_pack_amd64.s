//go:build amd64 && !purego

#include "textflag.h"

// Packing routines for the 6×16 micro-kernel (see gemm_pack.go for the
// layouts). Go's fixed-size array copies turn into runtime.memmove calls and
// its transposes into scalar loops; at 1024³ that was ~10% of the run time,
// these make it ~2–3%. Each routine handles the bulk of kc; the Go caller
// finishes the remainder (kc%4 or kc%8 steps).

// func packA6NAVX(kc int, a *float32, lda int, dst *float32)
//
// Six rows of a row-major A (stride lda) → dst[p*6+r] = row_r[p], for
// p < kc&^3. Four k steps at a time: rows 0–3 in the low 128-bit lanes and
// rows 4–5 in the high lanes, a lane-wise 4×4 transpose (unpck + shufps),
// then 16 bytes (rows 0–3) and 8 bytes (rows 4–5) stored per k step.
TEXT ·packA6NAVX(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	SHLQ $2, R9
	MOVQ dst+24(FP), DI
	LEAQ (SI)(R9*2), R10 // row 2
	LEAQ (R10)(R9*2), R11 // row 4
	SHRQ $2, CX
	JZ   a6ndone

a6nloop:
	VMOVUPS     (SI), X0
	VINSERTF128 $1, (R11), Y0, Y0             // [row0 | row4]
	VMOVUPS     (SI)(R9*1), X1
	VINSERTF128 $1, (R11)(R9*1), Y1, Y1       // [row1 | row5]
	VMOVUPS     (R10), X2                     // [row2 | -]
	VMOVUPS     (R10)(R9*1), X3               // [row3 | -]
	VUNPCKLPS   Y1, Y0, Y4                    // r0[0] r1[0] r0[1] r1[1]
	VUNPCKHPS   Y1, Y0, Y5                    // r0[2] r1[2] r0[3] r1[3]
	VUNPCKLPS   Y3, Y2, Y6
	VUNPCKHPS   Y3, Y2, Y7
	VSHUFPS     $0x44, Y6, Y4, Y0             // k step 0: rows 0..3 | 4,5
	VSHUFPS     $0xEE, Y6, Y4, Y1             // k step 1
	VSHUFPS     $0x44, Y7, Y5, Y2             // k step 2
	VSHUFPS     $0xEE, Y7, Y5, Y3             // k step 3
	VMOVUPS     X0, 0(DI)
	VEXTRACTF128 $1, Y0, X4
	VMOVSD      X4, 16(DI)
	VMOVUPS     X1, 24(DI)
	VEXTRACTF128 $1, Y1, X5
	VMOVSD      X5, 40(DI)
	VMOVUPS     X2, 48(DI)
	VEXTRACTF128 $1, Y2, X6
	VMOVSD      X6, 64(DI)
	VMOVUPS     X3, 72(DI)
	VEXTRACTF128 $1, Y3, X7
	VMOVSD      X7, 88(DI)
	ADDQ        $16, SI
	ADDQ        $16, R10
	ADDQ        $16, R11
	ADDQ        $96, DI
	DECQ        CX
	JNZ         a6nloop

a6ndone:
	VZEROUPPER
	RET

// func packA6TAVX(kc int, a *float32, lda int, dst *float32)
//
// Six adjacent columns of op(A) = Aᵀ: dst[p*6:p*6+6] = a[p*lda:p*lda+6] for
// every p < kc.
TEXT ·packA6TAVX(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R9
	SHLQ $2, R9
	MOVQ dst+24(FP), DI
	TESTQ CX, CX
	JZ    a6tdone

a6tloop:
	VMOVUPS (SI), X0
	VMOVSD  16(SI), X1
	VMOVUPS X0, (DI)
	VMOVSD  X1, 16(DI)
	ADDQ    R9, SI
	ADDQ    $24, DI
	DECQ    CX
	JNZ     a6tloop

a6tdone:
	RET

// func packB16NAVX(kc int, b *float32, ldb int, dst *float32)
//
// Sixteen adjacent columns of a row-major B: dst[p*16:p*16+16] =
// b[p*ldb:p*ldb+16] for every p < kc.
TEXT ·packB16NAVX(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), CX
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R9
	SHLQ $2, R9
	MOVQ dst+24(FP), DI
	MOVQ CX, BX
	SHRQ $1, BX
	ANDQ $1, CX
	TESTQ BX, BX
	JZ   b16nrest

b16nloop:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS (SI)(R9*1), Y2
	VMOVUPS 32(SI)(R9*1), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	LEAQ    (SI)(R9*2), SI
	ADDQ    $128, DI
	DECQ    BX
	JNZ     b16nloop

b16nrest:
	TESTQ CX, CX
	JZ    b16ndone
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)

b16ndone:
	VZEROUPPER
	RET

// func packB8TAVX(kc int, b *float32, ldb int, dst *float32)
//
// Eight rows of B (op(B) = Bᵀ) into eight columns of a 16-wide packed B
// micro-panel: dst[p*16+r] = row_r[p] for p < kc&^7 (the caller runs it
// twice per micro-panel, at dst and dst+8). Eight k steps at a time as two
// lane-wise 4×4 transposes: rows 0–3 in the low lanes, rows 4–7 in the high.
TEXT ·packB8TAVX(SB), NOSPLIT, $0-32
	MOVQ kc+0(FP), CX
	MOVQ b+8(FP), SI
	MOVQ ldb+16(FP), R9
	SHLQ $2, R9
	MOVQ dst+24(FP), DI
	LEAQ (SI)(R9*2), R10  // row 2
	LEAQ (R10)(R9*1), R11 // row 3
	LEAQ (SI)(R9*4), R12  // row 4
	LEAQ (R10)(R9*4), R13 // row 6
	SHRQ $3, CX
	JZ   b8tdone

b8tloop:
	// k steps 0..3
	VMOVUPS     (SI), X0
	VINSERTF128 $1, (R12), Y0, Y0       // [row0 | row4]
	VMOVUPS     (SI)(R9*1), X1
	VINSERTF128 $1, (R12)(R9*1), Y1, Y1 // [row1 | row5]
	VMOVUPS     (R10), X2
	VINSERTF128 $1, (R13), Y2, Y2       // [row2 | row6]
	VMOVUPS     (R11), X3
	VINSERTF128 $1, (R13)(R9*1), Y3, Y3 // [row3 | row7]
	VUNPCKLPS   Y1, Y0, Y4
	VUNPCKHPS   Y1, Y0, Y5
	VUNPCKLPS   Y3, Y2, Y6
	VUNPCKHPS   Y3, Y2, Y7
	VSHUFPS     $0x44, Y6, Y4, Y0
	VSHUFPS     $0xEE, Y6, Y4, Y1
	VSHUFPS     $0x44, Y7, Y5, Y2
	VSHUFPS     $0xEE, Y7, Y5, Y3
	VMOVUPS     Y0, 0(DI)
	VMOVUPS     Y1, 64(DI)
	VMOVUPS     Y2, 128(DI)
	VMOVUPS     Y3, 192(DI)

	// k steps 4..7
	VMOVUPS     16(SI), X0
	VINSERTF128 $1, 16(R12), Y0, Y0
	VMOVUPS     16(SI)(R9*1), X1
	VINSERTF128 $1, 16(R12)(R9*1), Y1, Y1
	VMOVUPS     16(R10), X2
	VINSERTF128 $1, 16(R13), Y2, Y2
	VMOVUPS     16(R11), X3
	VINSERTF128 $1, 16(R13)(R9*1), Y3, Y3
	VUNPCKLPS   Y1, Y0, Y4
	VUNPCKHPS   Y1, Y0, Y5
	VUNPCKLPS   Y3, Y2, Y6
	VUNPCKHPS   Y3, Y2, Y7
	VSHUFPS     $0x44, Y6, Y4, Y0
	VSHUFPS     $0xEE, Y6, Y4, Y1
	VSHUFPS     $0x44, Y7, Y5, Y2
	VSHUFPS     $0xEE, Y7, Y5, Y3
	VMOVUPS     Y0, 256(DI)
	VMOVUPS     Y1, 320(DI)
	VMOVUPS     Y2, 384(DI)
	VMOVUPS     Y3, 448(DI)

	ADDQ $32, SI
	ADDQ $32, R10
	ADDQ $32, R11
	ADDQ $32, R12
	ADDQ $32, R13
	ADDQ $512, DI
	DECQ CX
	JNZ  b8tloop

b8tdone:
	VZEROUPPER
	RET
