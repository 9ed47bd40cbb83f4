package optim

import (
	"encoding/json"
	"math"
	"os"
	"sort"
	"sync"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// The golden file is made by testdata/golden.py with PyTorch 1.13 in
// float64; see the script for the problem and the cases.

type goldenParams struct {
	W []float64 `json:"W"`
	B []float64 `json:"b"`
	U []float64 `json:"u"`
}

type goldenSched struct {
	LRs      []float64    `json:"lrs"`
	Momentum []float64    `json:"momentum"`
	Params   goldenParams `json:"params"`
}

type goldenClip struct {
	MaxNorm float64   `json:"max_norm"`
	Clip    float64   `json:"clip"`
	Norm    float64   `json:"norm"`
	W       []float64 `json:"W"`
	B       []float64 `json:"b"`
}

type goldenFile struct {
	Torch string `json:"torch"`
	Init  struct {
		goldenParams
		X []float64 `json:"X"`
		Y []float64 `json:"Y"`
	} `json:"init"`
	Optimizers map[string]goldenParams `json:"optimizers"`
	Schedulers map[string]goldenSched  `json:"schedulers"`
	Metrics    []float64               `json:"metrics"`
	Clip       struct {
		GradW     []float64  `json:"grad_W"`
		GradB     []float64  `json:"grad_b"`
		NormSmall goldenClip `json:"clip_norm_small"`
		NormLarge goldenClip `json:"clip_norm_large"`
		Value     goldenClip `json:"clip_value"`
	} `json:"clip"`
}

var golden = sync.OnceValues(func() (*goldenFile, error) {
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		return nil, err
	}
	g := new(goldenFile)
	return g, json.Unmarshal(raw, g)
})

func loadGolden(t testing.TB) *goldenFile {
	t.Helper()
	g, err := golden()
	if err != nil {
		t.Fatalf("golden file: %v", err)
	}
	return g
}

// problem is golden.py's fixed regression: loss = mean((X Wᵀ + b − Y)²),
// with u a parameter the loss never touches (its Grad stays nil).
type problem struct {
	W, b, u, X, Y *tensor.Tensor
}

func newProblem(t testing.TB) *problem {
	g := loadGolden(t)
	return &problem{
		W: tensor.FromFloat64(g.Init.W, 3, 4).SetRequiresGrad(true),
		b: tensor.FromFloat64(g.Init.B, 3).SetRequiresGrad(true),
		u: tensor.FromFloat64(g.Init.U, 2).SetRequiresGrad(true),
		X: tensor.FromFloat64(g.Init.X, 8, 4),
		Y: tensor.FromFloat64(g.Init.Y, 8, 3),
	}
}

func (p *problem) params() []*tensor.Tensor { return []*tensor.Tensor{p.W, p.b, p.u} }

func (p *problem) loss() *tensor.Tensor {
	return tensor.Linear(p.X, p.W, p.b).Sub(p.Y).Square().Mean()
}

func (p *problem) step(opt Optimizer) {
	opt.ZeroGrad()
	p.loss().Backward()
	opt.Step()
}

// maxRelErr is the largest |got−want|/|want| over the elements; an element
// whose reference is below floor in magnitude is measured against floor, so
// that values crossing zero do not dominate.
func maxRelErr(got []float32, want []float64, floor float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	worst := 0.0
	for i, w := range want {
		e := math.Abs(float64(got[i])-w) / math.Max(math.Abs(w), floor)
		if !(e <= worst) {
			worst = e
		}
	}
	return worst
}

func maxRelErr64(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	worst := 0.0
	for i, w := range want {
		e := math.Abs(got[i] - w)
		if w != 0 {
			e /= math.Abs(w)
		}
		if !(e <= worst) {
			worst = e
		}
	}
	return worst
}

const (
	paramTol = 1e-5 // parameters after 10 steps, float32 against float64
	paramFlo = 1e-2 // magnitude floor: an element near 0 carries its neighbours' absolute rounding
	lrTol    = 1e-9 // LR sequences: the same float64 recurrences
)

