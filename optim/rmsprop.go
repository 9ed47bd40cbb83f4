package optim

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/tensor"
)

// RMSpropConfig configures RMSprop. A zero field takes PyTorch's default
// unless NoDefaults is set; DefaultRMSpropConfig returns the defaults
// spelled out.
type RMSpropConfig struct {
	LR          float64 // learning rate (default 1e-2)
	Alpha       float64 // smoothing constant of the squared-gradient average (default 0.99)
	Eps         float64 // added to the denominator (default 1e-8)
	WeightDecay float64 // L2 added to the gradient (default 0)
	Momentum    float64 // momentum factor (default 0)
	Centered    bool    // normalise by the estimated variance instead of the raw second moment
	NoDefaults  bool    // take every field as given, zeros included
}

// DefaultRMSpropConfig returns torch.optim.RMSprop's defaults with NoDefaults set.
func DefaultRMSpropConfig() RMSpropConfig {
	return RMSpropConfig{LR: 1e-2, Alpha: 0.99, Eps: 1e-8, NoDefaults: true}
}

func (c RMSpropConfig) withDefaults() RMSpropConfig {
	if c.NoDefaults {
		return c
	}
	d := DefaultRMSpropConfig()
	for _, f := range []struct{ v, def *float64 }{{&c.LR, &d.LR}, {&c.Alpha, &d.Alpha}, {&c.Eps, &d.Eps}} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return c
}

func (c RMSpropConfig) validate() error {
	switch {
	case !(c.Eps >= 0):
		return badValue("Eps", c.Eps, ">= 0")
	case !(c.Momentum >= 0):
		return badValue("Momentum", c.Momentum, ">= 0")
	case !(c.WeightDecay >= 0):
		return badValue("WeightDecay", c.WeightDecay, ">= 0")
	case !(c.Alpha >= 0):
		return badValue("Alpha", c.Alpha, ">= 0")
	}
	return nil
}

// RMSprop is torch.optim.RMSprop. For each parameter w with gradient g, a
// step computes
//
//	g ← g + λ·w                          (WeightDecay λ ≠ 0)
//	s ← α·s + (1−α)·g²
//	a ← √(s − ḡ²) + ε, with ḡ ← α·ḡ + (1−α)·g   (Centered)
//	a ← √s + ε                            (otherwise)
//	b ← μ·b + g/a, w ← w − lr·b           (Momentum μ > 0)
//	w ← w − lr·g/a                        (otherwise)
type RMSprop struct {
	base
	cfg   RMSpropConfig
	state []rmspropState
}

type rmspropState struct {
	step      int
	squareAvg []float32
	gradAvg   []float32 // Centered only
	momentum  []float32 // Momentum > 0 only
	hasState  bool      // false until the parameter's first step
}

// NewRMSprop returns an RMSprop optimizer for params. It panics on invalid
// hyper-parameters.
func NewRMSprop(params []*tensor.Tensor, c RMSpropConfig) *RMSprop {
	c = c.withDefaults()
	mustValid("RMSprop", c.validate())
	o := &RMSprop{base: newBase("RMSprop", params, c.LR), cfg: c}
	o.state = make([]rmspropState, len(o.params))
	return o
}

// Momentum returns the momentum factor.
func (o *RMSprop) Momentum() float64 { return o.cfg.Momentum }

// SetMomentum changes the momentum factor (OneCycleLR cycles it).
func (o *RMSprop) SetMomentum(m float64) {
	if !(m >= 0) {
		panic(fmt.Sprintf("deepgo: RMSprop: SetMomentum: invalid momentum %v (want >= 0)", m))
	}
	o.cfg.Momentum = m
}

// Step updates every parameter that has a gradient.
func (o *RMSprop) Step() {
	c := o.cfg
	c.LR = o.lr
	for i, p := range o.params {
		g := o.grad(i)
		if g == nil {
			continue
		}
		w, st := p.Data(), &o.state[i]
		if !st.hasState {
			st.squareAvg = make([]float32, len(w))
			st.hasState = true
		}
		// torch makes these buffers when the state is created; making them
		// when first needed is the same for a fixed config and also covers a
		// momentum switched on later (by OneCycleLR).
		if c.Momentum > 0 && st.momentum == nil {
			st.momentum = make([]float32, len(w))
		}
		if c.Centered && st.gradAvg == nil {
			st.gradAvg = make([]float32, len(w))
		}
		st.step++
		rmspropUpdate(w, g, st, c)
	}
}

