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

var sgemm gemmFunc = naiveGemm

func gemmFor(serial bool) gemmFunc { return sgemm }

// parallelBatches runs fn for every batch entry; small matrices run in
// parallel across entries with serial GEMMs, large ones one after another
// with parallel GEMMs.
func parallelBatches(nb, flopsPer int, fn func(i int, serial bool)) {
	for i := 0; i < nb; i++ {
		fn(i, false)
	}
}

func naiveGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var x, y float32
				if transA {
					x = a[p*lda+i]
				} else {
					x = a[i*lda+p]
				}
				if transB {
					y = b[j*ldb+p]
				} else {
					y = b[p*ldb+j]
				}
				s += x * y
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}
