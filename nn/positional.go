package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// Attention is blind to order: permuting the tokens permutes the output.
// A positional encoding adds to every token a vector that depends on its
// position, so that the model can tell "dog bites man" from "man bites dog".

// PositionalOptions are the options shared by the positional encodings;
// the zero value is sequence-first input and no dropout.
type PositionalOptions struct {
	// BatchFirst: inputs are [N, L, D] instead of [L, N, D].
	BatchFirst bool
	// Dropout is applied to the sum in training mode, as in PyTorch's
	// transformer tutorial (which uses 0.1).
	Dropout float64
}

// SinusoidalPositionalEncoding adds the fixed encoding of "Attention Is
// All You Need" (the PositionalEncoding of PyTorch's transformer tutorial):
//
//	PE[pos, 2i]   = sin(pos / 10000^(2i/D))
//	PE[pos, 2i+1] = cos(pos / 10000^(2i/D))
//
// Each pair of features is a sine wave of its own wavelength, from 2π to
// 10000·2π, so that a fixed offset between two positions is a rotation the
// attention can learn to read. The table has no parameters and is not in
// the state dict (it is recomputed from D and MaxLen); it is computed in
// float64 and rounded once.
//
// # Shapes
//
//   - input: [L, N, D] ([N, L, D] with BatchFirst, or [L, D] unbatched),
//     L ≤ MaxLen;
//   - output: the input's shape.
type SinusoidalPositionalEncoding struct {
	Base
	D, MaxLen int
	Options   PositionalOptions
	table     *tensor.Tensor // [MaxLen, D]
	rng       *tensor.RNG
}

// NewSinusoidalPositionalEncoding makes the encoding for d features and up
// to maxLen positions; rng draws the dropout masks (tensor's default
// generator when nil).
func NewSinusoidalPositionalEncoding(d, maxLen int, opt PositionalOptions, rng *tensor.RNG) *SinusoidalPositionalEncoding {
	const op = "NewSinusoidalPositionalEncoding"
	if d <= 0 || maxLen <= 0 {
		panic(fmt.Sprintf("deepgo: %s: d=%d and max_len=%d must be positive", op, d, maxLen))
	}
	checkDropP(op, opt.Dropout)
	t := tensor.Zeros(maxLen, d)
	td := t.Data()
	for pos := 0; pos < maxLen; pos++ {
		for i := 0; i < d; i += 2 {
			angle := float64(pos) * math.Exp(-float64(i)*math.Log(10000)/float64(d))
			td[pos*d+i] = float32(math.Sin(angle))
			if i+1 < d {
				td[pos*d+i+1] = float32(math.Cos(angle))
			}
		}
	}
	return &SinusoidalPositionalEncoding{D: d, MaxLen: maxLen, Options: opt, table: t, rng: rng}
}

// Table returns the [MaxLen, D] encodings (the module's own storage: do not
// modify it).
func (p *SinusoidalPositionalEncoding) Table() *tensor.Tensor { return p.table }

// Forward adds the encodings of positions 0..L−1 to x, then applies dropout
// in training mode.
func (p *SinusoidalPositionalEncoding) Forward(x *tensor.Tensor) *tensor.Tensor {
	out := addPositions("SinusoidalPositionalEncoding", x, p.table, p.Options.BatchFirst)
	if p.Training() {
		out = maskedDropout(out, newDropMask(p.Options.Dropout, p.rng))
	}
	return out
}

// String describes the layer and its options, like PyTorch's repr.
func (p *SinusoidalPositionalEncoding) String() string {
	return fmt.Sprintf("SinusoidalPositionalEncoding(d=%d, max_len=%d, dropout=%g)", p.D, p.MaxLen, p.Options.Dropout)
}

// LearnedPositionalEmbedding is a learned vector per position, as in BERT
// and GPT: a [MaxLen, D] parameter whose row l is added to the token at
// position l.
//
// Initialization: N(0, 1), nn.Embedding's default (BERT itself uses
// N(0, 0.02²); call Normal on Weight for that).
//
// Parameters: "weight" [MaxLen, D], the state-dict name of an
// nn.Embedding(max_len, d) used for positions.
//
// # Shapes
//
//   - Forward input: [L, N, D] ([N, L, D] with BatchFirst, or [L, D]
//     unbatched), L ≤ MaxLen; output: the input's shape;
//   - Embed: positions [P] (indices) → [P, D].
type LearnedPositionalEmbedding struct {
	Base
	MaxLen, D int
	Options   PositionalOptions
	Weight    *tensor.Tensor // [MaxLen, D]
	rng       *tensor.RNG
}

