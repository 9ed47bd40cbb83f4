package train_test

import (
	"fmt"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// The training loop by hand, without Fit: XOR-like quadrants in 2-D.
func Example_handWrittenLoop() {
	g := tensor.NewRNG(1)
	x := tensor.Uniform(g, -1, 1, 256, 2)
	y := tensor.Zeros(256)
	for i := range y.Data() {
		if x.Data()[2*i]*x.Data()[2*i+1] > 0 {
			y.Data()[i] = 1
		}
	}
	loader := data.NewLoader(data.NewTensorDataset(x, y), data.LoaderConfig{BatchSize: 32, Shuffle: true, Seed: 1})
	model := nn.NewSequential(nn.NewLinear(2, 32, g), nn.NewReLU(), nn.NewLinear(32, 2, g))
	opt := optim.NewAdam(nn.Parameters(model), optim.AdamConfig{LR: 0.01})

	for epoch := 1; epoch <= 100; epoch++ {
		for xb, yb := range loader.Epoch(epoch) {
			loss := nn.CrossEntropy(model.Forward(xb), yb, nn.CrossEntropyOptions{})
			opt.ZeroGrad()
			loss.Backward()
			opt.Step()
		}
	}
	var acc float64
	tensor.NoGrad(func() { acc = nn.Accuracy(model.Forward(x), y) })
	fmt.Println("accuracy above 95%:", acc > 0.95)
	// Output: accuracy above 95%: true
}
