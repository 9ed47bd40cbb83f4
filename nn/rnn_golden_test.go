package nn

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// rnnGoldenCase is a case of testdata/rnn_golden.json, written by
// testdata/rnn_golden.py with PyTorch in float64.
type rnnGoldenCase struct {
	Name          string            `json:"name"`
	Layer         string            `json:"layer"`
	InputSize     int               `json:"input_size"`
	HiddenSize    int               `json:"hidden_size"`
	NumLayers     int               `json:"num_layers"`
	Bidirectional bool              `json:"bidirectional"`
	BatchFirst    bool              `json:"batch_first"`
	Bias          bool              `json:"bias"`
	Nonlinearity  string            `json:"nonlinearity"`
	Num           int               `json:"num"`
	Dim           int               `json:"dim"`
	PaddingIdx    *int              `json:"padding_idx"`
	Params        map[string]gArray `json:"params"`
	ParamNames    []string          `json:"param_names"`
	IDs           *gArray           `json:"ids"`
	X             *gArray           `json:"x"`
	H0            *gArray           `json:"h0"`
	C0            *gArray           `json:"c0"`
	Lengths       []int             `json:"lengths"`
	UOut          *gArray           `json:"u_out"`
	UH            *gArray           `json:"u_h"`
	UC            *gArray           `json:"u_c"`
	Out           *gArray           `json:"out"`
	HN            *gArray           `json:"h_n"`
	CN            *gArray           `json:"c_n"`
	GradX         *gArray           `json:"grad_x"`
	GradH0        *gArray           `json:"grad_h0"`
	GradC0        *gArray           `json:"grad_c0"`
	GradParams    map[string]gArray `json:"grad_params"`
}

func loadRNNGolden(t *testing.T) []rnnGoldenCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/rnn_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []rnnGoldenCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g.Cases
}

// build makes the deepgo layer of the case.
func (c *rnnGoldenCase) build(t *testing.T) Module {
	opt := RNNOptions{NumLayers: c.NumLayers, NoBias: !c.Bias, BatchFirst: c.BatchFirst, Bidirectional: c.Bidirectional}
	switch c.Layer {
	case "Embedding":
		var opts []EmbeddingOption
		if c.PaddingIdx != nil {
			opts = append(opts, WithPaddingIdx(*c.PaddingIdx))
		}
		return NewEmbedding(c.Num, c.Dim, tensor.NewRNG(1), opts...)
	case "RNN":
		opt.Nonlinearity = c.Nonlinearity
		return NewRNN(c.InputSize, c.HiddenSize, opt, tensor.NewRNG(1))
	case "LSTM":
		return NewLSTM(c.InputSize, c.HiddenSize, opt, tensor.NewRNG(1))
	case "GRU":
		return NewGRU(c.InputSize, c.HiddenSize, opt, tensor.NewRNG(1))
	case "RNNCell":
		return NewRNNCell(c.InputSize, c.HiddenSize, c.Nonlinearity, c.Bias, tensor.NewRNG(1))
	case "LSTMCell":
		return NewLSTMCell(c.InputSize, c.HiddenSize, c.Bias, tensor.NewRNG(1))
	case "GRUCell":
		return NewGRUCell(c.InputSize, c.HiddenSize, c.Bias, tensor.NewRNG(1))
	}
	t.Fatalf("unknown layer %q", c.Layer)
	return nil
}

// run applies m to the case's inputs and returns the outputs that have an
// upstream weight in the case: out, h_n, c_n (nil where absent).
func (c *rnnGoldenCase) run(m Module, x, h0, c0 *tensor.Tensor) (out, hN, cN *tensor.Tensor) {
	switch m := m.(type) {
	case *Embedding:
		return m.Forward(x), nil, nil
	case *RNN:
		out, hN = m.ForwardState(x, h0, c.Lengths)
	case *LSTM:
		out, hN, cN = m.ForwardState(x, h0, c0, c.Lengths)
	case *GRU:
		out, hN = m.ForwardState(x, h0, c.Lengths)
	case *RNNCell:
		hN = m.Step(x, h0)
	case *LSTMCell:
		hN, cN = m.Step(x, h0, c0)
	case *GRUCell:
		hN = m.Step(x, h0)
	}
	return out, hN, cN
}

// TestRNNGolden replays every case of rnn_golden.json: parameter names and
// order, outputs, and the gradients of Σ out·u + Σ h_n·u_h + Σ c_n·u_c with
// respect to the inputs, the initial states and every parameter, to 1e-4
// relative.
func TestRNNGolden(t *testing.T) {
	cases := loadRNNGolden(t)
	if len(cases) < 15 {
		t.Fatalf("%d cases, want at least 15", len(cases))
	}
	for i := range cases {
		c := &cases[i]
		t.Run(c.Name, func(t *testing.T) {
			m := c.build(t)
			named := m.NamedParameters()
			var names []string
			for _, p := range named {
				names = append(names, p.Name)
			}
			if want := c.ParamNames; want != nil && !slices.Equal(names, want) {
				t.Fatalf("parameter names %v, PyTorch %v", names, want)
			}
			for _, p := range named {
				src, ok := c.Params[p.Name]
				if !ok || !tensor.SameShape(p.Tensor.Shape(), src.Shape) {
					t.Fatalf("parameter %s %v: PyTorch has %v (present: %v)", p.Name, p.Tensor.Shape(), src.Shape, ok)
				}
				copy(p.Tensor.Data(), src.tensor().Data())
			}
			var x, h0, c0 *tensor.Tensor
			if c.IDs != nil {
				x = c.IDs.tensor()
			} else {
				x = c.X.tensor().SetRequiresGrad(true)
			}
			if c.H0 != nil {
				h0 = c.H0.tensor().SetRequiresGrad(true)
			}
			if c.C0 != nil {
				c0 = c.C0.tensor().SetRequiresGrad(true)
			}
			out, hN, cN := c.run(m, x, h0, c0)
			loss := tensor.Scalar(0)
			for _, o := range []struct {
				name      string
				got       *tensor.Tensor
				want, uit *gArray
			}{{"output", out, c.Out, c.UOut}, {"h_n", hN, c.HN, c.UH}, {"c_n", cN, c.CN, c.UC}} {
				if (o.got == nil) != (o.want == nil) {
					t.Fatalf("%s: deepgo %v, PyTorch %v", o.name, o.got != nil, o.want != nil)
				}
				if o.got == nil {
					continue
				}
				if !tensor.SameShape(o.got.Shape(), o.want.Shape) {
					t.Fatalf("%s shape %v, PyTorch %v", o.name, o.got.Shape(), o.want.Shape)
				}
				assertClose(t, o.name, o.got.Data(), o.want.tensor().Data(), 1e-4)
				loss = loss.Add(o.got.Mul(o.uit.tensor()).Sum())
			}
			loss.Backward()
			for _, g := range []struct {
				name string
				in   *tensor.Tensor
				want *gArray
			}{{"grad x", x, c.GradX}, {"grad h0", h0, c.GradH0}, {"grad c0", c0, c.GradC0}} {
				if g.want != nil {
					assertClose(t, g.name, g.in.Grad.Data(), g.want.tensor().Data(), 1e-4)
				}
			}
			for _, p := range named {
				want := c.GradParams[p.Name]
				if p.Tensor.Grad == nil {
					t.Fatalf("grad %s: none", p.Name)
				}
				assertClose(t, "grad "+p.Name, p.Tensor.Grad.Data(), want.tensor().Data(), 1e-4)
			}
		})
	}
}
