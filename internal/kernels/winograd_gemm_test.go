package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestSgemmPackedSerial compares the packed-A product with the naive one
// for both layouts of A, awkward sizes (m not a multiple of 6, n not of 16,
// k over several slabs), with the assembly micro-kernel and without.
func TestSgemmPackedSerial(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, asm := range []bool{true, false} {
		for _, kc := range []int{256, 5} {
			withGemmConfig(asm, kc, gemmMC, gemmNC, gemmParMinFlops, 1, func() {
				for _, sz := range [][3]int{{1, 1, 1}, {6, 16, 3}, {7, 17, 13}, {13, 33, 1}, {64, 48, 32}, {25, 100, 31}} {
					m, n, k := sz[0], sz[1], sz[2]
					for _, trans := range []bool{false, true} {
						t.Run(fmt.Sprintf("asm=%t/kc=%d/%dx%dx%d/trans=%t", asm, kc, m, n, k, trans), func(t *testing.T) {
							lda := k + 3
							if trans {
								lda = m + 2
							}
							a := randSlice(r, max(m, k)*lda)
							ldb := (n+15)/16*16 + 16 // room for the last panel
							b := randSlice(r, k*ldb)
							ldc := n + 1
							c := randSlice(r, m*ldc) // overwritten where it counts
							for i := range c {
								if i%ldc == n {
									c[i] = float32(math.NaN()) // the gap must survive
								}
							}
							ap := make([]float32, PackedASize(m, k))
							PackA(ap, trans, m, k, a, lda)
							SgemmPackedSerial(m, n, k, ap, b, ldb, c, ldc)
							want := make([]float32, m*ldc)
							SgemmNaive(trans, false, m, n, k, 1, a, lda, b, ldb, 0, want, ldc)
							for i := 0; i < m; i++ {
								for j := 0; j < n; j++ {
									g, w := c[i*ldc+j], want[i*ldc+j]
									if math.Abs(float64(g-w)) > 1e-5*(1+math.Abs(float64(w))) {
										t.Fatalf("c[%d][%d] = %g, want %g", i, j, g, w)
									}
								}
								if m > 0 && n+1 == ldc && i < m-1 && !math.IsNaN(float64(c[i*ldc+n])) {
									t.Fatalf("row %d: the column past n was written", i)
								}
							}
						})
					}
				}
			})
		}
	}
}
