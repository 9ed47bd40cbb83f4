package models

import (
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

type gArray struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (a *gArray) tensor() *tensor.Tensor { return tensor.FromFloat64(a.Data, a.Shape...) }

// sentimentCase is a case of testdata/sentiment_golden.json, written by
// testdata/sentiment_golden.py with PyTorch in float64.
type sentimentCase struct {
	Name       string            `json:"name"`
	Config     json.RawMessage   `json:"config"`
	ParamNames []string          `json:"param_names"`
	Params     map[string]gArray `json:"params"`
	IDs        gArray            `json:"ids"`
	Segments   *gArray           `json:"segments"`
	Positions  []int             `json:"positions"`
	U          gArray            `json:"u"`
	UMLM       *gArray           `json:"u_mlm"`
	Logits     gArray            `json:"logits"`
	MLMLogits  *gArray           `json:"mlm_logits"`
	Grads      map[string]gArray `json:"grads"`
}

func loadSentimentGolden(t *testing.T) (bert, gru []sentimentCase) {
	t.Helper()
	raw, err := os.ReadFile("testdata/sentiment_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct{ BERT, GRU []sentimentCase }
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return g.BERT, g.GRU
}

func assertClose(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*(1+math.Abs(want[i]))) {
			t.Fatalf("%s: element %d = %v, want %v", name, i, got[i], want[i])
		}
	}
}

// loadParams checks m's parameter names and order against PyTorch's and
// copies the case's values in.
func (c *sentimentCase) loadParams(t *testing.T, m nn.Module) []nn.Named {
	t.Helper()
	named := m.NamedParameters()
	var names []string
	for _, p := range named {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, c.ParamNames) {
		t.Fatalf("parameter names\n%v\nPyTorch\n%v", names, c.ParamNames)
	}
	for _, p := range named {
		src := c.Params[p.Name]
		if !tensor.SameShape(p.Tensor.Shape(), src.Shape) {
			t.Fatalf("%s %v: PyTorch %v", p.Name, p.Tensor.Shape(), src.Shape)
		}
		copy(p.Tensor.Data(), src.tensor().Data())
	}
	return named
}

func (c *sentimentCase) checkGrads(t *testing.T, named []nn.Named) {
	t.Helper()
	for _, p := range named {
		if p.Tensor.Grad == nil {
			t.Fatalf("grad %s: none", p.Name)
		}
		assertClose(t, "grad "+p.Name, p.Tensor.Grad.Data(), c.Grads[p.Name].Data, 1e-4)
	}
}

// The mini-BERT against the same network built from torch.nn layers:
// parameter names and order, the classifier's logits, the MLM head's logits
// at the chosen positions (padding masked as keys, segment ids in one case)
// and the gradients of every parameter, tied decoder included, to 1e-4
// relative.
func TestMiniBERTMatchesPyTorch(t *testing.T) {
	cases, _ := loadSentimentGolden(t)
	if len(cases) < 2 {
		t.Fatalf("%d BERT cases", len(cases))
	}
	for i := range cases {
		c := &cases[i]
		t.Run(c.Name, func(t *testing.T) {
			var cfg BERTConfig
			if err := json.Unmarshal(c.Config, &cfg); err != nil {
				t.Fatal(err)
			}
			m := NewMiniBERT(cfg, tensor.NewRNG(1))
			named := c.loadParams(t, m)
			ids := c.IDs.tensor()
			var seg *tensor.Tensor
			if c.Segments != nil {
				seg = c.Segments.tensor()
			}
			h := m.Encode(ids, seg)
			logits := m.Classify(h)
			mlm := m.MLM.Forward(h.Reshape(-1, cfg.Hidden).IndexSelect(0, c.Positions))
			if seg == nil { // the public entry points agree with the pieces
				assertClose(t, "Forward", m.Forward(ids).Data(), c.Logits.Data, 1e-4)
				assertClose(t, "MaskedLogits", m.MaskedLogits(ids, c.Positions).Data(), c.MLMLogits.Data, 1e-4)
				nn.ZeroGrad(m)
			}
			assertClose(t, "logits", logits.Data(), c.Logits.Data, 1e-4)
			assertClose(t, "mlm logits", mlm.Data(), c.MLMLogits.Data, 1e-4)
			logits.Mul(c.U.tensor()).Sum().Add(mlm.Mul(c.UMLM.tensor()).Sum()).Backward()
			c.checkGrads(t, named)
		})
	}
}

// The GRU classifier against torch.nn's Embedding, GRU over a packed
// sequence and Linear: logits and every parameter's gradient.
func TestGRUClassifierMatchesPyTorch(t *testing.T) {
	_, cases := loadSentimentGolden(t)
	if len(cases) < 2 {
		t.Fatalf("%d GRU cases", len(cases))
	}
	for i := range cases {
		c := &cases[i]
		t.Run(c.Name, func(t *testing.T) {
			var cfg GRUClassifierConfig
			if err := json.Unmarshal(c.Config, &cfg); err != nil {
				t.Fatal(err)
			}
			m := NewGRUClassifier(cfg, tensor.NewRNG(1))
			named := c.loadParams(t, m)
			logits := m.Forward(c.IDs.tensor())
			assertClose(t, "logits", logits.Data(), c.Logits.Data, 1e-4)
			logits.Mul(c.U.tensor()).Sum().Backward()
			c.checkGrads(t, named)
		})
	}
}
