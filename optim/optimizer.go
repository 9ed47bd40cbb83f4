package optim

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// Optimizer updates a fixed list of parameters from their gradients.
// SGD, Adam, AdamW and RMSprop implement it.
type Optimizer interface {
	// Step applies one update to every parameter whose Grad is non-nil;
	// parameters without a gradient are skipped and get no state, as in
	// PyTorch.
	Step()
	// ZeroGrad sets every parameter's Grad to nil (set_to_none).
	ZeroGrad()
	// LR returns the current learning rate.
	LR() float64
	// SetLR changes the learning rate; schedulers use it. Like PyTorch it
	// accepts any number, negative included (a schedule run past its end
	// can extrapolate below zero, as OneCycleLR's last step does), but it
	// panics on NaN.
	SetLR(lr float64)
	// StateDict returns a copy of everything needed to resume: per-parameter
	// buffers, step counts and hyper-parameters.
	StateDict() State
	// LoadStateDict restores a state returned by StateDict. It returns an
	// error, and changes nothing, when the state belongs to another kind of
	// optimizer or to parameters of another number or shape.
	LoadStateDict(State) error
}

// MomentumSetter is implemented by optimizers whose momentum OneCycleLR can
// cycle: SGD and RMSprop (momentum) and Adam and AdamW (beta1), matching
// torch's cycle_momentum, which uses betas[0] when the optimizer has betas.
type MomentumSetter interface {
	Momentum() float64
	SetMomentum(m float64)
}

// State is the resumable state of an optimizer or scheduler: named tensors
// and scalar metadata, which the checkpoint package can serialise.
//
// Kind names the optimizer or scheduler ("SGD", "Adam", "StepLR", ...).
// Per-parameter buffers are named "state.<i>.<buffer>" after PyTorch's
// optimizer state_dict, i being the parameter's index in the list given to
// the constructor: "state.0.momentum_buffer", "state.1.exp_avg_sq", ...
// Per-parameter step counts are scalars "state.<i>.step"; hyper-parameters
// are scalars under torch's names ("lr", "beta1", "weight_decay", ...), with
// booleans stored as 0 or 1. Scalars may be ±Inf (ReduceLROnPlateau's best
// before any metric).
type State struct {
	Kind    string
	Tensors map[string]*tensor.Tensor
	Scalars map[string]float64
}

func newState(kind string) State {
	return State{Kind: kind, Tensors: map[string]*tensor.Tensor{}, Scalars: map[string]float64{}}
}

func paramKey(i int, name string) string { return "state." + strconv.Itoa(i) + "." + name }

// putBuffer stores a copy of buf (when it exists) with the shape of p.
func (s State) putBuffer(i int, name string, buf []float32, p *tensor.Tensor) {
	if buf != nil {
		s.Tensors[paramKey(i, name)] = tensor.FromSlice(buf, p.Shape()...)
	}
}

// buffer returns a copy of a stored buffer, or nil when there is none.
func (s State) buffer(i int, name string) []float32 {
	t, ok := s.Tensors[paramKey(i, name)]
	if !ok {
		return nil
	}
	return append([]float32(nil), t.Data()...)
}

