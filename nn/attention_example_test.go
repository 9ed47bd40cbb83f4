package nn_test

import (
	"fmt"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// Self-attention over a batch of two sequences of five tokens, the second
// sequence padded after three tokens, each token seeing only itself and
// earlier ones. The weights come back per head for attention maps.
func ExampleMultiheadAttention() {
	mha := nn.NewMultiheadAttention(16, 4, nn.MultiheadAttentionOptions{BatchFirst: true}, tensor.NewRNG(1))
	x := tensor.Randn(tensor.NewRNG(2), 2, 5, 16) // [N L E]
	tokens := tensor.FromSlice([]float32{7, 3, 9, 4, 2, 5, 8, 1, 0, 0}, 2, 5)
	padding := nn.BoolMask(tokens.Eq(tensor.Scalar(0))) // 1 where the token is padding
	out, w := mha.Attend(x, x, x, nn.AttendOptions{
		KeyPaddingMask: padding,
		AttnMask:       nn.CausalMask(5),
		Weights:        nn.WeightsPerHead,
	})
	fmt.Println("out", out.Shape(), "weights", w.Shape())
	fmt.Println(nn.StateDictNames(mha))
	// Output:
	// out [2 5 16] weights [2 4 5 5]
	// [in_proj_weight in_proj_bias out_proj.weight out_proj.bias]
}

// The course's formula softmax(q·kᵀ/√d)·v on its own.
func ExampleScaledDotProductAttention() {
	q := tensor.FromSlice([]float32{1, 0, 0, 1}, 2, 2)
	k := tensor.FromSlice([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	v := tensor.FromSlice([]float32{1, 2, 3}, 3, 1)
	out, w := nn.ScaledDotProductAttention(q, k, v, nil, nn.AttentionOptions{})
	fmt.Printf("weights %.3f\n", w.Data())
	fmt.Printf("out %.3f\n", out.Data())
	// Output:
	// weights [0.401 0.198 0.401 0.198 0.401 0.401]
	// out [2.000 2.203]
}

// A two-layer encoder classifier's body: learned positions, the encoder,
// and its attention maps (layers × heads) after a forward.
func ExampleTransformerEncoder() {
	rng := tensor.NewRNG(1)
	pos := nn.NewLearnedPositionalEmbedding(64, 32, nn.PositionalOptions{BatchFirst: true}, rng)
	layer := nn.NewTransformerEncoderLayer(32, 4, nn.TransformerLayerOptions{DimFeedforward: 64, BatchFirst: true}, rng)
	enc := nn.NewTransformerEncoder(layer, 2, nil)
	enc.KeepAttention(true)
	nn.Eval(enc)

	x := tensor.Randn(rng, 8, 10, 32) // [N S d] token embeddings
	h := enc.Forward(pos.Forward(x))
	fmt.Println("output", h.Shape())
	for i, maps := range enc.Attention() {
		fmt.Println("layer", i, "maps", maps.Shape())
	}
	fmt.Println(nn.StateDictNames(enc)[:4])
	// Output:
	// output [8 10 32]
	// layer 0 maps [8 4 10 10]
	// layer 1 maps [8 4 10 10]
	// [layers.0.self_attn.in_proj_weight layers.0.self_attn.in_proj_bias layers.0.self_attn.out_proj.weight layers.0.self_attn.out_proj.bias]
}

// torch.nn.Transformer: the decoder reads the target with a causal mask
// while attending to the encoded source.
func ExampleTransformer() {
	tr := nn.NewTransformer(nn.TransformerOptions{DModel: 16, NHead: 2, NumEncoderLayers: 2, NumDecoderLayers: 2,
		TransformerLayerOptions: nn.TransformerLayerOptions{DimFeedforward: 32}}, tensor.NewRNG(1))
	src := tensor.Randn(tensor.NewRNG(2), 7, 3, 16) // [S N d]
	tgt := tensor.Randn(tensor.NewRNG(3), 5, 3, 16) // [T N d]
	out := tr.Transform(src, tgt, nn.TransformerMasks{TgtMask: nn.CausalMask(5)})
	fmt.Println(out.Shape(), nn.NumParameters(tr)) // PyTorch: 11200 too
	// Output:
	// [5 3 16] 11200
}
