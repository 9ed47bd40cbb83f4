package optim

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/tensor"
)

// AdamConfig configures Adam and AdamW. A zero field takes PyTorch's
// default unless NoDefaults is set; DefaultAdamConfig and
// DefaultAdamWConfig return the defaults spelled out, to edit one field to
// zero.
type AdamConfig struct {
	LR          float64 // learning rate (default 1e-3)
	Beta1       float64 // decay of the first-moment average, in [0, 1) (default 0.9)
	Beta2       float64 // decay of the second-moment average, in [0, 1) (default 0.999)
	Eps         float64 // added to the denominator (default 1e-8)
	WeightDecay float64 // Adam: L2 added to the gradient (default 0); AdamW: decoupled decay (default 1e-2)
	AMSGrad     bool    // use the running maximum of the second moment
	NoDefaults  bool    // take every field as given, zeros included
}

// DefaultAdamConfig returns torch.optim.Adam's defaults with NoDefaults set.
func DefaultAdamConfig() AdamConfig {
	return AdamConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, NoDefaults: true}
}

// DefaultAdamWConfig returns torch.optim.AdamW's defaults with NoDefaults set.
func DefaultAdamWConfig() AdamConfig {
	c := DefaultAdamConfig()
	c.WeightDecay = 1e-2
	return c
}