func boolScalar(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// base holds what every optimizer shares: the parameters and the learning
// rate.
type base struct {
	kind   string
	params []*tensor.Tensor
	lr     float64
	// initialLR is torch's param_group["initial_lr"]: the LR the first
	// scheduler attached found, which later (chained) schedulers take as
	// their base LR. NaN until a scheduler sets it.
	initialLR float64
}

func newBase(kind string, params []*tensor.Tensor, lr float64) base {
	if !(lr >= 0) {
		mustValid(kind, badValue("LR", lr, ">= 0"))
	}
	if len(params) == 0 {
		panic("deepgo: " + kind + ": empty parameter list")
	}
	seen := make(map[*tensor.Tensor]int, len(params))
	for i, p := range params {
		switch {
		case p == nil:
			panic(fmt.Sprintf("deepgo: %s: parameter %d is nil", kind, i))
		case !p.IsLeaf():
			panic(fmt.Sprintf("deepgo: %s: parameter %d (shape %v) is not a leaf tensor; optimize the leaves it was computed from", kind, i, p.Shape()))
		}
		if j, dup := seen[p]; dup {
			panic(fmt.Sprintf("deepgo: %s: parameters %d and %d are the same tensor (shape %v)", kind, j, i, p.Shape()))
		}
		seen[p] = i
	}
	return base{kind: kind, params: append([]*tensor.Tensor(nil), params...), lr: lr, initialLR: math.NaN()}
}

// LR returns the current learning rate.
func (b *base) LR() float64 { return b.lr }

// SetLR changes the learning rate; it panics on NaN.
func (b *base) SetLR(lr float64) {
	if lr != lr {
		panic(fmt.Sprintf("deepgo: %s: SetLR: invalid learning rate %v", b.kind, lr))
	}
	b.lr = lr
}

// ZeroGrad sets every parameter's Grad to nil.
func (b *base) ZeroGrad() {
	for _, p := range b.params {
		p.ZeroGrad()
	}
}

func (b *base) getInitialLR() (float64, bool) { return b.initialLR, !math.IsNaN(b.initialLR) }
func (b *base) setInitialLR(lr float64)       { b.initialLR = lr }

// grad returns parameter i's gradient values, or nil when it has none.
func (b *base) grad(i int) []float32 {
	p := b.params[i]
	if p.Grad == nil {
		return nil
	}
	if !tensor.SameShape(p.Grad.Shape(), p.Shape()) {
		panic(fmt.Sprintf("deepgo: %s: Step: parameter %d has shape %v but its gradient has shape %v",
			b.kind, i, p.Shape(), p.Grad.Shape()))
	}
	return p.Grad.Data()
}

// saveBase starts a State with what base holds.
func (b *base) saveBase() State {
	s := newState(b.kind)
	s.Scalars["num_params"] = float64(len(b.params))
	s.Scalars["lr"] = b.lr
	if v, ok := b.getInitialLR(); ok {
		s.Scalars["initial_lr"] = v
	}
	return s
}

// loadBase restores what saveBase stored; s must have passed checkState.
func (b *base) loadBase(s State) {
	b.lr = s.Scalars["lr"]
	b.initialLR = math.NaN()
	if v, ok := s.Scalars["initial_lr"]; ok {
		b.initialLR = v
	}
}

// stateSpec says what an optimizer's State may hold beyond base's scalars.
type stateSpec struct {
	hyper   []string // required scalars
	buffers []string // allowed per-parameter tensors
	steps   bool     // per-parameter "state.<i>.step" scalars
}

// checkState verifies, before anything is changed, that s is a state of this
// optimizer for these parameters: its kind, the parameter count, that every
// hyper-parameter is present, and that every tensor is a known buffer of an
// existing parameter with that parameter's shape.
func (b *base) checkState(s State, spec stateSpec) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("deepgo: %s: load state: "+format, append([]any{b.kind}, args...)...)
	}
	if s.Kind != b.kind {
		return fail("state is of a %q optimizer", s.Kind)
	}
	if n, ok := s.Scalars["num_params"]; !ok || n != float64(len(b.params)) {
		if !ok {
			return fail("missing scalar num_params")
		}
		return fail("state has %v parameters, optimizer has %d", n, len(b.params))
	}
	known := map[string]bool{"num_params": true, "lr": true, "initial_lr": true}
	for _, h := range append([]string{"lr"}, spec.hyper...) {
		if _, ok := s.Scalars[h]; !ok {
			return fail("missing scalar %q", h)
		}
		known[h] = true
	}
	if lr := s.Scalars["lr"]; lr != lr {
		return fail("lr is NaN")
	}
	for _, k := range sortedKeys(s.Scalars) {
		if known[k] {
			continue
		}
		_, name, ok := b.parseParamKey(k)
		if !ok || !spec.steps || name != "step" {
			return fail("unknown scalar %q", k)
		}
		if v := s.Scalars[k]; !(v >= 0) || v != math.Trunc(v) {
			return fail("scalar %q = %v is not a step count", k, v)
		}
	}
	for _, k := range sortedKeys(s.Tensors) {
		i, name, ok := b.parseParamKey(k)
		if !ok || !contains(spec.buffers, name) {
			return fail("unknown tensor %q", k)
		}
		t, p := s.Tensors[k], b.params[i]
		if t == nil {
			return fail("tensor %q is nil", k)
		}
		if !tensor.SameShape(t.Shape(), p.Shape()) {
			return fail("tensor %q has shape %v, parameter %d has shape %v", k, t.Shape(), i, p.Shape())
		}
	}
	return nil
}

// parseParamKey splits "state.<i>.<name>" with i a valid parameter index.
func (b *base) parseParamKey(k string) (int, string, bool) {
	rest, ok := strings.CutPrefix(k, "state.")
	if !ok {
		return 0, "", false
	}
	idx, name, ok := strings.Cut(rest, ".")
	if !ok {
		return 0, "", false
	}
	i, err := strconv.Atoi(idx)
	if err != nil || i < 0 || i >= len(b.params) {
		return 0, "", false
	}
	return i, name, true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// badValue is the error for an invalid hyper-parameter; constructors panic
// with it (prefixed by the optimizer's name) and LoadStateDict returns it.
func badValue(field string, v any, want string) error {
	return fmt.Errorf("invalid %s %v (want %s)", field, v, want)
}

// mustValid panics when a constructor got invalid hyper-parameters.
func mustValid(kind string, err error) {
	if err != nil {
		panic("deepgo: " + kind + ": " + err.Error())
	}
}

var (
	_ Optimizer      = (*SGD)(nil)
	_ Optimizer      = (*Adam)(nil)
	_ Optimizer      = (*AdamW)(nil)
	_ Optimizer      = (*RMSprop)(nil)
	_ MomentumSetter = (*SGD)(nil)
	_ MomentumSetter = (*Adam)(nil)
	_ MomentumSetter = (*AdamW)(nil)
	_ MomentumSetter = (*RMSprop)(nil)
)
