package tensor

import "github.com/deepgo/deepgo/internal/kernels"

// Thin wrappers over internal/kernels, so that the tensor code reads in its
// own terms and the kernels can change underneath. The vector kernels are
// AVX2 assembly on amd64 and pure Go elsewhere (or under -tags purego).

func addInto(dst, x []float32)                 { kernels.AddTo(dst, x) }
func addVec(dst, a, b []float32)               { kernels.Add(dst, a, b) }
func subVec(dst, a, b []float32)               { kernels.Sub(dst, a, b) }
func mulVec(dst, a, b []float32)               { kernels.Mul(dst, a, b) }
func divVec(dst, a, b []float32)               { kernels.Div(dst, a, b) }
func addScalarVec(dst, a []float32, s float32) { kernels.AddScalar(dst, a, s) }
func scaleVec(dst, a []float32, s float32)     { kernels.Scale(dst, a, s) }
func expVec(dst, a []float32)                  { kernels.Exp(dst, a) }
func reluVec(dst, x []float32)                 { kernels.Relu(dst, x) }
func reluBackwardVec(dx, x, dy []float32)      { kernels.ReluBackward(dx, x, dy) }
func sumVec(x []float32) float32               { return kernels.Sum(x) }
func sumRowsVec(dst, x []float32, rows, cols int) {
	kernels.SumRows(dst, x, rows, cols)
}

// gemmFunc has the signature of kernels.Sgemm.
type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// sgemm is the parallel packed GEMM; backward passes use it for all three
// layouts (NN forward, NT and TN for the gradients).
var sgemm gemmFunc = kernels.Sgemm

func gemmFor(serial bool) gemmFunc {
	if serial {
		return kernels.SgemmSerial
	}
	return kernels.Sgemm
}

// smallGemm is the work (m·n·k) under which one product is too small to
// split across cores; batches of such products run one per core instead.
const smallGemm = 1 << 18

// parallelBatches runs fn for every batch entry: small products run in
// parallel across entries with serial GEMMs, large ones one after another
// with parallel GEMMs.
func parallelBatches(nb, flopsPer int, fn func(i int, serial bool)) {
	if nb > 1 && flopsPer < smallGemm && kernels.Threads() > 1 {
		kernels.ParallelFor(nb, 1, func(lo, hi int) {
			for i := lo; i < hi; i++ {
				fn(i, true)
			}
		})
		return
	}
	for i := 0; i < nb; i++ {
		fn(i, false)
	}
}
