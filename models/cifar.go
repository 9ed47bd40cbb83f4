package models

import (
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// CIFAR-10 images are 3×32×32 and there are ten classes.
const (
	cifarPixels  = 3 * 32 * 32
	cifarClasses = 10
)

// conv builds a k×k convolution with stride 1 and padding p, PyTorch's
// nn.Conv2d(in, out, k, padding=p).
func conv(in, out, k, p int, rng *tensor.RNG) *nn.Conv2d {
	return nn.NewConv2d(in, out, nn.Conv2dOptions{Kernel: [2]int{k, k}, Padding: [2]int{p, p}}, rng)
}

// CIFARModel1 is the lecture's fully connected CIFAR-10 classifier
// (3,426,250 parameters):
//
//	0 Flatten
//	1 Linear 3072->1024, 2 ReLU
//	3 Linear 1024->256,  4 ReLU
//	5 Linear 256->64,    6 ReLU
//	7 Linear 64->10
//
// # Shapes
//
//   - input: [N, 3, 32, 32];
//   - output: [N, 10] logits.
func CIFARModel1(rng *tensor.RNG) *nn.Sequential {
	return nn.NewSequential(
		nn.NewFlatten(),
		nn.NewLinear(cifarPixels, 1024, rng), nn.NewReLU(),
		nn.NewLinear(1024, 256, rng), nn.NewReLU(),
		nn.NewLinear(256, 64, rng), nn.NewReLU(),
		nn.NewLinear(64, cifarClasses, rng))
}

// CIFARModel2 is the lecture's small convolutional CIFAR-10 classifier, a
// LeNet-5 for colour images (62,006 parameters):
//
//	0 Conv2d 3->6 k5,  1 ReLU, 2 MaxPool2d 2   [N,6,14,14]
//	3 Conv2d 6->16 k5, 4 ReLU, 5 MaxPool2d 2   [N,16,5,5]
//	6 Flatten                                  [N,400]
//	7 Linear 400->120, 8 ReLU
//	9 Linear 120->84, 10 ReLU
//	11 Linear 84->10
//
// # Shapes
//
//   - input: [N, 3, 32, 32];
//   - output: [N, 10] logits.
func CIFARModel2(rng *tensor.RNG) *nn.Sequential {
	return nn.NewSequential(
		conv(3, 6, 5, 0, rng), nn.NewReLU(), nn.NewMaxPool2d(2, 2, 0),
		conv(6, 16, 5, 0, rng), nn.NewReLU(), nn.NewMaxPool2d(2, 2, 0),
		nn.NewFlatten(),
		nn.NewLinear(16*5*5, 120, rng), nn.NewReLU(),
		nn.NewLinear(120, 84, rng), nn.NewReLU(),
		nn.NewLinear(84, cifarClasses, rng))
}

// CIFARModel3 is the lecture's deeper CIFAR-10 classifier: three blocks of
// two 3×3 convolutions (padding 1), batch norm after the first of each pair,
// then a dropout-regularized MLP head (5,852,170 parameters, counting the
// batch-norm scales and shifts; the running statistics are buffers):
//
//	0 Conv2d 3->32 k3 p1,    1 BatchNorm2d 32,  2 ReLU
//	3 Conv2d 32->64 k3 p1,   4 ReLU,            5 MaxPool2d 2   [N,64,16,16]
//	6 Conv2d 64->128 k3 p1,  7 BatchNorm2d 128, 8 ReLU
//	9 Conv2d 128->128 k3 p1, 10 ReLU,           11 MaxPool2d 2  [N,128,8,8]
//	12 Conv2d 128->256 k3 p1, 13 BatchNorm2d 256, 14 ReLU
//	15 Conv2d 256->256 k3 p1, 16 ReLU,            17 MaxPool2d 2 [N,256,4,4]
//	18 Dropout 0.05, 19 Flatten                                  [N,4096]
//	20 Linear 4096->1024, 21 ReLU
//	22 Linear 1024->512,  23 ReLU, 24 Dropout 0.05
//	25 Linear 512->10
//
// rng initializes the weights; dropoutRNG draws the dropout masks (tensor's
// default generator when nil). Call nn.Train or nn.Eval to pick the mode:
// batch norm and dropout behave differently in each.
//
// # Shapes
//
//   - input: [N, 3, 32, 32];
//   - output: [N, 10] logits.
func CIFARModel3(rng, dropoutRNG *tensor.RNG) *nn.Sequential {
	return nn.NewSequential(
		conv(3, 32, 3, 1, rng), nn.NewBatchNorm2d(32), nn.NewReLU(),
		conv(32, 64, 3, 1, rng), nn.NewReLU(), nn.NewMaxPool2d(2, 2, 0),
		conv(64, 128, 3, 1, rng), nn.NewBatchNorm2d(128), nn.NewReLU(),
		conv(128, 128, 3, 1, rng), nn.NewReLU(), nn.NewMaxPool2d(2, 2, 0),
		conv(128, 256, 3, 1, rng), nn.NewBatchNorm2d(256), nn.NewReLU(),
		conv(256, 256, 3, 1, rng), nn.NewReLU(), nn.NewMaxPool2d(2, 2, 0),
		nn.NewDropout(0.05, dropoutRNG), nn.NewFlatten(),
		nn.NewLinear(256*4*4, 1024, rng), nn.NewReLU(),
		nn.NewLinear(1024, 512, rng), nn.NewReLU(), nn.NewDropout(0.05, dropoutRNG),
		nn.NewLinear(512, cifarClasses, rng))
}
