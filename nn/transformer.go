package nn

import (
	"fmt"
	"strconv"

	"github.com/deepgo/deepgo/tensor"
)

// TransformerLayerOptions holds the arguments of the transformer layers
// after d_model and nhead, with PyTorch's defaults for zero values:
//
//   - DimFeedforward: hidden size of the feed-forward block (default 2048).
//   - Dropout: dropout probability after the attention and feed-forward
//     blocks, inside the feed-forward block and on the attention weights;
//     nil means PyTorch's 0.1, new(0.0) turns dropout off.
//   - Activation: "relu" (default) or "gelu" (the exact, erf-based GELU).
//   - LayerNormEps: eps of the layer norms (default 1e-5).
//   - BatchFirst: inputs and outputs are [N, L, E] instead of [L, N, E].
//   - NormFirst: pre-norm, x + block(norm(x)), instead of the original
//     post-norm, norm(x + block(x)).
type TransformerLayerOptions struct {
	DimFeedforward int
	Dropout        *float64
	Activation     string
	LayerNormEps   float64
	BatchFirst     bool
	NormFirst      bool
}

// withDefaults fills zero values with PyTorch's defaults and checks them.
func (o TransformerLayerOptions) withDefaults(op string) TransformerLayerOptions {
	if o.DimFeedforward == 0 {
		o.DimFeedforward = 2048
	}
	if o.Dropout == nil {
		o.Dropout = new(0.1)
	} else {
		o.Dropout = new(*o.Dropout) // our own copy: the caller's may change
	}
	if o.Activation == "" {
		o.Activation = "relu"
	}
	if o.LayerNormEps == 0 {
		o.LayerNormEps = 1e-5
	}
	if o.DimFeedforward < 0 {
		panic(fmt.Sprintf("deepgo: %s: dim_feedforward=%d must be positive", op, o.DimFeedforward))
	}
	if o.Activation != "relu" && o.Activation != "gelu" {
		panic(fmt.Sprintf("deepgo: %s: activation %q: want relu or gelu", op, o.Activation))
	}
	checkDropP(op, *o.Dropout)
	return o
}

func (o TransformerLayerOptions) act() ffActivation {
	if o.Activation == "gelu" {
		return ffGELU
	}
	return ffReLU
}

// TransformerMasks are the masks of the transformer modules, as the
// arguments of torch.nn.Transformer.forward; nil fields mean no mask. The
// encoder reads the Src fields, the decoder the Tgt and Memory ones.
//
//   - SrcMask [S, S] (or [N·nhead, S, S]): which source positions each
//     source position attends to in the encoder's self-attention;
//   - TgtMask [T, T]: the same for the decoder's self-attention, usually
//     CausalMask(T) so that no position sees later ones;
//   - MemoryMask [T, S]: which source positions each target position
//     attends to in the decoder's cross-attention;
//   - SrcKeyPadding [N, S], TgtKeyPadding [N, T], MemoryKeyPadding [N, S]:
//     padded positions to ignore as keys (usually BoolMask(ids.Eq(pad))).
type TransformerMasks struct {
	SrcMask, TgtMask, MemoryMask                   *Mask
	SrcKeyPadding, TgtKeyPadding, MemoryKeyPadding *Mask
}

// TransformerEncoderLayer is torch.nn.TransformerEncoderLayer: self-attention
// followed by a two-layer feed-forward network, each inside a residual
// connection with layer normalization:
//
//	post-norm (default):  x = norm1(x + sa(x));  x = norm2(x + ff(x))
//	pre-norm (NormFirst): x = x + sa(norm1(x));  x = x + ff(norm2(x))
//
// with sa(x) = dropout1(self_attn(x, x, x)) and
// ff(x) = dropout2(linear2(dropout(activation(linear1(x))))).
//
// Dropout acts in training mode only. The residual additions and the
// activation are fused with their dropout (transformer_ops.go); the
// attention is MultiheadAttention's fused op.
//
// Parameters: "self_attn.in_proj_weight", "self_attn.in_proj_bias",
// "self_attn.out_proj.weight", "self_attn.out_proj.bias",
// "linear1.weight" [ff, d], "linear1.bias", "linear2.weight" [d, ff],
// "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight",
// "norm2.bias", initialized as each of those layers is in PyTorch.
//
// Set KeepAttention to keep the per-head attention weights of every
// forward, for attention maps (Attention returns them).
//
// # Shapes
//
//   - src: [S, N, d] ([N, S, d] with BatchFirst, [S, d] unbatched);
//   - output: src's shape.
type TransformerEncoderLayer struct {
	Base
	DModel, NHead int
	Options       TransformerLayerOptions // with defaults filled in
	SelfAttn      *MultiheadAttention
	Linear1       *Linear // d → DimFeedforward
	Linear2       *Linear // DimFeedforward → d
	Norm1, Norm2  *LayerNorm
	// KeepAttention makes every forward keep the self-attention weights
	// per head, outside the graph, for Attention.
	KeepAttention bool
	attention     *tensor.Tensor
	rng           *tensor.RNG
}

