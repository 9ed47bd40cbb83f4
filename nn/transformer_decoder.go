package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// TransformerDecoderLayer is torch.nn.TransformerDecoderLayer:
// self-attention over the target, cross-attention from the target to the
// encoder's output (the memory), and the feed-forward network, each inside
// a residual connection with layer normalization:
//
//	post-norm: x = norm1(x + sa(x)); x = norm2(x + ca(x, mem)); x = norm3(x + ff(x))
//	pre-norm:  x = x + sa(norm1(x)); x = x + ca(norm2(x), mem); x = x + ff(norm3(x))
//
// with dropout1, dropout2 and dropout3 on the three blocks' outputs and
// dropout inside ff, in training mode only.
//
// Parameters: "self_attn.*" and "multihead_attn.*" (see
// MultiheadAttention), "linear1.*", "linear2.*", "norm1.*", "norm2.*",
// "norm3.*".
//
// Set KeepAttention to keep both attentions' per-head weights
// (SelfAttention and CrossAttention return them).
//
// # Shapes
//
//   - tgt: [T, N, d] ([N, T, d] with BatchFirst, [T, d] unbatched);
//   - memory: [S, N, d] (likewise);
//   - output: tgt's shape.
type TransformerDecoderLayer struct {
	Base
	DModel, NHead       int
	Options             TransformerLayerOptions // with defaults filled in
	SelfAttn            *MultiheadAttention
	MultiheadAttn       *MultiheadAttention // the cross-attention
	Linear1, Linear2    *Linear
	Norm1, Norm2, Norm3 *LayerNorm
	// KeepAttention makes every forward keep both attentions' weights per
	// head, outside the graph.
	KeepAttention bool
	selfW, crossW *tensor.Tensor
	rng           *tensor.RNG
}

// NewTransformerDecoderLayer makes a decoder layer of width dModel with
// nhead heads, initialized from rng (tensor's default generator when nil),
// which also draws the dropout masks.
func NewTransformerDecoderLayer(dModel, nhead int, opt TransformerLayerOptions, rng *tensor.RNG) *TransformerDecoderLayer {
	opt = opt.withDefaults("NewTransformerDecoderLayer")
	l := &TransformerDecoderLayer{DModel: dModel, NHead: nhead, Options: opt, rng: rng}
	mha := MultiheadAttentionOptions{Dropout: *opt.Dropout, BatchFirst: opt.BatchFirst}
	l.SelfAttn = NewMultiheadAttention(dModel, nhead, mha, rng)
	l.MultiheadAttn = NewMultiheadAttention(dModel, nhead, mha, rng)
	l.Linear1 = NewLinear(dModel, opt.DimFeedforward, rng)
	l.Linear2 = NewLinear(opt.DimFeedforward, dModel, rng)
	l.Norm1 = NewLayerNorm([]int{dModel}, LayerNormEps(opt.LayerNormEps))
	l.Norm2 = NewLayerNorm([]int{dModel}, LayerNormEps(opt.LayerNormEps))
	l.Norm3 = NewLayerNorm([]int{dModel}, LayerNormEps(opt.LayerNormEps))
	l.RegisterModule("self_attn", l.SelfAttn)
	l.RegisterModule("multihead_attn", l.MultiheadAttn)
	l.RegisterModule("linear1", l.Linear1)
	l.RegisterModule("linear2", l.Linear2)
	l.RegisterModule("norm1", l.Norm1)
	l.RegisterModule("norm2", l.Norm2)
	l.RegisterModule("norm3", l.Norm3)
	return l
}

func (l *TransformerDecoderLayer) clone() *TransformerDecoderLayer {
	c := NewTransformerDecoderLayer(l.DModel, l.NHead, l.Options, tensor.NewRNG(0))
	copyParamValues(c, l)
	c.rng, c.SelfAttn.rng, c.MultiheadAttn.rng = l.rng, l.rng, l.rng
	c.SetTraining(l.Training())
	return c
}

// String describes the layer and its options, like PyTorch's repr.
func (l *TransformerDecoderLayer) String() string {
	return fmt.Sprintf("TransformerDecoderLayer(d_model=%d, nhead=%d, dim_feedforward=%d, dropout=%g, activation=%s, batch_first=%t, norm_first=%t)",
		l.DModel, l.NHead, l.Options.DimFeedforward, *l.Options.Dropout, l.Options.Activation, l.Options.BatchFirst, l.Options.NormFirst)
}

// Forward panics: a decoder layer needs the memory too; call Decode.
func (l *TransformerDecoderLayer) Forward(*tensor.Tensor) *tensor.Tensor {
	panic("deepgo: TransformerDecoderLayer: Forward has no memory input; call Decode(tgt, memory, masks)")
}

