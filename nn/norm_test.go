package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// In training mode the gradient flows through the batch statistics as well
// as x̂: GradCheck perturbs x, weight and bias in place and compares.
func TestBatchNormGradCheck(t *testing.T) {
	g := tensor.NewRNG(11)
	for _, tc := range []struct {
		m     Module
		bn    *batchNorm
		shape []int
	}{
		{m: NewBatchNorm1d(3), shape: []int{5, 3}},
		{m: NewBatchNorm1d(3), shape: []int{4, 3, 5}},
		{m: NewBatchNorm2d(2), shape: []int{3, 2, 3, 4}},
	} {
		bn := batchNormOf(tc.m)
		c := bn.NumFeatures
		copy(bn.Weight.Data(), tensor.Uniform(g, 0.5, 1.5, c).Data())
		copy(bn.Bias.Data(), tensor.Uniform(g, -1, 1, c).Data())
		f := func(in ...*tensor.Tensor) *tensor.Tensor { return tc.m.Forward(in[0]) }
		for _, train := range []bool{true, false} {
			tc.m.SetTraining(train)
			x := randInput(g, -2, 2, tc.shape...)
			if err := tensor.GradCheck(f, []*tensor.Tensor{x, bn.Weight, bn.Bias}, nil); err != nil {
				t.Errorf("%v %v train=%t: %v", tc.m, tc.shape, train, err)
			}
		}
	}
}

// Training mode normalizes with the batch's statistics (each channel of the
// output has mean 0 and variance 1) and moves the running statistics;
// evaluation mode uses the running ones and leaves them alone.
func TestBatchNormTrainVersusEval(t *testing.T) {
	g := tensor.NewRNG(12)
	bn := NewBatchNorm2d(2)
	x := tensor.Normal(g, 3, 2, 8, 2, 4, 4)
	y := bn.Forward(x)
	for ch := 0; ch < 2; ch++ {
		c := y.Narrow(1, ch, 1)
		mean, variance := float64(c.Mean().Item()), float64(c.Square().Mean().Item())
		if math.Abs(mean) > 1e-5 || math.Abs(variance-1) > 1e-3 {
			t.Errorf("train channel %d: mean %v, variance %v; want 0 and 1", ch, mean, variance)
		}
	}
	if rm := bn.RunningMean.Data()[0]; math.Abs(float64(rm)-0.3) > 0.05 {
		t.Errorf("running_mean after one batch of mean ≈3 = %v, want ≈0.3", rm)
	}
	if n := bn.NumBatchesTracked.Item(); n != 1 {
		t.Errorf("num_batches_tracked = %v, want 1", n)
	}
	before := bn.RunningMean.Clone()
	bn.SetTraining(false)
	ye := bn.Forward(x)
	// Running stats are still near (0, 1) after one update, so eval output
	// stays far from normalized: x / √(var + eps) with var ≈ 1.36.
	rm, rv := bn.RunningMean.Data()[0], bn.RunningVar.Data()[0]
	want := (x.Data()[0] - rm) / float32(math.Sqrt(float64(rv)+1e-5))
	if got := ye.Data()[0]; math.Abs(float64(got-want)) > 1e-5 {
		t.Errorf("eval output %v, want %v from the running statistics", got, want)
	}
	if math.Abs(float64(ye.Data()[0]-y.Data()[0])) < 0.1 {
		t.Errorf("eval output %v too close to train output %v", ye.Data()[0], y.Data()[0])
	}
	assertClose(t, "running_mean unchanged in eval", bn.RunningMean.Data(), before.Data(), 0)
	if n := bn.NumBatchesTracked.Item(); n != 1 {
		t.Errorf("num_batches_tracked after eval = %v, want 1", n)
	}
}

func TestBatchNormStateNames(t *testing.T) {
	bn := NewBatchNorm1d(4)
	var names []string
	for _, n := range append(bn.NamedParameters(), bn.NamedBuffers()...) {
		names = append(names, n.Name)
	}
	want := []string{"weight", "bias", "running_mean", "running_var", "num_batches_tracked"}
	if len(names) != len(want) {
		t.Fatalf("names %v, want %v", names, want)
	}
	for i := range want {
		if names[i] != want[i] {
			t.Fatalf("names %v, want %v", names, want)
		}
	}
	if n := len(NewBatchNorm2d(3, BatchNormAffine(false)).NamedParameters()); n != 0 {
		t.Errorf("affine=false: %d parameters, want 0", n)
	}
	if d := NewBatchNorm2d(3).NumBatchesTracked; d.Dim() != 0 {
		t.Errorf("num_batches_tracked shape %v, want a scalar", d.Shape())
	}
}

func TestBatchNormShapeErrors(t *testing.T) {
	mustPanic(t, func() { NewBatchNorm2d(3).Forward(tensor.Zeros(2, 4, 5, 5)) }, "BatchNorm2d", "[2 4 5 5]", "3 channels")
	mustPanic(t, func() { NewBatchNorm2d(3).Forward(tensor.Zeros(2, 3, 5)) }, "BatchNorm2d", "[2 3 5]", "[N C H W]")
	mustPanic(t, func() { NewBatchNorm1d(3).Forward(tensor.Zeros(2, 3, 5, 5)) }, "BatchNorm1d", "[2 3 5 5]")
	mustPanic(t, func() { NewBatchNorm1d(3).Forward(tensor.Zeros(1, 3)) }, "BatchNorm1d", "[1 3]", "more than 1 value")
}

// Batch norm in training mode normalizes each feature over the batch; in
// evaluation mode it uses the running statistics, after one batch still near
// their initial mean 0 and variance 1 (running_var moves with the unbiased
// batch variance, 5/3).
func ExampleBatchNorm1d() {
	bn := NewBatchNorm1d(1)
	x := tensor.FromSlice([]float32{1, 2, 3, 4}, 4, 1)
	fmt.Printf("train: %.3f\n", bn.Forward(x).Data())
	fmt.Printf("running_mean %.2f, running_var %.4f\n", bn.RunningMean.Item(), bn.RunningVar.Item())
	bn.SetTraining(false)
	fmt.Printf("eval: %.3f\n", bn.Forward(x).Data())
	// Output:
	// train: [-1.342 -0.447 0.447 1.342]
	// running_mean 0.25, running_var 1.0667
	// eval: [0.726 1.694 2.663 3.631]
}
