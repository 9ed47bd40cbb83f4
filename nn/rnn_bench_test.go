package nn

import (
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// BenchmarkRNNClassifier times forward + backward of bench/compare's
// gru-train and lstm-train models (Embedding 10000×128, one batch-first
// layer 128→128, Linear 128→2 on h_n, cross-entropy; batch 64, 64 steps),
// without the optimizer step:
//
//	go test -bench RNNClassifier -run '^$' ./nn
func BenchmarkRNNClassifier(b *testing.B) {
	const vocab, dim, batch, steps = 10000, 128, 64, 64
	for _, kind := range []string{"gru", "lstm"} {
		b.Run(kind, func(b *testing.B) {
			g := tensor.NewRNG(1)
			emb := NewEmbedding(vocab, dim, g)
			m := newRecurrent(kind, dim, dim, RNNOptions{BatchFirst: true}, g)
			fc := NewLinear(dim, 2, g)
			ids, y := tensor.Zeros(batch, steps), tensor.Zeros(batch)
			for i := range ids.Data() {
				ids.Data()[i] = float32(g.IntN(vocab))
			}
			for b.Loop() {
				_, h, _ := m.run(emb.Forward(ids), nil, nil, nil)
				CrossEntropy(fc.Forward(h.Reshape(batch, dim)), y, CrossEntropyOptions{}).Backward()
				emb.Weight.ZeroGrad()
				ZeroGrad(fc)
				for _, p := range m.NamedParameters() {
					p.Tensor.ZeroGrad()
				}
			}
			b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
