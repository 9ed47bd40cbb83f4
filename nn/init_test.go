package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// stats returns the mean, standard deviation and extremes of t.
func stats(t *tensor.Tensor) (mean, std, lo, hi float64) {
	d := t.Float64s()
	for _, v := range d {
		mean += v
	}
	mean /= float64(len(d))
	for _, v := range d {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(d))), slices.Min(d), slices.Max(d)
}

// TestInitDistributions draws large tensors and checks that the samples
// follow the distribution each initializer promises (the parameters
// themselves are compared with PyTorch in TestGoldenInits).
func TestInitDistributions(t *testing.T) {
	rng := tensor.NewRNG(8)
	shape := []int{200, 50, 3, 3} // fan_in 450, fan_out 1800
	uniform := func(name string, w *tensor.Tensor, bound float64) {
		t.Helper()
		mean, std, lo, hi := stats(w)
		if lo < -bound || hi > bound || hi < 0.999*bound || lo > -0.999*bound {
			t.Errorf("%s: samples in [%g, %g], want to fill ±%g", name, lo, hi, bound)
		}
		if math.Abs(mean) > 0.01*bound || math.Abs(std-bound/math.Sqrt(3)) > 0.01*bound {
			t.Errorf("%s: mean %g std %g, want 0 and %g", name, mean, std, bound/math.Sqrt(3))
		}
	}
	normal := func(name string, w *tensor.Tensor, wantMean, wantStd float64) {
		t.Helper()
		mean, std, _, _ := stats(w)
		if math.Abs(mean-wantMean) > 0.01*wantStd || math.Abs(std-wantStd) > 0.01*wantStd {
			t.Errorf("%s: mean %g std %g, want %g and %g", name, mean, std, wantMean, wantStd)
		}
	}
	uniform("XavierUniform", XavierUniform(tensor.Zeros(shape...), 1, rng), math.Sqrt(6.0/(450+1800)))
	normal("XavierNormal", XavierNormal(tensor.Zeros(shape...), 2, rng), 0, 2*math.Sqrt(2.0/(450+1800)))
	uniform("KaimingUniform", KaimingUniform(tensor.Zeros(shape...), KaimingOptions{}, rng), math.Sqrt(6.0/450))
	normal("KaimingNormal fan_out", KaimingNormal(tensor.Zeros(shape...), KaimingOptions{Mode: "fan_out", Nonlinearity: "relu"}, rng),
		0, math.Sqrt(2.0/1800))
	uniform("Uniform", Uniform(tensor.Zeros(shape...), -0.5, 0.5, rng), 0.5)
	normal("Normal", Normal(tensor.Zeros(shape...), 3, 0.1, rng), 3, 0.1)

	w := tensor.Ones(2, 3)
	if !slices.Equal(Zeros(w).Data(), make([]float32, 6)) {
		t.Error("Zeros")
	}
	if !slices.Equal(Constant(w, 2.5).Data(), []float32{2.5, 2.5, 2.5, 2.5, 2.5, 2.5}) {
		t.Error("Constant")
	}
	if !slices.Equal(Ones(w).Data(), []float32{1, 1, 1, 1, 1, 1}) {
		t.Error("Ones")
	}
}

func TestInitReproducible(t *testing.T) {
	a := KaimingNormal(tensor.Zeros(4, 5), KaimingOptions{}, tensor.NewRNG(3))
	b := KaimingNormal(tensor.Zeros(4, 5), KaimingOptions{}, tensor.NewRNG(3))
	if !slices.Equal(a.Data(), b.Data()) {
		t.Error("same seed, different values")
	}
	// Initializers write in place, outside autograd: a parameter stays a leaf.
	p := tensor.Zeros(3, 3).SetRequiresGrad(true)
	XavierUniform(p, 1, tensor.NewRNG(1))
	if !p.IsLeaf() || !p.RequiresGrad() {
		t.Error("initializing a parameter changed its autograd state")
	}
	if e := KaimingUniform(tensor.Zeros(0, 3), KaimingOptions{}, nil); e.Numel() != 0 {
		t.Error("zero-element tensor")
	}
}

func TestInitPanics(t *testing.T) {
	mustPanic(t, func() { Fans([]int{5}) }, "Fans", "[5]", "at least 2")
	mustPanic(t, func() { KaimingUniform(tensor.Zeros(2, 2), KaimingOptions{Mode: "fan_avg"}, nil) }, "Kaiming", `"fan_avg"`)
	mustPanic(t, func() { Gain("swish") }, "Gain", `"swish"`)
	if g := Gain("leaky_relu"); math.Abs(g-math.Sqrt(2/1.0001)) > 1e-15 {
		t.Errorf("Gain(leaky_relu) = %v, want √(2/(1+0.01²))", g)
	}
}

func TestInitWeightsSchemes(t *testing.T) {
	model := NewSequential(
		NewConv2d(3, 16, Conv2dOptions{Kernel: [2]int{3, 3}}, tensor.NewRNG(1)), NewBatchNorm2d(16), NewReLU(),
		NewFlatten(), NewLinear(16*6*6, 200, tensor.NewRNG(2)))
	conv, bn, lin := model.At(0).(*Conv2d), model.At(1).(*BatchNorm2d), model.At(4).(*Linear)
	std := func(x *tensor.Tensor) float64 {
		var s, s2 float64
		for _, v := range x.Data() {
			s += float64(v)
			s2 += float64(v) * float64(v)
		}
		n := float64(x.Numel())
		return math.Sqrt(s2/n - (s/n)*(s/n))
	}
	for _, tc := range []struct {
		scheme          string
		convStd, linStd float64
	}{
		{"xavier", math.Sqrt(2.0 / (27 + 144)), math.Sqrt(2.0 / (576 + 200))},
		{"kaiming", math.Sqrt(2.0 / 27), math.Sqrt(2.0 / 576)},
	} {
		if err := InitWeights(model, tc.scheme, tensor.NewRNG(3)); err != nil {
			t.Fatal(err)
		}
		if got := std(conv.Weight); math.Abs(got/tc.convStd-1) > 0.15 {
			t.Errorf("%s: conv weight std %.4f, want %.4f", tc.scheme, got, tc.convStd)
		}
		if got := std(lin.Weight); math.Abs(got/tc.linStd-1) > 0.03 {
			t.Errorf("%s: linear weight std %.4f, want %.4f", tc.scheme, got, tc.linStd)
		}
		for _, b := range []*tensor.Tensor{conv.Bias, lin.Bias} {
			for _, v := range b.Data() {
				if v != 0 {
					t.Fatalf("%s: bias not zeroed", tc.scheme)
				}
			}
		}
		for _, v := range bn.Weight.Data() {
			if v != 1 {
				t.Fatalf("%s: batch-norm scale changed to %v", tc.scheme, v)
			}
		}
	}
	before := append([]float32(nil), lin.Weight.Data()...)
	if err := InitWeights(model, "default", tensor.NewRNG(3)); err != nil || lin.Weight.Data()[0] != before[0] {
		t.Errorf("default changed the weights (err %v)", err)
	}
	if err := InitWeights(model, "glorot", nil); err == nil || !strings.Contains(err.Error(), "xavier") {
		t.Errorf("unknown scheme: error %v should list the known ones", err)
	}
}
