package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/tensor"
)

// RNNCellBase is what RNNCell, LSTMCell and GRUCell share
// (torch.nn.RNNCellBase): the sizes and the weights of one step.
//
// Parameters: "weight_ih" [G·Hidden, In], "weight_hh" [G·Hidden, Hidden],
// "bias_ih" and "bias_hh" [G·Hidden] (absent without bias), with G = 1 for
// RNNCell, 4 for LSTMCell and 3 for GRUCell.
//
// Initialization, as in PyTorch: every parameter from U(−1/√Hidden,
// 1/√Hidden).
//
// A step is the fused op of the sequence layers run for one time step.
type RNNCellBase struct {
	Base
	InputSize, HiddenSize int
	RecurrentWeights

	kind cellKind
	name string
}

func newRNNCellBase(kind cellKind, name string, in, hidden int, bias bool, rng *tensor.RNG) RNNCellBase {
	if in <= 0 || hidden <= 0 {
		panic(fmt.Sprintf("deepgo: New%s: sizes input=%d, hidden=%d must be positive", name, in, hidden))
	}
	c := RNNCellBase{InputSize: in, HiddenSize: hidden, kind: kind, name: name,
		RecurrentWeights: newRecurrentWeights(kind.gates()*hidden, in, hidden, bias)}
	c.ResetParameters(rng)
	return c
}

// NamedParameters lists "weight_ih", "weight_hh" and, with bias, "bias_ih"
// and "bias_hh".
func (c *RNNCellBase) NamedParameters() []Named { return c.list("") }

// ResetParameters draws every parameter from U(−1/√Hidden, 1/√Hidden) in
// NamedParameters order (PyTorch's reset_parameters).
func (c *RNNCellBase) ResetParameters(rng *tensor.RNG) {
	b := 1 / math.Sqrt(float64(c.HiddenSize))
	for _, p := range c.NamedParameters() {
		Uniform(p.Tensor, -b, b, rng)
	}
}

// String describes the cell as PyTorch prints it, e.g. "GRUCell(10, 20)".
func (c *RNNCellBase) String() string {
	s := fmt.Sprintf("%s(%d, %d", c.name, c.InputSize, c.HiddenSize)
	if c.BiasIH == nil {
		s += ", bias=False"
	}
	if c.kind == cellReLU {
		s += ", nonlinearity=relu"
	}
	return s + ")"
}

// Forward runs one step from the zero state and returns the new hidden
// state (see the cell types for the shapes).
func (c *RNNCellBase) Forward(x *tensor.Tensor) *tensor.Tensor {
	h, _ := c.step(x, nil, nil)
	return h
}

// step checks the shapes and runs one step of the fused op; cState is used
// by the LSTM cell only.
func (c *RNNCellBase) step(x, h, cState *tensor.Tensor) (hNew, cNew *tensor.Tensor) {
	op := c.name
	sh := x.Shape()
	if (len(sh) != 1 && len(sh) != 2) || sh[len(sh)-1] != c.InputSize || (len(sh) == 2 && sh[0] == 0) {
		panic(fmt.Sprintf("deepgo: %s: input %v: want [B, %d] or unbatched [%d]", op, sh, c.InputSize, c.InputSize))
	}
	unbatched := len(sh) == 1
	b := 1
	if !unbatched {
		b = sh[0]
	}
	state := func(what string, s *tensor.Tensor) *tensor.Tensor {
		if s == nil {
			return nil
		}
		want := []int{b, c.HiddenSize}
		if unbatched {
			want = want[1:]
		}
		if !tensor.SameShape(s.Shape(), want) {
			panic(fmt.Sprintf("deepgo: %s: input %v and %s %v: want %s %v", op, sh, what, s.Shape(), what, want))
		}
		return s.Reshape(b, c.HiddenSize)
	}
	h, cState = state("h", h), state("c", cState)
	p := &seqPass{kind: c.kind, op: op, steps: 1, batch: b, in: c.InputSize, hid: c.HiddenSize}
	w := c.RecurrentWeights
	_, hNew, cNew = recurrentPass(p, x.Reshape(b, 1, c.InputSize), h, cState, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH)
	if unbatched {
		hNew = hNew.Reshape(c.HiddenSize)
		if cNew != nil {
			cNew = cNew.Reshape(c.HiddenSize)
		}
	}
	return hNew, cNew
}

// RNNCell is one step of an Elman network (torch.nn.RNNCell):
//
//	h' = act(W_ih·x + b_ih + W_hh·h + b_hh)
//
// with act tanh, or ReLU when NewRNNCell is given "relu".
//
// Parameters and initialization: see RNNCellBase.
//
// # Shapes
//
//   - input: [B, In], or unbatched [In];
//   - h and h': [B, Hidden], or [Hidden].
type RNNCell struct{ RNNCellBase }

// NewRNNCell makes an RNN cell with the nonlinearity "tanh" (PyTorch's
// default) or "relu", with biases when bias is true (PyTorch's default),
// initialized from rng (tensor's default generator when nil).
func NewRNNCell(in, hidden int, nonlinearity string, bias bool, rng *tensor.RNG) *RNNCell {
	kind := cellTanh
	switch nonlinearity {
	case "tanh":
	case "relu":
		kind = cellReLU
	default:
		panic(fmt.Sprintf("deepgo: NewRNNCell: nonlinearity %q is neither tanh nor relu", nonlinearity))
	}
	return &RNNCell{newRNNCellBase(kind, "RNNCell", in, hidden, bias, rng)}
}

// Step returns the state after input x from state h (nil for zeros).
func (c *RNNCell) Step(x, h *tensor.Tensor) *tensor.Tensor {
	hNew, _ := c.step(x, h, nil)
	return hNew
}

// LSTMCell is one step of an LSTM (torch.nn.LSTMCell); see LSTM for the
// equations and the gate order.
//
// Parameters and initialization: see RNNCellBase.
//
// # Shapes
//
//   - input: [B, In], or unbatched [In];
//   - h, c and the new h', c': [B, Hidden], or [Hidden].
type LSTMCell struct{ RNNCellBase }

// NewLSTMCell makes an LSTM cell, with biases when bias is true (PyTorch's
// default), initialized from rng (tensor's default generator when nil).
func NewLSTMCell(in, hidden int, bias bool, rng *tensor.RNG) *LSTMCell {
	return &LSTMCell{newRNNCellBase(cellLSTM, "LSTMCell", in, hidden, bias, rng)}
}

// Step returns the states after input x from states h and c (nil for
// zeros).
func (c *LSTMCell) Step(x, h, cState *tensor.Tensor) (hNew, cNew *tensor.Tensor) {
	return c.step(x, h, cState)
}

// GRUCell is one step of a GRU (torch.nn.GRUCell); see GRU for the
// equations and the gate order.
//
// Parameters and initialization: see RNNCellBase.
//
// # Shapes
//
//   - input: [B, In], or unbatched [In];
//   - h and h': [B, Hidden], or [Hidden].
type GRUCell struct{ RNNCellBase }

// NewGRUCell makes a GRU cell, with biases when bias is true (PyTorch's
// default), initialized from rng (tensor's default generator when nil).
func NewGRUCell(in, hidden int, bias bool, rng *tensor.RNG) *GRUCell {
	return &GRUCell{newRNNCellBase(cellGRU, "GRUCell", in, hidden, bias, rng)}
}

// Step returns the state after input x from state h (nil for zeros).
func (c *GRUCell) Step(x, h *tensor.Tensor) *tensor.Tensor {
	hNew, _ := c.step(x, h, nil)
	return hNew
}