// rmspropUpdate does one step on one parameter in a single pass, following
// torch's _single_tensor_rmsprop operation by operation in float32.
func rmspropUpdate(w, g []float32, st *rmspropState, c RMSpropConfig) {
	alpha, oma := float32(c.Alpha), float32(1-c.Alpha)
	eps, wd, mom := float32(c.Eps), float32(c.WeightDecay), float32(c.Momentum)
	negLR := float32(-c.LR)
	l2 := c.WeightDecay != 0

	sq := st.squareAvg[:len(w)]
	g = g[:len(w)]
	var ga, buf []float32
	if c.Centered {
		ga = st.gradAvg[:len(w)]
	}
	if c.Momentum > 0 {
		buf = st.momentum[:len(w)]
	}
	for j := range w {
		gj := g[j]
		if l2 {
			gj += wd * w[j]
		}
		s := sq[j]*alpha + oma*gj*gj // mul_(alpha).addcmul_(grad, grad, value=1-alpha)
		sq[j] = s
		var avg float32
		if ga != nil {
			a := ga[j]*alpha + oma*gj
			ga[j] = a
			avg = float32(math.Sqrt(float64(s + -1*a*a))) // addcmul(grad_avg, grad_avg, value=-1).sqrt_()
		} else {
			avg = float32(math.Sqrt(float64(s)))
		}
		avg += eps
		if buf != nil {
			b := buf[j]*mom + gj/avg // mul_(momentum).addcdiv_(grad, avg)
			buf[j] = b
			w[j] += negLR * b
		} else {
			w[j] += negLR * gj / avg
		}
	}
}

var rmspropSpec = stateSpec{
	hyper:   []string{"alpha", "eps", "weight_decay", "momentum", "centered"},
	buffers: []string{"square_avg", "grad_avg", "momentum_buffer"},
	steps:   true,
}

// StateDict returns, for each parameter that has taken a step, its step
// count and buffers ("square_avg", "grad_avg" when Centered,
// "momentum_buffer" with momentum), and the hyper-parameters.
func (o *RMSprop) StateDict() State {
	s := o.saveBase()
	s.Scalars["alpha"] = o.cfg.Alpha
	s.Scalars["eps"] = o.cfg.Eps
	s.Scalars["weight_decay"] = o.cfg.WeightDecay
	s.Scalars["momentum"] = o.cfg.Momentum
	s.Scalars["centered"] = boolScalar(o.cfg.Centered)
	for i, p := range o.params {
		st := &o.state[i]
		if !st.hasState {
			continue
		}
		s.Scalars[paramKey(i, "step")] = float64(st.step)
		s.putBuffer(i, "square_avg", st.squareAvg, p)
		s.putBuffer(i, "grad_avg", st.gradAvg, p)
		s.putBuffer(i, "momentum_buffer", st.momentum, p)
	}
	return s
}

// LoadStateDict restores a state returned by RMSprop.StateDict,
// hyper-parameters included.
func (o *RMSprop) LoadStateDict(s State) error {
	if err := o.checkState(s, rmspropSpec); err != nil {
		return err
	}
	c := RMSpropConfig{
		LR:          s.Scalars["lr"],
		Alpha:       s.Scalars["alpha"],
		Eps:         s.Scalars["eps"],
		WeightDecay: s.Scalars["weight_decay"],
		Momentum:    s.Scalars["momentum"],
		Centered:    s.Scalars["centered"] != 0,
		NoDefaults:  true,
	}
	if err := c.validate(); err != nil {
		return fmt.Errorf("deepgo: RMSprop: load state: %w", err)
	}
	for i := range o.params {
		_, hasStep := s.Scalars[paramKey(i, "step")]
		_, hasSq := s.Tensors[paramKey(i, "square_avg")]
		if hasStep != hasSq {
			return fmt.Errorf("deepgo: RMSprop: load state: parameter %d needs step and square_avg together", i)
		}
	}
	o.loadBase(s)
	o.cfg = c
	for i := range o.state {
		st := rmspropState{}
		if n, ok := s.Scalars[paramKey(i, "step")]; ok {
			st = rmspropState{
				step:      int(n),
				squareAvg: s.buffer(i, "square_avg"),
				gradAvg:   s.buffer(i, "grad_avg"),
				momentum:  s.buffer(i, "momentum_buffer"),
				hasState:  true,
			}
		}
		o.state[i] = st
	}
	return nil
}
