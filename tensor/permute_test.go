package tensor

import (
	"fmt"
	"slices"
	"testing"
)

// seqOf makes a tensor of the given shape holding 0, 1, 2, ... in row-major
// order, so that every element names its own position.
func seqOf(shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = float32(i)
	}
	return t
}

func assertShape(t *testing.T, name string, got *Tensor, want ...int) {
	t.Helper()
	if !SameShape(got.shape, want) {
		t.Fatalf("%s: shape %v, want %v", name, got.shape, want)
	}
}

func TestTransposeValues(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	y := x.T()
	assertShape(t, "T", y, 3, 2)
	assertClose(t, "T", y.data, []float32{1, 4, 2, 5, 3, 6}, 0)
	assertClose(t, "Transpose(-1, 0)", x.Transpose(-1, 0).data, y.data, 0)
	assertClose(t, "Transpose(1, 1)", x.Transpose(1, 1).data, x.data, 0)

	// [[[0 1 2]] [[3 4 5]]].Permute(2, 0, 1)[k][i][0] = x[i][0][k] = 3i + k.
	p := seqOf(2, 1, 3).Permute(2, 0, 1)
	assertShape(t, "Permute", p, 3, 2, 1)
	assertClose(t, "Permute", p.data, []float32{0, 3, 1, 4, 2, 5}, 0)

	// [2 3 2] swapping the outer axes: out[k][j][i] = x[i][j][k] = 6i + 2j + k.
	q := seqOf(2, 3, 2).Transpose(0, 2)
	assertClose(t, "Transpose(0, 2)", q.data, []float32{0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11}, 0)
}

// The blocked path must agree element by element on a matrix whose sides
// are not multiples of the tile, alone and in a batch.
func TestTransposeLargeElementwise(t *testing.T) {
	x := seqOf(257, 31)
	y := x.T()
	assertShape(t, "T", y, 31, 257)
	for i := 0; i < 257; i++ {
		for j := 0; j < 31; j++ {
			if got := y.At(j, i); got != x.At(i, j) {
				t.Fatalf("T()[%d][%d] = %v, want %v", j, i, got, x.At(i, j))
			}
		}
	}
	b := seqOf(3, 33, 257)
	z := b.Transpose(-1, -2)
	assertShape(t, "batched", z, 3, 257, 33)
	for n := 0; n < 3; n++ {
		for i := 0; i < 33; i++ {
			for j := 0; j < 257; j++ {
				if got := z.At(n, j, i); got != b.At(n, i, j) {
					t.Fatalf("batched [%d][%d][%d] = %v, want %v", n, j, i, got, b.At(n, i, j))
				}
			}
		}
	}
}

// permuteValues (simplified permutation, blocked transpose) must match the
// plain odometer walk on the unsimplified shape, for every permutation of
// awkward shapes.
func TestPermuteFastMatchesNaive(t *testing.T) {
	shapes := [][]int{{7}, {1, 31}, {257, 7}, {2, 1, 33}, {3, 7, 1, 5}, {2, 3, 4, 5}, {1, 1, 1}, {31, 2, 35}}
	for _, shape := range shapes {
		x := seqOf(shape...)
		for _, perm := range allPerms(len(shape)) {
			got := permuteValues(x, perm)
			want := make([]float32, len(x.data))
			permuteNaive(want, x.data, shape, perm)
			if !slices.Equal(got.data, want) {
				t.Fatalf("shape %v perm %v: fast path differs from naive", shape, perm)
			}
			// The inverse permutation restores the input.
			inv := make([]int, len(perm))
			for i, p := range perm {
				inv[p] = i
			}
			back := got.Permute(inv...)
			if !SameShape(back.shape, x.shape) || !slices.Equal(back.data, x.data) {
				t.Fatalf("shape %v perm %v: inverse permutation does not restore the input", shape, perm)
			}
		}
	}
}

func allPerms(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range allPerms(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := append(append(slices.Clone(p[:i]), n-1), p[i:]...)
			out = append(out, q)
		}
	}
	return out
}

func TestPermuteGrad(t *testing.T) {
	g := NewRNG(1)
	gradCheck(t, "T", func(in ...*Tensor) *Tensor { return in[0].T() }, randInput(g, 5, 2))
	gradCheck(t, "Transpose last two", func(in ...*Tensor) *Tensor { return in[0].Transpose(-1, 1) }, randInput(g, 2, 3, 4))
	gradCheck(t, "Transpose with size-1", func(in ...*Tensor) *Tensor { return in[0].Transpose(0, 2) }, randInput(g, 3, 1, 2))
	gradCheck(t, "Permute", func(in ...*Tensor) *Tensor { return in[0].Permute(3, 0, -2, 1) }, randInput(g, 2, 1, 3, 2))

	// d/dx Σ w ⊙ xᵀ = wᵀ.
	x := seqOf(2, 3).SetRequiresGrad(true)
	w := seqOf(3, 2)
	x.T().Mul(w).Sum().Backward()
	assertClose(t, "dL/dx", x.Grad.data, []float32{0, 2, 4, 1, 3, 5}, 0)
}

func TestPermutePanics(t *testing.T) {
	x := Zeros(2, 3)
	mustPanic(t, func() { Zeros(2, 3, 4).T() }, "T", "[2 3 4]")
	mustPanic(t, func() { x.Permute(0) }, "Permute", "[0]", "[2 3]")
	mustPanic(t, func() { x.Permute(1, -1) }, "Permute", "repeated", "[2 3]")
	mustPanic(t, func() { x.Transpose(0, 2) }, "Transpose", "axis 2", "[2 3]")
	mustPanic(t, func() { Scalar(1).Transpose(0, 0) }, "Transpose", "[]")
}

// BenchmarkTranspose compares the blocked kernel with the naive walk on the
// same matrices (no allocation in the loop).
func BenchmarkTranspose(b *testing.B) {
	for _, sz := range [][2]int{{64, 64}, {257, 31}, {1024, 1024}, {4096, 512}} {
		rows, cols := sz[0], sz[1]
		x := seqOf(rows, cols)
		dst := make([]float32, rows*cols)
		b.Run(fmt.Sprintf("blocked-%dx%d", rows, cols), func(b *testing.B) {
			b.SetBytes(int64(8 * rows * cols))
			for b.Loop() {
				transposeBlocked(dst, x.data, rows, cols)
			}
		})
		b.Run(fmt.Sprintf("naive-%dx%d", rows, cols), func(b *testing.B) {
			b.SetBytes(int64(8 * rows * cols))
			for b.Loop() {
				permuteNaive(dst, x.data, x.shape, []int{1, 0})
			}
		})
	}
}
