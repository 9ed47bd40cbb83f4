package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// RNNOptions holds the arguments of RNN, LSTM and GRU after the input and
// hidden sizes, with torch.nn's defaults for zero values:
//
//   - NumLayers: stacked layers, each fed the previous one's output;
//     default 1.
//   - Nonlinearity: RNN only, "tanh" (default) or "relu".
//   - NoBias: leave out b_ih and b_hh (bias=False).
//   - BatchFirst: the input and output are [B, T, feature] instead of
//     [T, B, feature]; the states keep their [layers·directions, B, H].
//   - Dropout: the probability of dropping each output of every layer but
//     the last, in training mode only; default 0.
//   - DropoutRNG: the generator of those dropout masks (tensor's default
//     generator when nil).
//   - Bidirectional: every layer also runs from the end of the sequence to
//     its start, and the two outputs are concatenated.
type RNNOptions struct {
	NumLayers     int
	Nonlinearity  string
	NoBias        bool
	BatchFirst    bool
	Dropout       float64
	DropoutRNG    *tensor.RNG
	Bidirectional bool
}

// RecurrentWeights are the parameters of one layer and direction of a
// recurrent network, or of a cell. G is the number of gates: 1 for RNN, 4
// for LSTM (i, f, g, o), 3 for GRU (r, z, n), in PyTorch's row order.
type RecurrentWeights struct {
	WeightIH *tensor.Tensor // [G·Hidden, In]: In is the input size for layer 0, Hidden·directions after
	WeightHH *tensor.Tensor // [G·Hidden, Hidden]
	BiasIH   *tensor.Tensor // [G·Hidden], nil with NoBias
	BiasHH   *tensor.Tensor // [G·Hidden], nil with NoBias
}

// RNNBase is what RNN, LSTM and GRU share (torch.nn.RNNBase): the sizes,
// the options and the weights of every layer and direction.
//
// Parameters, for layer k and in this order: "weight_ih_l{k}",
// "weight_hh_l{k}", "bias_ih_l{k}", "bias_hh_l{k}", then the same with the
// suffix "_reverse" when bidirectional, as in PyTorch's state dicts.
//
// Initialization, as in PyTorch: every parameter from U(−1/√Hidden,
// 1/√Hidden).
//
// Each layer and direction runs as one fused op over the whole sequence:
// the input projections of all steps in one GEMM, one small GEMM per step
// with the gate nonlinearities fused, and a hand-written backward through
// time; the batch is split across cores.
type RNNBase struct {
	Base
	InputSize, HiddenSize int
	Options               RNNOptions // with the defaults filled in
	// Weights holds layer k, direction d (0 forward, 1 reverse) at
	// k·Directions()+d.
	Weights []RecurrentWeights

	kind cellKind
	name string // "RNN", "LSTM" or "GRU"
}

func newRNNBase(kind cellKind, name string, in, hidden int, opt RNNOptions, rng *tensor.RNG) RNNBase {
	if in <= 0 || hidden <= 0 {
		panic(fmt.Sprintf("deepgo: New%s: sizes input=%d, hidden=%d must be positive", name, in, hidden))
	}
	if opt.NumLayers == 0 {
		opt.NumLayers = 1
	}
	if opt.NumLayers < 0 {
		panic(fmt.Sprintf("deepgo: New%s: NumLayers=%d must be positive", name, opt.NumLayers))
	}
	checkDropP("New"+name, opt.Dropout)
	switch {
	case kind != cellTanh && opt.Nonlinearity != "":
		panic(fmt.Sprintf("deepgo: New%s: Nonlinearity %q is for RNN only", name, opt.Nonlinearity))
	case opt.Nonlinearity == "relu":
		kind = cellReLU
	case kind == cellTanh && opt.Nonlinearity == "":
		opt.Nonlinearity = "tanh"
	case kind == cellTanh && opt.Nonlinearity != "tanh":
		panic(fmt.Sprintf("deepgo: NewRNN: Nonlinearity %q is neither tanh nor relu", opt.Nonlinearity))
	}
	m := RNNBase{InputSize: in, HiddenSize: hidden, Options: opt, kind: kind, name: name}
	g := kind.gates()
	for k := 0; k < opt.NumLayers; k++ {
		layerIn := in
		if k > 0 {
			layerIn = hidden * m.Directions()
		}
		for d := 0; d < m.Directions(); d++ {
			m.Weights = append(m.Weights, newRecurrentWeights(g*hidden, layerIn, hidden, !opt.NoBias))
		}
	}
	m.ResetParameters(rng)
	return m
}

