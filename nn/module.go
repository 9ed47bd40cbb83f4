package nn

import (
	"fmt"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// Module is a layer or a network of layers.
type Module interface {
	Forward(x *tensor.Tensor) *tensor.Tensor
	// NamedParameters lists trainable tensors with PyTorch state-dict names
	// relative to the module ("weight", "0.bias", "fc1.weight").
	NamedParameters() []Named
	// NamedBuffers lists non-trainable state saved in checkpoints (e.g.
	// running_mean), same naming.
	NamedBuffers() []Named
	SetTraining(on bool) // propagates to submodules
	Training() bool
}

// Named is a tensor with its state-dict name.
type Named struct {
	Name   string
	Tensor *tensor.Tensor
}

// NamedModule is a child module with its name ("fc1", "0").
type NamedModule struct {
	Name   string
	Module Module
}

// Base is embedded by modules for what they share: the training flag and the
// registry of parameters, buffers and child modules. The zero value is a
// module in training mode with nothing registered, so layers without state
// (ReLU, Flatten) are just a struct embedding Base.
//
// A network registers its layers with RegisterModule; Base then lists their
// parameters under prefixed names ("fc1.weight") in registration order, and
// SetTraining reaches them. Only the Forward method is left to write; see
// the Module example. Leaf layers such as Linear instead override
// NamedParameters to list their fields directly; a type that overrides it
// must list its registered children's parameters itself (use Prefixed).
type Base struct {
	eval     bool // inverted so that the zero value trains, like PyTorch
	params   []Named
	buffers  []Named
	children []NamedModule
}

// Training reports whether the module is in training mode (the default).
func (b *Base) Training() bool { return !b.eval }

// SetTraining switches the module and every registered child between
// training (on) and evaluation mode.
func (b *Base) SetTraining(on bool) {
	b.eval = !on
	for _, c := range b.children {
		c.Module.SetTraining(on)
	}
}

// NamedParameters lists the registered parameters, then each child's under
// the child's name ("fc1.weight"), in registration order.
func (b *Base) NamedParameters() []Named {
	out := append([]Named(nil), b.params...)
	for _, c := range b.children {
		out = append(out, Prefixed(c.Name, c.Module.NamedParameters())...)
	}
	return out
}

// NamedBuffers lists the registered buffers, then each child's, like
// NamedParameters.
func (b *Base) NamedBuffers() []Named {
	out := append([]Named(nil), b.buffers...)
	for _, c := range b.children {
		out = append(out, Prefixed(c.Name, c.Module.NamedBuffers())...)
	}
	return out
}

// NamedChildren lists the registered child modules in order.
func (b *Base) NamedChildren() []NamedModule { return append([]NamedModule(nil), b.children...) }

// RegisterModule adds m as a child named name (PyTorch's add_module), so
// that its parameters appear as "name.weight" and SetTraining reaches it.
// Registering a name again replaces that child in place, keeping its
// position; use it to swap a layer, for example a classifier head. The name
// must be non-empty, contain no '.', and not be a parameter or buffer name.
func (b *Base) RegisterModule(name string, m Module) {
	if m == nil {
		panic(fmt.Sprintf("deepgo: RegisterModule: module %q is nil", name))
	}
	b.checkName("RegisterModule", name, 'm')
	for i, c := range b.children {
		if c.Name == name {
			b.children[i].Module = m
			return
		}
	}
	b.children = append(b.children, NamedModule{name, m})
}

// RegisterParameter adds t as a trainable parameter named name and marks it
// as requiring gradients. Registering a name again replaces the tensor.
func (b *Base) RegisterParameter(name string, t *tensor.Tensor) {
	if t == nil {
		panic(fmt.Sprintf("deepgo: RegisterParameter: tensor %q is nil", name))
	}
	b.checkName("RegisterParameter", name, 'p')
	t.SetRequiresGrad(true)
	b.params = setNamed(b.params, name, t)
}

// RegisterBuffer adds t as non-trainable state named name, saved in the
// state dict (running statistics, step counters). Registering a name again
// replaces the tensor.
func (b *Base) RegisterBuffer(name string, t *tensor.Tensor) {
	if t == nil {
		panic(fmt.Sprintf("deepgo: RegisterBuffer: tensor %q is nil", name))
	}
	b.checkName("RegisterBuffer", name, 'b')
	b.buffers = setNamed(b.buffers, name, t)
}

// checkName panics unless name is a valid, unclaimed name for kind ('m'
// child module, 'p' parameter, 'b' buffer); re-registering under the same
// kind is allowed.
func (b *Base) checkName(op, name string, kind byte) {
	if name == "" || strings.Contains(name, ".") {
		panic(fmt.Sprintf("deepgo: %s: name %q must be non-empty and contain no '.'", op, name))
	}
	taken := func(list []Named) bool {
		for _, n := range list {
			if n.Name == name {
				return true
			}
		}
		return false
	}
	clash := (kind != 'p' && taken(b.params)) || (kind != 'b' && taken(b.buffers))
	if kind != 'm' {
		for _, c := range b.children {
			clash = clash || c.Name == name
		}
	}
	if clash {
		panic(fmt.Sprintf("deepgo: %s: name %q is already used by another parameter, buffer or module", op, name))
	}
}

func setNamed(list []Named, name string, t *tensor.Tensor) []Named {
	for i, n := range list {
		if n.Name == name {
			list[i].Tensor = t
			return list
		}
	}
	return append(list, Named{name, t})
}

// Prefixed returns list with "prefix." put before every name, for modules
// that list a child's parameters themselves.
func Prefixed(prefix string, list []Named) []Named {
	out := make([]Named, len(list))
	for i, n := range list {
		out[i] = Named{prefix + "." + n.Name, n.Tensor}
	}
	return out
}

// Parameters returns m's trainable tensors in NamedParameters order, each
// once even when shared under two names (tied weights), for an optimizer.
func Parameters(m Module) []*tensor.Tensor {
	named := m.NamedParameters()
	out := make([]*tensor.Tensor, 0, len(named))
	seen := make(map[*tensor.Tensor]bool, len(named))
	for _, n := range named {
		if !seen[n.Tensor] {
			seen[n.Tensor] = true
			out = append(out, n.Tensor)
		}
	}
	return out
}

// NumParameters counts the scalar parameters of m (shared tensors once), as
// sum(p.numel() for p in model.parameters()) does.
func NumParameters(m Module) int {
	n := 0
	for _, p := range Parameters(m) {
		n += p.Numel()
	}
	return n
}

// Train puts m and its submodules in training mode (model.train()).
func Train(m Module) { m.SetTraining(true) }

// Eval puts m and its submodules in evaluation mode (model.eval()), which
// changes the behaviour of layers such as dropout and batch normalization.
func Eval(m Module) { m.SetTraining(false) }

// ZeroGrad drops the accumulated gradients of m's parameters
// (model.zero_grad(set_to_none=True)).
func ZeroGrad(m Module) {
	for _, p := range Parameters(m) {
		p.ZeroGrad()
	}
}
