//go:build amd64 && !purego

package kernels

// Assembly kernels (vec_amd64.s, vec_reduce_amd64.s, vec_exp_amd64.s).
// They process len(dst) (or len(x) for reductions) elements and trust the
// other slices to be at least that long: vec.go checks lengths first.

//go:noescape
func vecAddAVX2(dst, a, b []float32)

//go:noescape
func vecSubAVX2(dst, a, b []float32)

//go:noescape
func vecMulAVX2(dst, a, b []float32)

//go:noescape
func vecDivAVX2(dst, a, b []float32)

//go:noescape
func vecAddScalarAVX2(dst, a []float32, s float32)

//go:noescape
func vecScaleAVX2(dst, a []float32, s float32)

//go:noescape
func vecAxpyAVX2(alpha float32, x, y []float32)

//go:noescape
func vecMulAddAVX2(dst, a, b []float32)

//go:noescape
func vecReluAVX2(dst, x []float32)

//go:noescape
func vecReluBackwardAVX2(dx, x, dy []float32)

//go:noescape
func vecAddRowBroadcastAVX2(dst, x []float32, rows, cols int, bias []float32)

//go:noescape
func vecSumAVX2(x []float32) float32

//go:noescape
func vecDotAVX2(x, y []float32) float32

// vecMaxAVX2 needs len(x) >= 8.
//
//go:noescape
func vecMaxAVX2(x []float32) (m float32, nan bool)

//go:noescape
func vecIndexAVX2(x []float32, v float32) int

// vecExpAVX2 and vecExpSumAVX2 need len(dst) to be a multiple of 8.
//
//go:noescape
func vecExpAVX2(dst, x []float32, shift float32)

//go:noescape
func vecExpSumAVX2(dst, x []float32, shift float32) float64

// Dispatch. useAVX2 is a variable here, read once per call; the branch is
// perfectly predicted and costs far less than the call itself.

func vecAdd(dst, a, b []float32) {
	if useAVX2 {
		vecAddAVX2(dst, a, b)
	} else {
		vecAddGo(dst, a, b)
	}
}

func vecSub(dst, a, b []float32) {
	if useAVX2 {
		vecSubAVX2(dst, a, b)
	} else {
		vecSubGo(dst, a, b)
	}
}

func vecMul(dst, a, b []float32) {
	if useAVX2 {
		vecMulAVX2(dst, a, b)
	} else {
		vecMulGo(dst, a, b)
	}
}

func vecDiv(dst, a, b []float32) {
	if useAVX2 {
		vecDivAVX2(dst, a, b)
	} else {
		vecDivGo(dst, a, b)
	}
}

func vecAddScalar(dst, a []float32, s float32) {
	if useAVX2 {
		vecAddScalarAVX2(dst, a, s)
	} else {
		vecAddScalarGo(dst, a, s)
	}
}

func vecScale(dst, a []float32, s float32) {
	if useAVX2 {
		vecScaleAVX2(dst, a, s)
	} else {
		vecScaleGo(dst, a, s)
	}
}

func vecAxpy(alpha float32, x, y []float32) {
	if useAVX2 {
		vecAxpyAVX2(alpha, x, y)
	} else {
		vecAxpyGo(alpha, x, y)
	}
}

func vecMulAdd(dst, a, b []float32) {
	if useAVX2 {
		vecMulAddAVX2(dst, a, b)
	} else {
		vecMulAddGo(dst, a, b)
	}
}

func vecRelu(dst, x []float32) {
	if useAVX2 {
		vecReluAVX2(dst, x)
	} else {
		vecReluGo(dst, x)
	}
}

func vecReluBackward(dx, x, dy []float32) {
	if useAVX2 {
		vecReluBackwardAVX2(dx, x, dy)
	} else {
		vecReluBackwardGo(dx, x, dy)
	}
}

func vecAddRowBroadcast(dst, x []float32, rows, cols int, bias []float32) {
	if useAVX2 {
		vecAddRowBroadcastAVX2(dst, x, rows, cols, bias)
	} else {
		vecAddRowBroadcastGo(dst, x, rows, cols, bias)
	}
}

func vecSum(x []float32) float32 {
	if useAVX2 {
		return vecSumAVX2(x)
	}
	return vecSumGo(x)
}

func vecDot(x, y []float32) float32 {
	if useAVX2 {
		return vecDotAVX2(x, y)
	}
	return vecDotGo(x, y)
}

// vecMax finds the value with the vector max, then its first position with
// a vector equality search: two cheap passes beat one pass that carries an
// index vector through blends, and the search usually stops early. x must
// not be empty.
func vecMax(x []float32) (float32, int) {
	if !useAVX2 || len(x) < 8 {
		return vecMaxGo(x)
	}
	m, nan := vecMaxAVX2(x)
	if nan {
		for i, v := range x {
			if v != v {
				return v, i
			}
		}
	}
	// Return x[i], not m: for a max of 0 the first zero wins whatever its
	// sign, as in the scalar loop.
	if i := vecIndexAVX2(x, m); i >= 0 {
		return x[i], i
	}
	return vecMaxGo(x) // unreachable: m is one of the values
}

// vecMaxVal is the softmax shift. A NaN may be skipped here; it still turns
// the row into NaN through the exp pass. x must not be empty.
func vecMaxVal(x []float32) float32 {
	if !useAVX2 || len(x) < 8 {
		return vecMaxValGo(x)
	}
	m, _ := vecMaxAVX2(x)
	return m
}

func vecExp(dst, x []float32) {
	if !useAVX2 {
		vecExpGo(dst, x)
		return
	}
	n8 := len(dst) &^ 7
	if n8 > 0 {
		vecExpAVX2(dst[:n8], x[:n8], 0)
	}
	if n8 < len(dst) {
		var buf [8]float32
		t := copy(buf[:], x[n8:len(dst)])
		vecExpAVX2(buf[:], buf[:], 0)
		copy(dst[n8:], buf[:t])
	}
}

func vecExpShiftSum(dst, x []float32, shift float32) float64 {
	if !useAVX2 {
		return vecExpShiftSumGo(dst, x, shift)
	}
	var s float64
	n8 := len(dst) &^ 7
	if n8 > 0 {
		s = vecExpSumAVX2(dst[:n8], x[:n8], shift)
	}
	if n8 < len(dst) {
		// Pad with -Inf: exp(-Inf - shift) = 0 adds nothing to the sum.
		buf := [8]float32{vecNegInf, vecNegInf, vecNegInf, vecNegInf, vecNegInf, vecNegInf, vecNegInf, vecNegInf}
		t := copy(buf[:], x[n8:len(dst)])
		s += vecExpSumAVX2(buf[:], buf[:], shift)
		copy(dst[n8:], buf[:t])
	}
	return s
}
