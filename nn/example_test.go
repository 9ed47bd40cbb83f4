package nn_test

import (
	"fmt"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// TwoLayerNet is a user-defined network: embed nn.Base, register the
// layers under their state-dict names, and write Forward.
type TwoLayerNet struct {
	nn.Base
	FC1, FC2 *nn.Linear
}

func NewTwoLayerNet(in, hidden, out int, rng *tensor.RNG) *TwoLayerNet {
	n := &TwoLayerNet{
		FC1: nn.NewLinear(in, hidden, rng),
		FC2: nn.NewLinear(hidden, out, rng),
	}
	n.RegisterModule("fc1", n.FC1)
	n.RegisterModule("fc2", n.FC2)
	return n
}

func (n *TwoLayerNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return n.FC2.Forward(n.FC1.Forward(x).ReLU())
}

// A custom network gets parameters with PyTorch's names, state dicts and
// train/eval switching from the embedded Base.
func ExampleModule() {
	net := NewTwoLayerNet(4, 8, 3, tensor.NewRNG(1))
	fmt.Println(nn.StateDictNames(net))
	fmt.Println(nn.NumParameters(net), "parameters")

	y := net.Forward(tensor.Ones(5, 4))
	fmt.Println("output", y.Shape())

	nn.Eval(net)
	fmt.Println("fc1 training:", net.FC1.Training())

	// A checkpoint moves between networks of the same architecture.
	other := NewTwoLayerNet(4, 8, 3, tensor.NewRNG(2))
	fmt.Println("load:", nn.LoadStateDict(other, nn.StateDict(net), true))
	// Output:
	// [fc1.weight fc1.bias fc2.weight fc2.bias]
	// 67 parameters
	// output [5 3]
	// fc1 training: false
	// load: <nil>
}

// The lecture's MNIST network as a Sequential: its children are named
// "0", "1", ..., so the ReLUs (without parameters) leave gaps in the names,
// exactly as in PyTorch.
func ExampleSequential() {
	rng := tensor.NewRNG(0)
	model := nn.NewSequential(
		nn.NewFlatten(),
		nn.NewLinear(784, 64, rng), &nn.ReLU{},
		nn.NewLinear(64, 32, rng), &nn.ReLU{},
		nn.NewLinear(32, 10, rng),
	)
	fmt.Println(model)
	fmt.Println(nn.StateDictNames(model))
	fmt.Println(nn.NumParameters(model), "parameters")
	fmt.Println(model.Forward(tensor.Zeros(64, 1, 28, 28)).Shape())
	// Output:
	// Sequential(
	//   (0): Flatten()
	//   (1): Linear(in_features=784, out_features=64, bias=true)
	//   (2): ReLU()
	//   (3): Linear(in_features=64, out_features=32, bias=true)
	//   (4): ReLU()
	//   (5): Linear(in_features=32, out_features=10, bias=true)
	// )
	// [1.weight 1.bias 3.weight 3.bias 5.weight 5.bias]
	// 52650 parameters
	// [64 10]
}

// Cross-entropy takes raw logits and class indices. For equal logits over
// 4 classes the loss is ln 4 and the gradient softmax − onehot, averaged
// over the batch.
func ExampleCrossEntropy() {
	logits := tensor.Zeros(2, 4).SetRequiresGrad(true)
	target := tensor.FromSlice([]float32{1, 3})
	loss := nn.CrossEntropy(logits, target, nn.CrossEntropyOptions{})
	loss.Backward()
	fmt.Printf("loss %.4f\n", loss.Item())
	fmt.Println(logits.Grad.Data())

	// Label smoothing 0.1, and class 3 ignored: only the first sample counts.
	scores := tensor.FromSlice([]float32{1, 3, 0, 0, 2, 2, 2, 2}, 2, 4)
	opt := nn.CrossEntropyOptions{LabelSmoothing: 0.1, IgnoreIndex: new(3)}
	fmt.Printf("smoothed %.4f\n", nn.CrossEntropy(scores, target, opt).Item()) // PyTorch: 0.4110
	// Output:
	// loss 1.3863
	// [0.125 -0.375 0.125 0.125 0.125 0.125 0.125 -0.375]
	// smoothed 0.4110
}
