package optim

import (
	"math"
	"testing"

	"github.com/deepgo/deepgo/internal/testutil"
	"github.com/deepgo/deepgo/tensor"
)

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	testutil.MustPanic(t, f, want)
}

func TestInvalidHyperParametersPanic(t *testing.T) {
	w := tensor.Zeros(2).SetRequiresGrad(true)
	ps := []*tensor.Tensor{w}
	sgd := func() Optimizer { return NewSGD(ps, SGDConfig{LR: 0.1}) }
	cases := []struct {
		want string
		f    func()
	}{
		{"deepgo: SGD: invalid LR -0.1 (want >= 0)", func() { NewSGD(ps, SGDConfig{LR: -0.1}) }},
		{"deepgo: SGD: LR is required", func() { NewSGD(ps, SGDConfig{}) }},
		{"deepgo: SGD: invalid Momentum -1", func() { NewSGD(ps, SGDConfig{LR: 1, Momentum: -1}) }},
		{"deepgo: SGD: Nesterov momentum needs Momentum > 0 and Dampening 0", func() { NewSGD(ps, SGDConfig{LR: 1, Nesterov: true}) }},
		{"Nesterov momentum needs", func() { NewSGD(ps, SGDConfig{LR: 1, Momentum: 0.9, Dampening: 0.1, Nesterov: true}) }},
		{"deepgo: SGD: invalid WeightDecay -0.5", func() { NewSGD(ps, SGDConfig{LR: 1, WeightDecay: -0.5}) }},
		{"deepgo: Adam: invalid Beta1 1 (want 0 <= Beta1 < 1)", func() { NewAdam(ps, AdamConfig{Beta1: 1}) }},
		{"deepgo: AdamW: invalid Beta2 -0.1", func() { NewAdamW(ps, AdamConfig{Beta2: -0.1}) }},
		{"deepgo: Adam: invalid Eps -1", func() { NewAdam(ps, AdamConfig{Eps: -1}) }},
		{"deepgo: Adam: invalid LR NaN", func() { NewAdam(ps, AdamConfig{LR: math.NaN()}) }},
		{"deepgo: RMSprop: invalid Alpha -1", func() { NewRMSprop(ps, RMSpropConfig{Alpha: -1}) }},
		{"deepgo: RMSprop: invalid Momentum -1", func() { NewRMSprop(ps, RMSpropConfig{Momentum: -1}) }},
		{"deepgo: SGD: empty parameter list", func() { NewSGD(nil, SGDConfig{LR: 1}) }},
		{"deepgo: Adam: parameters 1 and 2 are the same tensor (shape [2])", func() { NewAdam([]*tensor.Tensor{tensor.Zeros(3), w, w}, AdamConfig{}) }},
		{"deepgo: Adam: parameter 0 (shape [2]) is not a leaf", func() {
			NewAdam([]*tensor.Tensor{w.MulScalar(2)}, AdamConfig{})
		}},
		{"deepgo: SGD: SetLR: invalid learning rate NaN", func() { sgd().SetLR(math.NaN()) }},
		{"deepgo: StepLR: invalid stepSize 0", func() { NewStepLR(sgd(), 0, 0.1) }},
		{"deepgo: CosineAnnealingLR: invalid tMax 0", func() { NewCosineAnnealingLR(sgd(), 0, 0) }},
		{"deepgo: LinearLR: invalid startFactor 0", func() { NewLinearWarmup(sgd(), 5, 0) }},
		{"deepgo: OneCycleLR: invalid AnnealStrategy \"cosine\"", func() {
			NewOneCycleLR(sgd(), 0.1, 10, OneCycleConfig{AnnealStrategy: "cosine"})
		}},
		{"deepgo: OneCycleLR: invalid PctStart 1.5", func() { NewOneCycleLR(sgd(), 0.1, 10, OneCycleConfig{PctStart: 1.5}) }},
		{"phase 1 of the cycle is empty", func() { NewOneCycleLR(sgd(), 0.1, 10, OneCycleConfig{PctStart: 0.1}) }},
		{"deepgo: OneCycleLR: stepped 12 times, but totalSteps is 10", func() {
			s := NewOneCycleLR(sgd(), 0.1, 10, OneCycleConfig{})
			for range 11 {
				s.Step()
			}
		}},
		{"deepgo: ReduceLROnPlateau: invalid Factor 1", func() { NewReduceLROnPlateau(sgd(), PlateauConfig{Factor: 1}) }},
		{"deepgo: ReduceLROnPlateau: invalid Mode \"minimum\"", func() { NewReduceLROnPlateau(sgd(), PlateauConfig{Mode: "minimum"}) }},
		{"deepgo: ReduceLROnPlateau: Step has no metric to judge; call StepMetric", func() {
			NewReduceLROnPlateau(sgd(), PlateauConfig{}).Step()
		}},
		{"deepgo: ClipGradNorm: invalid maxNorm -1", func() { ClipGradNorm(ps, -1) }},
		{"deepgo: ClipGradValue: invalid clip NaN", func() { ClipGradValue(ps, math.NaN()) }},
		{"deepgo: SGD: Step: parameter 0 has shape [2] but its gradient has shape [3]", func() {
			o := sgd()
			w.Grad = tensor.Zeros(3)
			defer func() { w.Grad = nil }()
			o.Step()
		}},
	}
	for _, c := range cases {
		mustPanic(t, c.want, c.f)
	}
}

