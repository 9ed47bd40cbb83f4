package kernels

import "math"

// Exp algorithm, shared by vecExpGo and the AVX2 kernel in vec_exp_amd64.s
// (which hard-codes the same constants as bit patterns):
//
//  1. n = round(x·log2(e)), r = x - n·ln2 with ln2 split Cody-Waite style into
//     vecExpC1 (9 significant bits, so n·vecExpC1 is exact for |n| <= 128) and
//     vecExpC2; |r| <= ln2/2 + tiny.
//  2. e^r ≈ 1 + r + r²·P(r), P of degree 4 fitted (Lawson's minimax
//     iteration, weighted for relative error) on |r| <= ln2/2 + 1e-5. Its
//     approximation error is 3.1e-9 relative, 0.03 ulp; the rest is float32
//     rounding. (The usual Cephes expf polynomial is one degree longer
//     than float32 needs; the extra FMA cost 6% of the kernel's time.)
//  3. Multiply by 2^n by adding n<<23 to the bits of e^r. Adding to the
//     exponent field instead of multiplying by a float 2^n means n = 128
//     still works (e^r < 1 there, so the result stays finite), so the whole
//     finite range up to ln(MaxFloat32) is covered without a second scale.
//
// Range: x > vecExpHi (the largest float32 below ln(MaxFloat32)) gives +Inf;
// x < vecExpLo (the smallest float32 at or above ln(2^-126)) gives 0, i.e.
// results that would be subnormal are flushed to zero, as the integer
// exponent add cannot build them; NaN gives NaN.
//
// Measured accuracy against float64 math.Exp, exhaustively over every
// float32 in [vecExpLo, vecExpHi] (TestExpExhaustive, run with
// DEEPGO_EXP_EXHAUSTIVE=1): max 1.010 ulp for the AVX2 kernel (at
// x = -59.92188), 0.982 ulp for the pure-Go one; i.e. relative error
// <= 1.2e-7. The two paths agree to within 1 ulp of each other.
const (
	vecExpLog2e = 1.44269504088896341
	vecExpC1    = 0.693359375
	vecExpC2    = -2.12194440e-4
	vecExpP0    = 1.3814617317e-3       // 0x3ab5122a
	vecExpP1    = 8.3687145798e-3       // 0x3c091cef
	vecExpP2    = 4.1668387642e-2       // 0x3d2aac79
	vecExpP3    = 1.6666520651e-1       // 0x3e2aaa49
	vecExpP4    = 4.9999993450e-1       // 0x3efffffe
	vecExpHi    = 88.72283172607421875  // 0x42b17217
	vecExpLo    = -87.33654022216796875 // 0xc2aeac4f
	// vecExpRound is 1.5·2^23: adding and subtracting it rounds a float32 of
	// magnitude < 2^22 to the nearest integer (ties to even) without a call.
	vecExpRound = 12582912
)