func checkParams(t *testing.T, name string, p *problem, want goldenParams) float64 {
	t.Helper()
	worst := 0.0
	for _, c := range []struct {
		n    string
		got  *tensor.Tensor
		want []float64
	}{{"W", p.W, want.W}, {"b", p.b, want.B}, {"u", p.u, want.U}} {
		e := maxRelErr(c.got.Data(), c.want, paramFlo)
		if !(e <= paramTol) {
			t.Errorf("%s: %s off by %.3g relative:\n got %v\nwant %v", name, c.n, e, c.got.Data(), c.want)
		}
		worst = math.Max(worst, e)
	}
	return worst
}

// optimizerCases are deepgo's versions of golden.py's OPTIMIZERS.
var optimizerCases = map[string]func([]*tensor.Tensor) Optimizer{
	"sgd":          func(p []*tensor.Tensor) Optimizer { return NewSGD(p, SGDConfig{LR: 0.1}) },
	"sgd_momentum": func(p []*tensor.Tensor) Optimizer { return NewSGD(p, SGDConfig{LR: 0.05, Momentum: 0.9}) },
	"sgd_nesterov": func(p []*tensor.Tensor) Optimizer {
		return NewSGD(p, SGDConfig{LR: 0.05, Momentum: 0.9, Nesterov: true})
	},
	"sgd_dampening": func(p []*tensor.Tensor) Optimizer {
		return NewSGD(p, SGDConfig{LR: 0.05, Momentum: 0.9, Dampening: 0.3})
	},
	"sgd_weight_decay": func(p []*tensor.Tensor) Optimizer { return NewSGD(p, SGDConfig{LR: 0.1, WeightDecay: 0.05}) },
	"sgd_momentum_weight_decay": func(p []*tensor.Tensor) Optimizer {
		return NewSGD(p, SGDConfig{LR: 0.05, Momentum: 0.5, WeightDecay: 0.1})
	},
	"sgd_nesterov_weight_decay": func(p []*tensor.Tensor) Optimizer {
		return NewSGD(p, SGDConfig{LR: 0.05, Momentum: 0.8, Nesterov: true, WeightDecay: 0.1})
	},
	"adam":              func(p []*tensor.Tensor) Optimizer { return NewAdam(p, AdamConfig{LR: 0.05}) },
	"adam_weight_decay": func(p []*tensor.Tensor) Optimizer { return NewAdam(p, AdamConfig{LR: 0.05, WeightDecay: 0.1}) },
	"adam_amsgrad": func(p []*tensor.Tensor) Optimizer {
		return NewAdam(p, AdamConfig{LR: 0.05, Beta1: 0.8, Beta2: 0.99, AMSGrad: true})
	},
	"adam_beta1_zero": func(p []*tensor.Tensor) Optimizer {
		c := DefaultAdamConfig()
		c.LR, c.Beta1, c.Beta2, c.Eps = 0.02, 0, 0.9, 1e-6
		return NewAdam(p, c)
	},
	"adamw": func(p []*tensor.Tensor) Optimizer { return NewAdamW(p, AdamConfig{LR: 0.05}) },
	"adamw_amsgrad": func(p []*tensor.Tensor) Optimizer {
		return NewAdamW(p, AdamConfig{LR: 0.05, WeightDecay: 0.1, AMSGrad: true})
	},
	"adamw_no_decay": func(p []*tensor.Tensor) Optimizer {
		c := DefaultAdamWConfig()
		c.LR, c.WeightDecay = 0.05, 0
		return NewAdamW(p, c)
	},
	"rmsprop":          func(p []*tensor.Tensor) Optimizer { return NewRMSprop(p, RMSpropConfig{LR: 0.01}) },
	"rmsprop_momentum": func(p []*tensor.Tensor) Optimizer { return NewRMSprop(p, RMSpropConfig{LR: 0.01, Momentum: 0.9}) },
	"rmsprop_centered": func(p []*tensor.Tensor) Optimizer {
		return NewRMSprop(p, RMSpropConfig{LR: 0.01, Alpha: 0.9, Centered: true})
	},
	"rmsprop_weight_decay": func(p []*tensor.Tensor) Optimizer { return NewRMSprop(p, RMSpropConfig{LR: 0.01, WeightDecay: 0.1}) },
	"rmsprop_all": func(p []*tensor.Tensor) Optimizer {
		return NewRMSprop(p, RMSpropConfig{LR: 0.005, Alpha: 0.95, Eps: 1e-6, WeightDecay: 0.1, Momentum: 0.5, Centered: true})
	},
}

