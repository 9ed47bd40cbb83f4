package tensor

import (
	"fmt"
	"sync/atomic"
)

// node is one recorded op in the autograd graph: its inputs, its backward
// function, and the gradients accumulated for its outputs during Backward.
type node struct {
	name      string
	inputs    []*Tensor
	backward1 func(g *Tensor) []*Tensor    // single-output ops
	backwardN func(gs []*Tensor) []*Tensor // multi-output ops
	outShapes [][]int                      // for zero-filling unreached outputs
	grads     []*Tensor                    // accumulated gradient per output
	owned     []bool                       // grads[i] may be updated in place
	mark      uint64                       // visit stamp of the current Backward
	released  bool                         // backward ran; the graph is gone

	// Inline storage for single-output ops, saving three allocations per op.
	shape1 [1][]int
	grad1  [1]*Tensor
	owned1 [1]bool
}

var (
	gradOff   atomic.Int32  // > 0 while inside NoGrad or Backward
	visitMark atomic.Uint64 // stamps nodes during a topological sort
)

// GradEnabled reports whether ops currently record the autograd graph.
func GradEnabled() bool { return gradOff.Load() == 0 }

// NoGrad runs fn with graph recording off, like torch.no_grad(): results of
// ops inside fn never require gradients. Use it for evaluation and for
// in-place parameter updates. The switch is process-wide: do not train on
// another goroutine while fn runs.
func NoGrad(fn func()) {
	gradOff.Add(1)
	defer gradOff.Add(-1)
	fn()
}

// RequiresGrad reports whether gradients flow to t: t is a leaf marked with
// SetRequiresGrad, or the result of a recorded op.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad || t.node != nil }

// SetRequiresGrad marks a leaf tensor (one not produced by a recorded op) as
// needing gradients, so that Backward accumulates into its Grad. It returns
// t for chaining.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if t.node != nil {
		panic(fmt.Sprintf("deepgo: SetRequiresGrad: tensor %v is the result of %s, not a leaf; use Detach first", t.shape, t.node.name))
	}
	t.requiresGrad = on
	return t
}

// IsLeaf reports whether t was not produced by a recorded op.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// Detach returns a tensor sharing t's storage but cut from the graph.
func (t *Tensor) Detach() *Tensor { return &Tensor{data: t.data, shape: t.shape} }

// ZeroGrad drops the accumulated gradient (PyTorch's set_to_none).
func (t *Tensor) ZeroGrad() { t.Grad = nil }

// Record attaches an autograd node to out, the result of a differentiable
// operation named name on inputs, and returns out. It is the public way to
// define an op (like torch.autograd.Function): compute out from the inputs'
// values, then call Record with a backward function that, given dL/dout,
// returns dL/dinput for each input in order (nil where an input needs none).
//
// backward runs with recording off and must return tensors with the shapes
// of the inputs. It may return g itself or a view of it; any other tensor it
// returns must be freshly allocated, since the engine may accumulate into it.
// When recording is off or no input requires a gradient, Record returns out
// untouched and backward is never kept.
func Record(name string, out *Tensor, backward func(g *Tensor) []*Tensor, inputs ...*Tensor) *Tensor {
	if !needsGraph(inputs) {
		return out
	}
	n := &node{name: name, inputs: inputs, backward1: backward}
	n.shape1[0] = out.shape
	n.outShapes = n.shape1[:]
	out.node, out.outIndex = n, 0
	return out
}

// RecordMulti is Record for an op with several outputs. backward receives
// one gradient per output (zeros for outputs that received none) and returns
// one per input.
func RecordMulti(name string, outs []*Tensor, backward func(gs []*Tensor) []*Tensor, inputs ...*Tensor) []*Tensor {
	if !needsGraph(inputs) {
		return outs
	}
	n := &node{name: name, inputs: inputs, backwardN: backward, outShapes: make([][]int, len(outs))}
	for i, o := range outs {
		o.node, o.outIndex = n, i
		n.outShapes[i] = o.shape
	}
	return outs
}

func needsGraph(inputs []*Tensor) bool {
	if gradOff.Load() != 0 {
		return false
	}
	for _, in := range inputs {
		if in != nil && in.RequiresGrad() {
			return true
		}
	}
	return false
}

// Backward computes the gradient of the scalar t with respect to every leaf
// that requires gradients, adds it to their Grad, and releases the graph
// (a second Backward through the same ops panics; recompute the forward).
func (t *Tensor) Backward() {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("deepgo: Backward: output of shape %v is not a scalar; use BackwardWith and pass dL/doutput", t.shape))
	}
	t.BackwardWith(Ones(t.shape...))
}

// BackwardWith back-propagates the given gradient dL/dt (same shape as t).
func (t *Tensor) BackwardWith(grad *Tensor) {
	if !SameShape(grad.shape, t.shape) {
		panic(fmt.Sprintf("deepgo: BackwardWith: gradient shape %v differs from tensor shape %v", grad.shape, t.shape))
	}
	if !t.RequiresGrad() {
		panic(fmt.Sprintf("deepgo: Backward: tensor %v does not require grad (no input needed a gradient, or it was computed under NoGrad)", t.shape))
	}
	if t.node == nil {
		accumulateLeaf(t, grad, true)
		return
	}
	gradOff.Add(1)
	defer gradOff.Add(-1)

	order := topoOrder(t.node)
	t.node.addGrad(t.outIndex, grad)
	for _, n := range order {
		n.run()
	}
}

