package tensor_test

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// y = x² + 5x + 4, so dy/dx = 2x + 5 = 11 at x = 3.
func ExampleTensor_Backward() {
	x := tensor.Scalar(3).SetRequiresGrad(true)
	y := x.Mul(x).Add(x.MulScalar(5)).AddScalar(4)
	y.Backward()
	fmt.Println(y.Item(), x.Grad.Item())
	// Output: 28 11
}

// A user-defined op: forward computed directly, backward passed beside it.
func ExampleRecord() {
	cube := func(x *tensor.Tensor) *tensor.Tensor {
		out := tensor.ZerosLike(x)
		for i, v := range x.Data() {
			out.Data()[i] = v * v * v
		}
		return tensor.Record("Cube", out, func(g *tensor.Tensor) []*tensor.Tensor {
			return []*tensor.Tensor{g.Mul(x.Square().MulScalar(3))} // d(x³)/dx = 3x²
		}, x)
	}
	x := tensor.FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	cube(x).Sum().Backward()
	fmt.Println(x.Grad.Data())

	err := tensor.GradCheck(func(in ...*tensor.Tensor) *tensor.Tensor { return cube(in[0]) },
		[]*tensor.Tensor{tensor.FromSlice([]float32{0.5, -1.5}).SetRequiresGrad(true)}, nil)
	fmt.Println("gradcheck:", err)
	// Output:
	// [3 12]
	// gradcheck: <nil>
}

func ExampleMatMul() {
	a := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	b := tensor.FromSlice([]float32{1, 0, 0, 1, 1, 1}, 3, 2)
	fmt.Println(tensor.MatMul(a, b).Data())
	// Output: [4 5 10 11]
}
