package nn

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// newRecurrent makes an RNN ("tanh", "relu"), LSTM or GRU and returns its
// shared part.
func newRecurrent(kind string, in, hid int, opt RNNOptions, rng *tensor.RNG) *RNNBase {
	switch kind {
	case "lstm":
		return &NewLSTM(in, hid, opt, rng).RNNBase
	case "gru":
		return &NewGRU(in, hid, opt, rng).RNNBase
	}
	opt.Nonlinearity = kind
	return &NewRNN(in, hid, opt, rng).RNNBase
}

// flatOutputs joins the outputs that are present into one 1-D tensor, so
// that one gradient check covers all of them.
func flatOutputs(ts ...*tensor.Tensor) *tensor.Tensor {
	var parts []*tensor.Tensor
	for _, t := range ts {
		if t != nil {
			parts = append(parts, t.Reshape(-1))
		}
	}
	return tensor.Concat(parts, 0)
}

// seqInput makes x in the layer's layout and, when asked, initial states.
func seqInput(rng *tensor.RNG, m *RNNBase, T, B int, h0, c0 bool) (x, h, c *tensor.Tensor) {
	if m.Options.BatchFirst {
		x = randInput(rng, -1, 1, B, T, m.InputSize)
	} else {
		x = randInput(rng, -1, 1, T, B, m.InputSize)
	}
	n := m.Options.NumLayers * m.Directions()
	if h0 {
		h = randInput(rng, -1, 1, n, B, m.HiddenSize)
	}
	if c0 && m.kind == cellLSTM {
		c = randInput(rng, -1, 1, n, B, m.HiddenSize)
	}
	return x, h, c
}

// TestRNNGradCheck checks the gradients of the full layers with respect to
// the input, the initial states and every parameter by finite differences:
// several layers, both directions, batch-first and variable lengths.
func TestRNNGradCheck(t *testing.T) {
	rng := tensor.NewRNG(3)
	for _, tc := range []struct {
		kind    string
		opt     RNNOptions
		lengths []int
	}{
		{"tanh", RNNOptions{NumLayers: 2, Bidirectional: true}, []int{4, 1, 3}},
		{"relu", RNNOptions{BatchFirst: true}, nil},
		{"lstm", RNNOptions{NumLayers: 2, Bidirectional: true, BatchFirst: true}, []int{2, 4, 3}},
		{"lstm", RNNOptions{NoBias: true}, nil},
		{"gru", RNNOptions{NumLayers: 2, Bidirectional: true}, []int{3, 4, 1}},
		{"gru", RNNOptions{BatchFirst: true, NoBias: true}, []int{4, 2, 2}},
	} {
		t.Run(fmt.Sprintf("%s-%+v-%v", tc.kind, tc.opt, tc.lengths), func(t *testing.T) {
			m := newRecurrent(tc.kind, 3, 4, tc.opt, rng)
			x, h0, c0 := seqInput(rng, m, 4, 3, true, true)
			inputs := []*tensor.Tensor{x, h0}
			if c0 != nil {
				inputs = append(inputs, c0)
			}
			for _, p := range m.NamedParameters() {
				inputs = append(inputs, p.Tensor)
			}
			// ReLU's kink: a step of 1e-2 crosses it for one of these
			// pre-activations; 1e-3 stays on one side.
			opt := &tensor.GradCheckOptions{Eps: 1e-2}
			if tc.kind == "relu" {
				opt.Eps = 1e-3
			}
			err := tensor.GradCheck(func(...*tensor.Tensor) *tensor.Tensor {
				return flatOutputs(m.run(x, h0, c0, tc.lengths))
			}, inputs, opt)
			if err != nil {
				t.Error(err)
			}
		})
	}
}

