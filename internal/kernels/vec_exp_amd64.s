//go:build amd64 && !purego

#include "textflag.h"

// exp(x - shift), 8 lanes at a time; the algorithm and the constants are
// those of vecExp32 in vec_exp.go (bit patterns here). Two independent
// 8-lane chains per iteration hide the latency of the Horner polynomial.
// The constants stay memory operands: holding eight of them in registers
// (which leaves room for only one chain) measured no faster for exp and
// 15% slower for softmax, so the loads are not what limits this loop.
// Lengths must be multiples of 8: the Go wrappers run the tail through a
// padded 8-element buffer, which is simpler than a masked scalar tail.

#define F32X8(name, bits) \
	DATA name<>+0(SB)/4, $bits; \
	DATA name<>+4(SB)/4, $bits; \
	DATA name<>+8(SB)/4, $bits; \
	DATA name<>+12(SB)/4, $bits; \
	DATA name<>+16(SB)/4, $bits; \
	DATA name<>+20(SB)/4, $bits; \
	DATA name<>+24(SB)/4, $bits; \
	DATA name<>+28(SB)/4, $bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

F32X8(expLog2e, 0x3fb8aa3b)
F32X8(expC1, 0x3f318000)
F32X8(expC2, 0xb95e8083)
F32X8(expP0, 0x3ab5122a)
F32X8(expP1, 0x3c091cef)
F32X8(expP2, 0x3d2aac79)
F32X8(expP3, 0x3e2aaa49)
F32X8(expP4, 0x3efffffe)
F32X8(expOne, 0x3f800000)
F32X8(expRound, 0x4b400000)
F32X8(expHi, 0x42b17217)
F32X8(expLo, 0xc2aeac4f)
F32X8(expInf, 0x7f800000)
F32X8(expAbs, 0x7fffffff)
F32X8(expLim, 0x42aeac50)

// EXPCORE: Y = exp(X) for X in [expLo, expHi], using N, R, T as scratch.
// X is kept for EXPFIX.
//
// Rounding to an integer is one FMA: t = X·log2e + 1.5·2^23 leaves
// round(X·log2e) in the low mantissa bits of t (ulp(t) = 1), so t - 1.5·2^23
// is n as a float and the bits of t shifted left by 23 are n<<23 as an
// integer (the bits of 1.5·2^23 shift out), ready to add to the exponent.
// This replaces a multiply, a round and a float-to-int conversion.
//
// NaN needs no fix-up: it flows through the arithmetic, and the exponent
// add of (NaN bits)<<23 = 0 leaves it a NaN.
#define EXPCORE(X, N, R, Y, T) \
	VMOVUPS	expRound<>(SB), T; \
	VFMADD231PS	expLog2e<>(SB), X, T; \
	VSUBPS	expRound<>(SB), T, N; \
	VMOVAPS	X, R; \
	VFNMADD231PS	expC1<>(SB), N, R; \
	VFNMADD231PS	expC2<>(SB), N, R; \
	VPSLLD	$23, T, N; \
	VMOVUPS	expP0<>(SB), Y; \
	VFMADD213PS	expP1<>(SB), R, Y; \
	VFMADD213PS	expP2<>(SB), R, Y; \
	VFMADD213PS	expP3<>(SB), R, Y; \
	VFMADD213PS	expP4<>(SB), R, Y; \
	VMULPS	R, R, T; \
	VFMADD213PS	R, T, Y; \
	VADDPS	expOne<>(SB), Y, Y; \
	VPADDD	N, Y, Y

// EXPFIX: the range fix-ups for EXPCORE's result Y: +Inf where X > expHi,
// 0 where X < expLo. T is scratch.
#define EXPFIX(X, Y, T) \
	VCMPPS	$0x1e, expHi<>(SB), X, T; \
	VBLENDVPS	T, expInf<>(SB), Y, Y; \
	VCMPPS	$0x11, expLo<>(SB), X, T; \
	VANDNPS	Y, T, Y

// EXPRANGE16: AX = 0xff iff every lane of X1 and X2 has |x| <= -expLo, so
// that both are inside [expLo, expHi] and need no fix-ups (NaN and Inf
// fail the test). It compares the bits of |x| as integers, which orders
// non-negative floats, NaN above Inf: max(|x1|,|x2|) - (bits(-expLo)+1) is
// negative, its sign bit set, exactly when both are in range. Skipping the
// fix-ups when they are not needed makes exp ~11% faster; softmax inputs
// (x - max, mostly a few units below 0) nearly always take the short path.
#define EXPRANGE16(X1, X2, T1, T2) \
	VANDPS	expAbs<>(SB), X1, T1; \
	VANDPS	expAbs<>(SB), X2, T2; \
	VPMAXUD	T2, T1, T1; \
	VPSUBD	expLim<>(SB), T1, T1; \
	VMOVMSKPS	T1, AX

