package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// TransformerOptions holds the arguments of NewTransformer, with
// torch.nn.Transformer's defaults for zero values: DModel 512, NHead 8, six
// encoder and six decoder layers, and the layer options' defaults
// (feed-forward 2048, dropout 0.1, ReLU, eps 1e-5, sequence-first,
// post-norm).
type TransformerOptions struct {
	DModel, NHead                      int
	NumEncoderLayers, NumDecoderLayers int
	TransformerLayerOptions
}

// Transformer is torch.nn.Transformer, the encoder-decoder of "Attention Is
// All You Need": an encoder of NumEncoderLayers layers with a final layer
// norm turns the source into a memory, and a decoder of NumDecoderLayers
// layers with a final layer norm reads the target while attending to that
// memory. Token embeddings, positional encodings and the output projection
// are the caller's, as in PyTorch.
//
// Initialization, as in PyTorch: the layers are built as usual, then every
// parameter with more than one dimension (all weight matrices) is redrawn
// with xavier_uniform.
//
// Parameters: "encoder.layers.0.self_attn.in_proj_weight", ...,
// "encoder.norm.weight", "encoder.norm.bias",
// "decoder.layers.0.self_attn.in_proj_weight", ...,
// "decoder.layers.0.multihead_attn.in_proj_weight", ...,
// "decoder.norm.weight", "decoder.norm.bias".
//
// # Shapes
//
//   - src: [S, N, DModel] ([N, S, DModel] with BatchFirst, [S, DModel]
//     unbatched);
//   - tgt: [T, N, DModel] (likewise);
//   - output: tgt's shape.
type Transformer struct {
	Base
	Options TransformerOptions // with defaults filled in
	Encoder *TransformerEncoder
	Decoder *TransformerDecoder
}

// NewTransformer makes an encoder-decoder transformer initialized from rng
// (tensor's default generator when nil), which also draws the dropout
// masks.
func NewTransformer(opt TransformerOptions, rng *tensor.RNG) *Transformer {
	opt = opt.withDefaults()
	eps := LayerNormEps(opt.LayerNormEps)
	t := &Transformer{Options: opt}
	t.Encoder = NewTransformerEncoder(NewTransformerEncoderLayer(opt.DModel, opt.NHead, opt.TransformerLayerOptions, rng),
		opt.NumEncoderLayers, NewLayerNorm([]int{opt.DModel}, eps))
	t.Decoder = NewTransformerDecoder(NewTransformerDecoderLayer(opt.DModel, opt.NHead, opt.TransformerLayerOptions, rng),
		opt.NumDecoderLayers, NewLayerNorm([]int{opt.DModel}, eps))
	t.RegisterModule("encoder", t.Encoder)
	t.RegisterModule("decoder", t.Decoder)
	t.ResetParameters(rng)
	return t
}

// withDefaults fills zero values with torch.nn.Transformer's defaults.
func (opt TransformerOptions) withDefaults() TransformerOptions {
	if opt.DModel == 0 {
		opt.DModel = 512
	}
	if opt.NHead == 0 {
		opt.NHead = 8
	}
	if opt.NumEncoderLayers == 0 {
		opt.NumEncoderLayers = 6
	}
	if opt.NumDecoderLayers == 0 {
		opt.NumDecoderLayers = 6
	}
	opt.TransformerLayerOptions = opt.TransformerLayerOptions.withDefaults("NewTransformer")
	return opt
}

// ResetParameters redraws every parameter with more than one dimension
// with xavier_uniform, as Transformer._reset_parameters does.
func (t *Transformer) ResetParameters(rng *tensor.RNG) {
	for _, p := range Parameters(t) {
		if p.Dim() > 1 {
			XavierUniform(p, 1, rng)
		}
	}
}

// String describes the layer and its options, like PyTorch's repr.
func (t *Transformer) String() string {
	o := t.Options
	return fmt.Sprintf("Transformer(d_model=%d, nhead=%d, num_encoder_layers=%d, num_decoder_layers=%d, dim_feedforward=%d, dropout=%g, activation=%s, batch_first=%t, norm_first=%t)",
		o.DModel, o.NHead, o.NumEncoderLayers, o.NumDecoderLayers, o.DimFeedforward, *o.Dropout, o.Activation, o.BatchFirst, o.NormFirst)
}

// Forward panics: a transformer needs a source and a target; call
// Transform.
func (t *Transformer) Forward(*tensor.Tensor) *tensor.Tensor {
	panic("deepgo: Transformer: Forward has one input; call Transform(src, tgt, masks)")
}

// Transform is PyTorch's Transformer.forward(src, tgt, ...): it encodes src
// with m.SrcMask and m.SrcKeyPadding, then decodes tgt against that memory
// with m.TgtMask, m.MemoryMask, m.TgtKeyPadding and m.MemoryKeyPadding.
func (t *Transformer) Transform(src, tgt *tensor.Tensor, m TransformerMasks) *tensor.Tensor {
	ss, ts := src.Shape(), tgt.Shape()
	d := t.Options.DModel
	if len(ss) != len(ts) || (len(ss) != 2 && len(ss) != 3) || ss[len(ss)-1] != d || ts[len(ts)-1] != d {
		panic(fmt.Sprintf("deepgo: Transformer: src %v and tgt %v: want [S N %d] and [T N %d] (batch first: [N S %d], [N T %d]; or unbatched)",
			ss, ts, d, d, d, d))
	}
	if len(ss) == 3 {
		b := 1
		if t.Options.BatchFirst {
			b = 0
		}
		if ss[b] != ts[b] {
			panic(fmt.Sprintf("deepgo: Transformer: src %v and tgt %v: batch sizes differ", ss, ts))
		}
	}
	memory := t.Encoder.Encode(src, m)
	return t.Decoder.Decode(tgt, memory, m)
}