// TestRNNCellGradCheck checks the cells' gradients with respect to the
// input, the states and every parameter.
func TestRNNCellGradCheck(t *testing.T) {
	rng := tensor.NewRNG(4)
	x, h, c := randInput(rng, -1, 1, 3, 5), randInput(rng, -1, 1, 3, 4), randInput(rng, -1, 1, 3, 4)
	tanh, relu := NewRNNCell(5, 4, "tanh", true, rng), NewRNNCell(5, 4, "relu", false, rng)
	lstm, gru := NewLSTMCell(5, 4, true, rng), NewGRUCell(5, 4, true, rng)
	for _, tc := range []struct {
		cell *RNNCellBase
		run  func() *tensor.Tensor
	}{
		{&tanh.RNNCellBase, func() *tensor.Tensor { return tanh.Step(x, h) }},
		{&relu.RNNCellBase, func() *tensor.Tensor { return relu.Step(x, h) }},
		{&lstm.RNNCellBase, func() *tensor.Tensor { return flatOutputs(lstm.Step(x, h, c)) }},
		{&gru.RNNCellBase, func() *tensor.Tensor { return gru.Step(x, h) }},
	} {
		inputs := []*tensor.Tensor{x, h}
		if tc.cell.kind == cellLSTM {
			inputs = append(inputs, c)
		}
		for _, p := range tc.cell.NamedParameters() {
			inputs = append(inputs, p.Tensor)
		}
		gradCheck(t, tc.cell.String(), func(...*tensor.Tensor) *tensor.Tensor { return tc.run() }, inputs...)
	}
}

// TestRNNMatchesReference compares the fused layers with the composed
// reference (rnn_ref_test.go), values and gradients, on awkward sizes and
// with the batch split across 1 to 4 goroutines.
func TestRNNMatchesReference(t *testing.T) {
	rng := tensor.NewRNG(9)
	for _, tc := range []struct {
		kind           string
		in, hid, T, B  int
		opt            RNNOptions
		lengths        []int
		h0, c0         bool
		threads        int
		wantEqualSplit bool
	}{
		{kind: "lstm", in: 1, hid: 1, T: 1, B: 1, threads: 2},
		{kind: "gru", in: 7, hid: 17, T: 9, B: 7, h0: true, threads: 3},
		{kind: "lstm", in: 5, hid: 31, T: 7, B: 5, opt: RNNOptions{Bidirectional: true, BatchFirst: true}, lengths: []int{7, 1, 3, 7, 6}, h0: true, c0: true, threads: 4},
		{kind: "gru", in: 4, hid: 33, T: 6, B: 6, opt: RNNOptions{NumLayers: 2, Bidirectional: true, NoBias: true}, lengths: []int{2, 6, 5, 1, 6, 3}, threads: 2},
		{kind: "tanh", in: 6, hid: 16, T: 8, B: 3, opt: RNNOptions{NumLayers: 3}, lengths: []int{8, 5, 2}, h0: true, threads: 1},
		{kind: "relu", in: 3, hid: 9, T: 5, B: 4, opt: RNNOptions{Bidirectional: true, BatchFirst: true}, h0: true, threads: 2},
		{kind: "lstm", in: 8, hid: 16, T: 3, B: 9, opt: RNNOptions{NumLayers: 2}, lengths: []int{1, 1, 1, 1, 1, 1, 1, 1, 1}, c0: true, threads: 3},
	} {
		t.Run(fmt.Sprintf("%s-in%d-h%d-T%d-B%d-%+v-len%v-threads%d", tc.kind, tc.in, tc.hid, tc.T, tc.B, tc.opt, tc.lengths, tc.threads), func(t *testing.T) {
			defer kernels.SetThreads(kernels.SetThreads(tc.threads))
			m := newRecurrent(tc.kind, tc.in, tc.hid, tc.opt, rng)
			x, h0, c0 := seqInput(rng, m, tc.T, tc.B, tc.h0, tc.c0)
			leaves := []*tensor.Tensor{x}
			for _, s := range []*tensor.Tensor{h0, c0} {
				if s != nil {
					leaves = append(leaves, s)
				}
			}
			for _, p := range m.NamedParameters() {
				leaves = append(leaves, p.Tensor)
			}
			// The same upstream weights for both, so that the gradients
			// compare too.
			var u *tensor.Tensor
			grads := func(out, hN, cN *tensor.Tensor) (vals []float32, gs [][]float32) {
				y := flatOutputs(out, hN, cN)
				if u == nil {
					u = tensor.Uniform(rng, -1, 1, y.Numel())
				}
				for _, l := range leaves {
					l.ZeroGrad()
				}
				y.Mul(u).Sum().Backward()
				for _, l := range leaves {
					gs = append(gs, l.Grad.Data())
				}
				return y.Data(), gs
			}
			gotY, gotG := grads(m.run(x, h0, c0, tc.lengths))
			wantY, wantG := grads(refRun(m, x, h0, c0, tc.lengths))
			assertClose(t, "outputs", gotY, wantY, 1e-5)
			for i := range gotG {
				assertClose(t, fmt.Sprintf("gradient of leaf %d %v", i, leaves[i].Shape()), gotG[i], wantG[i], 1e-4)
			}
		})
	}
}

