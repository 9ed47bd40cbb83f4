package models

import (
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// MNIST and Fashion-MNIST images are 1×28×28 and there are ten classes.
const (
	mnistPixels  = 28 * 28
	mnistClasses = 10
)

// LeNet is the classic LeNet-5 for 1×28×28 images such as Fashion-MNIST
// (61,706 parameters); the first convolution pads by 2 so that the 28×28
// input behaves like LeNet's original 32×32 one:
//
//	0 Conv2d 1->6 k5 p2, 1 ReLU, 2 MaxPool2d 2   [N,6,14,14]
//	3 Conv2d 6->16 k5,   4 ReLU, 5 MaxPool2d 2   [N,16,5,5]
//	6 Flatten                                    [N,400]
//	7 Linear 400->120, 8 ReLU
//	9 Linear 120->84, 10 ReLU
//	11 Linear 84->10
//
// # Shapes
//
//   - input: [N, 1, 28, 28];
//   - output: [N, 10] logits.
func LeNet(rng *tensor.RNG) *nn.Sequential {
	return nn.NewSequential(
		conv(1, 6, 5, 2, rng), nn.NewReLU(), nn.NewMaxPool2d(2, 2, 0),
		conv(6, 16, 5, 0, rng), nn.NewReLU(), nn.NewMaxPool2d(2, 2, 0),
		nn.NewFlatten(),
		nn.NewLinear(16*5*5, 120, rng), nn.NewReLU(),
		nn.NewLinear(120, 84, rng), nn.NewReLU(),
		nn.NewLinear(84, mnistClasses, rng))
}

// MNISTMLP is the multilayer perceptron that cmd/deepgo trains on MNIST:
// Flatten, then Linear+ReLU for each width in hidden, then a Linear to the
// ten classes. MNISTMLP(rng, []int{64, 32}) is the lecture's 784-64-32-10
// network (52,650 parameters):
//
//	0 Flatten
//	1 Linear 784->64, 2 ReLU
//	3 Linear 64->32,  4 ReLU
//	5 Linear 32->10
//
// # Shapes
//
//   - input: [N, 1, 28, 28] or [N, 784];
//   - output: [N, 10] logits.
func MNISTMLP(rng *tensor.RNG, hidden []int) *nn.Sequential {
	mods := []nn.Module{nn.NewFlatten()}
	prev := mnistPixels
	for _, h := range hidden {
		mods = append(mods, nn.NewLinear(prev, h, rng), nn.NewReLU())
		prev = h
	}
	mods = append(mods, nn.NewLinear(prev, mnistClasses, rng))
	return nn.NewSequential(mods...)
}