func sgd(lr, momentum float64) func([]*tensor.Tensor) Optimizer {
	return func(p []*tensor.Tensor) Optimizer { return NewSGD(p, SGDConfig{LR: lr, Momentum: momentum}) }
}

type schedCase struct {
	opt    func([]*tensor.Tensor) Optimizer
	scheds func(Optimizer) []Scheduler
}

func one(f func(Optimizer) Scheduler) func(Optimizer) []Scheduler {
	return func(o Optimizer) []Scheduler { return []Scheduler{f(o)} }
}

// schedulerCases are deepgo's versions of golden.py's SCHEDULERS.
var schedulerCases = map[string]schedCase{
	"step_lr":        {sgd(0.1, 0.9), one(func(o Optimizer) Scheduler { return NewStepLR(o, 4, 0.5) })},
	"multistep_lr":   {sgd(0.1, 0.9), one(func(o Optimizer) Scheduler { return NewMultiStepLR(o, []int{3, 7, 7, 12}, 0.5) })},
	"exponential_lr": {sgd(0.1, 0), one(func(o Optimizer) Scheduler { return NewExponentialLR(o, 0.9) })},
	"cosine_lr":      {sgd(0.1, 0.9), one(func(o Optimizer) Scheduler { return NewCosineAnnealingLR(o, 10, 0.001) })},
	"linear_warmup":  {sgd(0.1, 0.9), one(func(o Optimizer) Scheduler { return NewLinearWarmup(o, 5, 0.1) })},
	"linear_lr":      {sgd(0.1, 0), one(func(o Optimizer) Scheduler { return NewLinearLR(o, 0.5, 0.2, 7) })},
	"onecycle_cos":   {sgd(0.1, 0.9), one(func(o Optimizer) Scheduler { return NewOneCycleLR(o, 0.3, 30, OneCycleConfig{}) })},
	"onecycle_linear_three_phase": {sgd(0.1, 0.9), one(func(o Optimizer) Scheduler {
		return NewOneCycleLR(o, 0.2, 30, OneCycleConfig{PctStart: 0.25, AnnealStrategy: "linear",
			DivFactor: 10, FinalDivFactor: 100, ThreePhase: true})
	})},
	"onecycle_adam": {
		func(p []*tensor.Tensor) Optimizer { return NewAdam(p, AdamConfig{LR: 0.01}) },
		one(func(o Optimizer) Scheduler {
			return NewOneCycleLR(o, 0.05, 30, OneCycleConfig{BaseMomentum: 0.8, MaxMomentum: 0.9})
		})},
	"onecycle_rmsprop": {
		func(p []*tensor.Tensor) Optimizer { return NewRMSprop(p, RMSpropConfig{LR: 0.01, Momentum: 0.5}) },
		one(func(o Optimizer) Scheduler { return NewOneCycleLR(o, 0.02, 30, OneCycleConfig{}) })},
	"onecycle_no_momentum": {sgd(0.1, 0), one(func(o Optimizer) Scheduler {
		return NewOneCycleLR(o, 0.3, 30, OneCycleConfig{NoCycleMomentum: true})
	})},
	"chained_warmup_exponential": {sgd(0.1, 0.9), func(o Optimizer) []Scheduler {
		return []Scheduler{NewLinearWarmup(o, 4, 0.2), NewExponentialLR(o, 0.9)}
	}},
	"chained_linear_cosine": {sgd(0.1, 0), func(o Optimizer) []Scheduler {
		return []Scheduler{NewLinearWarmup(o, 3, 0.5), NewCosineAnnealingLR(o, 10, 0.01)}
	}},
	"chained_step_multistep": {sgd(0.1, 0), func(o Optimizer) []Scheduler {
		return []Scheduler{NewStepLR(o, 5, 0.8), NewMultiStepLR(o, []int{10, 20}, 0.5)}
	}},
}

type plateauCase struct {
	opt func([]*tensor.Tensor) Optimizer
	cfg PlateauConfig
}

// plateauCases are deepgo's versions of golden.py's PLATEAUS.
var plateauCases = map[string]plateauCase{
	"plateau_min_rel": {sgd(0.1, 0.9), PlateauConfig{Mode: "min", Factor: 0.5, Patience: 2, Threshold: 0.01,
		Cooldown: 1, MinLR: 0.01}},
	"plateau_max_abs":  {sgd(0.1, 0), PlateauConfig{Mode: "max", Factor: 0.3, Patience: 1, Threshold: 0.02, ThresholdMode: "abs"}},
	"plateau_defaults": {sgd(0.1, 0), PlateauConfig{}},
	"plateau_patience_zero": {sgd(0.1, 0), func() PlateauConfig {
		c := DefaultPlateauConfig()
		c.Patience, c.Threshold, c.MinLR, c.Eps = 0, 0, 0.002, 1e-3
		return c
	}()},
}

