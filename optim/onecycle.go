package optim

import (
	"fmt"
	"math"
)

// OneCycleConfig configures OneCycleLR. A zero field takes PyTorch's default
// unless NoDefaults is set (an empty AnnealStrategy is always "cos");
// DefaultOneCycleConfig returns the defaults spelled out.
type OneCycleConfig struct {
	PctStart       float64 // fraction of the cycle spent raising the LR (default 0.3)
	AnnealStrategy string  // "cos" (default) or "linear"
	DivFactor      float64 // initial LR = maxLR/DivFactor (default 25)
	FinalDivFactor float64 // final LR = initial LR/FinalDivFactor (default 1e4)
	// ThreePhase adds a third phase: up to maxLR, back down to the initial
	// LR symmetrically, then down to the final LR (the original paper's
	// schedule); without it the second phase goes straight to the final LR
	// (fastai's, torch's default).
	ThreePhase bool
	// NoCycleMomentum turns off torch's default cycle_momentum=True, which
	// moves the optimizer's momentum (Adam's beta1) inversely to the LR,
	// between MaxMomentum and BaseMomentum.
	NoCycleMomentum bool
	BaseMomentum    float64 // momentum at the LR's peak (default 0.85)
	MaxMomentum     float64 // momentum at the start and end (default 0.95)
	NoDefaults      bool    // take every numeric field as given, zeros included
}

// DefaultOneCycleConfig returns torch's OneCycleLR defaults with NoDefaults set.
func DefaultOneCycleConfig() OneCycleConfig {
	return OneCycleConfig{PctStart: 0.3, AnnealStrategy: "cos", DivFactor: 25, FinalDivFactor: 1e4,
		BaseMomentum: 0.85, MaxMomentum: 0.95, NoDefaults: true}
}

