package models

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// Seq2SeqOptions are the sizes of a Seq2SeqTransformer; zero values take
// the defaults in brackets, a small model for character-level tasks such
// as date translation.
//
//   - SrcVocab, TgtVocab: the source and target vocabulary sizes (required);
//   - DModel [128], NHead [4]: width and attention heads;
//   - NumEncoderLayers [2], NumDecoderLayers [2];
//   - DimFeedforward [256]: hidden size of each layer's feed-forward block;
//   - Dropout [0.1]: in the positional encoding and every transformer
//     layer; new(0.0) turns it off;
//   - MaxLen [128]: the longest source or target sequence (the sinusoidal
//     table's length);
//   - Pad, BOS, EOS: the special token ids, data.CharVocab's 0, 1 and 2
//     unless BOS and EOS are both set (Pad is then taken as given).
type Seq2SeqOptions struct {
	SrcVocab, TgtVocab                 int
	DModel, NHead                      int
	NumEncoderLayers, NumDecoderLayers int
	DimFeedforward                     int
	Dropout                            *float64
	MaxLen                             int
	Pad, BOS, EOS                      int
}

// withDefaults fills the zero values and checks the result.
func (o Seq2SeqOptions) withDefaults() Seq2SeqOptions {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.DModel, 128)
	def(&o.NHead, 4)
	def(&o.NumEncoderLayers, 2)
	def(&o.NumDecoderLayers, 2)
	def(&o.DimFeedforward, 256)
	def(&o.MaxLen, 128)
	if o.Dropout == nil {
		o.Dropout = new(0.1)
	} else {
		o.Dropout = new(*o.Dropout)
	}
	if o.BOS == 0 && o.EOS == 0 {
		o.Pad, o.BOS, o.EOS = data.CharPad, data.CharBOS, data.CharEOS
	}
	if o.SrcVocab <= 0 || o.TgtVocab <= 0 {
		panic(fmt.Sprintf("deepgo: NewSeq2SeqTransformer: vocabulary sizes src=%d, tgt=%d must be positive", o.SrcVocab, o.TgtVocab))
	}
	for _, id := range []int{o.Pad, o.BOS, o.EOS} {
		if id < 0 || id >= o.SrcVocab || id >= o.TgtVocab {
			panic(fmt.Sprintf("deepgo: NewSeq2SeqTransformer: special ids pad=%d bos=%d eos=%d must lie in both vocabularies (%d and %d)",
				o.Pad, o.BOS, o.EOS, o.SrcVocab, o.TgtVocab))
		}
	}
	if o.DModel%o.NHead != 0 {
		panic(fmt.Sprintf("deepgo: NewSeq2SeqTransformer: d_model=%d is not divisible by nhead=%d", o.DModel, o.NHead))
	}
	return o
}

// Seq2SeqTransformer is the encoder-decoder transformer of "Attention Is
// All You Need" for sequence-to-sequence tasks, the Seq2SeqTransformer of
// PyTorch's translation tutorial:
//
//	source ids → src_tok_emb · √d + positions → encoder ─┐ memory
//	target ids → tgt_tok_emb · √d + positions → decoder ←┘ → generator → logits
//
// The token embeddings are scaled by √DModel so that they are not drowned
// by the sinusoidal positions, whose entries are of size 1. Training uses
// teacher forcing: Logits reads the whole shifted target at once, with a
// causal mask so that position t sees target tokens 0..t only, and key
// padding masks so that no position attends to padding. Greedy decodes
// one token at a time.
//
// Initialization, as in the tutorial: every parameter with more than one
// dimension (embeddings and weight matrices) is drawn with xavier_uniform,
// biases and layer norms keep their PyTorch defaults.
//
// Parameters: "src_tok_emb.weight" [SrcVocab, d], "tgt_tok_emb.weight"
// [TgtVocab, d], "transformer.encoder.layers.0.self_attn.in_proj_weight",
// ... (see nn.Transformer; batch-first, post-norm, ReLU),
// "generator.weight" [TgtVocab, d], "generator.bias" [TgtVocab].
//
// # Shapes
//
//   - src: [N, S] source ids (float32 integers), padded with Pad;
//   - tgt: [N, T] target ids starting with BOS, padded with Pad;
//   - Logits: [N, T, TgtVocab], the scores of the token after each
//     target position.
type Seq2SeqTransformer struct {
	nn.Base
	Options     Seq2SeqOptions // with defaults filled in
	SrcEmbed    *nn.Embedding
	TgtEmbed    *nn.Embedding
	Positions   *nn.SinusoidalPositionalEncoding
	Transformer *nn.Transformer
	Generator   *nn.Linear
}

