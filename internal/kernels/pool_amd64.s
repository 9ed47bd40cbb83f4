//go:build amd64 && !purego

#include "textflag.h"

// 2j for j = 0..7: the offsets of the first window column of 8 outputs.
DATA pool2x2Cols<>+0(SB)/4, $0
DATA pool2x2Cols<>+4(SB)/4, $2
DATA pool2x2Cols<>+8(SB)/4, $4
DATA pool2x2Cols<>+12(SB)/4, $6
DATA pool2x2Cols<>+16(SB)/4, $8
DATA pool2x2Cols<>+20(SB)/4, $10
DATA pool2x2Cols<>+24(SB)/4, $12
DATA pool2x2Cols<>+28(SB)/4, $14
GLOBL pool2x2Cols<>(SB), RODATA|NOPTR, $32

// DEINTERLEAVE splits 16 floats at (reg) into the even-indexed ones (even)
// and the odd-indexed ones (odd), in order.
#define DEINTERLEAVE(reg, even, odd) \
	VMOVUPS (reg), Y0              \
	VMOVUPS 32(reg), Y1            \
	VSHUFPS $0x88, Y1, Y0, even    \
	VSHUFPS $0xDD, Y1, Y0, odd     \
	VPERMPD $0xD8, even, even      \
	VPERMPD $0xD8, odd, odd

// func maxPool2x2AVX2(out *float32, arg *int32, r0, r1 *float32, groups int, base, w int32) int
//
// Per group of 8 outputs: a, b = even and odd columns of r0, c, d of r1;
// m = max(a, b, c, d); the index starts at d's and is replaced by c's, b's
// and a's where they equal m, so the first wins. A group with a NaN stops
// the loop before anything of it is written.
//
//   Y12  a's indices (base + 2j, +16 per group)   Y13  w   Y14  1s   Y15  16s
TEXT ·maxPool2x2AVX2(SB), NOSPLIT, $0-56
	MOVQ out+0(FP), DI
	MOVQ arg+8(FP), SI
	MOVQ r0+16(FP), R8
	MOVQ r1+24(FP), R9
	MOVQ groups+32(FP), CX

	MOVL         base+40(FP), DX
	VMOVD        DX, X12
	VPBROADCASTD X12, Y12
	VPADDD       pool2x2Cols<>(SB), Y12, Y12
	MOVL         w+44(FP), DX
	VMOVD        DX, X13
	VPBROADCASTD X13, Y13
	VPCMPEQD     Y14, Y14, Y14
	VPSRLD       $31, Y14, Y14
	VPSLLD       $4, Y14, Y15
	XORQ         AX, AX

loop:
	CMPQ AX, CX
	JGE  done
	DEINTERLEAVE(R8, Y2, Y3)
	DEINTERLEAVE(R9, Y4, Y5)

	VCMPPS    $3, Y3, Y2, Y6 // unordered: a or b is NaN
	VCMPPS    $3, Y5, Y4, Y7
	VORPS     Y7, Y6, Y6
	VMOVMSKPS Y6, DX
	TESTL     DX, DX
	JNZ       done

	VMAXPS Y3, Y2, Y6
	VMAXPS Y5, Y4, Y7
	VMAXPS Y7, Y6, Y6 // m

	VPADDD    Y13, Y12, Y8 // c's indices
	VPADDD    Y14, Y8, Y9  // d's indices: the default
	VCMPPS    $0, Y6, Y4, Y10
	VBLENDVPS Y10, Y8, Y9, Y9
	VPADDD    Y14, Y12, Y8 // b's indices
	VCMPPS    $0, Y6, Y3, Y10
	VBLENDVPS Y10, Y8, Y9, Y9
	VCMPPS    $0, Y6, Y2, Y10
	VBLENDVPS Y10, Y12, Y9, Y9

	VMOVUPS Y6, (DI)
	VMOVDQU Y9, (SI)
	ADDQ    $32, DI
	ADDQ    $32, SI
	ADDQ    $64, R8
	ADDQ    $64, R9
	VPADDD  Y15, Y12, Y12
	INCQ    AX
	JMP     loop

done:
	MOVQ AX, ret+48(FP)
	VZEROUPPER
	RET
