package main

import (
	"fmt"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// The lecture's MNIST MLP (784-64-32-10, ReLU, cross-entropy), trained with
// SGD lr 0.01 on synthetic inputs, as ../shared/PYTORCH-REFERENCE.md runs it.
func init() {
	allCases = append(allCases, mnistTrainCase(64), mnistTrainCase(256), mnistInferCase(1000))
}

func mnistMLP(g *tensor.RNG) *nn.Sequential {
	return nn.NewSequential(
		nn.NewLinear(784, 64, g), nn.NewReLU(),
		nn.NewLinear(64, 32, g), nn.NewReLU(),
		nn.NewLinear(32, 10, g))
}

func mnistBatch(g *tensor.RNG, batch int) (x, y *tensor.Tensor) {
	x = tensor.Randn(g, batch, 784)
	y = tensor.Zeros(batch)
	for i := range y.Data() {
		y.Data()[i] = float32(g.IntN(10))
	}
	return x, y
}

func mnistTrainCase(batch int) *benchCase {
	return &benchCase{
		name: fmt.Sprintf("mnist-mlp-train-b%d", batch),
		unit: "samples/s",
		deepgo: func() func() {
			g := tensor.NewRNG(1)
			model := mnistMLP(g)
			opt := optim.NewSGD(nn.Parameters(model), optim.SGDConfig{LR: 0.01})
			x, y := mnistBatch(g, batch)
			return func() {
				loss := nn.CrossEntropy(model.Forward(x), y, nn.CrossEntropyOptions{})
				opt.ZeroGrad()
				loss.Backward()
				opt.Step()
			}
		},
		unitsPerSecond: func(s float64) float64 { return float64(batch) / s },
	}
}

func mnistInferCase(batch int) *benchCase {
	return &benchCase{
		name: "mnist-mlp-infer",
		unit: "samples/s",
		deepgo: func() func() {
			g := tensor.NewRNG(1)
			model := mnistMLP(g)
			nn.Eval(model)
			x, _ := mnistBatch(g, batch)
			return func() { tensor.NoGrad(func() { model.Forward(x).Softmax(1) }) }
		},
		unitsPerSecond: func(s float64) float64 { return float64(batch) / s },
	}
}