func (c OneCycleConfig) withDefaults() OneCycleConfig {
	if c.AnnealStrategy == "" {
		c.AnnealStrategy = "cos"
	}
	if c.NoDefaults {
		return c
	}
	d := DefaultOneCycleConfig()
	for _, f := range []struct{ v, def *float64 }{
		{&c.PctStart, &d.PctStart}, {&c.DivFactor, &d.DivFactor}, {&c.FinalDivFactor, &d.FinalDivFactor},
		{&c.BaseMomentum, &d.BaseMomentum}, {&c.MaxMomentum, &d.MaxMomentum},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return c
}

// OneCycleLR is the 1cycle policy (torch.optim.lr_scheduler.OneCycleLR):
// the LR rises from maxLR/DivFactor to maxLR over the first PctStart of
// totalSteps, then anneals to the initial LR/FinalDivFactor, while the
// momentum (Adam's beta1) moves the opposite way unless NoCycleMomentum.
// Step it after every batch; stepping more than totalSteps times panics,
// as torch raises. It sets the LR outright, so it does not chain.
type OneCycleLR struct {
	schedBase // baseLR is the cycle's initial LR
	mom       MomentumSetter
	total     int
	cfg       OneCycleConfig
	maxLR     float64
	minLR     float64
}

// NewOneCycleLR attaches a OneCycleLR over totalSteps steps peaking at maxLR
// to opt and takes its first step, which sets the LR to maxLR/DivFactor
// (and the momentum to MaxMomentum). Cycling the momentum needs an optimizer
// that implements MomentumSetter, as all of this package's do.
func NewOneCycleLR(opt Optimizer, maxLR float64, totalSteps int, c OneCycleConfig) *OneCycleLR {
	c = c.withDefaults()
	mustValid("OneCycleLR", validOneCycle(maxLR, totalSteps, c))
	if opt == nil {
		panic("deepgo: OneCycleLR: nil optimizer")
	}
	initial := maxLR / c.DivFactor
	// Like torch, the cycle's initial LR replaces the optimizer's
	// initial_lr, so it is the base LR of this and later schedulers.
	if h, ok := opt.(initialLRHolder); ok {
		h.setInitialLR(initial)
	}
	s := &OneCycleLR{schedBase: newSchedBase("OneCycleLR", opt), total: totalSteps, cfg: c,
		maxLR: maxLR, minLR: initial / c.FinalDivFactor}
	s.baseLR = initial
	if !c.NoCycleMomentum {
		m, ok := opt.(MomentumSetter)
		if !ok {
			panic(fmt.Sprintf("deepgo: OneCycleLR: optimizer %T has no momentum to cycle (set NoCycleMomentum)", opt))
		}
		s.mom = m
		m.SetMomentum(c.MaxMomentum)
	}
	s.Step()
	return s
}

func validOneCycle(maxLR float64, total int, c OneCycleConfig) error {
	switch {
	case !(maxLR >= 0):
		return badValue("maxLR", maxLR, ">= 0")
	case total < 1:
		return badValue("totalSteps", total, ">= 1")
	case !(c.PctStart >= 0 && c.PctStart <= 1):
		return badValue("PctStart", c.PctStart, "0 <= PctStart <= 1")
	case c.AnnealStrategy != "cos" && c.AnnealStrategy != "linear":
		return fmt.Errorf("invalid AnnealStrategy %q (want \"cos\" or \"linear\")", c.AnnealStrategy)
	case !(c.DivFactor > 0):
		return badValue("DivFactor", c.DivFactor, "> 0")
	case !(c.FinalDivFactor > 0):
		return badValue("FinalDivFactor", c.FinalDivFactor, "> 0")
	case !c.NoCycleMomentum && !(c.BaseMomentum >= 0 && c.BaseMomentum < 1):
		return badValue("BaseMomentum", c.BaseMomentum, "0 <= BaseMomentum < 1")
	case !c.NoCycleMomentum && !(c.MaxMomentum >= 0 && c.MaxMomentum < 1):
		return badValue("MaxMomentum", c.MaxMomentum, "0 <= MaxMomentum < 1")
	}
	// A phase of zero length would divide 0 by 0 at its first step (torch
	// raises ZeroDivisionError there).
	phases, n := oneCyclePhases(c, total, 0, 0, 0)
	start := 0.0
	for i := 0; i < n; i++ {
		if phases[i].end == start {
			return fmt.Errorf("phase %d of the cycle is empty (PctStart %v, totalSteps %d)", i+1, c.PctStart, total)
		}
		start = phases[i].end
	}
	return nil
}

// oneCyclePhase is one of torch's _schedule_phases, resolved for one group.
type oneCyclePhase struct {
	end              float64 // last step of the phase (fractional, as in torch)
	startLR, endLR   float64
	startMom, endMom float64
}

func oneCyclePhases(c OneCycleConfig, total int, initial, maxLR, minLR float64) ([3]oneCyclePhase, int) {
	T := float64(total)
	hi, lo := c.MaxMomentum, c.BaseMomentum
	if c.ThreePhase {
		return [3]oneCyclePhase{
			{c.PctStart*T - 1, initial, maxLR, hi, lo},
			{2*c.PctStart*T - 2, maxLR, initial, lo, hi},
			{T - 1, initial, minLR, hi, hi},
		}, 3
	}
	return [3]oneCyclePhase{
		{c.PctStart*T - 1, initial, maxLR, hi, lo},
		{T - 1, maxLR, minLR, lo, hi},
	}, 2
}

func (s *OneCycleLR) anneal(start, end, pct float64) float64 {
	if s.cfg.AnnealStrategy == "linear" {
		return (end-start)*pct + start
	}
	return end + (start-end)/2.0*(math.Cos(math.Pi*pct)+1)
}

// Step advances one batch.
func (s *OneCycleLR) Step() {
	s.lastEpoch++
	if s.lastEpoch > s.total {
		panic(fmt.Sprintf("deepgo: OneCycleLR: stepped %d times, but totalSteps is %d", s.lastEpoch+1, s.total))
	}
	phases, n := oneCyclePhases(s.cfg, s.total, s.baseLR, s.maxLR, s.minLR)
	step, start := float64(s.lastEpoch), 0.0
	for i := 0; i < n; i++ {
		ph := phases[i]
		if step <= ph.end || i == n-1 {
			pct := (step - start) / (ph.end - start)
			s.set(s.anneal(ph.startLR, ph.endLR, pct))
			if s.mom != nil {
				s.mom.SetMomentum(s.anneal(ph.startMom, ph.endMom, pct))
			}
			return
		}
		start = ph.end
	}
}

// StateDict returns the step, the LRs and the hyper-parameters.
func (s *OneCycleLR) StateDict() State {
	return s.save(map[string]float64{
		"total_steps":      float64(s.total),
		"max_lr":           s.maxLR,
		"min_lr":           s.minLR,
		"pct_start":        s.cfg.PctStart,
		"anneal_linear":    boolScalar(s.cfg.AnnealStrategy == "linear"),
		"three_phase":      boolScalar(s.cfg.ThreePhase),
		"cycle_momentum":   boolScalar(!s.cfg.NoCycleMomentum),
		"base_momentum":    s.cfg.BaseMomentum,
		"max_momentum":     s.cfg.MaxMomentum,
		"div_factor":       s.cfg.DivFactor,
		"final_div_factor": s.cfg.FinalDivFactor,
	})
}

// LoadStateDict restores a state returned by OneCycleLR.StateDict.
func (s *OneCycleLR) LoadStateDict(st State) error {
	if err := s.check(st, nil, "total_steps", "max_lr", "min_lr", "pct_start", "anneal_linear", "three_phase",
		"cycle_momentum", "base_momentum", "max_momentum", "div_factor", "final_div_factor"); err != nil {
		return err
	}
	v := st.Scalars
	c := OneCycleConfig{
		PctStart:        v["pct_start"],
		AnnealStrategy:  "cos",
		DivFactor:       v["div_factor"],
		FinalDivFactor:  v["final_div_factor"],
		ThreePhase:      v["three_phase"] != 0,
		NoCycleMomentum: v["cycle_momentum"] == 0,
		BaseMomentum:    v["base_momentum"],
		MaxMomentum:     v["max_momentum"],
		NoDefaults:      true,
	}
	if v["anneal_linear"] != 0 {
		c.AnnealStrategy = "linear"
	}
	total := int(v["total_steps"])
	if err := validOneCycle(v["max_lr"], total, c); err != nil {
		return schedErr(s.kind, err)
	}
	var mom MomentumSetter
	if !c.NoCycleMomentum {
		m, ok := s.opt.(MomentumSetter)
		if !ok {
			return schedErr(s.kind, fmt.Errorf("state cycles momentum but optimizer %T has none", s.opt))
		}
		mom = m
	}
	s.load(st)
	s.cfg, s.total, s.maxLR, s.minLR, s.mom = c, total, v["max_lr"], v["min_lr"], mom
	return nil
}
