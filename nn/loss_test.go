package nn

import (
	"fmt"
	"math"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// composedCrossEntropy is CrossEntropy written with tensor ops, the
// reference for the fused op:
//
//	loss_i = (1−ε)·w[y_i]·(−logp_i[y_i]) + (ε/C)·Σ_c w[c]·(−logp_i[c])
//
// over the non-ignored positions, the mean dividing by Σ w[y_i].
func composedCrossEntropy(x, y *tensor.Tensor, opt CrossEntropyOptions) *tensor.Tensor {
	c := x.Size(1)
	ig := -100
	if opt.IgnoreIndex != nil {
		ig = *opt.IgnoreIndex
	}
	w := opt.Weight
	if w == nil {
		w = tensor.Ones(c)
	}
	// mask 1 where the target counts; safe indices 0 where ignored.
	mask, safe := tensor.ZerosLike(y), tensor.ZerosLike(y)
	wy := tensor.ZerosLike(y)
	for i, v := range y.Data() {
		if int(v) != ig {
			mask.Data()[i], safe.Data()[i] = 1, v
			wy.Data()[i] = w.Data()[int(v)]
		}
	}
	logp := x.LogSoftmax(1)
	nll := logp.Gather(1, safe.Unsqueeze(1)).Squeeze(1).Neg().Mul(wy)
	wShape := make([]int, x.Dim())
	for i := range wShape {
		wShape[i] = 1
	}
	wShape[1] = c
	smooth := logp.Mul(w.Reshape(wShape...)).Sum(1).Neg().Mul(mask)
	eps := opt.LabelSmoothing
	loss := nll.MulScalar(1 - eps).Add(smooth.MulScalar(eps / float32(c)))
	switch opt.Reduction {
	case ReduceNone:
		return loss
	case ReduceSum:
		return loss.Sum()
	}
	return loss.Sum().Div(wy.Sum())
}

// ceCases covers every option of CrossEntropy, alone and together, on the
// [N, C] and segmentation-shaped [N, C, H, W] layouts.
func ceCases(rng *tensor.RNG) []struct {
	name   string
	x, y   *tensor.Tensor
	opt    CrossEntropyOptions
	tolAbs float64
} {
	w4 := tensor.FromSlice([]float32{0.5, 2, 1, 0.25})
	w3 := tensor.FromSlice([]float32{1.5, 0.3, 1})
	type c = struct {
		name   string
		x, y   *tensor.Tensor
		opt    CrossEntropyOptions
		tolAbs float64
	}
	var cases []c
	for _, red := range []Reduction{"", ReduceSum, ReduceNone} {
		r := string(red)
		cases = append(cases,
			c{"plain " + r, randInput(rng, -2, 2, 5, 4), randClasses(rng, 4, 0, nil, 5), CrossEntropyOptions{Reduction: red}, 0},
			c{"weight " + r, randInput(rng, -2, 2, 5, 4), randClasses(rng, 4, 0, nil, 5), CrossEntropyOptions{Weight: w4, Reduction: red}, 0},
			c{"ignore 2 " + r, randInput(rng, -2, 2, 6, 4), randClasses(rng, 4, 2, []int{1, 3}, 6), CrossEntropyOptions{IgnoreIndex: new(2), Reduction: red}, 0},
			c{"ignore -100 " + r, randInput(rng, -2, 2, 6, 4), randClasses(rng, 4, -100, []int{0}, 6), CrossEntropyOptions{Reduction: red}, 0},
			c{"smoothing " + r, randInput(rng, -2, 2, 5, 4), randClasses(rng, 4, 0, nil, 5), CrossEntropyOptions{LabelSmoothing: 0.1, Reduction: red}, 0},
			c{"all options " + r, randInput(rng, -2, 2, 6, 4), randClasses(rng, 4, 0, []int{2, 5}, 6),
				CrossEntropyOptions{Weight: w4, IgnoreIndex: new(0), LabelSmoothing: 0.25, Reduction: red}, 0},
			c{"4-D " + r, randInput(rng, -2, 2, 2, 3, 3, 2), randClasses(rng, 3, 0, nil, 2, 3, 2), CrossEntropyOptions{Reduction: red}, 0},
			c{"4-D all options " + r, randInput(rng, -2, 2, 2, 3, 2, 3), randClasses(rng, 3, 1, []int{0, 4, 11}, 2, 2, 3),
				CrossEntropyOptions{Weight: w3, IgnoreIndex: new(1), LabelSmoothing: 0.3, Reduction: red}, 0},
		)
	}
	return cases
}

func TestCrossEntropyMatchesComposed(t *testing.T) {
	rng := tensor.NewRNG(21)
	for _, tc := range ceCases(rng) {
		x2 := tensor.FromSlice(tc.x.Data(), tc.x.Shape()...).SetRequiresGrad(true)
		got := CrossEntropy(tc.x, tc.y, tc.opt)
		want := composedCrossEntropy(x2, tc.y, tc.opt)
		assertClose(t, tc.name+" value", got.Data(), want.Data(), 1e-5)
		u := tensor.Uniform(rng, 0.5, 1.5, got.Shape()...)
		got.BackwardWith(u)
		want.BackwardWith(u)
		assertClose(t, tc.name+" grad", tc.x.Grad.Data(), x2.Grad.Data(), 1e-5)
	}
}

func TestCrossEntropyGradCheck(t *testing.T) {
	for _, tc := range ceCases(tensor.NewRNG(22)) {
		gradCheck(t, "CrossEntropy "+tc.name, func(in ...*tensor.Tensor) *tensor.Tensor {
			return CrossEntropy(in[0], tc.y, tc.opt)
		}, tc.x)
	}
	// One sample: logits [C], target [].
	x := randInput(tensor.NewRNG(1), -1, 1, 5)
	gradCheck(t, "CrossEntropy [C]", func(in ...*tensor.Tensor) *tensor.Tensor {
		return CrossEntropy(in[0], tensor.Scalar(3), CrossEntropyOptions{LabelSmoothing: 0.1})
	}, x)
	if y := CrossEntropy(x, tensor.Scalar(3), CrossEntropyOptions{Reduction: ReduceNone}); y.Dim() != 0 {
		t.Errorf("unreduced loss of one sample has shape %v, want []", y.Shape())
	}
}

// The loss of uniform logits over C classes is ln C, and its gradient
// softmax − onehot, divided by N for the mean.
func TestCrossEntropyKnownValues(t *testing.T) {
	x := tensor.Zeros(2, 4).SetRequiresGrad(true)
	y := tensor.FromSlice([]float32{1, 3})
	loss := CrossEntropy(x, y, CrossEntropyOptions{})
	if math.Abs(float64(loss.Item())-math.Log(4)) > 1e-6 {
		t.Errorf("loss %v, want ln 4", loss.Item())
	}
	loss.Backward()
	assertClose(t, "grad", x.Grad.Data(), []float32{0.125, -0.375, 0.125, 0.125, 0.125, 0.125, 0.125, -0.375}, 1e-7)

	// Every target ignored: the mean is 0/0 = NaN, as in PyTorch, and no
	// gradient flows.
	x.ZeroGrad()
	all := CrossEntropy(x, tensor.FromSlice([]float32{-100, -100}), CrossEntropyOptions{})
	if !math.IsNaN(float64(all.Item())) {
		t.Errorf("all ignored: %v, want NaN", all.Item())
	}
	all.Backward()
	assertClose(t, "all ignored grad", x.Grad.Data(), make([]float32, 8), 0)

	// Huge logits stay finite.
	big := tensor.FromSlice([]float32{1000, -1000, 0, 1000}, 2, 2)
	if v := CrossEntropy(big, tensor.FromSlice([]float32{1, 1}), CrossEntropyOptions{}).Item(); math.Abs(float64(v)-1000) > 1e-3 {
		t.Errorf("large logits: %v, want 1000", v)
	}
}

func TestNLLLoss(t *testing.T) {
	rng := tensor.NewRNG(23)
	w := tensor.FromSlice([]float32{0.5, 2, 1})
	for _, opt := range []NLLOptions{{}, {Weight: w}, {Weight: w, IgnoreIndex: new(1)}, {Reduction: ReduceSum}, {Weight: w, Reduction: ReduceNone}} {
		x := randInput(rng, -2, 2, 4, 3, 2)
		y := randClasses(rng, 3, 1, []int{2}, 4, 2)
		name := fmt.Sprintf("NLLLoss %+v", opt)
		gradCheck(t, name, func(in ...*tensor.Tensor) *tensor.Tensor {
			return NLLLoss(in[0].LogSoftmax(1), y, opt)
		}, x)
		// LogSoftmax + NLLLoss is CrossEntropy.
		ce := CrossEntropy(x, y, CrossEntropyOptions{Weight: opt.Weight, IgnoreIndex: opt.IgnoreIndex, Reduction: opt.Reduction})
		assertClose(t, name, NLLLoss(x.LogSoftmax(1), y, opt).Data(), ce.Data(), 1e-6)
	}
}

func TestPointwiseLossesGradCheck(t *testing.T) {
	rng := tensor.NewRNG(24)
	// Differences x − y kept away from the kinks at 0 (L1) and at δ, β.
	apart := func() (x, y *tensor.Tensor) {
		x, y = randInput(rng, -2, 2, 3, 4), randInput(rng, -2, 2, 3, 4)
		for i, v := range x.Data() {
			d := v - y.Data()[i]
			for _, k := range []float32{0, 0.7, -0.7, 1, -1} {
				if math.Abs(float64(d-k)) < 0.05 {
					x.Data()[i] += 0.15
				}
			}
		}
		return x, y
	}
	reds := []Reduction{ReduceMean, ReduceSum, ReduceNone}
	for _, red := range reds {
		losses := map[string]func(x, y *tensor.Tensor) *tensor.Tensor{
			"MSE":         func(x, y *tensor.Tensor) *tensor.Tensor { return MSE(x, y, LossOptions{red}) },
			"L1":          func(x, y *tensor.Tensor) *tensor.Tensor { return L1(x, y, LossOptions{red}) },
			"Huber":       func(x, y *tensor.Tensor) *tensor.Tensor { return Huber(x, y, HuberOptions{Reduction: red}) },
			"Huber 0.7":   func(x, y *tensor.Tensor) *tensor.Tensor { return Huber(x, y, HuberOptions{0.7, red}) },
			"SmoothL1":    func(x, y *tensor.Tensor) *tensor.Tensor { return SmoothL1(x, y, SmoothL1Options{Reduction: red}) },
			"SmoothL1 .7": func(x, y *tensor.Tensor) *tensor.Tensor { return SmoothL1(x, y, SmoothL1Options{0.7, red}) },
		}
		for name, f := range losses {
			x, y := apart()
			gradCheck(t, name+" "+string(red), func(in ...*tensor.Tensor) *tensor.Tensor { return f(in[0], in[1]) }, x, y)
		}
		p, q := randInput(rng, 0.1, 0.9, 3, 4), randInput(rng, 0, 1, 3, 4)
		w := tensor.Uniform(rng, 0.5, 2, 4)
		gradCheck(t, "BCE "+string(red), func(in ...*tensor.Tensor) *tensor.Tensor {
			return BCE(in[0], in[1], BCEOptions{Weight: w, Reduction: red})
		}, p, q)
		x, y := randInput(rng, -3, 3, 3, 4), randInput(rng, 0, 1, 3, 4)
		gradCheck(t, "BCEWithLogits "+string(red), func(in ...*tensor.Tensor) *tensor.Tensor {
			return BCEWithLogits(in[0], in[1], BCEWithLogitsOptions{Weight: w.Reshape(1, 4), PosWeight: tensor.FromSlice([]float32{2, 0.5, 1, 3}), Reduction: red})
		}, x, y)
	}
}

func TestPointwiseLossValues(t *testing.T) {
	x := tensor.FromSlice([]float32{0, 0.5, 3, -2})
	y := tensor.FromSlice([]float32{0.2, 0.5, 0, 0})
	// d = −0.2, 0, 3, −2.
	check := func(name string, got *tensor.Tensor, want ...float32) {
		t.Helper()
		assertClose(t, name, got.Data(), want, 1e-6)
	}
	check("MSE", MSE(x, y, LossOptions{}), (0.04+9+4)/4)
	check("L1 sum", L1(x, y, LossOptions{Reduction: ReduceSum}), 0.2+3+2)
	check("Huber none", Huber(x, y, HuberOptions{Reduction: ReduceNone}), 0.02, 0, 2.5, 1.5)
	check("Huber δ=2", Huber(x, y, HuberOptions{Delta: 2, Reduction: ReduceNone}), 0.02, 0, 4, 2)
	check("SmoothL1 β=2", SmoothL1(x, y, SmoothL1Options{Beta: 2, Reduction: ReduceNone}), 0.01, 0, 2, 1)
	// Huber with δ is δ·SmoothL1 with β = δ.
	h := Huber(x, y, HuberOptions{Delta: 0.3, Reduction: ReduceNone})
	s := SmoothL1(x, y, SmoothL1Options{Beta: 0.3, Reduction: ReduceNone}).MulScalar(0.3)
	assertClose(t, "Huber = δ·SmoothL1", h.Data(), s.Data(), 1e-6)

	// BCEWithLogits equals BCE of the sigmoid, and stays finite far out.
	z := tensor.FromSlice([]float32{-3, 0.5, 2})
	t01 := tensor.FromSlice([]float32{0, 1, 0.3})
	check("BCEWithLogits", BCEWithLogits(z, t01, BCEWithLogitsOptions{}), BCE(z.Sigmoid(), t01, BCEOptions{}).Item())
	check("BCEWithLogits far", BCEWithLogits(tensor.FromSlice([]float32{-200, 200}), tensor.FromSlice([]float32{1, 0}),
		BCEWithLogitsOptions{Reduction: ReduceNone}), 200, 200)
	check("BCE clamp", BCE(tensor.FromSlice([]float32{0, 1}), tensor.FromSlice([]float32{1, 0}), BCEOptions{Reduction: ReduceNone}), 100, 100)

	// Under NoGrad the loss records nothing.
	tensor.NoGrad(func() {
		if MSE(x.SetRequiresGrad(true), y, LossOptions{}).RequiresGrad() {
			t.Error("MSE under NoGrad requires grad")
		}
	})
}

func TestLossPanics(t *testing.T) {
	x := tensor.Zeros(4, 3)
	mustPanic(t, func() { CrossEntropy(x, tensor.FromSlice([]float32{0, 1, 3, 0}), CrossEntropyOptions{}) },
		"CrossEntropy", "target 3", "position 2", "3 classes", "[4 3]")
	mustPanic(t, func() { CrossEntropy(x, tensor.FromSlice([]float32{0, 1.5, 2, 0}), CrossEntropyOptions{}) },
		"CrossEntropy", "1.5", "not a class index")
	mustPanic(t, func() { CrossEntropy(x, tensor.Zeros(5), CrossEntropyOptions{}) },
		"CrossEntropy", "[4 3]", "[4]", "[5]")
	mustPanic(t, func() { CrossEntropy(tensor.Zeros(2, 3, 4), tensor.Zeros(2, 3), CrossEntropyOptions{}) },
		"CrossEntropy", "[2 3 4]", "needs target [2 4]", "[2 3]")
	mustPanic(t, func() { CrossEntropy(x, tensor.Zeros(4), CrossEntropyOptions{Weight: tensor.Ones(4)}) },
		"CrossEntropy", "class weights [4]", "3 classes")
	mustPanic(t, func() { CrossEntropy(x, tensor.Zeros(4), CrossEntropyOptions{Reduction: "avg"}) },
		"CrossEntropy", `"avg"`)
	mustPanic(t, func() { CrossEntropy(x, tensor.Zeros(4), CrossEntropyOptions{LabelSmoothing: 1.5}) },
		"CrossEntropy", "label smoothing 1.5")
	mustPanic(t, func() { CrossEntropy(tensor.Scalar(1), tensor.Scalar(0), CrossEntropyOptions{}) },
		"CrossEntropy", "no class axis")
	mustPanic(t, func() { MSE(x, tensor.Zeros(4, 1), LossOptions{}) }, "MSE", "[4 3]", "[4 1]")
	mustPanic(t, func() { BCE(tensor.FromSlice([]float32{0.5, 1.2}), tensor.Zeros(2), BCEOptions{}) },
		"BCE", "1.2", "position 1", "BCEWithLogits")
	mustPanic(t, func() { BCEWithLogits(x, x, BCEWithLogitsOptions{PosWeight: tensor.Ones(4)}) },
		"BCEWithLogits", "pos_weight [4]", "[4 3]")
	mustPanic(t, func() { Huber(x, x, HuberOptions{Delta: -1}) }, "Huber", "delta -1")
}

func TestAccuracy(t *testing.T) {
	logits := tensor.FromSlice([]float32{
		0.1, 2, 0.3, // 1
		5, 1, 0, // 0
		0, 0, 1, // 2
		1, 3, 2, // 1
	}, 4, 3)
	y := tensor.FromSlice([]float32{1, 0, 1, 1})
	if got := Accuracy(logits, y); got != 0.75 {
		t.Errorf("Accuracy = %v, want 0.75", got)
	}
	if got := Correct(logits, y); got != 3 {
		t.Errorf("Correct = %d, want 3", got)
	}
	// Per pixel, on the class axis 1 of [N, C, H, W].
	seg := tensor.FromSlice([]float32{1, 0, 0, 1, 0, 1, 1, 0}, 1, 2, 2, 2) // classes 0 1 / 1 0
	if got := Accuracy(seg, tensor.FromSlice([]float32{0, 1, 0, 0}, 1, 2, 2)); got != 0.75 {
		t.Errorf("pixel accuracy = %v, want 0.75", got)
	}
	if got := Accuracy(tensor.Zeros(0, 3), tensor.Zeros(0)); got != 0 {
		t.Errorf("empty batch: %v", got)
	}
	mustPanic(t, func() { Accuracy(logits, tensor.Zeros(3)) }, "Accuracy", "[4 3]", "[4]", "[3]")
}