// NewLearnedPositionalEmbedding makes embeddings for maxLen positions of d
// features, drawn from rng (tensor's default generator when nil), which also
// draws the dropout masks.
func NewLearnedPositionalEmbedding(maxLen, d int, opt PositionalOptions, rng *tensor.RNG) *LearnedPositionalEmbedding {
	const op = "NewLearnedPositionalEmbedding"
	if d <= 0 || maxLen <= 0 {
		panic(fmt.Sprintf("deepgo: %s: max_len=%d and d=%d must be positive", op, maxLen, d))
	}
	checkDropP(op, opt.Dropout)
	p := &LearnedPositionalEmbedding{MaxLen: maxLen, D: d, Options: opt, Weight: tensor.Zeros(maxLen, d), rng: rng}
	Normal(p.Weight, 0, 1, rng)
	p.RegisterParameter("weight", p.Weight)
	return p
}

// Embed returns the embeddings of the given positions, [len(positions), D],
// differentiable with respect to Weight.
func (p *LearnedPositionalEmbedding) Embed(positions []int) *tensor.Tensor {
	for _, i := range positions {
		if i < 0 || i >= p.MaxLen {
			panic(fmt.Sprintf("deepgo: LearnedPositionalEmbedding: position %d outside [0, %d)", i, p.MaxLen))
		}
	}
	return p.Weight.IndexSelect(0, positions)
}

// Forward adds the embeddings of positions 0..L−1 to x, then applies
// dropout in training mode.
func (p *LearnedPositionalEmbedding) Forward(x *tensor.Tensor) *tensor.Tensor {
	out := addPositions("LearnedPositionalEmbedding", x, p.Weight, p.Options.BatchFirst)
	if p.Training() {
		out = maskedDropout(out, newDropMask(p.Options.Dropout, p.rng))
	}
	return out
}

// String describes the layer and its options, like PyTorch's repr.
func (p *LearnedPositionalEmbedding) String() string {
	return fmt.Sprintf("LearnedPositionalEmbedding(max_len=%d, d=%d, dropout=%g)", p.MaxLen, p.D, p.Options.Dropout)
}

// addPositions returns x + table[l] for the token at position l of every
// sequence, as one recorded op: dx = g, dtable[l] = Σ over the batch of g
// at position l (rows L and beyond get zero).
func addPositions(op string, x, table *tensor.Tensor, batchFirst bool) *tensor.Tensor {
	sh := x.Shape()
	maxLen, d := table.Shape()[0], table.Shape()[1]
	layout := "[L N D]"
	if batchFirst {
		layout = "[N L D]"
	}
	if (len(sh) != 2 && len(sh) != 3) || sh[len(sh)-1] != d {
		panic(fmt.Sprintf("deepgo: %s: input %v: want %s or [L D] with D=%d", op, sh, layout, d))
	}
	l, n := sh[0], 1
	if len(sh) == 3 {
		n = sh[1]
		if batchFirst {
			l, n = sh[1], sh[0]
		}
	}
	if l > maxLen {
		panic(fmt.Sprintf("deepgo: %s: input %v: sequence length %d exceeds max_len %d", op, sh, l, maxLen))
	}
	// row returns the table row of token row r of x.
	row := func(r int) int {
		if batchFirst || len(sh) == 2 {
			return r % l
		}
		return r / n
	}
	xd, td := x.Data(), table.Data()
	out := tensor.Zeros(sh...)
	od := out.Data()
	forChunks(l*n, max(1, (1<<14)/d), func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			p := row(r)
			kernels.Add(od[r*d:(r+1)*d], xd[r*d:(r+1)*d], td[p*d:(p+1)*d])
		}
	})
	return tensor.Record(op, out, func(g *tensor.Tensor) []*tensor.Tensor {
		var dt *tensor.Tensor
		if table.RequiresGrad() {
			dt = tensor.Zeros(maxLen, d)
			dtd, gd := dt.Data(), g.Data()
			for r := 0; r < l*n; r++ {
				p := row(r)
				kernels.AddTo(dtd[p*d:(p+1)*d], gd[r*d:(r+1)*d])
			}
		}
		return []*tensor.Tensor{g, dt}
	}, x, table)
}