// topoOrder returns the nodes reachable from root, each before its inputs.
func topoOrder(root *node) []*node {
	stamp := visitMark.Add(1)
	type frame struct {
		n    *node
		next int
	}
	var order []*node
	stack := []frame{{n: root}}
	root.mark = stamp
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.n.released {
			panic(fmt.Sprintf("deepgo: Backward: the graph through %s was already released by an earlier Backward; recompute the forward pass (or Detach the tensor you reuse)", f.n.name))
		}
		if f.next < len(f.n.inputs) {
			in := f.n.inputs[f.next]
			f.next++
			if in != nil && in.node != nil && in.node.mark != stamp {
				in.node.mark = stamp
				stack = append(stack, frame{n: in.node})
			}
			continue
		}
		order = append(order, f.n)
		stack = stack[:len(stack)-1]
	}
	// Post-order lists inputs first; reverse it.
	for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
		order[i], order[j] = order[j], order[i]
	}
	return order
}

// addGrad accumulates g into output slot i. The first gradient is kept as
// given (it may be shared with other slots); a second one allocates the sum,
// which the node then owns and may update in place.
func (n *node) addGrad(i int, g *Tensor) {
	if n.grads == nil {
		if len(n.outShapes) == 1 {
			n.grads, n.owned = n.grad1[:], n.owned1[:]
		} else {
			n.grads = make([]*Tensor, len(n.outShapes))
			n.owned = make([]bool, len(n.outShapes))
		}
	}
	switch {
	case n.grads[i] == nil:
		n.grads[i] = g
	case n.owned[i]:
		addInto(n.grads[i].data, g.data)
	default:
		sum := empty(n.outShapes[i])
		addVec(sum.data, n.grads[i].data, g.data)
		n.grads[i], n.owned[i] = sum, true
	}
}

// run calls the node's backward and routes the input gradients, then
// releases everything the node held.
func (n *node) run() {
	defer n.release()
	if n.grads == nil {
		return // no gradient reached this node (a backward returned nil)
	}
	var inGrads []*Tensor
	if n.backward1 != nil {
		inGrads = n.backward1(n.grads[0])
	} else {
		for i, g := range n.grads {
			if g == nil {
				n.grads[i] = Zeros(n.outShapes[i]...)
			}
		}
		inGrads = n.backwardN(n.grads)
	}
	if len(inGrads) != len(n.inputs) {
		panic(fmt.Sprintf("deepgo: Backward: %s returned %d gradients for %d inputs", n.name, len(inGrads), len(n.inputs)))
	}
	for i, in := range n.inputs {
		g := inGrads[i]
		if g == nil || in == nil || !in.RequiresGrad() {
			continue
		}
		if !SameShape(g.shape, in.shape) {
			panic(fmt.Sprintf("deepgo: Backward: %s returned a gradient of shape %v for input %d of shape %v", n.name, g.shape, i, in.shape))
		}
		shared := n.aliases(g, inGrads, i)
		if in.node != nil {
			if shared {
				in.node.addGrad(in.outIndex, g)
			} else {
				in.node.addOwned(in.outIndex, g)
			}
		} else {
			accumulateLeaf(in, g, shared)
		}
	}
}

// addOwned is addGrad for a gradient that nobody else holds.
func (n *node) addOwned(i int, g *Tensor) {
	n.addGrad(i, g)
	if n.grads[i] == g {
		n.owned[i] = true
	}
}

// aliases reports whether inGrads[i] shares storage with an incoming
// gradient of n or with another returned gradient.
func (n *node) aliases(g *Tensor, inGrads []*Tensor, i int) bool {
	if len(g.data) == 0 {
		return false
	}
	p := &g.data[0]
	for _, og := range n.grads {
		if og != nil && len(og.data) > 0 && &og.data[0] == p {
			return true
		}
	}
	for j, og := range inGrads {
		if j != i && og != nil && len(og.data) > 0 && &og.data[0] == p {
			return true
		}
	}
	return false
}

func (n *node) release() {
	n.inputs, n.grads, n.owned = nil, nil, nil
	n.grad1[0] = nil
	n.backward1, n.backwardN = nil, nil
	n.released = true
}

// accumulateLeaf adds g to leaf.Grad, copying g when others may hold it.
func accumulateLeaf(leaf, g *Tensor, shared bool) {
	switch {
	case leaf.Grad == nil && shared:
		leaf.Grad = &Tensor{data: append([]float32(nil), g.data...), shape: cloneInts(leaf.shape)}
	case leaf.Grad == nil:
		leaf.Grad = g // fresh, and of the leaf's shape (checked by run)
	default:
		addInto(leaf.Grad.data, g.data)
	}
}