func newRecurrentWeights(rows, in, hidden int, bias bool) RecurrentWeights {
	w := RecurrentWeights{
		WeightIH: tensor.Zeros(rows, in).SetRequiresGrad(true),
		WeightHH: tensor.Zeros(rows, hidden).SetRequiresGrad(true),
	}
	if bias {
		w.BiasIH = tensor.Zeros(rows).SetRequiresGrad(true)
		w.BiasHH = tensor.Zeros(rows).SetRequiresGrad(true)
	}
	return w
}

// list names the parameters with the given suffix ("_l0", "_l1_reverse").
func (w RecurrentWeights) list(suffix string) []Named {
	ps := []Named{{"weight_ih" + suffix, w.WeightIH}, {"weight_hh" + suffix, w.WeightHH}}
	if w.BiasIH != nil {
		ps = append(ps, Named{"bias_ih" + suffix, w.BiasIH}, Named{"bias_hh" + suffix, w.BiasHH})
	}
	return ps
}

// Directions is 2 for a bidirectional network and 1 otherwise.
func (m *RNNBase) Directions() int {
	if m.Options.Bidirectional {
		return 2
	}
	return 1
}

// NamedParameters lists the weights in PyTorch's order (see RNNBase).
func (m *RNNBase) NamedParameters() []Named {
	var ps []Named
	for i, w := range m.Weights {
		suffix := fmt.Sprintf("_l%d", i/m.Directions())
		if i%m.Directions() == 1 {
			suffix += "_reverse"
		}
		ps = append(ps, w.list(suffix)...)
	}
	return ps
}

// ResetParameters draws every parameter from U(−1/√Hidden, 1/√Hidden) in
// NamedParameters order (PyTorch's reset_parameters).
func (m *RNNBase) ResetParameters(rng *tensor.RNG) {
	b := 1 / math.Sqrt(float64(m.HiddenSize))
	for _, p := range m.NamedParameters() {
		Uniform(p.Tensor, -b, b, rng)
	}
}

// String describes the network as PyTorch prints it, e.g.
// "LSTM(10, 20, num_layers=2, batch_first=True)".
func (m *RNNBase) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s(%d, %d", m.name, m.InputSize, m.HiddenSize)
	o := m.Options
	if o.NumLayers != 1 {
		fmt.Fprintf(&b, ", num_layers=%d", o.NumLayers)
	}
	if m.kind == cellReLU {
		b.WriteString(", nonlinearity=relu")
	}
	if o.NoBias {
		b.WriteString(", bias=False")
	}
	if o.BatchFirst {
		b.WriteString(", batch_first=True")
	}
	if o.Dropout != 0 {
		fmt.Fprintf(&b, ", dropout=%g", o.Dropout)
	}
	if o.Bidirectional {
		b.WriteString(", bidirectional=True")
	}
	b.WriteByte(')')
	return b.String()
}

// Forward runs the network from zero states over full-length sequences and
// returns the output (see ForwardState of RNN, LSTM or GRU for the shapes,
// the initial states, the final states and variable lengths).
func (m *RNNBase) Forward(x *tensor.Tensor) *tensor.Tensor {
	out, _, _ := m.run(x, nil, nil, nil)
	return out
}

