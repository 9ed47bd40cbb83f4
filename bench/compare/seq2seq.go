package main

import (
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// One training step of `deepgo seq2seq`'s default model, as
// bench/pytorch/cases.py's seq2seq_train does it: the encoder-decoder
// transformer (d 64, 4 heads, 2+2 post-norm layers, feed-forward 256, ReLU,
// dropout 0.1, batch first) on 128 random sources of 31 characters and
// targets of 11 (vocabularies 43 and 14), with embeddings scaled by √d,
// sinusoidal positions, a causal target mask and key padding masks,
// teacher-forced cross-entropy (ignore index 0) and an Adam step.
func init() { allCases = append(allCases, seq2seqTrainCase()) }

const (
	s2sSrcVocab, s2sTgtVocab = 43, 14
	s2sSrcLen, s2sTgtLen     = 31, 11
	s2sBatch                 = 128
)

func seq2seqTrainCase() *benchCase {
	return &benchCase{
		name:  "seq2seq-train",
		unit:  "samples/s",
		heavy: true,
		deepgo: func() func() {
			g := tensor.NewRNG(1)
			model := models.NewSeq2SeqTransformer(models.Seq2SeqOptions{SrcVocab: s2sSrcVocab, TgtVocab: s2sTgtVocab,
				DModel: 64, NHead: 4, NumEncoderLayers: 2, NumDecoderLayers: 2, DimFeedforward: 256}, g)
			nn.Train(model)
			opt := optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 5e-4})
			ids := func(n, l, vocab int) *tensor.Tensor { // no padding: ids 3.. (1 and 2 are BOS and EOS)
				t := tensor.Zeros(n, l)
				for i := range t.Data() {
					t.Data()[i] = float32(3 + g.IntN(vocab-3))
				}
				return t
			}
			src, tgtIn, tgtOut := ids(s2sBatch, s2sSrcLen, s2sSrcVocab), ids(s2sBatch, s2sTgtLen, s2sTgtVocab), ids(s2sBatch*s2sTgtLen, 1, s2sTgtVocab)
			tgtOut = tgtOut.Reshape(s2sBatch * s2sTgtLen)
			return func() {
				logits := model.Logits(src, tgtIn).Reshape(s2sBatch*s2sTgtLen, s2sTgtVocab)
				loss := nn.CrossEntropy(logits, tgtOut, nn.CrossEntropyOptions{IgnoreIndex: new(0)})
				opt.ZeroGrad()
				loss.Backward()
				opt.Step()
			}
		},
		unitsPerSecond: func(s float64) float64 { return s2sBatch / s },
	}
}