// NewSeq2SeqTransformer builds the model, initialized from rng (tensor's
// default generator when nil), which also draws the dropout masks.
func NewSeq2SeqTransformer(opt Seq2SeqOptions, rng *tensor.RNG) *Seq2SeqTransformer {
	opt = opt.withDefaults()
	d := opt.DModel
	m := &Seq2SeqTransformer{Options: opt}
	m.SrcEmbed = nn.NewEmbedding(opt.SrcVocab, d, rng)
	m.TgtEmbed = nn.NewEmbedding(opt.TgtVocab, d, rng)
	m.Positions = nn.NewSinusoidalPositionalEncoding(d, opt.MaxLen, nn.PositionalOptions{BatchFirst: true, Dropout: *opt.Dropout}, rng)
	m.Transformer = nn.NewTransformer(nn.TransformerOptions{
		DModel: d, NHead: opt.NHead, NumEncoderLayers: opt.NumEncoderLayers, NumDecoderLayers: opt.NumDecoderLayers,
		TransformerLayerOptions: nn.TransformerLayerOptions{DimFeedforward: opt.DimFeedforward, Dropout: opt.Dropout, BatchFirst: true},
	}, rng)
	m.Generator = nn.NewLinear(d, opt.TgtVocab, rng)
	m.RegisterModule("src_tok_emb", m.SrcEmbed)
	m.RegisterModule("tgt_tok_emb", m.TgtEmbed)
	m.RegisterModule("positional_encoding", m.Positions)
	m.RegisterModule("transformer", m.Transformer)
	m.RegisterModule("generator", m.Generator)
	m.ResetParameters(rng)
	return m
}

// ResetParameters redraws every parameter with more than one dimension with
// xavier_uniform, as the PyTorch tutorial does after building its model.
func (m *Seq2SeqTransformer) ResetParameters(rng *tensor.RNG) {
	for _, p := range nn.Parameters(m) {
		if p.Dim() > 1 {
			nn.XavierUniform(p, 1, rng)
		}
	}
}

// String describes the model's sizes, e.g. "Seq2SeqTransformer(src_vocab=43,
// tgt_vocab=14, d_model=64, nhead=4, layers=2+2, dim_feedforward=256,
// dropout=0.1)".
func (m *Seq2SeqTransformer) String() string {
	o := m.Options
	return fmt.Sprintf("Seq2SeqTransformer(src_vocab=%d, tgt_vocab=%d, d_model=%d, nhead=%d, layers=%d+%d, dim_feedforward=%d, dropout=%g)",
		o.SrcVocab, o.TgtVocab, o.DModel, o.NHead, o.NumEncoderLayers, o.NumDecoderLayers, o.DimFeedforward, *o.Dropout)
}

// Forward panics: the model reads a source and a target; call Logits, or
// Encode and Decode.
func (m *Seq2SeqTransformer) Forward(*tensor.Tensor) *tensor.Tensor {
	panic("deepgo: Seq2SeqTransformer: Forward has one input; call Logits(src, tgt) or Greedy(src, maxLen)")
}

// Logits is the teacher-forced forward pass: src [N, S] and tgt [N, T]
// (BOS followed by the target shifted right) give [N, T, TgtVocab] logits,
// row t predicting the target token after tgt[:, t].
func (m *Seq2SeqTransformer) Logits(src, tgt *tensor.Tensor) *tensor.Tensor {
	m.checkIDs("Logits", "src", src, m.Options.SrcVocab)
	m.checkIDs("Logits", "tgt", tgt, m.Options.TgtVocab)
	if src.Size(0) != tgt.Size(0) {
		panic(fmt.Sprintf("deepgo: Seq2SeqTransformer: Logits: src %v and tgt %v: batch sizes differ", src.Shape(), tgt.Shape()))
	}
	memory, srcPad := m.Encode(src)
	return m.Decode(tgt, memory, srcPad)
}