// NewTransformerEncoderLayer makes an encoder layer of width dModel with
// nhead attention heads, initialized from rng (tensor's default generator
// when nil), which also draws the dropout masks.
func NewTransformerEncoderLayer(dModel, nhead int, opt TransformerLayerOptions, rng *tensor.RNG) *TransformerEncoderLayer {
	opt = opt.withDefaults("NewTransformerEncoderLayer")
	l := &TransformerEncoderLayer{DModel: dModel, NHead: nhead, Options: opt, rng: rng}
	l.SelfAttn = NewMultiheadAttention(dModel, nhead, MultiheadAttentionOptions{Dropout: *opt.Dropout, BatchFirst: opt.BatchFirst}, rng)
	l.Linear1 = NewLinear(dModel, opt.DimFeedforward, rng)
	l.Linear2 = NewLinear(opt.DimFeedforward, dModel, rng)
	l.Norm1 = NewLayerNorm([]int{dModel}, LayerNormEps(opt.LayerNormEps))
	l.Norm2 = NewLayerNorm([]int{dModel}, LayerNormEps(opt.LayerNormEps))
	l.RegisterModule("self_attn", l.SelfAttn)
	l.RegisterModule("linear1", l.Linear1)
	l.RegisterModule("linear2", l.Linear2)
	l.RegisterModule("norm1", l.Norm1)
	l.RegisterModule("norm2", l.Norm2)
	return l
}

// clone returns a layer with the same options and a copy of l's
// parameters (PyTorch's copy.deepcopy in _get_clones), sharing l's
// dropout generator.
func (l *TransformerEncoderLayer) clone() *TransformerEncoderLayer {
	c := NewTransformerEncoderLayer(l.DModel, l.NHead, l.Options, tensor.NewRNG(0))
	copyParamValues(c, l)
	c.rng, c.SelfAttn.rng = l.rng, l.rng
	c.SetTraining(l.Training())
	return c
}

// copyParamValues copies src's parameter values into dst, which has the same
// architecture.
func copyParamValues(dst, src Module) {
	d, s := dst.NamedParameters(), src.NamedParameters()
	for i := range d {
		copy(d[i].Tensor.Data(), s[i].Tensor.Data())
	}
}

// String describes the layer and its options, like PyTorch's repr.
func (l *TransformerEncoderLayer) String() string {
	return fmt.Sprintf("TransformerEncoderLayer(d_model=%d, nhead=%d, dim_feedforward=%d, dropout=%g, activation=%s, batch_first=%t, norm_first=%t)",
		l.DModel, l.NHead, l.Options.DimFeedforward, *l.Options.Dropout, l.Options.Activation, l.Options.BatchFirst, l.Options.NormFirst)
}

// Forward encodes src without masks.
func (l *TransformerEncoderLayer) Forward(src *tensor.Tensor) *tensor.Tensor {
	return l.Encode(src, TransformerMasks{})
}

// Encode is PyTorch's forward(src, src_mask, src_key_padding_mask): it
// reads m.SrcMask and m.SrcKeyPadding.
func (l *TransformerEncoderLayer) Encode(src *tensor.Tensor, m TransformerMasks) *tensor.Tensor {
	x := src
	if l.Options.NormFirst {
		x = addDropout(x, l.selfAttention(l.Norm1.Forward(x), m), l.drop())
		return addDropout(x, l.feedForward(l.Norm2.Forward(x)), l.drop())
	}
	x = l.Norm1.Forward(addDropout(x, l.selfAttention(x, m), l.drop()))
	return l.Norm2.Forward(addDropout(x, l.feedForward(x), l.drop()))
}

// drop returns a fresh dropout mask in training mode, else the identity.
func (l *TransformerEncoderLayer) drop() dropMask { return trainingDrop(l, *l.Options.Dropout, l.rng) }

func trainingDrop(m Module, p float64, rng *tensor.RNG) dropMask {
	if !m.Training() {
		return dropMask{}
	}
	return newDropMask(p, rng)
}

func (l *TransformerEncoderLayer) selfAttention(x *tensor.Tensor, m TransformerMasks) *tensor.Tensor {
	out, w := l.SelfAttn.attend(x, x, x, AttendOptions{AttnMask: m.SrcMask, KeyPaddingMask: m.SrcKeyPadding, Weights: WeightsNone}, keepMode(l.KeepAttention))
	l.attention = unbatchedWeights(w, x)
	return out
}