func (c AdamConfig) withDefaults(decoupled bool) AdamConfig {
	if c.NoDefaults {
		return c
	}
	d := DefaultAdamConfig()
	if decoupled {
		d = DefaultAdamWConfig()
	}
	for _, f := range []struct{ v, def *float64 }{
		{&c.LR, &d.LR}, {&c.Beta1, &d.Beta1}, {&c.Beta2, &d.Beta2}, {&c.Eps, &d.Eps}, {&c.WeightDecay, &d.WeightDecay},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	return c
}

func (c AdamConfig) validate() error {
	switch {
	case !(c.Eps >= 0):
		return badValue("Eps", c.Eps, ">= 0")
	case !(c.Beta1 >= 0 && c.Beta1 < 1):
		return badValue("Beta1", c.Beta1, "0 <= Beta1 < 1")
	case !(c.Beta2 >= 0 && c.Beta2 < 1):
		return badValue("Beta2", c.Beta2, "0 <= Beta2 < 1")
	case !(c.WeightDecay >= 0):
		return badValue("WeightDecay", c.WeightDecay, ">= 0")
	}
	return nil
}

// Adam is torch.optim.Adam. For each parameter w with gradient g, step t
// (counted per parameter, from 1) computes
//
//	g ← g + λ·w                          (WeightDecay λ ≠ 0: L2 in the gradient)
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	v̂ ← max(v̂, v) if AMSGrad, else v
//	w ← w − lr/(1−β1ᵗ) · m / (√v̂ / √(1−β2ᵗ) + ε)
type Adam struct{ adam }

// AdamW is torch.optim.AdamW: Adam with decoupled weight decay. The
// parameter shrinks first, w ← w·(1 − lr·λ), and the gradient is left alone;
// the rest of the step is Adam's. Its default WeightDecay is 1e-2.
type AdamW struct{ adam }

// NewAdam returns an Adam optimizer for params. It panics on invalid
// hyper-parameters.
func NewAdam(params []*tensor.Tensor, c AdamConfig) *Adam {
	return &Adam{newAdam("Adam", params, c, false)}
}

// NewAdamW returns an AdamW optimizer for params. It panics on invalid
// hyper-parameters.
func NewAdamW(params []*tensor.Tensor, c AdamConfig) *AdamW {
	return &AdamW{newAdam("AdamW", params, c, true)}
}

// adam implements both Adam and AdamW.
type adam struct {
	base
	cfg       AdamConfig
	decoupled bool // AdamW
	state     []adamState
}

type adamState struct {
	step             int
	expAvg, expAvgSq []float32
	maxExpAvgSq      []float32 // AMSGrad only
	hasState         bool      // false until the parameter's first step
}

func newAdam(kind string, params []*tensor.Tensor, c AdamConfig, decoupled bool) adam {
	c = c.withDefaults(decoupled)
	mustValid(kind, c.validate())
	o := adam{base: newBase(kind, params, c.LR), cfg: c, decoupled: decoupled}
	o.state = make([]adamState, len(o.params))
	return o
}

// Momentum returns Beta1, the coefficient OneCycleLR cycles for Adam.
func (o *adam) Momentum() float64 { return o.cfg.Beta1 }

// SetMomentum sets Beta1 (OneCycleLR's cycle_momentum).
func (o *adam) SetMomentum(m float64) {
	if !(m >= 0 && m < 1) {
		panic(fmt.Sprintf("deepgo: %s: SetMomentum: invalid Beta1 %v (want 0 <= Beta1 < 1)", o.kind, m))
	}
	o.cfg.Beta1 = m
}

// Step updates every parameter that has a gradient.
func (o *adam) Step() {
	c := o.cfg
	c.LR = o.lr
	for i, p := range o.params {
		g := o.grad(i)
		if g == nil {
			continue
		}
		w, st := p.Data(), &o.state[i]
		if !st.hasState {
			st.expAvg = make([]float32, len(w))
			st.expAvgSq = make([]float32, len(w))
			st.hasState = true
		}
		if c.AMSGrad && st.maxExpAvgSq == nil {
			st.maxExpAvgSq = make([]float32, len(w))
		}
		st.step++
		adamUpdate(w, g, st, c, o.decoupled)
	}
}

// adamUpdate does one Adam step on one parameter in a single pass over its
// four arrays (the step is memory-bound; separate vector kernels would read
// and write each array several times). The float32 operations follow
// torch's _single_tensor_adam(w) one by one; the scalars are computed in
// float64, as Python does.
func adamUpdate(w, g []float32, st *adamState, c AdamConfig, decoupled bool) {
	t := float64(st.step)
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := 1 - math.Pow(c.Beta2, t)
	negStep := float32(-(c.LR / bc1))
	bc2Sqrt := float32(math.Sqrt(bc2))
	b1, b2 := float32(c.Beta1), float32(c.Beta2)
	omb1, omb2 := float32(1-c.Beta1), float32(1-c.Beta2)
	eps := float32(c.Eps)
	wd := float32(c.WeightDecay)
	decay := float32(1 - c.LR*c.WeightDecay)
	l2 := !decoupled && c.WeightDecay != 0
	shrink := decoupled

	m, v := st.expAvg[:len(w)], st.expAvgSq[:len(w)]
	g = g[:len(w)]
	var vmax []float32
	if c.AMSGrad {
		vmax = st.maxExpAvgSq[:len(w)]
	}
	for j := range w {
		gj, wj := g[j], w[j]
		if l2 {
			gj += wd * wj // grad.add(param, alpha=weight_decay)
		}
		if shrink {
			wj *= decay // param.mul_(1 - lr*weight_decay)
		}
		mj := m[j]*b1 + omb1*gj
		vj := v[j]*b2 + omb2*gj*gj // addcmul: value*t1*t2
		m[j], v[j] = mj, vj
		if vmax != nil {
			if x := vmax[j]; vj < x || x != x { // torch.maximum keeps NaN
				vj = x
			}
			vmax[j] = vj
		}
		denom := float32(math.Sqrt(float64(vj)))/bc2Sqrt + eps
		w[j] = wj + negStep*mj/denom // addcdiv: value*t1/t2
	}
}

var adamSpec = stateSpec{
	hyper:   []string{"beta1", "beta2", "eps", "weight_decay", "amsgrad"},
	buffers: []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
	steps:   true,
}

// StateDict returns, for each parameter that has taken a step, its step
// count ("state.<i>.step") and moment buffers ("exp_avg", "exp_avg_sq",
// and "max_exp_avg_sq" with AMSGrad), and the hyper-parameters.
func (o *adam) StateDict() State {
	s := o.saveBase()
	s.Scalars["beta1"] = o.cfg.Beta1
	s.Scalars["beta2"] = o.cfg.Beta2
	s.Scalars["eps"] = o.cfg.Eps
	s.Scalars["weight_decay"] = o.cfg.WeightDecay
	s.Scalars["amsgrad"] = boolScalar(o.cfg.AMSGrad)
	for i, p := range o.params {
		st := &o.state[i]
		if !st.hasState {
			continue
		}
		s.Scalars[paramKey(i, "step")] = float64(st.step)
		s.putBuffer(i, "exp_avg", st.expAvg, p)
		s.putBuffer(i, "exp_avg_sq", st.expAvgSq, p)
		s.putBuffer(i, "max_exp_avg_sq", st.maxExpAvgSq, p)
	}
	return s
}

// LoadStateDict restores a state returned by StateDict of the same kind
// (an Adam state does not load into AdamW), hyper-parameters included.
func (o *adam) LoadStateDict(s State) error {
	if err := o.checkState(s, adamSpec); err != nil {
		return err
	}
	c := AdamConfig{
		LR:          s.Scalars["lr"],
		Beta1:       s.Scalars["beta1"],
		Beta2:       s.Scalars["beta2"],
		Eps:         s.Scalars["eps"],
		WeightDecay: s.Scalars["weight_decay"],
		AMSGrad:     s.Scalars["amsgrad"] != 0,
		NoDefaults:  true,
	}
	if err := c.validate(); err != nil {
		return fmt.Errorf("deepgo: %s: load state: %w", o.kind, err)
	}
	// A parameter has state when it has a step count and both moments.
	for i := range o.params {
		_, hasStep := s.Scalars[paramKey(i, "step")]
		_, hasM := s.Tensors[paramKey(i, "exp_avg")]
		_, hasV := s.Tensors[paramKey(i, "exp_avg_sq")]
		if hasStep != hasM || hasStep != hasV {
			return fmt.Errorf("deepgo: %s: load state: parameter %d needs step, exp_avg and exp_avg_sq together", o.kind, i)
		}
	}
	o.loadBase(s)
	o.cfg = c
	for i := range o.state {
		st := adamState{}
		if n, ok := s.Scalars[paramKey(i, "step")]; ok {
			st = adamState{
				step:        int(n),
				expAvg:      s.buffer(i, "exp_avg"),
				expAvgSq:    s.buffer(i, "exp_avg_sq"),
				maxExpAvgSq: s.buffer(i, "max_exp_avg_sq"),
				hasState:    true,
			}
		}
		o.state[i] = st
	}
	return nil
}
