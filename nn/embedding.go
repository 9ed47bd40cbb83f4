package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// Embedding is a lookup table of Num vectors of size Dim
// (torch.nn.Embedding): index i selects row i of Weight. It turns token ids
// into the vectors a recurrent or attention layer reads.
//
// Arguments: Num (the vocabulary size) and Dim. WithPaddingIdx names a
// padding row: it is zero after initialization and receives no gradient,
// so that padding positions stay the zero vector during training.
//
// Initialization, as in PyTorch: Weight from N(0, 1), then the padding row
// zeroed.
//
// Parameters: "weight" [Num, Dim].
//
// # Shapes
//
//   - ids: any shape [*], indices in [0, Num);
//   - output: [*, Dim].
//
// The gradient is a scatter-add of the output's gradient rows into a dense
// [Num, Dim] weight gradient (PyTorch's sparse=False).
type Embedding struct {
	Base
	Num, Dim   int
	PaddingIdx int            // the padding row in [0, Num), or -1 for none
	Weight     *tensor.Tensor // [Num, Dim]
}

// EmbeddingOption changes a default of NewEmbedding.
type EmbeddingOption func(*Embedding)

// WithPaddingIdx makes row i the padding row (padding_idx=i). Like
// PyTorch, a negative i counts from the end: −1 is row Num−1.
func WithPaddingIdx(i int) EmbeddingOption {
	return func(e *Embedding) {
		if i < -e.Num || i >= e.Num {
			panic(fmt.Sprintf("deepgo: NewEmbedding: padding index %d is outside [%d, %d)", i, -e.Num, e.Num))
		}
		if i < 0 {
			i += e.Num
		}
		e.PaddingIdx = i
	}
}

// NewEmbedding makes a table of num vectors of size dim, drawn from rng
// (tensor's default generator when nil).
func NewEmbedding(num, dim int, rng *tensor.RNG, opts ...EmbeddingOption) *Embedding {
	if num <= 0 || dim <= 0 {
		panic(fmt.Sprintf("deepgo: NewEmbedding: sizes num=%d, dim=%d must be positive", num, dim))
	}
	e := &Embedding{Num: num, Dim: dim, PaddingIdx: -1, Weight: tensor.Zeros(num, dim).SetRequiresGrad(true)}
	for _, o := range opts {
		o(e)
	}
	e.ResetParameters(rng)
	return e
}

// ResetParameters draws the table from N(0, 1) and zeroes the padding row
// (PyTorch's reset_parameters).
func (e *Embedding) ResetParameters(rng *tensor.RNG) {
	Normal(e.Weight, 0, 1, rng)
	if e.PaddingIdx >= 0 {
		clear(e.Weight.Data()[e.PaddingIdx*e.Dim : (e.PaddingIdx+1)*e.Dim])
	}
}

// NamedParameters lists "weight".
func (e *Embedding) NamedParameters() []Named { return []Named{{"weight", e.Weight}} }

// String describes the table as PyTorch prints it, e.g.
// "Embedding(10000, 128, padding_idx=0)".
func (e *Embedding) String() string {
	if e.PaddingIdx >= 0 {
		return fmt.Sprintf("Embedding(%d, %d, padding_idx=%d)", e.Num, e.Dim, e.PaddingIdx)
	}
	return fmt.Sprintf("Embedding(%d, %d)", e.Num, e.Dim)
}

// Forward looks up ids, a tensor of indices stored as integral float32
// values (the way deepgo stores class labels), of any shape [*], and
// returns [*, Dim]. It panics on an id that is not an integer in [0, Num).
func (e *Embedding) Forward(ids *tensor.Tensor) *tensor.Tensor {
	d := ids.Data()
	idx := make([]int, len(d))
	for i, v := range d {
		if v != float32(math.Trunc(float64(v))) || v < 0 || v >= float32(e.Num) {
			panic(fmt.Sprintf("deepgo: Embedding: ids %v: id %v at position %d is not an integer in [0, %d)", ids.Shape(), v, i, e.Num))
		}
		idx[i] = int(v)
	}
	return e.lookup(idx, ids.Shape())
}

// Lookup returns the rows for ids, shaped [shape..., Dim]; with no shape the
// result is [len(ids), Dim]. It panics on an id outside [0, Num) or a shape
// that does not hold len(ids) elements.
func (e *Embedding) Lookup(ids []int, shape ...int) *tensor.Tensor {
	if len(shape) == 0 {
		shape = []int{len(ids)}
	}
	n := 1
	for _, s := range shape {
		n *= s
	}
	if n != len(ids) {
		panic(fmt.Sprintf("deepgo: Embedding: %d ids do not fill shape %v", len(ids), shape))
	}
	for i, id := range ids {
		if id < 0 || id >= e.Num {
			panic(fmt.Sprintf("deepgo: Embedding: id %d at position %d is outside [0, %d)", id, i, e.Num))
		}
	}
	return e.lookup(ids, shape)
}

// lookup gathers the rows of valid ids and records the scatter-add
// backward:
//
//	out[p] = W[ids[p]],   dW[i] = Σ_{p : ids[p] = i, i ≠ padding} dout[p]
func (e *Embedding) lookup(ids []int, shape []int) *tensor.Tensor {
	dim, w := e.Dim, e.Weight.Data()
	out := tensor.Zeros(append(append([]int(nil), shape...), dim)...)
	od := out.Data()
	for p, id := range ids {
		copy(od[p*dim:(p+1)*dim], w[id*dim:(id+1)*dim])
	}
	pad := e.PaddingIdx
	return tensor.Record("Embedding", out, func(g *tensor.Tensor) []*tensor.Tensor {
		dw := tensor.Zeros(e.Num, dim)
		dwd, gd := dw.Data(), g.Data()
		for p, id := range ids {
			if id != pad {
				kernels.AddTo(dwd[id*dim:(id+1)*dim], gd[p*dim:(p+1)*dim])
			}
		}
		return []*tensor.Tensor{dw}
	}, e.Weight)
}