// TestRNNStateDictNames checks PyTorch's parameter names and shapes.
func TestRNNStateDictNames(t *testing.T) {
	lstm := NewLSTM(3, 4, RNNOptions{NumLayers: 2, Bidirectional: true}, nil)
	var got []string
	for _, p := range lstm.NamedParameters() {
		got = append(got, fmt.Sprintf("%s%v", p.Name, p.Tensor.Shape()))
	}
	want := []string{
		"weight_ih_l0[16 3]", "weight_hh_l0[16 4]", "bias_ih_l0[16]", "bias_hh_l0[16]",
		"weight_ih_l0_reverse[16 3]", "weight_hh_l0_reverse[16 4]", "bias_ih_l0_reverse[16]", "bias_hh_l0_reverse[16]",
		"weight_ih_l1[16 8]", "weight_hh_l1[16 4]", "bias_ih_l1[16]", "bias_hh_l1[16]",
		"weight_ih_l1_reverse[16 8]", "weight_hh_l1_reverse[16 4]", "bias_ih_l1_reverse[16]", "bias_hh_l1_reverse[16]",
	}
	if !slices.Equal(got, want) {
		t.Errorf("LSTM parameters\n got %v\nwant %v", got, want)
	}
	for _, tc := range []struct {
		m    Module
		want []string
	}{
		{NewGRU(2, 3, RNNOptions{NumLayers: 2, NoBias: true}, nil), []string{"weight_ih_l0", "weight_hh_l0", "weight_ih_l1", "weight_hh_l1"}},
		{NewRNN(2, 3, RNNOptions{}, nil), []string{"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}},
		{NewGRUCell(2, 3, true, nil), []string{"weight_ih", "weight_hh", "bias_ih", "bias_hh"}},
		{NewLSTMCell(2, 3, false, nil), []string{"weight_ih", "weight_hh"}},
		{NewEmbedding(5, 2, nil), []string{"weight"}},
	} {
		if got := StateDictNames(tc.m); !slices.Equal(got, tc.want) {
			t.Errorf("%v: state dict %v, want %v", tc.m, got, tc.want)
		}
	}
	if n := NumParameters(NewGRU(128, 128, RNNOptions{}, nil)); n != 99072 {
		t.Errorf("GRU(128, 128) has %d parameters, PyTorch 99072", n)
	}
	if n := NumParameters(NewLSTMCell(10, 20, true, nil)); n != 2560 {
		t.Errorf("LSTMCell(10, 20) has %d parameters, PyTorch 2560", n)
	}
}

// TestRNNInit checks PyTorch's U(−1/√H, 1/√H) on every parameter.
func TestRNNInit(t *testing.T) {
	for _, m := range []Module{
		NewLSTM(20, 25, RNNOptions{NumLayers: 2, Bidirectional: true}, tensor.NewRNG(1)),
		NewGRUCell(20, 25, true, tensor.NewRNG(2)),
	} {
		b := float32(1 / math.Sqrt(25))
		for _, p := range m.NamedParameters() {
			lo, hi := float32(math.Inf(1)), float32(math.Inf(-1))
			for _, v := range p.Tensor.Data() {
				lo, hi = min(lo, v), max(hi, v)
			}
			if lo < -b || hi > b || lo > -0.8*b || hi < 0.8*b {
				t.Errorf("%v %s: values in [%g, %g], want spread over [%g, %g]", m, p.Name, lo, hi, -b, b)
			}
		}
	}
	a := NewGRU(3, 4, RNNOptions{}, tensor.NewRNG(7))
	b := NewGRU(3, 4, RNNOptions{}, tensor.NewRNG(7))
	assertClose(t, "same seed", a.Weights[0].WeightHH.Data(), b.Weights[0].WeightHH.Data(), 0)
}

// TestRNNOptionsAndStrings checks the defaults and PyTorch-style names.
func TestRNNOptionsAndStrings(t *testing.T) {
	for _, tc := range []struct {
		m    fmt.Stringer
		want string
	}{
		{NewLSTM(10, 20, RNNOptions{}, nil), "LSTM(10, 20)"},
		{NewGRU(10, 20, RNNOptions{NumLayers: 2, BatchFirst: true, Dropout: 0.5, Bidirectional: true}, nil),
			"GRU(10, 20, num_layers=2, batch_first=True, dropout=0.5, bidirectional=True)"},
		{NewRNN(3, 4, RNNOptions{Nonlinearity: "relu", NoBias: true}, nil), "RNN(3, 4, nonlinearity=relu, bias=False)"},
		{NewRNNCell(3, 4, "relu", true, nil), "RNNCell(3, 4, nonlinearity=relu)"},
		{NewLSTMCell(3, 4, false, nil), "LSTMCell(3, 4, bias=False)"},
		{NewEmbedding(10, 3, nil, WithPaddingIdx(-1)), "Embedding(10, 3, padding_idx=9)"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
	if m := NewRNN(3, 4, RNNOptions{}, nil); m.Options.NumLayers != 1 || m.Options.Nonlinearity != "tanh" || m.Directions() != 1 {
		t.Errorf("RNN defaults: %+v", m.Options)
	}
}

// TestRNNShapes checks the output and state shapes of every layout,
// unbatched inputs included, and that an unbatched sequence gives the same
// values as a batch of one.
func TestRNNShapes(t *testing.T) {
	rng := tensor.NewRNG(5)
	bf := NewLSTM(3, 4, RNNOptions{NumLayers: 2, Bidirectional: true, BatchFirst: true}, rng)
	out, hN, cN := bf.ForwardState(tensor.Zeros(2, 5, 3), nil, nil, nil)
	if got := fmt.Sprint(out.Shape(), hN.Shape(), cN.Shape()); got != "[2 5 8] [4 2 4] [4 2 4]" {
		t.Errorf("batch-first LSTM: out, h_n, c_n %s", got)
	}
	g := NewGRU(3, 4, RNNOptions{NumLayers: 2}, rng)
	x := tensor.Uniform(rng, -1, 1, 6, 3)
	h0 := tensor.Uniform(rng, -1, 1, 2, 4)
	out, hN = g.ForwardState(x, h0, nil)
	if got := fmt.Sprint(out.Shape(), hN.Shape()); got != "[6 4] [2 4]" {
		t.Errorf("unbatched GRU: out, h_n %s", got)
	}
	outB, hNB := g.ForwardState(x.Reshape(6, 1, 3), h0.Reshape(2, 1, 4), nil)
	assertClose(t, "unbatched output", out.Data(), outB.Data(), 0)
	assertClose(t, "unbatched h_n", hN.Data(), hNB.Data(), 0)
	if y := g.Forward(x); !tensor.SameShape(y.Shape(), []int{6, 4}) {
		t.Errorf("Forward: %v", y.Shape())
	}
	cell := NewLSTMCell(3, 4, true, rng)
	h, c := cell.Step(tensor.Zeros(3), nil, nil)
	if got := fmt.Sprint(h.Shape(), c.Shape(), cell.Forward(tensor.Zeros(2, 3)).Shape()); got != "[4] [4] [2 4]" {
		t.Errorf("LSTMCell shapes %s", got)
	}
}

// TestRNNLengths checks the packed-sequence semantics directly: zero output
// past each length, h_n from the last valid step, and a sequence's results
// independent of the padding after it and of the other sequences.
func TestRNNLengths(t *testing.T) {
	rng := tensor.NewRNG(6)
	m := NewGRU(2, 3, RNNOptions{Bidirectional: true, BatchFirst: true}, rng)
	x := tensor.Uniform(rng, -1, 1, 2, 5, 2)
	out, hN := m.ForwardState(x, nil, []int{5, 2})
	for tt := 2; tt < 5; tt++ {
		for k := 0; k < 6; k++ {
			if v := out.At(1, tt, k); v != 0 {
				t.Fatalf("output of sequence 1 at step %d = %v past its length 2", tt, v)
			}
		}
	}
	// Sequence 1 alone, cut to its length, must give the same.
	alone := x.Narrow(0, 1, 1).Narrow(1, 0, 2)
	outA, hNA := m.ForwardState(alone, nil, nil)
	assertClose(t, "output of the short sequence", out.Narrow(0, 1, 1).Narrow(1, 0, 2).Data(), outA.Data(), 1e-6)
	assertClose(t, "h_n of the short sequence", hN.Narrow(1, 1, 1).Data(), hNA.Data(), 1e-6)
}

// TestRNNDropout checks that dropout acts between layers in training mode
// only, reproducibly from its generator.
func TestRNNDropout(t *testing.T) {
	build := func(p float64, layers int) *LSTM {
		return NewLSTM(3, 8, RNNOptions{NumLayers: layers, Dropout: p, DropoutRNG: tensor.NewRNG(2)}, tensor.NewRNG(1))
	}
	x := tensor.Uniform(tensor.NewRNG(3), -1, 1, 4, 2, 3)
	plain := build(0, 2).Forward(x).Data()
	d := build(0.5, 2)
	train := d.Forward(x).Data()
	if slices.Equal(train, plain) {
		t.Error("training with dropout 0.5 gave the output without dropout")
	}
	if again := build(0.5, 2).Forward(x).Data(); !slices.Equal(again, train) {
		t.Error("the same dropout generator seed gave different masks")
	}
	Eval(d)
	assertClose(t, "eval output", d.Forward(x).Data(), plain, 0)
	assertClose(t, "one layer: no dropout after the last layer", build(0.5, 1).Forward(x).Data(), build(0, 1).Forward(x).Data(), 0)
}

// TestRNNNoGrad checks that evaluation under NoGrad records nothing.
func TestRNNNoGrad(t *testing.T) {
	m := NewLSTM(3, 4, RNNOptions{}, nil)
	tensor.NoGrad(func() {
		out, hN, cN := m.ForwardState(tensor.Zeros(2, 2, 3), nil, nil, nil)
		if out.RequiresGrad() || hN.RequiresGrad() || cN.RequiresGrad() {
			t.Error("outputs under NoGrad require grad")
		}
	})
}

// TestRNNPanics checks that misuse names the layer and the shapes.
func TestRNNPanics(t *testing.T) {
	lstm := NewLSTM(5, 4, RNNOptions{NumLayers: 2}, nil)
	mustPanic(t, func() { lstm.Forward(tensor.Zeros(4, 7, 3)) }, "deepgo: LSTM: input [4 7 3]: want feature size 5")
	mustPanic(t, func() { lstm.Forward(tensor.Zeros(4, 7, 1, 5)) }, "LSTM: input [4 7 1 5]")
	mustPanic(t, func() { lstm.Forward(tensor.Zeros(0, 2, 5)) }, "LSTM: input [0 2 5]: empty")
	mustPanic(t, func() { lstm.ForwardState(tensor.Zeros(4, 3, 5), tensor.Zeros(1, 3, 4), nil, nil) }, "LSTM: h0 [1 3 4]: want [2 3 4]")
	mustPanic(t, func() { lstm.ForwardState(tensor.Zeros(4, 3, 5), nil, tensor.Zeros(2, 4), nil) }, "LSTM: c0 [2 4]: want [2 3 4]")
	gru := NewGRU(2, 3, RNNOptions{BatchFirst: true}, nil)
	mustPanic(t, func() { gru.ForwardState(tensor.Zeros(2, 4, 2), nil, []int{4}) }, "GRU: 1 lengths for a batch of 2")
	mustPanic(t, func() { gru.ForwardState(tensor.Zeros(2, 4, 2), nil, []int{4, 5}) }, "GRU: length 5 of sequence 1 is outside [1, 4]")
	mustPanic(t, func() { gru.ForwardState(tensor.Zeros(2, 4, 2), nil, []int{0, 1}) }, "length 0 of sequence 0")
	mustPanic(t, func() { gru.Forward(tensor.Zeros(2, 4, 3)) }, "[B, T, 2]")
	cell := NewGRUCell(3, 4, true, nil)
	mustPanic(t, func() { cell.Step(tensor.Zeros(2, 5), nil) }, "deepgo: GRUCell: input [2 5]: want [B, 3]")
	mustPanic(t, func() { cell.Step(tensor.Zeros(2, 3), tensor.Zeros(3, 4)) }, "GRUCell: input [2 3] and h [3 4]: want h [2 4]")
	mustPanic(t, func() { NewRNN(3, 4, RNNOptions{Nonlinearity: "sigmoid"}, nil) }, "NewRNN", "sigmoid")
	mustPanic(t, func() { NewLSTM(3, 4, RNNOptions{Nonlinearity: "relu"}, nil) }, "NewLSTM", "RNN only")
	mustPanic(t, func() { NewGRU(3, 0, RNNOptions{}, nil) }, "NewGRU", "hidden=0")
	mustPanic(t, func() { NewGRU(3, 4, RNNOptions{Dropout: 1.5}, nil) }, "p=1.5")
	mustPanic(t, func() { NewRNNCell(3, 4, "sigmoid", true, nil) }, "NewRNNCell", "sigmoid")
}

// ExampleGRU runs a batch-first GRU over two sequences of lengths 4 and 2
// padded to 4 steps, as pack_padded_sequence would.
func ExampleGRU() {
	gru := NewGRU(8, 16, RNNOptions{BatchFirst: true, Bidirectional: true}, tensor.NewRNG(1))
	x := tensor.Randn(tensor.NewRNG(2), 2, 4, 8) // [B, T, In]
	out, hN := gru.ForwardState(x, nil, []int{4, 2})
	fmt.Println(out.Shape(), hN.Shape())
	fmt.Println("output past the second sequence's length:", out.At(1, 3, 0), out.At(1, 3, 31))
	// Output:
	// [2 4 32] [2 2 16]
	// output past the second sequence's length: 0 0
}

// TestGateActivations checks the vectorised σ and tanh of the fused op
// against float64 over the whole range, saturated ends included (no NaN
// where e^x overflows or underflows).
func TestGateActivations(t *testing.T) {
	var xs []float32
	for x := -120.0; x <= 120; x += 0.37 {
		xs = append(xs, float32(x))
	}
	xs = append(xs, 0, 1e-6, -1e-6, math.MaxFloat32, -math.MaxFloat32)
	ones, twos := make([]float32, len(xs)), make([]float32, len(xs))
	for i := range ones {
		ones[i], twos[i] = 1, 2
	}
	sig, th := slices.Clone(xs), slices.Clone(xs)
	sigmoidInPlace(sig, ones)
	tanhInPlace(th, twos)
	for i, x := range xs {
		v := float64(x)
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"σ", float64(sig[i]), 1 / (1 + math.Exp(-v))}, {"tanh", float64(th[i]), math.Tanh(v)}} {
			if !(math.Abs(c.got-c.want) <= 2e-7+1e-6*math.Abs(c.want)) {
				t.Errorf("%s(%g) = %g, want %g", c.name, x, c.got, c.want)
			}
		}
	}
}
