package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMaxPool2x2 checks the assembly row pooling against a scalar scan:
// maxima, first-position indices on ties, a stop before a group holding a
// NaN, and nothing written past the groups it reports.
func TestMaxPool2x2(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{0, 7, 8, 9, 24, 31} {
		for _, nanAt := range []int{-1, 0, 5, 17} {
			w := 2*n + 3
			rows := randSlice(r, 2*w)
			for i := range rows {
				if r.IntN(4) == 0 {
					rows[i] = 0.25 // ties
				}
			}
			if nanAt >= 0 && nanAt < n {
				rows[w+2*nanAt+1] = float32(math.NaN()) // in r1, window nanAt
			}
			out, arg := make([]float32, n+1), make([]int32, n+1)
			out[n], arg[n] = 42, 42
			const base = 1000
			done := MaxPool2x2(out[:n], arg[:n], rows[:w], rows[w:], base, int32(w))
			want := n / 8 * 8
			if nanAt >= 0 && nanAt < want {
				want = nanAt / 8 * 8
			}
			if !useAVX2 {
				want = 0
			}
			if done != want {
				t.Fatalf("n=%d nan at %d: %d outputs done, want %d", n, nanAt, done, want)
			}
			for j := 0; j < done; j++ {
				best, bi := float32(math.Inf(-1)), int32(-1)
				for _, p := range []int{2 * j, 2*j + 1, w + 2*j, w + 2*j + 1} {
					if v := rows[p]; bi < 0 || v > best {
						best, bi = v, int32(base+p)
					}
				}
				if out[j] != best || arg[j] != bi {
					t.Fatalf("n=%d output %d: (%v, %d), want (%v, %d)", n, j, out[j], arg[j], best, bi)
				}
			}
			if out[n] != 42 || arg[n] != 42 {
				t.Fatalf("n=%d: wrote past the row", n)
			}
		}
	}
}
