package optim

import (
	"fmt"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// SGDConfig configures SGD. Every field's zero value is also PyTorch's
// default, except LR, which PyTorch requires and so does NewSGD.
type SGDConfig struct {
	LR          float64 // learning rate (required, > 0)
	Momentum    float64 // momentum factor (default 0: plain SGD)
	Dampening   float64 // dampening for momentum (default 0)
	WeightDecay float64 // L2 penalty added to the gradient: g + WeightDecay·w (default 0)
	Nesterov    bool    // Nesterov momentum; needs Momentum > 0 and Dampening 0
}

func (c SGDConfig) validate() error {
	switch {
	case !(c.Momentum >= 0):
		return badValue("Momentum", c.Momentum, ">= 0")
	case !(c.WeightDecay >= 0):
		return badValue("WeightDecay", c.WeightDecay, ">= 0")
	case c.Dampening != c.Dampening:
		return badValue("Dampening", c.Dampening, "a number")
	case c.Nesterov && (c.Momentum <= 0 || c.Dampening != 0):
		return fmt.Errorf("Nesterov momentum needs Momentum > 0 and Dampening 0 (got Momentum %v, Dampening %v)",
			c.Momentum, c.Dampening)
	}
	return nil
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and weight decay: torch.optim.SGD. For each parameter w
// with gradient g, a step computes
//
//	g ← g + λ·w                      (WeightDecay λ ≠ 0)
//	b ← g on the first step, else μ·b + (1−τ)·g   (Momentum μ ≠ 0, Dampening τ)
//	g ← g + μ·b if Nesterov, else b
//	w ← w − lr·g
//
// Like PyTorch, the first momentum step copies the gradient into the buffer
// without dampening.
type SGD struct {
	base
	momentum, dampening, weightDecay float64
	nesterov                         bool
	state                            []sgdState
}

type sgdState struct {
	buf     []float32 // momentum buffer, nil until the first step with momentum
	scratch []float32 // the modified gradient; p.Grad itself is never written
}

// NewSGD returns an SGD optimizer for params (leaf tensors). It panics on
// invalid hyper-parameters.
func NewSGD(params []*tensor.Tensor, c SGDConfig) *SGD {
	if c.LR == 0 {
		panic("deepgo: SGD: LR is required (PyTorch has no default learning rate for SGD)")
	}
	mustValid("SGD", c.validate())
	o := &SGD{base: newBase("SGD", params, c.LR)}
	o.setConfig(c)
	o.state = make([]sgdState, len(o.params))
	return o
}

func (o *SGD) setConfig(c SGDConfig) {
	o.lr, o.momentum, o.dampening, o.weightDecay, o.nesterov = c.LR, c.Momentum, c.Dampening, c.WeightDecay, c.Nesterov
}

// Momentum returns the momentum factor.
func (o *SGD) Momentum() float64 { return o.momentum }

// SetMomentum changes the momentum factor (OneCycleLR cycles it).
func (o *SGD) SetMomentum(m float64) {
	if !(m >= 0) {
		panic(fmt.Sprintf("deepgo: SGD: SetMomentum: invalid momentum %v (want >= 0)", m))
	}
	o.momentum = m
}

// Step updates every parameter that has a gradient.
func (o *SGD) Step() {
	negLR := float32(-o.lr)
	for i, p := range o.params {
		g := o.grad(i)
		if g == nil {
			continue
		}
		w, st := p.Data(), &o.state[i]
		d, inScratch := g, false // d is torch's d_p
		if o.weightDecay != 0 {
			st.scratch = sized(st.scratch, len(w))
			copy(st.scratch, g)
			kernels.Axpy(float32(o.weightDecay), w, st.scratch)
			d, inScratch = st.scratch, true
		}
		if o.momentum != 0 {
			if st.buf == nil {
				st.buf = append([]float32(nil), d...)
			} else {
				kernels.Scale(st.buf, st.buf, float32(o.momentum))
				kernels.Axpy(float32(1-o.dampening), d, st.buf)
			}
			if o.nesterov {
				if !inScratch {
					st.scratch = sized(st.scratch, len(w))
					copy(st.scratch, d)
					d = st.scratch
				}
				kernels.Axpy(float32(o.momentum), st.buf, d)
			} else {
				d = st.buf
			}
		}
		kernels.Axpy(negLR, d, w)
	}
}

// sized returns buf if it holds n values, else a new slice of n.
func sized(buf []float32, n int) []float32 {
	if len(buf) == n {
		return buf
	}
	return make([]float32, n)
}

var sgdSpec = stateSpec{
	hyper:   []string{"momentum", "dampening", "weight_decay", "nesterov"},
	buffers: []string{"momentum_buffer"},
}

// StateDict returns the momentum buffers ("state.<i>.momentum_buffer", for
// parameters that have taken a momentum step) and the hyper-parameters.
func (o *SGD) StateDict() State {
	s := o.saveBase()
	s.Scalars["momentum"] = o.momentum
	s.Scalars["dampening"] = o.dampening
	s.Scalars["weight_decay"] = o.weightDecay
	s.Scalars["nesterov"] = boolScalar(o.nesterov)
	for i, p := range o.params {
		s.putBuffer(i, "momentum_buffer", o.state[i].buf, p)
	}
	return s
}

// LoadStateDict restores a state returned by SGD.StateDict, hyper-parameters
// included (as PyTorch's load_state_dict restores param_groups).
func (o *SGD) LoadStateDict(s State) error {
	if err := o.checkState(s, sgdSpec); err != nil {
		return err
	}
	c := SGDConfig{
		LR:          s.Scalars["lr"],
		Momentum:    s.Scalars["momentum"],
		Dampening:   s.Scalars["dampening"],
		WeightDecay: s.Scalars["weight_decay"],
		Nesterov:    s.Scalars["nesterov"] != 0,
	}
	if err := c.validate(); err != nil {
		return fmt.Errorf("deepgo: SGD: load state: %w", err)
	}
	o.loadBase(s)
	o.setConfig(c)
	for i := range o.state {
		o.state[i] = sgdState{buf: s.buffer(i, "momentum_buffer")}
	}
	return nil
}
