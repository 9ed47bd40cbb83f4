package main

import (
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// The GRU and LSTM sequence classifiers: Embedding 10000×128, one
// batch-first recurrent layer 128→128, the last hidden state through
// Linear 128→2, cross-entropy, SGD lr 0.01, on batches of 64 random
// sequences of 64 token ids. The PyTorch side is gru_train and lstm_train in
// bench/pytorch/cases.py.
func init() {
	allCases = append(allCases, rnnTrainCase("gru-train"), rnnTrainCase("lstm-train"))
}

const (
	rnnVocab  = 10000
	rnnEmbed  = 128
	rnnHidden = 128
	rnnSeq    = 64
	rnnBatch  = 64
)

func rnnTrainCase(name string) *benchCase {
	return &benchCase{
		name: name,
		unit: "samples/s",
		deepgo: func() func() {
			g := tensor.NewRNG(1)
			emb := nn.NewEmbedding(rnnVocab, rnnEmbed, g)
			opt := nn.RNNOptions{BatchFirst: true}
			// lastHidden runs the recurrent layer and returns h_n of its
			// only layer, [B, H].
			var lastHidden func(x *tensor.Tensor) *tensor.Tensor
			var rnn nn.Module
			if name == "lstm-train" {
				lstm := nn.NewLSTM(rnnEmbed, rnnHidden, opt, g)
				rnn = lstm
				lastHidden = func(x *tensor.Tensor) *tensor.Tensor {
					_, h, _ := lstm.ForwardState(x, nil, nil, nil)
					return h.Reshape(rnnBatch, rnnHidden)
				}
			} else {
				gru := nn.NewGRU(rnnEmbed, rnnHidden, opt, g)
				rnn = gru
				lastHidden = func(x *tensor.Tensor) *tensor.Tensor {
					_, h := gru.ForwardState(x, nil, nil)
					return h.Reshape(rnnBatch, rnnHidden)
				}
			}
			fc := nn.NewLinear(rnnHidden, 2, g)
			var params []*tensor.Tensor
			for _, m := range []nn.Module{emb, rnn, fc} {
				params = append(params, nn.Parameters(m)...)
			}
			sgd := optim.NewSGD(params, optim.SGDConfig{LR: 0.01})
			ids, y := tensor.Zeros(rnnBatch, rnnSeq), tensor.Zeros(rnnBatch)
			for i := range ids.Data() {
				ids.Data()[i] = float32(g.IntN(rnnVocab))
			}
			for i := range y.Data() {
				y.Data()[i] = float32(g.IntN(2))
			}
			return func() {
				logits := fc.Forward(lastHidden(emb.Forward(ids)))
				loss := nn.CrossEntropy(logits, y, nn.CrossEntropyOptions{})
				sgd.ZeroGrad()
				loss.Backward()
				sgd.Step()
			}
		},
		unitsPerSecond: func(s float64) float64 { return rnnBatch / s },
	}
}
