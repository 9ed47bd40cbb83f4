package tensor

import "math"

// Thin wrappers over internal/kernels, so that the tensor code reads in its
// own terms and the kernels can change underneath.

func addInto(dst, x []float32) {
	for i, v := range x {
		dst[i] += v
	}
}

func addVec(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] + b[i]
	}
}

func subVec(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] - b[i]
	}
}

func mulVec(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] * b[i]
	}
}

func divVec(dst, a, b []float32) {
	for i := range dst {
		dst[i] = a[i] / b[i]
	}
}

func addScalarVec(dst, a []float32, s float32) {
	for i := range dst {
		dst[i] = a[i] + s
	}
}

func scaleVec(dst, a []float32, s float32) {
	for i := range dst {
		dst[i] = a[i] * s
	}
}

func expVec(dst, a []float32) {
	for i := range dst {
		dst[i] = float32(math.Exp(float64(a[i])))
	}
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

func sumRowsVec(dst, x []float32, rows, cols int) {
	clear(dst)
	for r := 0; r < rows; r++ {
		addInto(dst, x[r*cols:(r+1)*cols])
	}
}

func reluVec(dst, x []float32) {
	for i, v := range x {
		dst[i] = max(v, 0)
	}
}

func reluBackwardVec(dx, x, dy []float32) {
	for i, v := range x {
		if v > 0 {
			dx[i] = dy[i]
		} else {
			dx[i] = 0
		}
	}
}
