package nn_test

import (
	"fmt"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// A 3×3 box filter of ones with zero padding 1 counts, at each pixel of an
// image of ones, how many of its neighbours (itself included) lie inside.
func ExampleConv2dFunc() {
	x := tensor.Ones(1, 1, 3, 4)
	w := tensor.Ones(1, 1, 3, 3)
	y := nn.Conv2dFunc(x, w, nil, nn.Conv2dOptions{Padding: [2]int{1, 1}})
	fmt.Println(y.Shape())
	fmt.Println(y.Data())
	// Output:
	// [1 1 3 4]
	// [4 6 6 4 6 9 9 6 4 6 6 4]
}

// A stride-2 transposed convolution with a 2×2 kernel of ones copies each
// input pixel into a 2×2 block: nearest-neighbour upsampling.
func ExampleConvTranspose2d() {
	up := nn.NewConvTranspose2d(1, 1, nn.ConvTranspose2dOptions{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, NoBias: true}, nil)
	copy(up.Weight.Data(), []float32{1, 1, 1, 1})
	y := up.Forward(tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 1, 2, 2))
	fmt.Println(y.Shape())
	fmt.Println(y.Data())
	// Output:
	// [1 1 4 4]
	// [1 1 2 2 1 1 2 2 3 3 4 4 3 3 4 4]
}

// Conv2d layers stack like any module; the output size is
// ⌊(H + 2·padding − kernel) / stride⌋ + 1.
func ExampleConv2d() {
	rng := tensor.NewRNG(1)
	conv := nn.NewConv2d(3, 16, nn.Conv2dOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}}, rng)
	y := conv.Forward(tensor.Zeros(8, 3, 32, 32))
	fmt.Println(y.Shape())
	for _, p := range conv.NamedParameters() {
		fmt.Println(p.Name, p.Tensor.Shape())
	}
	// Output:
	// [8 16 16 16]
	// weight [16 3 3 3]
	// bias [16]
}
