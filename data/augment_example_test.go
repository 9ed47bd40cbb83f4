package data_test

import (
	"fmt"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/tensor"
)

// The usual CIFAR-10 training augmentation: pad by 4 and crop back to 32,
// flip half the images, then normalize with the dataset statistics.
func ExampleRandomCrop() {
	aug := data.Compose{
		data.RandomCrop{Size: 32, Padding: 4},
		data.RandomHorizontalFlip{P: 0.5},
		data.Normalize{Mean: data.CIFAR10Mean[:], Std: data.CIFAR10Std[:]},
	}
	x := tensor.Full(0.5, 3, 32, 32) // one image [C, H, W]
	out := aug.Apply(x, tensor.NewRNG(1))
	same := aug.Apply(x, tensor.NewRNG(1))
	fmt.Println(out.Shape(), out.Sub(same).Abs().Max().Item())
	// Output: [3 32 32] 0
}
