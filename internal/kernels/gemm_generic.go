//go:build !amd64 || purego

package kernels

// microTile runs the pure-Go micro-kernel on one full 6×16 tile; off amd64
// (or under the purego tag) there is no assembly to choose.
func microTile(kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	sgemmKernelGo(kc, a, b, ldb, c, ldc, alpha, beta)
}

// No assembly packing here: the portable loops in gemm_pack.go do it all.

func packA6NFast(d, a []float32, lda, i, p0, kc int) int   { return 0 }
func packA6TFast(d, a []float32, lda, i, p0, kc int) bool  { return false }
func packB16NFast(d, b []float32, ldb, j, p0, kc int) bool { return false }
func packB16TFast(d, b []float32, ldb, j, p0, kc int) int  { return 0 }
