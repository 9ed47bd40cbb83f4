package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// TestEmbeddingLookupAndGradient checks the gathered rows and the
// scatter-add gradient: repeated ids add up, the padding row and unused
// rows get zero.
func TestEmbeddingLookupAndGradient(t *testing.T) {
	e := NewEmbedding(5, 3, tensor.NewRNG(1), WithPaddingIdx(1))
	ids := []int{4, 1, 4, 0, 2, 4}
	out := e.Lookup(ids, 2, 3)
	if !tensor.SameShape(out.Shape(), []int{2, 3, 3}) {
		t.Fatalf("Lookup shape %v, want [2 3 3]", out.Shape())
	}
	w := e.Weight.Data()
	for p, id := range ids {
		assertClose(t, fmt.Sprintf("row of position %d", p), out.Data()[p*3:(p+1)*3], w[id*3:(id+1)*3], 0)
	}
	assertClose(t, "padding row", w[3:6], []float32{0, 0, 0}, 0)
	g := tensor.Uniform(tensor.NewRNG(2), -1, 1, 2, 3, 3)
	out.BackwardWith(g)
	want := make([]float32, 15)
	for p, id := range ids {
		if id == 1 {
			continue
		}
		for k := 0; k < 3; k++ {
			want[id*3+k] += g.Data()[p*3+k]
		}
	}
	assertClose(t, "weight gradient", e.Weight.Grad.Data(), want, 1e-6)

	// Forward with float-coded ids is the same lookup.
	f := e.Forward(tensor.FromSlice([]float32{4, 1, 4, 0, 2, 4}, 2, 3))
	assertClose(t, "Forward", f.Data(), out.Data(), 0)
	if got := e.Lookup([]int{3, 3}).Shape(); !tensor.SameShape(got, []int{2, 3}) {
		t.Errorf("Lookup without shape: %v, want [2 3]", got)
	}
}

// TestEmbeddingGradCheck checks the gradient with respect to the table by
// finite differences. The table has no padding row: the forward reads that
// row, but by definition (PyTorch's) it gets no gradient, which finite
// differences would flag; TestEmbeddingLookupAndGradient checks it is zero.
func TestEmbeddingGradCheck(t *testing.T) {
	e := NewEmbedding(6, 4, tensor.NewRNG(3))
	ids := tensor.FromSlice([]float32{0, 3, 3, 5, 1, 0, 5, 2}, 2, 4)
	gradCheck(t, "Embedding", func(...*tensor.Tensor) *tensor.Tensor { return e.Forward(ids) }, e.Weight)
}

// TestEmbeddingInit checks N(0, 1) and the zero padding row.
func TestEmbeddingInit(t *testing.T) {
	e := NewEmbedding(400, 50, tensor.NewRNG(4), WithPaddingIdx(-3))
	if e.PaddingIdx != 397 {
		t.Fatalf("padding index -3 of 400 became %d, want 397", e.PaddingIdx)
	}
	var sum, sq float64
	for i, v := range e.Weight.Data() {
		if i/50 == 397 {
			if v != 0 {
				t.Fatalf("padding row holds %v", v)
			}
			continue
		}
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	n := float64(399 * 50)
	mean := sum / n
	std := math.Sqrt(sq/n - mean*mean)
	if math.Abs(mean) > 0.03 || math.Abs(std-1) > 0.03 {
		t.Errorf("mean %.4f, std %.4f; want N(0, 1)", mean, std)
	}
	if NewEmbedding(3, 2, nil).PaddingIdx != -1 {
		t.Error("an embedding without padding has a padding index")
	}
}

// TestEmbeddingPanics checks that bad ids and arguments name the problem.
func TestEmbeddingPanics(t *testing.T) {
	e := NewEmbedding(10, 3, nil)
	mustPanic(t, func() { e.Lookup([]int{1, 10}) }, "deepgo: Embedding: id 10 at position 1 is outside [0, 10)")
	mustPanic(t, func() { e.Lookup([]int{-1}) }, "id -1 at position 0")
	mustPanic(t, func() { e.Lookup([]int{1, 2, 3}, 2, 2) }, "3 ids do not fill shape [2 2]")
	mustPanic(t, func() { e.Forward(tensor.FromSlice([]float32{1, 2.5}, 1, 2)) }, "Embedding: ids [1 2]: id 2.5 at position 1 is not an integer in [0, 10)")
	mustPanic(t, func() { e.Forward(tensor.FromSlice([]float32{12})) }, "id 12 at position 0")
	mustPanic(t, func() { e.Forward(tensor.FromSlice([]float32{float32(math.NaN())})) }, "id NaN")
	mustPanic(t, func() { NewEmbedding(10, 3, nil, WithPaddingIdx(10)) }, "padding index 10 is outside [-10, 10)")
	mustPanic(t, func() { NewEmbedding(0, 3, nil) }, "NewEmbedding", "num=0")
}

// ExampleEmbedding turns a batch of token ids into vectors; the padding
// token maps to zeros.
func ExampleEmbedding() {
	emb := NewEmbedding(100, 4, tensor.NewRNG(1), WithPaddingIdx(0))
	ids := tensor.FromSlice([]float32{5, 17, 0, 0, 42, 8, 99, 0}, 2, 4) // [B, T]
	x := emb.Forward(ids)
	fmt.Println(x.Shape(), x.At(0, 2, 0), x.At(0, 2, 3))
	// Output: [2 4 4] 0 0
}