// unbatchedWeights drops the batch axis of kept weights [1, H, L, S] when
// the input x was unbatched.
func unbatchedWeights(w, x *tensor.Tensor) *tensor.Tensor {
	if w != nil && x.Dim() == 2 {
		return w.Reshape(w.Shape()[1:]...)
	}
	return w
}

// keepMode is the weights mode of a layer's attention: detached per-head
// weights when the layer keeps its attention maps, none otherwise.
func keepMode(keep bool) weightsMode {
	if keep {
		return weightsDetached
	}
	return weightsOff
}

// feedForward is linear2(dropout(activation(linear1(x)))), without the
// final dropout (fused into the residual addition).
func (l *TransformerEncoderLayer) feedForward(x *tensor.Tensor) *tensor.Tensor {
	return feedForwardOp(x, l.Linear1, l.Linear2, l.Options.act(), l.drop())
}

// Attention returns the per-head self-attention weights of the last
// forward, [N, NHead, S, S] ([NHead, S, S] unbatched), or nil when
// KeepAttention was off. They are a copy outside the graph.
func (l *TransformerEncoderLayer) Attention() *tensor.Tensor { return l.attention }

// TransformerEncoder is torch.nn.TransformerEncoder: NumLayers copies of an
// encoder layer applied in turn, then an optional final layer norm.
//
// Like PyTorch, NewTransformerEncoder deep-copies the given layer, so every
// layer starts with the same weights.
//
// Parameters: "layers.0.self_attn.in_proj_weight", ... for every layer
// (see TransformerEncoderLayer), then "norm.weight" and "norm.bias" with a
// final norm.
//
// # Shapes
//
//   - src: [S, N, d] ([N, S, d] with BatchFirst, [S, d] unbatched);
//   - output: src's shape.
type TransformerEncoder struct {
	Base
	Layers []*TransformerEncoderLayer
	Norm   *LayerNorm // nil for none
}

// NewTransformerEncoder stacks numLayers copies of layer, followed by norm
// when it is not nil.
func NewTransformerEncoder(layer *TransformerEncoderLayer, numLayers int, norm *LayerNorm) *TransformerEncoder {
	if layer == nil || numLayers <= 0 {
		panic(fmt.Sprintf("deepgo: NewTransformerEncoder: need a layer and num_layers=%d > 0", numLayers))
	}
	e := &TransformerEncoder{Norm: norm}
	e.Layers = stackLayers(&e.Base, layer, numLayers, norm)
	return e
}

// stackLayers registers numLayers clones of layer with b as "layers.0",
// "layers.1", ..., then norm as "norm" when it is not nil, and returns the
// clones: the layout of PyTorch's TransformerEncoder and Decoder.
func stackLayers[L interface {
	Module
	clone() L
}](b *Base, layer L, numLayers int, norm *LayerNorm) []L {
	list := &moduleList{}
	layers := make([]L, numLayers)
	for i := range layers {
		layers[i] = layer.clone()
		list.RegisterModule(strconv.Itoa(i), layers[i])
	}
	b.RegisterModule("layers", list)
	if norm != nil {
		b.RegisterModule("norm", norm)
	}
	return layers
}

// Forward encodes src without masks.
func (e *TransformerEncoder) Forward(src *tensor.Tensor) *tensor.Tensor {
	return e.Encode(src, TransformerMasks{})
}

// Encode runs src through every layer with the masks m.SrcMask and
// m.SrcKeyPadding, then through the final norm.
func (e *TransformerEncoder) Encode(src *tensor.Tensor, m TransformerMasks) *tensor.Tensor {
	x := src
	for _, l := range e.Layers {
		x = l.Encode(x, m)
	}
	if e.Norm != nil {
		x = e.Norm.Forward(x)
	}
	return x
}

// KeepAttention switches the keeping of attention maps on or off in every
// layer.
func (e *TransformerEncoder) KeepAttention(on bool) {
	for _, l := range e.Layers {
		l.KeepAttention = on
	}
}

// Attention returns each layer's per-head attention weights from the last
// forward, [N, NHead, S, S] per layer (nil entries for layers that did not
// keep them): the layers × heads grid of attention maps.
func (e *TransformerEncoder) Attention() []*tensor.Tensor {
	out := make([]*tensor.Tensor, len(e.Layers))
	for i, l := range e.Layers {
		out[i] = l.Attention()
	}
	return out
}

// moduleList is torch.nn.ModuleList: children named "0", "1", ... with no
// Forward of its own.
type moduleList struct{ Base }

func (*moduleList) Forward(*tensor.Tensor) *tensor.Tensor {
	panic("deepgo: ModuleList has no Forward; call its modules")
}