// func vecExpAVX2(dst, x []float32, shift float32)
TEXT ·vecExpAVX2(SB), NOSPLIT, $0-52
	MOVQ	dst_base+0(FP), DI
	MOVQ	dst_len+8(FP), CX
	MOVQ	x_base+24(FP), SI
	VBROADCASTSS	shift+48(FP), Y15

e16:
	CMPQ	CX, $16
	JB	e8
	VMOVUPS	(SI), Y0
	VMOVUPS	32(SI), Y5
	VSUBPS	Y15, Y0, Y0
	VSUBPS	Y15, Y5, Y5
	EXPRANGE16(Y0, Y5, Y4, Y9)
	EXPCORE(Y0, Y1, Y2, Y3, Y4)
	EXPCORE(Y5, Y6, Y7, Y8, Y9)
	CMPL	AX, $0xff
	JEQ	e16in
	EXPFIX(Y0, Y3, Y4)
	EXPFIX(Y5, Y8, Y9)

e16in:
	VMOVUPS	Y3, (DI)
	VMOVUPS	Y8, 32(DI)
	ADDQ	$64, SI
	ADDQ	$64, DI
	SUBQ	$16, CX
	JMP	e16

e8:
	CMPQ	CX, $8
	JB	edone
	VMOVUPS	(SI), Y0
	VSUBPS	Y15, Y0, Y0
	EXPCORE(Y0, Y1, Y2, Y3, Y4)
	EXPFIX(Y0, Y3, Y4)
	VMOVUPS	Y3, (DI)

edone:
	VZEROUPPER
	RET

// vecExpSumAVX2 also returns the sum of the stored values, accumulated in
// float64 (two ymm accumulators, Y10 and Y11) so that the softmax
// denominator of a long row does not lose digits.
//
// func vecExpSumAVX2(dst, x []float32, shift float32) float64
TEXT ·vecExpSumAVX2(SB), NOSPLIT, $0-64
	MOVQ	dst_base+0(FP), DI
	MOVQ	dst_len+8(FP), CX
	MOVQ	x_base+24(FP), SI
	VBROADCASTSS	shift+48(FP), Y15
	VXORPD	Y10, Y10, Y10
	VXORPD	Y11, Y11, Y11

es16:
	CMPQ	CX, $16
	JB	es8
	VMOVUPS	(SI), Y0
	VMOVUPS	32(SI), Y5
	VSUBPS	Y15, Y0, Y0
	VSUBPS	Y15, Y5, Y5
	EXPRANGE16(Y0, Y5, Y4, Y9)
	EXPCORE(Y0, Y1, Y2, Y3, Y4)
	EXPCORE(Y5, Y6, Y7, Y8, Y9)
	CMPL	AX, $0xff
	JEQ	es16in
	EXPFIX(Y0, Y3, Y4)
	EXPFIX(Y5, Y8, Y9)

es16in:
	VMOVUPS	Y3, (DI)
	VMOVUPS	Y8, 32(DI)
	VADDPS	Y8, Y3, Y3
	VCVTPS2PD	X3, Y4
	VEXTRACTF128	$1, Y3, X3
	VCVTPS2PD	X3, Y3
	VADDPD	Y4, Y10, Y10
	VADDPD	Y3, Y11, Y11
	ADDQ	$64, SI
	ADDQ	$64, DI
	SUBQ	$16, CX
	JMP	es16

es8:
	CMPQ	CX, $8
	JB	esdone
	VMOVUPS	(SI), Y0
	VSUBPS	Y15, Y0, Y0
	EXPCORE(Y0, Y1, Y2, Y3, Y4)
	EXPFIX(Y0, Y3, Y4)
	VMOVUPS	Y3, (DI)
	VCVTPS2PD	X3, Y4
	VEXTRACTF128	$1, Y3, X3
	VCVTPS2PD	X3, Y3
	VADDPD	Y4, Y10, Y10
	VADDPD	Y3, Y11, Y11

esdone:
	VADDPD	Y11, Y10, Y10
	VEXTRACTF128	$1, Y10, X11
	VADDPD	X11, X10, X10
	VPERMILPD	$1, X10, X11
	VADDSD	X11, X10, X10
	VMOVSD	X10, ret+56(FP)
	VZEROUPPER
	RET
