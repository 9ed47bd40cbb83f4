//go:build amd64 && !purego

package kernels

// sgemmKernelAVX2 is the 6×16 AVX2+FMA micro-kernel (gemm_amd64.s):
//
//	C[0:6, 0:16] = alpha * Apanel·Bpanel + beta*C
//
// a is a packed A micro-panel (kc steps of 6 floats), b holds kc rows of 16
// floats with row stride ldb, c is row-major with stride ldc. beta == 0
// stores without reading C.
//
//go:noescape
func sgemmKernelAVX2(kc int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)

// microTile runs the micro-kernel on one full 6×16 tile. The bounds checks
// here are what keep the assembly memory-safe; they cost a few ns per tile,
// which is nothing next to the kc×192 flops behind them.
func microTile(kc int, a, b []float32, ldb int, c []float32, ldc int, alpha, beta float32) {
	_ = a[kc*gemmMR-1]
	_ = b[(kc-1)*ldb+gemmNR-1]
	_ = c[(gemmMR-1)*ldc+gemmNR-1]
	if gemmAsm {
		sgemmKernelAVX2(kc, &a[0], &b[0], ldb, &c[0], ldc, alpha, beta)
		return
	}
	sgemmKernelGo(kc, a, b, ldb, c, ldc, alpha, beta)
}

// Packing routines (gemm_pack_amd64.s). The Fast wrappers bounds-check
// everything the assembly touches, then return how much of the block they
// packed (bool: all of it; int: a prefix of the k steps) so the portable
// loops in gemm_pack.go can finish. With gemmAsm off they do nothing, which
// keeps the pure-Go packing tested on amd64 too.

//go:noescape
func packA6NAVX(kc int, a *float32, lda int, dst *float32)

//go:noescape
func packA6TAVX(kc int, a *float32, lda int, dst *float32)

//go:noescape
func packB16NAVX(kc int, b *float32, ldb int, dst *float32)

//go:noescape
func packB8TAVX(kc int, b *float32, ldb int, dst *float32)

// packA6NFast packs six full rows of a row-major A for k steps [0, kc&^3).
func packA6NFast(d, a []float32, lda, i, p0, kc int) int {
	done := kc &^ 3
	if !gemmAsm || done == 0 {
		return 0
	}
	_ = a[(i+5)*lda+p0+done-1]
	_ = d[done*gemmMR-1]
	packA6NAVX(done, &a[i*lda+p0], lda, &d[0])
	return done
}

// packA6TFast packs six full columns of op(A) = Aᵀ.
func packA6TFast(d, a []float32, lda, i, p0, kc int) bool {
	if !gemmAsm {
		return false
	}
	_ = a[(p0+kc-1)*lda+i+gemmMR-1]
	_ = d[kc*gemmMR-1]
	packA6TAVX(kc, &a[p0*lda+i], lda, &d[0])
	return true
}

// packB16NFast packs sixteen full columns of a row-major B.
func packB16NFast(d, b []float32, ldb, j, p0, kc int) bool {
	if !gemmAsm {
		return false
	}
	_ = b[(p0+kc-1)*ldb+j+gemmNR-1]
	_ = d[kc*gemmNR-1]
	packB16NAVX(kc, &b[p0*ldb+j], ldb, &d[0])
	return true
}

// packB16TFast packs sixteen full rows of B (op(B) = Bᵀ) for k steps
// [0, kc&^7).
func packB16TFast(d, b []float32, ldb, j, p0, kc int) int {
	done := kc &^ 7
	if !gemmAsm || done == 0 {
		return 0
	}
	_ = b[(j+15)*ldb+p0+done-1]
	_ = d[done*gemmNR-1]
	packB8TAVX(done, &b[j*ldb+p0], ldb, &d[0])
	packB8TAVX(done, &b[(j+8)*ldb+p0], ldb, &d[8])
	return done
}
