//go:build amd64 && !purego

package kernels

// indirectTileAVX2 is IndirectTile's 6×16 AVX2+FMA kernel (direct_amd64.s):
// the GEMM micro-kernel with B row p read at b + offs[p] floats.
//
//go:noescape
func indirectTileAVX2(kc int, a, b *float32, offs *int, c *float32, ldc int)

// dotTileAVX2 is DotTile's 4×3 AVX2+FMA kernel (direct_amd64.s); k is a
// positive multiple of 8.
//
//go:noescape
func dotTileAVX2(k int, a *[DotMR]*float32, b *[DotNR]*float32, out *[DotMR * DotNR]float32)

func indirectTile(kc int, a, b []float32, offs []int, c []float32, ldc int) {
	if gemmAsm {
		indirectTileAVX2(kc, &a[0], &b[0], &offs[0], &c[0], ldc)
		return
	}
	indirectTileGo(kc, a, b, offs, c, ldc)
}

func dotTile(k int, a *[DotMR][]float32, b *[DotNR][]float32, out *[DotMR * DotNR]float32) {
	if gemmAsm {
		pa := [DotMR]*float32{&a[0][0], &a[1][0], &a[2][0], &a[3][0]}
		pb := [DotNR]*float32{&b[0][0], &b[1][0], &b[2][0]}
		dotTileAVX2(k, &pa, &pb, out)
		return
	}
	dotTileGo(k, a, b, out)
}

// DirectVectorized reports whether IndirectTile and DotTile run as vector
// assembly. Their portable versions are no faster than im2col + the portable
// GEMM, so callers choose the direct convolution only when this holds.
func DirectVectorized() bool { return gemmAsm }
