package models_test

import (
	"fmt"

	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

func ExampleCIFARModel2() {
	model := models.CIFARModel2(tensor.NewRNG(1))
	nn.Eval(model)
	x := tensor.Randn(tensor.NewRNG(2), 4, 3, 32, 32) // a batch of four CIFAR-10 images
	var logits *tensor.Tensor
	tensor.NoGrad(func() { logits = model.Forward(x) })
	fmt.Println(nn.NumParameters(model), logits.Shape())
	fmt.Println(nn.StateDictNames(model)[:2])
	// Output:
	// 62006 [4 10]
	// [0.weight 0.bias]
}