// Decode is PyTorch's forward(tgt, memory, tgt_mask, memory_mask,
// tgt_key_padding_mask, memory_key_padding_mask): it reads m.TgtMask,
// m.MemoryMask, m.TgtKeyPadding and m.MemoryKeyPadding.
func (l *TransformerDecoderLayer) Decode(tgt, memory *tensor.Tensor, m TransformerMasks) *tensor.Tensor {
	x := tgt
	drop := func() dropMask { return trainingDrop(l, *l.Options.Dropout, l.rng) }
	if l.Options.NormFirst {
		x = addDropout(x, l.selfAttention(l.Norm1.Forward(x), m), drop())
		x = addDropout(x, l.crossAttention(l.Norm2.Forward(x), memory, m), drop())
		return addDropout(x, l.feedForward(l.Norm3.Forward(x)), drop())
	}
	x = l.Norm1.Forward(addDropout(x, l.selfAttention(x, m), drop()))
	x = l.Norm2.Forward(addDropout(x, l.crossAttention(x, memory, m), drop()))
	return l.Norm3.Forward(addDropout(x, l.feedForward(x), drop()))
}

func (l *TransformerDecoderLayer) selfAttention(x *tensor.Tensor, m TransformerMasks) *tensor.Tensor {
	out, w := l.SelfAttn.attend(x, x, x, AttendOptions{AttnMask: m.TgtMask, KeyPaddingMask: m.TgtKeyPadding, Weights: WeightsNone}, keepMode(l.KeepAttention))
	l.selfW = unbatchedWeights(w, x)
	return out
}

func (l *TransformerDecoderLayer) crossAttention(x, memory *tensor.Tensor, m TransformerMasks) *tensor.Tensor {
	out, w := l.MultiheadAttn.attend(x, memory, memory, AttendOptions{AttnMask: m.MemoryMask, KeyPaddingMask: m.MemoryKeyPadding, Weights: WeightsNone}, keepMode(l.KeepAttention))
	l.crossW = unbatchedWeights(w, x)
	return out
}

func (l *TransformerDecoderLayer) feedForward(x *tensor.Tensor) *tensor.Tensor {
	return feedForwardOp(x, l.Linear1, l.Linear2, l.Options.act(), trainingDrop(l, *l.Options.Dropout, l.rng))
}

// SelfAttention returns the per-head self-attention weights of the last
// forward, [N, NHead, T, T], or nil when KeepAttention was off.
func (l *TransformerDecoderLayer) SelfAttention() *tensor.Tensor { return l.selfW }

// CrossAttention returns the per-head weights of the attention from the
// target to the memory in the last forward, [N, NHead, T, S], or nil when
// KeepAttention was off.
func (l *TransformerDecoderLayer) CrossAttention() *tensor.Tensor { return l.crossW }

// TransformerDecoder is torch.nn.TransformerDecoder: NumLayers copies of a
// decoder layer applied in turn, each attending to the same memory, then
// an optional final layer norm. Like PyTorch, NewTransformerDecoder
// deep-copies the layer, so every layer starts with the same weights.
//
// Parameters: "layers.0.self_attn.in_proj_weight", ... for every layer,
// then "norm.weight" and "norm.bias" with a final norm.
//
// # Shapes
//
// As TransformerDecoderLayer.
type TransformerDecoder struct {
	Base
	Layers []*TransformerDecoderLayer
	Norm   *LayerNorm // nil for none
}

// NewTransformerDecoder stacks numLayers copies of layer, followed by norm
// when it is not nil.
func NewTransformerDecoder(layer *TransformerDecoderLayer, numLayers int, norm *LayerNorm) *TransformerDecoder {
	if layer == nil || numLayers <= 0 {
		panic(fmt.Sprintf("deepgo: NewTransformerDecoder: need a layer and num_layers=%d > 0", numLayers))
	}
	d := &TransformerDecoder{Norm: norm}
	d.Layers = stackLayers(&d.Base, layer, numLayers, norm)
	return d
}

// Forward panics: a decoder needs the memory too; call Decode.
func (d *TransformerDecoder) Forward(*tensor.Tensor) *tensor.Tensor {
	panic("deepgo: TransformerDecoder: Forward has no memory input; call Decode(tgt, memory, masks)")
}

// Decode runs tgt through every layer, each attending to memory, then
// through the final norm.
func (d *TransformerDecoder) Decode(tgt, memory *tensor.Tensor, m TransformerMasks) *tensor.Tensor {
	x := tgt
	for _, l := range d.Layers {
		x = l.Decode(x, memory, m)
	}
	if d.Norm != nil {
		x = d.Norm.Forward(x)
	}
	return x
}

// KeepAttention switches the keeping of attention maps on or off in every
// layer.
func (d *TransformerDecoder) KeepAttention(on bool) {
	for _, l := range d.Layers {
		l.KeepAttention = on
	}
}
