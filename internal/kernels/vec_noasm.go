//go:build !amd64 || purego

package kernels

// Without the assembly kernels every operation is its pure-Go version.

func vecAdd(dst, a, b []float32)               { vecAddGo(dst, a, b) }
func vecSub(dst, a, b []float32)               { vecSubGo(dst, a, b) }
func vecMul(dst, a, b []float32)               { vecMulGo(dst, a, b) }
func vecDiv(dst, a, b []float32)               { vecDivGo(dst, a, b) }
func vecAddScalar(dst, a []float32, s float32) { vecAddScalarGo(dst, a, s) }
func vecScale(dst, a []float32, s float32)     { vecScaleGo(dst, a, s) }
func vecAxpy(alpha float32, x, y []float32)    { vecAxpyGo(alpha, x, y) }
func vecMulAdd(dst, a, b []float32)            { vecMulAddGo(dst, a, b) }
func vecRelu(dst, x []float32)                 { vecReluGo(dst, x) }
func vecReluBackward(dx, x, dy []float32)      { vecReluBackwardGo(dx, x, dy) }
func vecSum(x []float32) float32               { return vecSumGo(x) }
func vecDot(x, y []float32) float32            { return vecDotGo(x, y) }
func vecMax(x []float32) (float32, int)        { return vecMaxGo(x) }
func vecMaxVal(x []float32) float32            { return vecMaxValGo(x) }
func vecExp(dst, x []float32)                  { vecExpGo(dst, x) }
func vecExpShiftSum(dst, x []float32, shift float32) float64 {
	return vecExpShiftSumGo(dst, x, shift)
}

func vecAddRowBroadcast(dst, x []float32, rows, cols int, bias []float32) {
	vecAddRowBroadcastGo(dst, x, rows, cols, bias)
}