// run is the forward of every layer and direction. c0 and cN are used by
// the LSTM only.
func (m *RNNBase) run(x, h0, c0 *tensor.Tensor, lengths []int) (out, hN, cN *tensor.Tensor) {
	op, o := m.name, m.Options
	sh := x.Shape()
	if (len(sh) != 2 && len(sh) != 3) || sh[len(sh)-1] != m.InputSize {
		layout := "[T, B, %d]"
		if o.BatchFirst {
			layout = "[B, T, %d]"
		}
		panic(fmt.Sprintf("deepgo: %s: input %v: want feature size %d, as "+layout+" or unbatched [T, %d]",
			op, sh, m.InputSize, m.InputSize, m.InputSize))
	}
	unbatched := len(sh) == 2
	seq := x // batch-major [B, T, In], the fused op's layout
	switch {
	case unbatched:
		seq = x.Unsqueeze(0)
	case !o.BatchFirst:
		seq = x.Transpose(0, 1)
	}
	B, T, D, H := seq.Size(0), seq.Size(1), m.Directions(), m.HiddenSize
	if T == 0 || B == 0 {
		panic(fmt.Sprintf("deepgo: %s: input %v: empty sequence or batch", op, sh))
	}
	lengths = checkLengths(op, lengths, B, T)
	h0s := m.splitState(op, "h0", h0, B, unbatched)
	var c0s []*tensor.Tensor
	if m.kind == cellLSTM {
		c0s = m.splitState(op, "c0", c0, B, unbatched)
	}

	var hs, cs []*tensor.Tensor
	input := seq
	for layer := 0; layer < o.NumLayers; layer++ {
		var outs []*tensor.Tensor
		for d := 0; d < D; d++ {
			k := layer*D + d
			w := m.Weights[k]
			p := &seqPass{kind: m.kind, op: op, steps: T, batch: B, in: input.Size(2), hid: H, reverse: d == 1, lengths: lengths}
			var c0k *tensor.Tensor
			if c0s != nil {
				c0k = c0s[k]
			}
			y, h, c := recurrentPass(p, input, h0s[k], c0k, w.WeightIH, w.WeightHH, w.BiasIH, w.BiasHH)
			outs, hs, cs = append(outs, y), append(hs, h), append(cs, c)
		}
		input = outs[0]
		if D > 1 {
			input = tensor.Concat(outs, 2)
		}
		if layer < o.NumLayers-1 && o.Dropout > 0 && m.Training() {
			input = dropout(op, input, o.Dropout, o.DropoutRNG, input.Shape())
		}
	}
	out, hN = input, stackStates(hs)
	if m.kind == cellLSTM {
		cN = stackStates(cs)
	}
	switch {
	case unbatched:
		out, hN = out.Squeeze(0), hN.Squeeze(1)
		if cN != nil {
			cN = cN.Squeeze(1)
		}
	case !o.BatchFirst:
		out = out.Transpose(0, 1)
	}
	return out, hN, cN
}

// splitState checks an initial state [layers·directions, B, H] (or
// [layers·directions, H] unbatched) and cuts it into one [B, H] tensor per
// layer and direction; nil gives nils (zero states).
func (m *RNNBase) splitState(op, what string, s *tensor.Tensor, b int, unbatched bool) []*tensor.Tensor {
	n, H := m.Options.NumLayers*m.Directions(), m.HiddenSize
	out := make([]*tensor.Tensor, n)
	if s == nil {
		return out
	}
	want := []int{n, b, H}
	if unbatched {
		want = []int{n, H}
	}
	if !tensor.SameShape(s.Shape(), want) {
		panic(fmt.Sprintf("deepgo: %s: %s %v: want %v (layers·directions, batch, hidden)", op, what, s.Shape(), want))
	}
	if n == 1 {
		out[0] = s.Reshape(b, H)
		return out
	}
	sizes := make([]int, n)
	for i := range sizes {
		sizes[i] = 1
	}
	for i, part := range s.Split(sizes, 0) {
		out[i] = part.Reshape(b, H)
	}
	return out
}

// stackStates makes [n, B, H] of n final states [B, H].
func stackStates(states []*tensor.Tensor) *tensor.Tensor {
	if len(states) == 1 {
		return states[0].Unsqueeze(0)
	}
	return tensor.Stack(states, 0)
}

