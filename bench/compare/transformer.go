package main

import (
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// The transformer classifier of ../shared/PYTORCH-REFERENCE.md, trained as
// bench/pytorch/cases.py's transformer_train does: token embedding (10000
// words, d 128) plus learned positions, two post-norm encoder layers (4
// heads, feed-forward 512, ReLU, dropout 0.1, batch first), the mean over
// the sequence, Linear 128->2 and cross-entropy; SGD lr 0.01, sequences of
// 64 tokens, batches of 64.
func init() { allCases = append(allCases, transformerTrainCase()) }

const (
	tfVocab, tfD, tfHeads, tfFF, tfLayers = 10000, 128, 4, 512, 2
	tfSeq, tfBatch, tfClasses             = 64, 64, 2
)

// transformerClassifier embeds tokens with its own [vocab, d] table (a
// plain IndexSelect, so that the case does not depend on nn.Embedding).
type transformerClassifier struct {
	nn.Base
	embedding *tensor.Tensor // [vocab, d]
	pos       *nn.LearnedPositionalEmbedding
	encoder   *nn.TransformerEncoder
	head      *nn.Linear
}

func newTransformerClassifier(g *tensor.RNG) *transformerClassifier {
	m := &transformerClassifier{
		embedding: tensor.Randn(g, tfVocab, tfD),
		pos:       nn.NewLearnedPositionalEmbedding(tfSeq, tfD, nn.PositionalOptions{BatchFirst: true}, g),
		encoder: nn.NewTransformerEncoder(nn.NewTransformerEncoderLayer(tfD, tfHeads,
			nn.TransformerLayerOptions{DimFeedforward: tfFF, BatchFirst: true}, g), tfLayers, nil),
		head: nn.NewLinear(tfD, tfClasses, g),
	}
	m.RegisterParameter("embedding", m.embedding)
	m.RegisterModule("pos", m.pos)
	m.RegisterModule("encoder", m.encoder)
	m.RegisterModule("head", m.head)
	return m
}

// Forward panics: the classifier reads token ids, see logits.
func (m *transformerClassifier) Forward(*tensor.Tensor) *tensor.Tensor { panic("use logits") }

// logits maps tokens [batch·seq] (row-major [batch, seq]) to [batch, classes].
func (m *transformerClassifier) logits(tokens []int, batch int) *tensor.Tensor {
	x := m.embedding.IndexSelect(0, tokens).Reshape(batch, len(tokens)/batch, tfD)
	x = m.encoder.Forward(m.pos.Forward(x))
	return m.head.Forward(x.Mean(1))
}

func transformerTrainCase() *benchCase {
	return &benchCase{
		name:  "transformer-train",
		unit:  "samples/s",
		heavy: true,
		deepgo: func() func() {
			g := tensor.NewRNG(1)
			model := newTransformerClassifier(g)
			nn.Train(model)
			opt := optim.NewSGD(nn.Parameters(model), optim.SGDConfig{LR: 0.01})
			tokens := make([]int, tfBatch*tfSeq)
			for i := range tokens {
				tokens[i] = g.IntN(tfVocab)
			}
			y := tensor.Zeros(tfBatch)
			for i := range y.Data() {
				y.Data()[i] = float32(g.IntN(tfClasses))
			}
			return func() {
				loss := nn.CrossEntropy(model.logits(tokens, tfBatch), y, nn.CrossEntropyOptions{})
				opt.ZeroGrad()
				loss.Backward()
				opt.Step()
			}
		},
		unitsPerSecond: func(s float64) float64 { return tfBatch / s },
	}
}
