package optim_test

import (
	"fmt"

	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// Fit y = 3x − 1 with SGD and momentum, halving the learning rate every 5
// epochs with StepLR. (PyTorch prints the same with torch.optim.SGD and
// lr_scheduler.StepLR.)
func Example() {
	x := tensor.Linspace(-1, 1, 16).Reshape(16, 1)
	y := x.MulScalar(3).AddScalar(-1)
	w := tensor.Zeros(1, 1).SetRequiresGrad(true)
	b := tensor.Zeros(1).SetRequiresGrad(true)

	opt := optim.NewSGD([]*tensor.Tensor{w, b}, optim.SGDConfig{LR: 0.2, Momentum: 0.5})
	sched := optim.NewStepLR(opt, 5, 0.5)
	for epoch := range 15 {
		opt.ZeroGrad()
		loss := tensor.Linear(x, w, b).Sub(y).Square().Mean()
		loss.Backward()
		opt.Step()
		sched.Step()
		if epoch%5 == 4 {
			fmt.Printf("epoch %d: loss %.4f, next lr %g\n", epoch+1, loss.Item(), sched.LR())
		}
	}
	fmt.Printf("w = %.3f, b = %.3f\n", w.Item(), b.Item())
	// Output:
	// epoch 5: loss 0.3108, next lr 0.1
	// epoch 10: loss 0.0068, next lr 0.05
	// epoch 15: loss 0.0017, next lr 0.025
	// w = 2.941, b = -0.994
}

// Resuming: build the optimizer and scheduler as in the original run, then
// load both states (building the scheduler stepped it once; loading undoes
// that).
func ExampleOptimizer_StateDict() {
	w := tensor.Zeros(2).SetRequiresGrad(true)
	opt := optim.NewAdam([]*tensor.Tensor{w}, optim.AdamConfig{LR: 0.01})
	sched := optim.NewCosineAnnealingLR(opt, 100, 0)
	for range 10 {
		w.Grad = tensor.FromSlice([]float32{1, -1})
		opt.Step()
		sched.Step()
	}
	optState, schedState := opt.StateDict(), sched.StateDict() // what a checkpoint stores

	opt2 := optim.NewAdam([]*tensor.Tensor{w}, optim.AdamConfig{LR: 0.01})
	sched2 := optim.NewCosineAnnealingLR(opt2, 100, 0)
	if err := opt2.LoadStateDict(optState); err != nil {
		fmt.Println(err)
	}
	if err := sched2.LoadStateDict(schedState); err != nil {
		fmt.Println(err)
	}
	fmt.Printf("lr %.6f, step %v\n", opt2.LR(), optState.Scalars["state.0.step"])
	// Output: lr 0.009755, step 10
}

// Gradient clipping goes between Backward and Step.
func ExampleClipGradNorm() {
	w := tensor.FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	w.Square().Sum().Backward() // grad = 2w = [2 4], norm √20
	norm := optim.ClipGradNorm([]*tensor.Tensor{w}, 1)
	fmt.Printf("norm before %.4f, after %.4f\n", norm, optim.ClipGradNorm([]*tensor.Tensor{w}, 1))
	// Output: norm before 4.4721, after 1.0000
}
