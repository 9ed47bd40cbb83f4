//go:build !amd64 || purego

package kernels

func indirectTile(kc int, a, b []float32, offs []int, c []float32, ldc int) {
	indirectTileGo(kc, a, b, offs, c, ldc)
}

func dotTile(k int, a *[DotMR][]float32, b *[DotNR][]float32, out *[DotMR * DotNR]float32) {
	dotTileGo(k, a, b, out)
}

// DirectVectorized reports whether IndirectTile and DotTile run as vector
// assembly: never here. Their portable versions are no faster than im2col +
// the portable GEMM, so callers choose the direct convolution only when
// this holds.
func DirectVectorized() bool { return false }
