package optim

import (
	"math"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// copyProblem is what a checkpoint gives back: a fresh problem whose
// parameters hold p's current values.
func copyProblem(t *testing.T, p *problem) *problem {
	q := newProblem(t)
	copy(q.W.Data(), p.W.Data())
	copy(q.b.Data(), p.b.Data())
	copy(q.u.Data(), p.u.Data())
	return q
}

func sameBits(t *testing.T, name string, got, want *problem) {
	t.Helper()
	for _, c := range [][2]*tensor.Tensor{{got.W, want.W}, {got.b, want.b}, {got.u, want.u}} {
		g, w := c[0].Data(), c[1].Data()
		for i := range w {
			if math.Float32bits(g[i]) != math.Float32bits(w[i]) {
				t.Errorf("%s: resumed run differs from the uninterrupted one:\n got %v\nwant %v", name, g, w)
				break
			}
		}
	}
}

// TestOptimizerStateRoundTrip: 5 steps, save, keep going to 10; a new
// optimizer on a copy of the 5-step parameters loads the saved state and
// takes 5 more steps. Both must agree bit for bit, which also proves the
// saved state did not alias the buffers that kept changing.
func TestOptimizerStateRoundTrip(t *testing.T) {
	for _, name := range sortedKeys(optimizerCases) {
		newOpt := optimizerCases[name]
		p := newProblem(t)
		opt := newOpt(p.params())
		for range 5 {
			p.step(opt)
		}
		saved := opt.StateDict()
		q := copyProblem(t, p)
		for range 5 {
			p.step(opt)
		}

		resumed := newOpt(q.params())
		if err := resumed.LoadStateDict(saved); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for range 5 {
			q.step(resumed)
		}
		sameBits(t, name, q, p)
	}
}

// TestSchedulerStateRoundTrip does the same for every scheduler case,
// saving at step 15 of 30 and comparing the LRs as well.
func TestSchedulerStateRoundTrip(t *testing.T) {
	g := loadGolden(t)
	type run struct {
		p      *problem
		opt    Optimizer
		scheds []Scheduler
		plat   *ReduceLROnPlateau
	}
	build := func(name string, p *problem) run {
		r := run{p: p}
		if c, ok := schedulerCases[name]; ok {
			r.opt = c.opt(p.params())
			r.scheds = c.scheds(r.opt)
		} else {
			c := plateauCases[name]
			r.opt = c.opt(p.params())
			r.plat = NewReduceLROnPlateau(r.opt, c.cfg)
		}
		return r
	}
	step := func(r run, i int) float64 {
		r.p.step(r.opt)
		for _, s := range r.scheds {
			s.Step()
		}
		if r.plat != nil {
			r.plat.StepMetric(g.Metrics[i])
		}
		return r.opt.LR()
	}
	names := append(sortedKeys(schedulerCases), sortedKeys(plateauCases)...)
	for _, name := range names {
		a := build(name, newProblem(t))
		for i := range 15 {
			step(a, i)
		}
		optState := a.opt.StateDict()
		var schedStates []State
		for _, s := range a.scheds {
			schedStates = append(schedStates, s.StateDict())
		}
		if a.plat != nil {
			schedStates = append(schedStates, a.plat.StateDict())
		}
		b := build(name, copyProblem(t, a.p))
		if err := b.opt.LoadStateDict(optState); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, s := range b.scheds {
			if err := s.LoadStateDict(schedStates[k]); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		if b.plat != nil {
			if err := b.plat.LoadStateDict(schedStates[0]); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		for i := 15; i < 30; i++ {
			la, lb := step(a, i), step(b, i)
			if la != lb || momentumOf(a.opt) != momentumOf(b.opt) {
				t.Fatalf("%s: step %d: resumed LR %v momentum %v, uninterrupted %v %v",
					name, i, lb, momentumOf(b.opt), la, momentumOf(a.opt))
			}
		}
		sameBits(t, name, b.p, a.p)
		if len(b.scheds) > 0 && b.scheds[0].LR() != a.scheds[0].LR() {
			t.Errorf("%s: scheduler LR %v, want %v", name, b.scheds[0].LR(), a.scheds[0].LR())
		}
	}
}

func TestStateContents(t *testing.T) {
	p := newProblem(t)
	opt := NewAdam(p.params(), AdamConfig{LR: 0.05, AMSGrad: true})
	p.step(opt)
	p.step(opt)
	s := opt.StateDict()
	if s.Kind != "Adam" {
		t.Errorf("Kind %q, want Adam", s.Kind)
	}
	for _, k := range []string{"state.0.exp_avg", "state.0.exp_avg_sq", "state.0.max_exp_avg_sq", "state.1.exp_avg"} {
		if s.Tensors[k] == nil {
			t.Errorf("missing tensor %q", k)
		}
	}
	if got := s.Tensors["state.0.exp_avg"].Shape(); !tensor.SameShape(got, []int{3, 4}) {
		t.Errorf("exp_avg shape %v, want [3 4]", got)
	}
	// u never had a gradient, so like torch it has no state.
	for k := range s.Tensors {
		if strings.HasPrefix(k, "state.2.") {
			t.Errorf("unexpected state %q for a parameter that never had a gradient", k)
		}
	}
	want := map[string]float64{"state.0.step": 2, "state.1.step": 2, "lr": 0.05, "beta1": 0.9, "beta2": 0.999,
		"eps": 1e-8, "weight_decay": 0, "amsgrad": 1, "num_params": 3}
	for k, v := range want {
		if got, ok := s.Scalars[k]; !ok || got != v {
			t.Errorf("scalar %q = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if _, ok := s.Scalars["state.2.step"]; ok {
		t.Error("unexpected step count for u")
	}
}

func TestLoadStateErrors(t *testing.T) {
	p := newProblem(t)
	sgdOpt := NewSGD(p.params(), SGDConfig{LR: 0.1, Momentum: 0.9})
	p.step(sgdOpt)
	sgdState := sgdOpt.StateDict()
	adamOpt := NewAdam(p.params(), AdamConfig{})
	p.step(adamOpt)
	adamState := adamOpt.StateDict()

	edit := func(s State, f func(*State)) State {
		c := State{Kind: s.Kind, Tensors: map[string]*tensor.Tensor{}, Scalars: map[string]float64{}}
		for k, v := range s.Tensors {
			c.Tensors[k] = v
		}
		for k, v := range s.Scalars {
			c.Scalars[k] = v
		}
		f(&c)
		return c
	}
	cases := []struct {
		name  string
		opt   func() Optimizer
		state State
		want  string
	}{
		{"kind", func() Optimizer { return NewAdam(p.params(), AdamConfig{}) }, sgdState, `state is of a "SGD" optimizer`},
		{"adam into adamw", func() Optimizer { return NewAdamW(p.params(), AdamConfig{}) }, adamState, `state is of a "Adam" optimizer`},
		{"param count", func() Optimizer { return NewSGD(p.params()[:2], SGDConfig{LR: 1}) }, sgdState,
			"state has 3 parameters, optimizer has 2"},
		{"shape", func() Optimizer {
			return NewSGD([]*tensor.Tensor{tensor.Zeros(4, 3), p.b, p.u}, SGDConfig{LR: 1})
		}, sgdState, `tensor "state.0.momentum_buffer" has shape [3 4], parameter 0 has shape [4 3]`},
		{"missing scalar", func() Optimizer { return NewSGD(p.params(), SGDConfig{LR: 1}) },
			edit(sgdState, func(s *State) { delete(s.Scalars, "momentum") }), `missing scalar "momentum"`},
		{"unknown tensor", func() Optimizer { return NewSGD(p.params(), SGDConfig{LR: 1}) },
			edit(sgdState, func(s *State) { s.Tensors["state.0.exp_avg"] = tensor.Zeros(3, 4) }), `unknown tensor "state.0.exp_avg"`},
		{"index out of range", func() Optimizer { return NewSGD(p.params(), SGDConfig{LR: 1}) },
			edit(sgdState, func(s *State) { s.Tensors["state.7.momentum_buffer"] = tensor.Zeros(3, 4) }), `unknown tensor "state.7.momentum_buffer"`},
		{"bad hyper", func() Optimizer { return NewAdam(p.params(), AdamConfig{}) },
			edit(adamState, func(s *State) { s.Scalars["beta2"] = 1 }), "invalid Beta2 1"},
		{"half state", func() Optimizer { return NewAdam(p.params(), AdamConfig{}) },
			edit(adamState, func(s *State) { delete(s.Tensors, "state.1.exp_avg_sq") }), "parameter 1 needs step, exp_avg and exp_avg_sq together"},
		{"fractional step", func() Optimizer { return NewAdam(p.params(), AdamConfig{}) },
			edit(adamState, func(s *State) { s.Scalars["state.0.step"] = 1.5 }), "is not a step count"},
		{"nesterov", func() Optimizer { return NewSGD(p.params(), SGDConfig{LR: 1}) },
			edit(sgdState, func(s *State) { s.Scalars["nesterov"], s.Scalars["momentum"] = 1, 0 }), "Nesterov momentum needs Momentum > 0"},
	}
	for _, c := range cases {
		opt := c.opt()
		before := opt.StateDict()
		err := opt.LoadStateDict(c.state)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "deepgo: ") {
			t.Errorf("%s: error %q does not start with deepgo:", c.name, err)
		}
		after := opt.StateDict()
		if len(after.Tensors) != len(before.Tensors) || after.Scalars["lr"] != before.Scalars["lr"] {
			t.Errorf("%s: a failed load changed the optimizer", c.name)
		}
	}
}

func TestSchedulerLoadErrors(t *testing.T) {
	p := newProblem(t)
	opt := NewSGD(p.params(), SGDConfig{LR: 0.1})
	step := NewStepLR(opt, 3, 0.5).StateDict()
	cases := []struct {
		s    Scheduler
		st   State
		want string
	}{
		{NewExponentialLR(opt, 0.9), step, `state is of a "StepLR" scheduler`},
		{NewStepLR(opt, 3, 0.5), State{Kind: "StepLR", Scalars: map[string]float64{"last_epoch": 1}}, `missing scalar "base_lr"`},
		{NewStepLR(opt, 3, 0.5), func() State {
			s := NewStepLR(opt, 3, 0.5).StateDict()
			s.Scalars["step_size"] = 0
			return s
		}(), "invalid stepSize 0"},
		{NewMultiStepLR(opt, []int{2}, 0.5), func() State {
			s := NewMultiStepLR(opt, []int{2, 4}, 0.5).StateDict()
			s.Scalars["milestone.5"] = 3
			return s
		}(), `unknown scalar "milestone.5"`},
		{NewOneCycleLR(opt, 0.1, 10, OneCycleConfig{}), func() State {
			s := NewOneCycleLR(opt, 0.1, 10, OneCycleConfig{}).StateDict()
			s.Tensors["x"] = tensor.Zeros(1)
			return s
		}(), "unexpected tensors"},
	}
	for _, c := range cases {
		err := c.s.LoadStateDict(c.st)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%T: error %v, want one containing %q", c.s, err, c.want)
		}
	}
	plat := NewReduceLROnPlateau(opt, PlateauConfig{})
	if err := plat.LoadStateDict(step); err == nil || !strings.Contains(err.Error(), `"StepLR"`) {
		t.Errorf("ReduceLROnPlateau: error %v, want a kind mismatch", err)
	}
	s := plat.StateDict()
	if !math.IsInf(s.Scalars["best"], 1) {
		t.Errorf("best before any metric = %v, want +Inf", s.Scalars["best"])
	}
	if err := plat.LoadStateDict(s); err != nil {
		t.Errorf("ReduceLROnPlateau round trip: %v", err)
	}
}