// RNN is an Elman recurrent network (torch.nn.RNN): for each layer and
// time step,
//
//	h_t = act(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh)
//
// with act tanh (default) or ReLU (Options.Nonlinearity "relu").
//
// Arguments, parameters and initialization: see RNNBase and RNNOptions.
//
// # Shapes
//
// With B the batch, T the sequence length, D = 2 if bidirectional else 1
// and L = NumLayers:
//
//   - input: [T, B, In], or [B, T, In] with BatchFirst, or unbatched [T, In];
//   - output: [T, B, D·Hidden] ([B, T, D·Hidden] with BatchFirst;
//     [T, D·Hidden] unbatched), the last layer's h_t of each direction;
//   - h0 and h_n: [L·D, B, Hidden] ([L·D, Hidden] unbatched), layer-major.
type RNN struct{ RNNBase }

// NewRNN makes an RNN with the given input and hidden sizes, initialized
// from rng (tensor's default generator when nil).
func NewRNN(in, hidden int, opt RNNOptions, rng *tensor.RNG) *RNN {
	return &RNN{newRNNBase(cellTanh, "RNN", in, hidden, opt, rng)}
}

// ForwardState runs the network from h0 (nil for zeros) and returns the
// output and the final state h_n (see RNN for the shapes).
//
// lengths, when not nil, gives each sequence's number of valid steps (each
// in [1, T]), like a sequence packed with pack_padded_sequence: the output
// past a sequence's length is zero, h_n holds the state after its last
// valid step, and the reverse direction starts at that last valid step.
func (m *RNN) ForwardState(x, h0 *tensor.Tensor, lengths []int) (out, hN *tensor.Tensor) {
	out, hN, _ = m.run(x, h0, nil, lengths)
	return out, hN
}

// LSTM is a long short-term memory network (torch.nn.LSTM): for each layer
// and time step, with σ the logistic sigmoid,
//
//	i = σ(W_ii x + b_ii + W_hi h + b_hi)    f = σ(W_if x + b_if + W_hf h + b_hf)
//	g = tanh(W_ig x + b_ig + W_hg h + b_hg) o = σ(W_io x + b_io + W_ho h + b_ho)
//	c' = f·c + i·g                         h' = o·tanh(c')
//
// The gates are stacked in the order i, f, g, o in the weights' rows.
//
// Arguments, parameters and initialization: see RNNBase and RNNOptions.
//
// # Shapes
//
// As for RNN, with the cell state c0 and c_n shaped like h0 and h_n.
type LSTM struct{ RNNBase }

// NewLSTM makes an LSTM with the given input and hidden sizes, initialized
// from rng (tensor's default generator when nil).
func NewLSTM(in, hidden int, opt RNNOptions, rng *tensor.RNG) *LSTM {
	return &LSTM{newRNNBase(cellLSTM, "LSTM", in, hidden, opt, rng)}
}

// ForwardState runs the network from h0 and c0 (nil for zeros) and returns
// the output and the final states h_n and c_n (see LSTM for the shapes and
// RNN.ForwardState for lengths).
func (m *LSTM) ForwardState(x, h0, c0 *tensor.Tensor, lengths []int) (out, hN, cN *tensor.Tensor) {
	return m.run(x, h0, c0, lengths)
}

// GRU is a gated recurrent unit network (torch.nn.GRU): for each layer and
// time step,
//
//	r = σ(W_ir x + b_ir + W_hr h + b_hr)    z = σ(W_iz x + b_iz + W_hz h + b_hz)
//	n = tanh(W_in x + b_in + r·(W_hn h + b_hn))
//	h' = (1 − z)·n + z·h
//
// The gates are stacked in the order r, z, n in the weights' rows.
//
// Arguments, parameters and initialization: see RNNBase and RNNOptions.
//
// # Shapes
//
// As for RNN.
type GRU struct{ RNNBase }

// NewGRU makes a GRU with the given input and hidden sizes, initialized
// from rng (tensor's default generator when nil).
func NewGRU(in, hidden int, opt RNNOptions, rng *tensor.RNG) *GRU {
	return &GRU{newRNNBase(cellGRU, "GRU", in, hidden, opt, rng)}
}

// ForwardState runs the network from h0 (nil for zeros) and returns the
// output and the final state h_n (see RNN for the shapes and
// RNN.ForwardState for lengths).
func (m *GRU) ForwardState(x, h0 *tensor.Tensor, lengths []int) (out, hN *tensor.Tensor) {
	out, hN, _ = m.run(x, h0, nil, lengths)
	return out, hN
}