func momentumOf(o Optimizer) float64 {
	if m, ok := o.(MomentumSetter); ok {
		return m.Momentum()
	}
	return 0
}

// TestGoldenCoverage keeps the Go cases and the golden file in step.
func TestGoldenCoverage(t *testing.T) {
	g := loadGolden(t)
	for name := range g.Optimizers {
		if optimizerCases[name] == nil {
			t.Errorf("golden optimizer case %q has no Go counterpart", name)
		}
	}
	for name := range g.Schedulers {
		_, s := schedulerCases[name]
		_, p := plateauCases[name]
		if !s && !p {
			t.Errorf("golden scheduler case %q has no Go counterpart", name)
		}
	}
	for name := range optimizerCases {
		if _, ok := g.Optimizers[name]; !ok {
			t.Errorf("Go optimizer case %q is not in the golden file", name)
		}
	}
	for _, m := range []map[string]schedCase{schedulerCases} {
		for name := range m {
			if _, ok := g.Schedulers[name]; !ok {
				t.Errorf("Go scheduler case %q is not in the golden file", name)
			}
		}
	}
	for name := range plateauCases {
		if _, ok := g.Schedulers[name]; !ok {
			t.Errorf("Go plateau case %q is not in the golden file", name)
		}
	}
}

// TestGoldenOptimizers runs 10 steps of every optimizer configuration and
// compares the parameters with PyTorch's.
func TestGoldenOptimizers(t *testing.T) {
	g := loadGolden(t)
	for _, name := range sortedKeys(optimizerCases) {
		want, ok := g.Optimizers[name]
		if !ok {
			continue
		}
		p := newProblem(t)
		opt := optimizerCases[name](p.params())
		for range 10 {
			p.step(opt)
		}
		e := checkParams(t, name, p, want)
		t.Logf("%-28s max rel err %.2e", name, e)
	}
}

// TestGoldenSchedulers drives an optimizer for 30 steps with each scheduler
// (or chain of schedulers) and compares the LR after every step, the cycled
// momentum, and the parameters after 10 steps with PyTorch's.
func TestGoldenSchedulers(t *testing.T) {
	g := loadGolden(t)
	names := append(sortedKeys(schedulerCases), sortedKeys(plateauCases)...)
	sort.Strings(names)
	for _, name := range names {
		want, ok := g.Schedulers[name]
		if !ok {
			continue
		}
		p := newProblem(t)
		var (
			opt     Optimizer
			stepAll func(i int)
		)
		if c, ok := schedulerCases[name]; ok {
			opt = c.opt(p.params())
			scheds := c.scheds(opt)
			stepAll = func(int) {
				for _, s := range scheds {
					s.Step()
				}
			}
		} else {
			c := plateauCases[name]
			opt = c.opt(p.params())
			s := NewReduceLROnPlateau(opt, c.cfg)
			stepAll = func(i int) { s.StepMetric(g.Metrics[i]) }
		}
		lrs, moms := []float64{opt.LR()}, []float64{momentumOf(opt)}
		paramErr := 0.0
		for i := range 30 {
			p.step(opt)
			stepAll(i)
			lrs = append(lrs, opt.LR())
			moms = append(moms, momentumOf(opt))
			if i == 9 {
				paramErr = checkParams(t, name, p, want.Params)
			}
		}
		lrErr, momErr := maxRelErr64(lrs, want.LRs), maxRelErr64(moms, want.Momentum)
		if !(lrErr <= lrTol) {
			t.Errorf("%s: LR sequence off by %.3g relative:\n got %v\nwant %v", name, lrErr, lrs, want.LRs)
		}
		if !(momErr <= lrTol) {
			t.Errorf("%s: momentum sequence off by %.3g relative:\n got %v\nwant %v", name, momErr, moms, want.Momentum)
		}
		t.Logf("%-28s LR rel err %.1e, momentum %.1e, params after 10 steps %.2e", name, lrErr, momErr, paramErr)
	}
}