// Zero config fields take torch's defaults; NoDefaults (through the
// Default…Config functions) keeps explicit zeros.
func TestConfigDefaults(t *testing.T) {
	ps := []*tensor.Tensor{tensor.Zeros(2).SetRequiresGrad(true)}
	check := func(name string, s State, want map[string]float64) {
		t.Helper()
		for k, v := range want {
			if s.Scalars[k] != v {
				t.Errorf("%s: %s = %v, want %v", name, k, s.Scalars[k], v)
			}
		}
	}
	check("Adam{}", NewAdam(ps, AdamConfig{}).StateDict(),
		map[string]float64{"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0})
	check("AdamW{}", NewAdamW(ps, AdamConfig{}).StateDict(),
		map[string]float64{"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 1e-2})
	check("RMSprop{}", NewRMSprop(ps, RMSpropConfig{}).StateDict(),
		map[string]float64{"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "momentum": 0, "centered": 0})

	c := DefaultAdamWConfig()
	c.Beta1, c.WeightDecay, c.Eps = 0, 0, 0
	check("AdamW explicit zeros", NewAdamW(ps, c).StateDict(),
		map[string]float64{"lr": 1e-3, "beta1": 0, "beta2": 0.999, "eps": 0, "weight_decay": 0})
	r := DefaultRMSpropConfig()
	r.Alpha = 0
	check("RMSprop explicit zero", NewRMSprop(ps, r).StateDict(), map[string]float64{"alpha": 0, "lr": 1e-2})

	opt := NewSGD(ps, SGDConfig{LR: 1})
	check("Plateau{}", NewReduceLROnPlateau(opt, PlateauConfig{}).StateDict(), map[string]float64{
		"factor": 0.1, "patience": 10, "threshold": 1e-4, "eps": 1e-8, "mode_max": 0, "threshold_abs": 0})
	pc := DefaultPlateauConfig()
	pc.Patience, pc.Threshold = 0, 0
	check("Plateau explicit zeros", NewReduceLROnPlateau(opt, pc).StateDict(), map[string]float64{
		"factor": 0.1, "patience": 0, "threshold": 0})
	check("OneCycle{}", NewOneCycleLR(NewSGD(ps, SGDConfig{LR: 1}), 1, 100, OneCycleConfig{}).StateDict(), map[string]float64{
		"pct_start": 0.3, "div_factor": 25, "final_div_factor": 1e4, "base_momentum": 0.85, "max_momentum": 0.95,
		"cycle_momentum": 1, "anneal_linear": 0, "three_phase": 0, "base_lr": 1.0 / 25, "min_lr": 1.0 / 25 / 1e4})
}

func TestZeroGradAndSkipping(t *testing.T) {
	p := newProblem(t)
	opt := NewAdam(p.params(), AdamConfig{LR: 0.1})
	p.loss().Backward()
	if p.W.Grad == nil || p.u.Grad != nil {
		t.Fatal("expected a gradient on W and none on u")
	}
	opt.ZeroGrad()
	for i, q := range p.params() {
		if q.Grad != nil {
			t.Errorf("param %d: Grad not nil after ZeroGrad", i)
		}
	}
	// A step with no gradients changes nothing and creates no state.
	before := append([]float32(nil), p.W.Data()...)
	opt.Step()
	for i, v := range p.W.Data() {
		if v != before[i] {
			t.Fatal("Step without gradients changed a parameter")
		}
	}
	if s := opt.StateDict(); len(s.Tensors) != 0 {
		t.Errorf("Step without gradients created state %v", sortedKeys(s.Tensors))
	}
}

// A scheduler attached to an optimizer that already has an initial LR
// (because another scheduler is attached) takes that as its base, like
// torch's param_group["initial_lr"].
func TestChainedSchedulersShareInitialLR(t *testing.T) {
	opt := NewSGD([]*tensor.Tensor{tensor.Zeros(1).SetRequiresGrad(true)}, SGDConfig{LR: 1})
	NewLinearWarmup(opt, 4, 0.25) // sets the LR to 0.25
	cos := NewCosineAnnealingLR(opt, 10, 0)
	if b := cos.StateDict().Scalars["base_lr"]; b != 1 {
		t.Errorf("second scheduler's base LR %v, want 1 (the LR before the first scheduler)", b)
	}
	if got := opt.StateDict().Scalars["initial_lr"]; got != 1 {
		t.Errorf("optimizer initial_lr %v, want 1", got)
	}
}

func TestClipGolden(t *testing.T) {
	g := loadGolden(t)
	setup := func() *problem {
		p := newProblem(t)
		p.loss().Backward()
		return p
	}
	p := setup()
	if e := math.Max(maxRelErr(p.W.Grad.Data(), g.Clip.GradW, 1e-3), maxRelErr(p.b.Grad.Data(), g.Clip.GradB, 1e-3)); e > 1e-6 {
		t.Fatalf("gradients differ from PyTorch's by %.2g relative", e)
	}
	for _, c := range []struct {
		name string
		want goldenClip
	}{{"small", g.Clip.NormSmall}, {"large", g.Clip.NormLarge}} {
		p := setup()
		norm := ClipGradNorm(p.params(), c.want.MaxNorm)
		if e := math.Abs(norm-c.want.Norm) / c.want.Norm; e > 1e-6 {
			t.Errorf("ClipGradNorm %s: norm %v, want %v (rel err %.2g)", c.name, norm, c.want.Norm, e)
		}
		e := math.Max(maxRelErr(p.W.Grad.Data(), c.want.W, 1e-3), maxRelErr(p.b.Grad.Data(), c.want.B, 1e-3))
		if e > 1e-6 {
			t.Errorf("ClipGradNorm %s: clipped gradients off by %.2g relative", c.name, e)
		}
		t.Logf("clip_grad_norm_ %s: norm rel err %.1e, grads %.1e", c.name, math.Abs(norm-c.want.Norm)/c.want.Norm, e)
	}
	p = setup()
	ClipGradValue(p.params(), g.Clip.Value.Clip)
	e := math.Max(maxRelErr(p.W.Grad.Data(), g.Clip.Value.W, 1e-3), maxRelErr(p.b.Grad.Data(), g.Clip.Value.B, 1e-3))
	if e > 1e-6 {
		t.Errorf("ClipGradValue: gradients off by %.2g relative", e)
	}
	t.Logf("clip_grad_value_: grads %.1e", e)
}

func TestClipEdgeCases(t *testing.T) {
	a := tensor.FromSlice([]float32{3, 0}).SetRequiresGrad(true)
	b := tensor.FromSlice([]float32{0, 0, 0}).SetRequiresGrad(true)
	if n := ClipGradNorm([]*tensor.Tensor{a, b}, 1); n != 0 {
		t.Errorf("norm with no gradients = %v, want 0", n)
	}
	a.Grad = tensor.FromSlice([]float32{3, 0})
	b.Grad = tensor.FromSlice([]float32{0, 4, 0})
	if n := ClipGradNorm([]*tensor.Tensor{a, b}, 1); n != 5 {
		t.Errorf("norm = %v, want 5", n)
	}
	if got := b.Grad.Data()[1]; math.Abs(float64(got)-4/(5+1e-6)) > 1e-6 {
		t.Errorf("clipped = %v, want 0.8", got)
	}
	a.Grad = tensor.FromSlice([]float32{float32(math.NaN()), 1})
	if n := ClipGradNorm([]*tensor.Tensor{a}, 1); !math.IsNaN(n) || !math.IsNaN(float64(a.Grad.Data()[1])) {
		t.Errorf("NaN norm: got norm %v, grads %v; want NaN for both, as torch", n, a.Grad.Data())
	}
	a.Grad = tensor.FromSlice([]float32{-2, float32(math.NaN())})
	ClipGradValue([]*tensor.Tensor{a}, 0.5)
	if d := a.Grad.Data(); d[0] != -0.5 || !math.IsNaN(float64(d[1])) {
		t.Errorf("ClipGradValue = %v, want [-0.5 NaN]", d)
	}
}
