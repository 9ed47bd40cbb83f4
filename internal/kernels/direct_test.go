package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/deepgo/deepgo/internal/testutil"
)

// TestIndirectTile checks IndirectTile (assembly and Go) against a float64
// sum for random offsets, including repeated and unaligned ones and every
// k-loop remainder.
func TestIndirectTile(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, asm := range gemmKernels() {
		withGemmConfig(asm, gemmKC, gemmMC, gemmNC, gemmParMinFlops, 1, func() {
			for _, kc := range []int{0, 1, 2, 3, 4, 5, 7, 75, 150} {
				b := randSlice(r, 300)
				offs := make([]int, kc)
				for p := range offs {
					offs[p] = r.IntN(len(b) - IndirectNR + 1)
				}
				m, ldc := 5, IndirectNR+3 // row 5 of the packed tile is zero padding
				w := randSlice(r, m*max(kc, 1))
				a := make([]float32, kc*IndirectMR)
				PackIndirectA(a, w, max(kc, 1), m, kc, 0)
				c := randSlice(r, IndirectMR*ldc)
				keep := append([]float32(nil), c...)
				IndirectTile(kc, a, b, NewOffsets(offs), c, ldc)
				for i := 0; i < IndirectMR; i++ {
					for j := 0; j < ldc; j++ {
						got := c[i*ldc+j]
						if j >= IndirectNR {
							if got != keep[i*ldc+j] {
								t.Fatalf("%s kc=%d: wrote outside the tile at (%d,%d)", kernelName(asm), kc, i, j)
							}
							continue
						}
						var want, mag float64
						if i < m {
							for p := 0; p < kc; p++ {
								v := float64(w[i*max(kc, 1)+p]) * float64(b[offs[p]+j])
								want += v
								mag += math.Abs(v)
							}
						}
						if math.Abs(float64(got)-want) > 1e-6*(mag+1) {
							t.Fatalf("%s kc=%d: c[%d,%d] = %g, want %g", kernelName(asm), kc, i, j, got, want)
						}
					}
				}
			}
		})
	}
}

// TestDotTile checks DotTile (assembly and Go) against float64 dot
// products of rows at arbitrary (unaligned, overlapping) starts.
func TestDotTile(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, asm := range gemmKernels() {
		withGemmConfig(asm, gemmKC, gemmMC, gemmNC, gemmParMinFlops, 1, func() {
			for _, k := range []int{0, 8, 16, 24, 136, 904} {
				buf := randSlice(r, k+50)
				var a [DotMR][]float32
				var b [DotNR][]float32
				for i := range a {
					s := r.IntN(50)
					a[i] = buf[s : s+k]
				}
				for j := range b {
					s := r.IntN(50)
					b[j] = buf[s : s+k]
				}
				var out [DotMR * DotNR]float32
				for i := range out {
					out[i] = 99
				}
				DotTile(k, &a, &b, &out)
				for i := range a {
					for j := range b {
						var want, mag float64
						for t := 0; t < k; t++ {
							v := float64(a[i][t]) * float64(b[j][t])
							want += v
							mag += math.Abs(v)
						}
						if got := out[i*DotNR+j]; math.Abs(float64(got)-want) > 1e-6*(mag+1) {
							t.Fatalf("%s k=%d: out[%d,%d] = %g, want %g", kernelName(asm), k, i, j, got, want)
						}
					}
				}
			}
		})
	}
}

// TestDirectKernelBounds checks that the tile kernels refuse operands they
// would read or write past.
func TestDirectKernelBounds(t *testing.T) {
	expect := func(name, want string, f func()) {
		t.Helper()
		var parts []string
		if want != "" {
			parts = append(parts, want)
		}
		t.Run(name, func(t *testing.T) { testutil.MustPanic(t, f, parts...) })
	}
	a := make([]float32, 4*IndirectMR)
	c := make([]float32, IndirectMR*IndirectNR)
	offs := NewOffsets([]int{0, 1, 2, 20})
	expect("b too short", "", func() { IndirectTile(4, a, make([]float32, 35), offs, c, IndirectNR) })
	expect("too few offsets", "", func() { IndirectTile(5, make([]float32, 5*IndirectMR), make([]float32, 64), offs, c, IndirectNR) })
	expect("c too short", "", func() { IndirectTile(4, a, make([]float32, 64), offs, c[:len(c)-1], IndirectNR) })
	expect("negative offset", "negative offset", func() { NewOffsets([]int{3, -1}) })
	row := make([]float32, 16)
	rows := [DotMR][]float32{row, row, row, row}
	cols := [DotNR][]float32{row, row, row[:15]}
	var out [DotMR * DotNR]float32
	expect("short row", "", func() { DotTile(16, &rows, &cols, &out) })
	expect("odd length", "multiple of 8", func() { DotTile(12, &rows, &cols, &out) })
}
