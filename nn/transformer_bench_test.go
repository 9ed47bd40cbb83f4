package nn

import (
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// BenchmarkTransformerEncoderTrain is the encoder of bench/compare's
// transformer-train case (2 post-norm layers, d 128, 4 heads, ff 512,
// dropout 0.1, batch 64 × 64 tokens), forward and backward, for profiling:
//
//	go test -bench TransformerEncoderTrain -run '^$' -cpuprofile cpu.out ./nn
func BenchmarkTransformerEncoderTrain(b *testing.B) {
	g := tensor.NewRNG(1)
	enc := NewTransformerEncoder(NewTransformerEncoderLayer(128, 4, TransformerLayerOptions{DimFeedforward: 512, BatchFirst: true}, g), 2, nil)
	x := tensor.Randn(g, 64, 64, 128).SetRequiresGrad(true)
	u := tensor.Randn(g, 64, 64, 128)
	for b.Loop() {
		ZeroGrad(enc)
		x.ZeroGrad()
		enc.Forward(x).Mul(u).Sum().Backward()
	}
}

// BenchmarkDropMask times the dropout mask on a [4096, 512] activation,
// the feed-forward block of the transformer benchmark.
func BenchmarkDropMask(b *testing.B) {
	x := tensor.Randn(tensor.NewRNG(1), 4096*512).Data()
	dst := make([]float32, len(x))
	m := newDropMask(0.1, tensor.NewRNG(2))
	b.SetBytes(int64(4 * len(x)))
	for b.Loop() {
		m.apply(dst, x, 0, nil)
	}
}
