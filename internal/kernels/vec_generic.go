package kernels

import "math"

// Pure-Go elementwise kernels. They are the only path off amd64 and under the
// purego tag, and the tests run them on amd64 too, so they are written to be
// reasonably fast on their own: unrolled by 8 on re-sliced fixed-length
// windows so the compiler drops the per-element bounds checks.
//
// Callers (vec.go) have already checked lengths; every function here works on
// len(dst) elements and may assume the other slices are at least that long.

func vecAddGo(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i <= n-8; i += 8 {
		d, x, y := dst[i:i+8:i+8], a[i:i+8:i+8], b[i:i+8:i+8]
		d[0], d[1], d[2], d[3] = x[0]+y[0], x[1]+y[1], x[2]+y[2], x[3]+y[3]
		d[4], d[5], d[6], d[7] = x[4]+y[4], x[5]+y[5], x[6]+y[6], x[7]+y[7]
	}
	for ; i < n; i++ {
		dst[i] = a[i] + b[i]
	}
}

func vecSubGo(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i <= n-8; i += 8 {
		d, x, y := dst[i:i+8:i+8], a[i:i+8:i+8], b[i:i+8:i+8]
		d[0], d[1], d[2], d[3] = x[0]-y[0], x[1]-y[1], x[2]-y[2], x[3]-y[3]
		d[4], d[5], d[6], d[7] = x[4]-y[4], x[5]-y[5], x[6]-y[6], x[7]-y[7]
	}
	for ; i < n; i++ {
		dst[i] = a[i] - b[i]
	}
}

func vecMulGo(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i <= n-8; i += 8 {
		d, x, y := dst[i:i+8:i+8], a[i:i+8:i+8], b[i:i+8:i+8]
		d[0], d[1], d[2], d[3] = x[0]*y[0], x[1]*y[1], x[2]*y[2], x[3]*y[3]
		d[4], d[5], d[6], d[7] = x[4]*y[4], x[5]*y[5], x[6]*y[6], x[7]*y[7]
	}
	for ; i < n; i++ {
		dst[i] = a[i] * b[i]
	}
}

func vecDivGo(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i <= n-8; i += 8 {
		d, x, y := dst[i:i+8:i+8], a[i:i+8:i+8], b[i:i+8:i+8]
		d[0], d[1], d[2], d[3] = x[0]/y[0], x[1]/y[1], x[2]/y[2], x[3]/y[3]
		d[4], d[5], d[6], d[7] = x[4]/y[4], x[5]/y[5], x[6]/y[6], x[7]/y[7]
	}
	for ; i < n; i++ {
		dst[i] = a[i] / b[i]
	}
}

func vecAddScalarGo(dst, a []float32, s float32) {
	n := len(dst)
	a = a[:n]
	i := 0
	for ; i <= n-8; i += 8 {
		d, x := dst[i:i+8:i+8], a[i:i+8:i+8]
		d[0], d[1], d[2], d[3] = x[0]+s, x[1]+s, x[2]+s, x[3]+s
		d[4], d[5], d[6], d[7] = x[4]+s, x[5]+s, x[6]+s, x[7]+s
	}
	for ; i < n; i++ {
		dst[i] = a[i] + s
	}
}

func vecScaleGo(dst, a []float32, s float32) {
	n := len(dst)
	a = a[:n]
	i := 0
	for ; i <= n-8; i += 8 {
		d, x := dst[i:i+8:i+8], a[i:i+8:i+8]
		d[0], d[1], d[2], d[3] = x[0]*s, x[1]*s, x[2]*s, x[3]*s
		d[4], d[5], d[6], d[7] = x[4]*s, x[5]*s, x[6]*s, x[7]*s
	}
	for ; i < n; i++ {
		dst[i] = a[i] * s
	}
}

func vecAxpyGo(alpha float32, x, y []float32) {
	n := len(y)
	x = x[:n]
	i := 0
	for ; i <= n-8; i += 8 {
		d, v := y[i:i+8:i+8], x[i:i+8:i+8]
		d[0] += alpha * v[0]
		d[1] += alpha * v[1]
		d[2] += alpha * v[2]
		d[3] += alpha * v[3]
		d[4] += alpha * v[4]
		d[5] += alpha * v[5]
		d[6] += alpha * v[6]
		d[7] += alpha * v[7]
	}
	for ; i < n; i++ {
		y[i] += alpha * x[i]
	}
}

