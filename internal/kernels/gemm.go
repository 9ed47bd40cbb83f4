package kernels

import (
	"fmt"
	"unsafe"
)

// The GEMM follows BLIS/GotoBLAS. Both operands are packed into contiguous
// scratch in the order the micro-kernel reads them (gemm_pack.go): op(B) in
// KC×16 micro-panels, op(A) in blocks of MC×KC made of 6×KC micro-panels.
// Packing absorbs transA/transB, so one 6×16 micro-kernel (assembly on
// amd64, gemm_amd64.s; pure Go elsewhere, gemm_kernel.go) serves every
// layout. The macro-kernel keeps one B micro-panel in L1 while the A block
// streams from L2; the packed B of a column panel stays in L3. The loop
// nest and the parallel schedule are in gemm_driver.go, the helper
// goroutines and recycled memory in gemm_pool.go.
const (
	gemmMR = 6  // micro-tile rows: broadcasts of A per k step
	gemmNR = 16 // micro-tile columns: two ymm registers of B per k step
)

// Cache blocking for Zen 4 (L1d 32 KiB, L2 1 MiB per core, shared L3).
// They are variables only so that tests can shrink them to force many blocks
// on small matrices.
var (
	// gemmKC: a KC×16 B micro-panel (16 KiB at 256) plus a 6×KC A
	// micro-panel must sit in L1d together.
	gemmKC = 256
	// gemmMC: the packed MC×KC A block (72 KiB) stays in a core's L2 with
	// the B slab streaming past it. Measured flat from 48 to 288 on one
	// core; small blocks give the dynamic schedule finer units.
	gemmMC = 72
	// gemmNC: at most this many columns of C per phase, so that a phase's
	// packed B (KC×NC per slab, 4 MiB at KC=256) stays in L3. Wider is
	// better up to there: each phase re-packs A.
	gemmNC = 4096
)

// gemmAsm selects the assembly micro-kernel where there is one. It is a
// variable (not useAVX2 itself) so tests can force the pure-Go kernel.
var gemmAsm = useAVX2

// Sgemm computes C = alpha*op(A)*op(B) + beta*C on row-major float32
// matrices, using up to Threads() goroutines.
//
// op(A) is m×k: A is m×k with row stride lda (lda >= k) when !transA, k×m
// (lda >= m) when transA. op(B) is k×n: B is k×n (ldb >= n) when !transB,
// n×k (ldb >= k) when transB. C is m×n with row stride ldc >= n. beta == 0
// means C is overwritten (NaNs in C do not leak); alpha == 0 or k == 0
// leave C = beta*C without reading A or B.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm("Sgemm", transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	sgemm(Threads(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmSerial is Sgemm on the calling goroutine only, for callers that
// already parallelise over a batch of independent products.
func SgemmSerial(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm("SgemmSerial", transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	sgemm(1, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// SgemmNaive is the triple-loop reference: the definition the fast paths are
// tested against, kept simple enough to be obviously right. It is slow
// (about 1 GFLOP/s) and always serial.
func SgemmNaive(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkSgemm("SgemmNaive", transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var sum float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				sum += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * sum
			} else {
				c[i*ldc+j] = alpha*sum + beta*c[i*ldc+j]
			}
		}
	}
}

// checkSgemm panics unless every element the product touches is inside its
// slice (A and B are not touched when k == 0, nothing when m or n is 0).
// Sizes are checked up front so that a bad call fails with a message about
// the call rather than an index deep in a kernel.
func checkSgemm(name string, transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("kernels: %s: negative dimension m=%d n=%d k=%d", name, m, n, k))
	}
	if m == 0 || n == 0 {
		return // nothing is read or written
	}
	checkMatrix(name, "c", "ldc", c, m, n, ldc)
	if k == 0 {
		return // C = beta*C: A and B are not read
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix(name, "a", "lda", a, ar, ac, lda)
	checkMatrix(name, "b", "ldb", b, br, bc, ldb)
}

func checkMatrix(name, what, ldName string, s []float32, rows, cols, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("kernels: %s: %s = %d < %d columns of %s", name, ldName, ld, cols, what))
	}
	if need := (rows-1)*ld + cols; len(s) < need {
		panic(fmt.Sprintf("kernels: %s: len(%s) = %d, need %d for %d×%d with %s = %d",
			name, what, len(s), need, rows, cols, ldName, ld))
	}
}

// sgemm is the dispatcher behind Sgemm and SgemmSerial; arguments are
// already checked.
func sgemm(nt int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 || alpha == 0 {
		scaleTile(m, n, beta, c, ldc)
		return
	}
	j := getJob()
	j.transA, j.transB = transA, transB
	j.m, j.n, j.k = m, n, k
	j.alpha, j.beta = alpha, beta
	j.a, j.lda, j.b, j.ldb, j.c, j.ldc = a, lda, b, ldb, c, ldc
	j.plan(nt)
	j.execute() // recycles j
}

// aligned returns n floats of *buf starting on a 64-byte boundary, growing
// the buffer if needed. Cache-line alignment keeps every 16-float packed B
// row in one line and every vector load unsplit.
func aligned(buf *[]float32, n int) []float32 {
	const pad = 16
	if cap(*buf) < n+pad {
		*buf = make([]float32, n+pad)
	}
	s := (*buf)[:cap(*buf)]
	off := int((64-uintptr(unsafe.Pointer(&s[0]))&63)&63) / 4
	return s[off : off+n]
}

// blockStep splits total into the fewest blocks of at most max and returns
// a block size, a multiple of unit, that spreads them evenly. Even blocks
// avoid a last sliver (k = 300 as 256+44) that runs at poor efficiency.
func blockStep(total, max, unit int) int {
	nb := (total + max - 1) / max
	step := (total + nb - 1) / nb
	return (step + unit - 1) / unit * unit
}
