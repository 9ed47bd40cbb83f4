package optim

import (
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// Step allocates its buffers on the first call and never again: the steady
// state of every optimizer configuration and scheduler is allocation-free.
func TestStepDoesNotAllocate(t *testing.T) {
	for _, name := range sortedKeys(optimizerCases) {
		p := newProblem(t)
		opt := optimizerCases[name](p.params())
		p.loss().Backward() // the gradients stay; Step only reads them
		opt.Step()
		if n := testing.AllocsPerRun(20, opt.Step); n != 0 {
			t.Errorf("%s: Step allocates %v times per call", name, n)
		}
	}
	opt := NewSGD([]*tensor.Tensor{tensor.Zeros(4).SetRequiresGrad(true)}, SGDConfig{LR: 0.1, Momentum: 0.9})
	scheds := map[string]func(){
		"StepLR":            NewStepLR(opt, 3, 0.9).Step,
		"MultiStepLR":       NewMultiStepLR(opt, []int{5, 10}, 0.9).Step,
		"ExponentialLR":     NewExponentialLR(opt, 0.999).Step,
		"CosineAnnealingLR": NewCosineAnnealingLR(opt, 10, 0).Step,
		"LinearLR":          NewLinearWarmup(opt, 10, 0.1).Step,
		"OneCycleLR":        NewOneCycleLR(opt, 0.1, 1000, OneCycleConfig{}).Step,
		"ReduceLROnPlateau": func() { plateau.StepMetric(1) },
	}
	for _, name := range sortedKeys(scheds) {
		if n := testing.AllocsPerRun(20, scheds[name]); n != 0 {
			t.Errorf("%s: Step allocates %v times per call", name, n)
		}
	}
}

var plateau = NewReduceLROnPlateau(NewSGD([]*tensor.Tensor{tensor.Zeros(1).SetRequiresGrad(true)}, SGDConfig{LR: 1}), PlateauConfig{})

// Benchmarks of one Step on 100k parameters (twice the lecture's MNIST MLP).
func benchStep(b *testing.B, newOpt func([]*tensor.Tensor) Optimizer) {
	g := tensor.NewRNG(1)
	w := tensor.Randn(g, 250, 400).SetRequiresGrad(true)
	w.Grad = tensor.Randn(g, 250, 400)
	opt := newOpt([]*tensor.Tensor{w})
	opt.Step()
	b.SetBytes(4 * 250 * 400)
	b.ResetTimer()
	for range b.N {
		opt.Step()
	}
}

func BenchmarkSGDMomentum(b *testing.B) {
	benchStep(b, func(p []*tensor.Tensor) Optimizer { return NewSGD(p, SGDConfig{LR: 1e-3, Momentum: 0.9}) })
}

func BenchmarkSGDNesterovWeightDecay(b *testing.B) {
	benchStep(b, func(p []*tensor.Tensor) Optimizer {
		return NewSGD(p, SGDConfig{LR: 1e-3, Momentum: 0.9, Nesterov: true, WeightDecay: 1e-4})
	})
}

func BenchmarkAdam(b *testing.B) {
	benchStep(b, func(p []*tensor.Tensor) Optimizer { return NewAdam(p, AdamConfig{}) })
}

func BenchmarkAdamW(b *testing.B) {
	benchStep(b, func(p []*tensor.Tensor) Optimizer { return NewAdamW(p, AdamConfig{}) })
}

func BenchmarkRMSpropCentered(b *testing.B) {
	benchStep(b, func(p []*tensor.Tensor) Optimizer {
		return NewRMSprop(p, RMSpropConfig{Momentum: 0.9, Centered: true})
	})
}
