package nn_test

import (
	"fmt"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// The same 3×3 convolution computed by im2col + GEMM, by Winograd
// F(2×2, 3×3) and by the direct convolution: the results agree to float32
// rounding.
func ExampleSetConvAlgorithm() {
	rng := tensor.NewRNG(1)
	conv := nn.NewConv2d(16, 8, nn.Conv2dOptions{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}}, rng)
	x := tensor.Randn(rng, 2, 16, 9, 9)
	run := func(algo string) *tensor.Tensor {
		if err := nn.SetConvAlgorithm(algo); err != nil {
			panic(err)
		}
		return conv.Forward(x)
	}
	a, b, c := run("im2col"), run("winograd"), run("direct")
	defer nn.SetConvAlgorithm("auto")
	fmt.Println(a.Shape(), a.Sub(b).Abs().Max().Item() < 1e-5, a.Sub(c).Abs().Max().Item() < 1e-5)
	// Output: [2 8 9 9] true true
}