// vecExpGo is the Go version of the AVX2 kernel. It runs the same steps in
// float32 so both paths agree to within an ulp (they can differ where the
// compiler fuses or does not fuse a multiply-add).
func vecExpGo(dst, x []float32) {
	x = x[:len(dst)]
	i := 0
	for ; i <= len(x)-4; i += 4 {
		v, d := x[i:i+4:i+4], dst[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = vecExp4(v[0], v[1], v[2], v[3])
	}
	for ; i < len(x); i++ {
		dst[i] = vecExp32(x[i])
	}
}

// vecExpShiftSumGo stores exp(x-shift) and returns the float64 sum of the
// stored values: the softmax numerator and denominator in one pass.
func vecExpShiftSumGo(dst, x []float32, shift float32) float64 {
	x = x[:len(dst)]
	var s0, s1 float64
	i := 0
	for ; i <= len(x)-4; i += 4 {
		v, d := x[i:i+4:i+4], dst[i:i+4:i+4]
		d[0], d[1], d[2], d[3] = vecExp4(v[0]-shift, v[1]-shift, v[2]-shift, v[3]-shift)
		s0 += float64(d[0]) + float64(d[1])
		s1 += float64(d[2]) + float64(d[3])
	}
	for ; i < len(x); i++ {
		dst[i] = vecExp32(x[i] - shift)
		s0 += float64(dst[i])
	}
	return s0 + s1
}

// vecExp4 is vecExp32 on four arguments, written out as four interleaved
// chains: one exp is a ~50-cycle chain of dependent float ops, and with one
// chain per call the out-of-order core cannot overlap enough of them (the
// interleaved form runs about 3x faster).
func vecExp4(x0, x1, x2, x3 float32) (y0, y1, y2, y3 float32) {
	if !(x0 >= vecExpLo && x0 <= vecExpHi && x1 >= vecExpLo && x1 <= vecExpHi &&
		x2 >= vecExpLo && x2 <= vecExpHi && x3 >= vecExpLo && x3 <= vecExpHi) {
		return vecExp32(x0), vecExp32(x1), vecExp32(x2), vecExp32(x3)
	}
	const l2e, rnd = vecExpLog2e, vecExpRound
	n0 := float32(float32(x0*l2e)+rnd) - rnd
	n1 := float32(float32(x1*l2e)+rnd) - rnd
	n2 := float32(float32(x2*l2e)+rnd) - rnd
	n3 := float32(float32(x3*l2e)+rnd) - rnd
	r0, r1, r2, r3 := x0-n0*vecExpC1, x1-n1*vecExpC1, x2-n2*vecExpC1, x3-n3*vecExpC1
	r0, r1, r2, r3 = r0-n0*vecExpC2, r1-n1*vecExpC2, r2-n2*vecExpC2, r3-n3*vecExpC2
	const c0, c1, c2, c3, c4 = vecExpP0, vecExpP1, vecExpP2, vecExpP3, vecExpP4
	p0, p1, p2, p3 := c0*r0+c1, c0*r1+c1, c0*r2+c1, c0*r3+c1
	p0, p1, p2, p3 = p0*r0+c2, p1*r1+c2, p2*r2+c2, p3*r3+c2
	p0, p1, p2, p3 = p0*r0+c3, p1*r1+c3, p2*r2+c3, p3*r3+c3
	p0, p1, p2, p3 = p0*r0+c4, p1*r1+c4, p2*r2+c4, p3*r3+c4
	p0, p1, p2, p3 = p0*(r0*r0)+r0, p1*(r1*r1)+r1, p2*(r2*r2)+r2, p3*(r3*r3)+r3
	p0, p1, p2, p3 = p0+1, p1+1, p2+1, p3+1
	y0 = math.Float32frombits(math.Float32bits(p0) + uint32(int32(n0))<<23)
	y1 = math.Float32frombits(math.Float32bits(p1) + uint32(int32(n1))<<23)
	y2 = math.Float32frombits(math.Float32bits(p2) + uint32(int32(n2))<<23)
	y3 = math.Float32frombits(math.Float32bits(p3) + uint32(int32(n3))<<23)
	return y0, y1, y2, y3
}

func vecExp32(x float32) float32 {
	switch {
	case x > vecExpHi:
		return float32(math.Inf(1))
	case x < vecExpLo:
		return 0
	case x != x:
		return x
	}
	// float32(...) conversions force rounding at the same points as the
	// vector code even where the compiler could keep extra precision.
	n := float32(float32(x*vecExpLog2e)+vecExpRound) - vecExpRound
	r := x - n*vecExpC1
	r = r - n*vecExpC2
	p := float32(vecExpP0)
	p = p*r + vecExpP1
	p = p*r + vecExpP2
	p = p*r + vecExpP3
	p = p*r + vecExpP4
	p = p*(r*r) + r
	p = p + 1
	return math.Float32frombits(math.Float32bits(p) + uint32(int32(n))<<23)
}
