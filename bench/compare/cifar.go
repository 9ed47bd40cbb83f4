package main

import (
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// The lecture's three CIFAR-10 models (package models) trained with SGD
// lr 0.01 and cross-entropy on synthetic 3×32×32 batches of 64, model 3 also
// in inference, and the 3×3 convolution that dominates model 3's time, as
// ../shared/PYTORCH-REFERENCE.md runs them.
func init() {
	allCases = append(allCases,
		cifarTrainCase("cifar-model1-train", func(g *tensor.RNG) *nn.Sequential { return models.CIFARModel1(g) }),
		cifarTrainCase("cifar-model2-train", func(g *tensor.RNG) *nn.Sequential { return models.CIFARModel2(g) }),
		cifarTrainCase("cifar-model3-train", cifarModel3),
		cifarModel3InferCase(),
		conv3x3Case(),
	)
}

const cifarBatch = 64

func cifarModel3(g *tensor.RNG) *nn.Sequential { return models.CIFARModel3(g, tensor.NewRNG(2)) }

func cifarBatchData(g *tensor.RNG, batch int) (x, y *tensor.Tensor) {
	x = tensor.Randn(g, batch, 3, 32, 32)
	y = tensor.Zeros(batch)
	for i := range y.Data() {
		y.Data()[i] = float32(g.IntN(10))
	}
	return x, y
}

func cifarTrainCase(name string, build func(*tensor.RNG) *nn.Sequential) *benchCase {
	return &benchCase{
		name:  name,
		unit:  "samples/s",
		heavy: name == "cifar-model3-train",
		deepgo: func() func() {
			g := tensor.NewRNG(1)
			model := build(g)
			nn.Train(model)
			opt := optim.NewSGD(nn.Parameters(model), optim.SGDConfig{LR: 0.01})
			x, y := cifarBatchData(g, cifarBatch)
			return func() {
				loss := nn.CrossEntropy(model.Forward(x), y, nn.CrossEntropyOptions{})
				opt.ZeroGrad()
				loss.Backward()
				opt.Step()
			}
		},
		unitsPerSecond: func(s float64) float64 { return cifarBatch / s },
	}
}

func cifarModel3InferCase() *benchCase {
	return &benchCase{
		name:  "cifar-model3-infer",
		unit:  "samples/s",
		heavy: true,
		deepgo: func() func() {
			g := tensor.NewRNG(1)
			model := cifarModel3(g)
			nn.Eval(model)
			x, _ := cifarBatchData(g, cifarBatch)
			return func() { tensor.NoGrad(func() { model.Forward(x) }) }
		},
		unitsPerSecond: func(s float64) float64 { return cifarBatch / s },
	}
}

// Conv2d 64->64, 3×3, padding 1 on [64, 64, 32, 32]: forward, then backward
// of the sum into the input, the weight and the bias.
const (
	convN, convC, convHW = 64, 64, 32
	// convFlops counts the forward's multiply-adds as 2 flops; the backward
	// costs twice the forward (input gradient and weight gradient).
	convFlops = 3 * 2 * convN * convC * convC * 9 * convHW * convHW
)

func conv3x3Case() *benchCase {
	return &benchCase{
		name:  "conv3x3-64-fwdbwd",
		unit:  "GFLOP/s",
		heavy: true,
		deepgo: func() func() {
			g := tensor.NewRNG(1)
			conv := nn.NewConv2d(convC, convC, nn.Conv2dOptions{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}}, g)
			x := tensor.Randn(g, convN, convC, convHW, convHW).SetRequiresGrad(true)
			return func() {
				nn.ZeroGrad(conv)
				x.ZeroGrad()
				conv.Forward(x).Sum().Backward()
			}
		},
		unitsPerSecond: func(s float64) float64 { return convFlops / s / 1e9 },
	}
}
