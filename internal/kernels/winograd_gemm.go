package kernels

import "fmt"

// The Winograd products multiply one small matrix, U[ξ] (or its
// transpose), by the transformed tiles of every chunk of a batch: hundreds
// of products per pass with the same A. Sgemm would pack that A again for
// each, and set up a job for each; here A is packed once (PackA) and each
// product (SgemmPackedSerial) is the bare macro-kernel: B is read in place,
// 16 columns at a time, by the micro-kernel, which takes any row stride.
// That is why the transformed arrays' row stride is an odd multiple of 16
// (WinogradLd): a 16-column panel of up to 256 rows, one cache line per
// row, then spreads over all the L1 sets and stays there while the A
// micro-panels stream past it.

// PackedASize returns the number of floats PackA writes for an m×k op(A).
func PackedASize(m, k int) int { return (m + gemmMR - 1) / gemmMR * gemmMR * k }

// packedKC returns the depth of the k slabs of a packed A: the GEMM's own
// blocking, so that a packed A serves any number of products.
func packedKC(k int) int { return blockStep(k, gemmKC, 1) }

// PackA packs op(A), m×k, into dst (PackedASize(m, k) floats) in the layout
// SgemmPackedSerial reads: for each k slab, micro-panels of 6 rows. A is
// m×k with row stride lda, or k×m when transA.
func PackA(dst []float32, transA bool, m, k int, a []float32, lda int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	checkMatrix("PackA", "a", "lda", a, ar, ac, lda)
	if len(dst) < PackedASize(m, k) {
		panic(fmt.Sprintf("kernels: PackA: len(dst) = %d, need %d for %d×%d", len(dst), PackedASize(m, k), m, k))
	}
	if m == 0 || k == 0 {
		return
	}
	mp := (m + gemmMR - 1) / gemmMR * gemmMR
	kc := packedKC(k)
	for k0 := 0; k0 < k; k0 += kc {
		packA(dst[mp*k0:], a, lda, transA, 0, m, k0, min(kc, k-k0))
	}
}

// SgemmPackedSerial computes C = A·B on the calling goroutine, where A
// (m×k) was packed by PackA and B is k×n, row-major with row stride ldb;
// C is m×n with row stride ldc and is overwritten. B is read in whole
// 16-column panels: when n is not a multiple of 16 the last panel reads
// past column n (up to the next multiple of 16, which must lie inside each
// row) and drops what it computes there.
func SgemmPackedSerial(m, n, k int, ap []float32, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: SgemmPackedSerial: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if m == 0 || n == 0 {
		return
	}
	checkMatrix("SgemmPackedSerial", "c", "ldc", c, m, n, ldc)
	if k == 0 {
		scaleTile(m, n, 0, c, ldc)
		return
	}
	np := (n + gemmNR - 1) / gemmNR * gemmNR // B's panels cover np columns
	if ldb < np || len(b) < (k-1)*ldb+np {
		panic(fmt.Sprintf("kernels: SgemmPackedSerial: b of %d with ldb = %d, need %d rows of %d columns", len(b), ldb, k, np))
	}
	if len(ap) < PackedASize(m, k) {
		panic(fmt.Sprintf("kernels: SgemmPackedSerial: packed a of %d, need %d for %d×%d", len(ap), PackedASize(m, k), m, k))
	}
	mp := (m + gemmMR - 1) / gemmMR * gemmMR
	kc := packedKC(k)
	for k0 := 0; k0 < k; k0 += kc {
		kk := min(kc, k-k0)
		var beta float32
		if k0 > 0 {
			beta = 1
		}
		as, bs := ap[mp*k0:], b[k0*ldb:]
		// The B panel is the outer loop: it stays in L1 while the A
		// micro-panels stream from L2.
		for jr := 0; jr < n; jr += gemmNR {
			nr := min(gemmNR, n-jr)
			for ir := 0; ir < m; ir += gemmMR {
				mr := min(gemmMR, m-ir)
				if mr == gemmMR && nr == gemmNR {
					microTile(kk, as[ir*kk:], bs[jr:], ldb, c[ir*ldc+jr:], ldc, 1, beta)
				} else {
					edgeTile(mr, nr, kk, as[ir*kk:], bs[jr:], ldb, c[ir*ldc+jr:], ldc, 1, beta)
				}
			}
		}
	}
}