// Encode runs the encoder over src [N, S] and returns the memory
// [N, S, DModel] with the source's key padding mask [N, S] (nil when src
// has no padding), which Decode needs.
func (m *Seq2SeqTransformer) Encode(src *tensor.Tensor) (memory *tensor.Tensor, srcPad *nn.Mask) {
	m.checkIDs("Encode", "src", src, m.Options.SrcVocab)
	srcPad = m.paddingMask(src)
	x := m.embed(m.SrcEmbed, src)
	return m.Transformer.Encoder.Encode(x, nn.TransformerMasks{SrcKeyPadding: srcPad}), srcPad
}

// Decode runs the decoder over tgt [N, T] against memory [N, S, DModel]
// (Encode's results) with a causal mask, and returns the logits
// [N, T, TgtVocab].
func (m *Seq2SeqTransformer) Decode(tgt, memory *tensor.Tensor, srcPad *nn.Mask) *tensor.Tensor {
	return m.Generator.Forward(m.decodeHidden(tgt, memory, srcPad))
}

// decodeHidden is Decode without the generator: [N, T, DModel].
func (m *Seq2SeqTransformer) decodeHidden(tgt, memory *tensor.Tensor, srcPad *nn.Mask) *tensor.Tensor {
	m.checkIDs("Decode", "tgt", tgt, m.Options.TgtVocab)
	n, t := tgt.Size(0), tgt.Size(1)
	if ms := memory.Shape(); len(ms) != 3 || ms[0] != n || ms[2] != m.Options.DModel {
		panic(fmt.Sprintf("deepgo: Seq2SeqTransformer: Decode: tgt %v and memory %v: want memory [%d S %d]", tgt.Shape(), ms, n, m.Options.DModel))
	}
	masks := nn.TransformerMasks{TgtMask: nn.CausalMask(t), TgtKeyPadding: m.paddingMask(tgt), MemoryKeyPadding: srcPad}
	return m.Transformer.Decoder.Decode(m.embed(m.TgtEmbed, tgt), memory, masks)
}

// embed is emb(ids)·√d + positions (with dropout in training mode).
func (m *Seq2SeqTransformer) embed(e *nn.Embedding, ids *tensor.Tensor) *tensor.Tensor {
	x := e.Forward(ids).MulScalar(float32(math.Sqrt(float64(m.Options.DModel))))
	return m.Positions.Forward(x)
}

// paddingMask is the boolean key padding mask of ids: 1 where ids == Pad;
// nil when there is no padding, which spares the attention the mask.
func (m *Seq2SeqTransformer) paddingMask(ids *tensor.Tensor) *nn.Mask {
	var out *tensor.Tensor
	pad := float32(m.Options.Pad)
	for i, v := range ids.Data() {
		if v == pad {
			if out == nil {
				out = tensor.Zeros(ids.Shape()...)
			}
			out.Data()[i] = 1
		}
	}
	if out == nil {
		return nil
	}
	return nn.BoolMask(out)
}

// checkIDs panics unless ids is [N, L] with 1 ≤ L ≤ MaxLen; the embedding
// checks the values themselves.
func (m *Seq2SeqTransformer) checkIDs(op, name string, ids *tensor.Tensor, vocab int) {
	sh := ids.Shape()
	if len(sh) != 2 || sh[0] < 1 || sh[1] < 1 || sh[1] > m.Options.MaxLen {
		panic(fmt.Sprintf("deepgo: Seq2SeqTransformer: %s: %s %v: want [N L] ids with 1 <= L <= %d (vocabulary %d)", op, name, sh, m.Options.MaxLen, vocab))
	}
}

// KeepAttention switches the keeping of the decoder's attention maps on or
// off; CrossAttention returns them.
func (m *Seq2SeqTransformer) KeepAttention(on bool) { m.Transformer.Decoder.KeepAttention(on) }

// CrossAttention returns, per decoder layer, the per-head attention weights
// from the target to the source of the last forward, [N, NHead, T, S], or
// nil entries when KeepAttention was off.
func (m *Seq2SeqTransformer) CrossAttention() []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(m.Transformer.Decoder.Layers))
	for i, l := range m.Transformer.Decoder.Layers {
		out[i] = l.CrossAttention()
	}
	return out
}