func vecMulAddGo(dst, a, b []float32) {
	n := len(dst)
	a, b = a[:n], b[:n]
	i := 0
	for ; i <= n-8; i += 8 {
		d, x, y := dst[i:i+8:i+8], a[i:i+8:i+8], b[i:i+8:i+8]
		d[0] += x[0] * y[0]
		d[1] += x[1] * y[1]
		d[2] += x[2] * y[2]
		d[3] += x[3] * y[3]
		d[4] += x[4] * y[4]
		d[5] += x[5] * y[5]
		d[6] += x[6] * y[6]
		d[7] += x[7] * y[7]
	}
	for ; i < n; i++ {
		dst[i] += a[i] * b[i]
	}
}

// vecReluGo tests v < 0 rather than v > 0 so that NaN passes through (and -0
// stays -0), matching VMAXPS with the input as its second operand: a NaN in
// the activations should stay visible, not be silently zeroed. Both relu
// loops select on the integer bits, which the compiler turns into CMOV: a
// branch on the sign of random activations mispredicts half the time.
func vecReluGo(dst, x []float32) {
	n := len(dst)
	x = x[:n]
	for i, v := range x {
		b := math.Float32bits(v)
		if v < 0 {
			b = 0
		}
		dst[i] = math.Float32frombits(b)
	}
}

func vecReluBackwardGo(dx, x, dy []float32) {
	n := len(dx)
	x, dy = x[:n], dy[:n]
	for i, v := range x {
		b := math.Float32bits(dy[i])
		if !(v > 0) {
			b = 0
		}
		dx[i] = math.Float32frombits(b)
	}
}

func vecAddRowBroadcastGo(dst, x []float32, rows, cols int, bias []float32) {
	for r := 0; r < rows; r++ {
		o := r * cols
		vecAddGo(dst[o:o+cols], x[o:o+cols], bias)
	}
}

// vecSumGo accumulates in float64: a float32 product of two float32 values and
// any float32 are exact in float64, so the only error is the final rounding
// plus ~n*2^-53 of accumulation, far below float32 resolution.
func vecSumGo(x []float32) float32 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i <= len(x)-4; i += 4 {
		v := x[i : i+4 : i+4]
		s0 += float64(v[0])
		s1 += float64(v[1])
		s2 += float64(v[2])
		s3 += float64(v[3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i])
	}
	return float32((s0 + s1) + (s2 + s3))
}

func vecDotGo(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i <= n-4; i += 4 {
		a, b := x[i:i+4:i+4], y[i:i+4:i+4]
		s0 += float64(a[0]) * float64(b[0])
		s1 += float64(a[1]) * float64(b[1])
		s2 += float64(a[2]) * float64(b[2])
		s3 += float64(a[3]) * float64(b[3])
	}
	for ; i < n; i++ {
		s0 += float64(x[i]) * float64(y[i])
	}
	return float32((s0 + s1) + (s2 + s3))
}

// vecMaxGo returns the first maximum and its index, or the first NaN. x must
// not be empty.
func vecMaxGo(x []float32) (float32, int) {
	best, idx := x[0], 0
	if best != best {
		return best, 0
	}
	for i, v := range x {
		if v > best {
			best, idx = v, i
		} else if v != v {
			return v, i
		}
	}
	return best, idx
}

// vecMaxValGo is the max without the index and without NaN tracking; softmax
// only needs the shift, and a NaN shows up in the exp pass anyway.
func vecMaxValGo(x []float32) float32 {
	m0, m1, m2, m3 := x[0], x[0], x[0], x[0]
	i := 0
	for ; i <= len(x)-4; i += 4 {
		v := x[i : i+4 : i+4]
		if v[0] > m0 {
			m0 = v[0]
		}
		if v[1] > m1 {
			m1 = v[1]
		}
		if v[2] > m2 {
			m2 = v[2]
		}
		if v[3] > m3 {
			m3 = v[3]
		}
	}
	for ; i < len(x); i++ {
		if x[i] > m0 {
			m0 = x[i]
		}
	}
	return max(m0, m1, m2, m3)
}
