package models

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// seq2seqGolden is testdata/seq2seq_golden.json, written by
// testdata/seq2seq_golden.py with PyTorch in float64.
type seq2seqGolden struct {
	Small struct {
		Config map[string]int         `json:"config"`
		Params [][2]json.RawMessage   `json:"params"`
		Src    goldenArray            `json:"src"`
		TgtIn  goldenArray            `json:"tgt_in"`
		TgtOut goldenArray            `json:"tgt_out"`
		Logits goldenArray            `json:"logits"`
		Loss   float64                `json:"loss"`
		Grad   map[string]goldenArray `json:"grad"`
	} `json:"small"`
	Default struct {
		SrcVocab int      `json:"src_vocab"`
		TgtVocab int      `json:"tgt_vocab"`
		Names    []string `json:"names"`
		Shapes   [][]int  `json:"shapes"`
		Params   int      `json:"params"`
	} `json:"default"`
}

type goldenArray struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (a goldenArray) tensor() *tensor.Tensor {
	d := make([]float32, len(a.Data))
	for i, v := range a.Data {
		d[i] = float32(v)
	}
	return tensor.New(d, a.Shape...)
}

func loadSeq2SeqGolden(t *testing.T) *seq2seqGolden {
	t.Helper()
	b, err := os.ReadFile("testdata/seq2seq_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g seq2seqGolden
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// The teacher-forced logits, the masked cross-entropy and the gradient of
// every parameter match PyTorch's tutorial model with the same weights.
func TestSeq2SeqMatchesPyTorch(t *testing.T) {
	g := loadSeq2SeqGolden(t)
	c := g.Small.Config
	m := NewSeq2SeqTransformer(Seq2SeqOptions{SrcVocab: c["src_vocab"], TgtVocab: c["tgt_vocab"], DModel: c["d_model"],
		NHead: c["nhead"], NumEncoderLayers: c["encoder_layers"], NumDecoderLayers: c["decoder_layers"],
		DimFeedforward: c["dim_feedforward"], Dropout: new(0.0)}, tensor.NewRNG(1))
	sd := map[string]*tensor.Tensor{}
	var order []string
	for _, p := range g.Small.Params {
		var name string
		var a goldenArray
		if err := json.Unmarshal(p[0], &name); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(p[1], &a); err != nil {
			t.Fatal(err)
		}
		sd[name] = a.tensor()
		order = append(order, name)
	}
	if got := nn.StateDictNames(m); !slices.Equal(got, order) {
		t.Fatalf("state-dict names\n got %v\nwant %v", got, order)
	}
	if err := nn.LoadStateDict(m, sd, true); err != nil {
		t.Fatal(err)
	}
	logits := m.Logits(g.Small.Src.tensor(), g.Small.TgtIn.tensor())
	assertClose(t, "logits", logits.Data(), g.Small.Logits.Data, 1e-4)
	v := c["tgt_vocab"]
	target := g.Small.TgtOut.tensor()
	loss := nn.CrossEntropy(logits.Reshape(target.Numel(), v), target.Reshape(target.Numel()), nn.CrossEntropyOptions{IgnoreIndex: new(0)})
	assertClose(t, "loss", loss.Data(), []float64{g.Small.Loss}, 1e-4)
	loss.Backward()
	for _, p := range m.NamedParameters() {
		want, ok := g.Small.Grad[p.Name]
		if !ok {
			t.Fatalf("no PyTorch gradient for %s", p.Name)
		}
		if p.Tensor.Grad == nil {
			t.Fatalf("%s: no gradient", p.Name)
		}
		assertClose(t, "grad "+p.Name, p.Tensor.Grad.Data(), want.Data, 1e-4)
	}
}

// The default model has PyTorch's state-dict names, shapes and parameter
// count.
func TestSeq2SeqDefaultStateDict(t *testing.T) {
	g := loadSeq2SeqGolden(t).Default
	m := NewSeq2SeqTransformer(Seq2SeqOptions{SrcVocab: g.SrcVocab, TgtVocab: g.TgtVocab}, tensor.NewRNG(1))
	ps := m.NamedParameters()
	if len(ps) != len(g.Names) {
		t.Fatalf("%d parameters, PyTorch has %d", len(ps), len(g.Names))
	}
	for i, p := range ps {
		if p.Name != g.Names[i] || !slices.Equal(p.Tensor.Shape(), g.Shapes[i]) {
			t.Fatalf("parameter %d: %s %v, PyTorch %s %v", i, p.Name, p.Tensor.Shape(), g.Names[i], g.Shapes[i])
		}
	}
	if n := nn.NumParameters(m); n != g.Params {
		t.Fatalf("%d parameters, PyTorch %d", n, g.Params)
	}
}
