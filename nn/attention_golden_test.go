package nn

import (
	"encoding/json"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// attentionGolden is testdata/attention_golden.json, written by
// testdata/attention_golden.py with PyTorch in float64.
type attentionGolden struct {
	LayerNorm  []goldenLayerNorm `json:"layernorm"`
	SDPA       []goldenSDPA      `json:"sdpa"`
	Modules    []goldenModule    `json:"modules"`
	StateDicts []struct {
		Name   string   `json:"name"`
		Names  []string `json:"names"`
		Shapes [][]int  `json:"shapes"`
	} `json:"state_dicts"`
	Sinusoidal struct {
		D      int    `json:"d"`
		MaxLen int    `json:"max_len"`
		Table  gArray `json:"table"`
	} `json:"sinusoidal"`
}

type goldenLayerNorm struct {
	Name            string            `json:"name"`
	NormalizedShape []int             `json:"normalized_shape"`
	Eps             float64           `json:"eps"`
	Affine          bool              `json:"affine"`
	X               gArray            `json:"x"`
	U               gArray            `json:"u"`
	Out             gArray            `json:"out"`
	Weight          *gArray           `json:"weight"`
	Bias            *gArray           `json:"bias"`
	Grad            map[string]gArray `json:"grad"`
}

type goldenSDPA struct {
	Name    string            `json:"name"`
	Q       gArray            `json:"q"`
	K       gArray            `json:"k"`
	V       gArray            `json:"v"`
	U       gArray            `json:"u"`
	UW      gArray            `json:"u_w"`
	Mask    *goldenMask       `json:"mask"`
	Out     gArray            `json:"out"`
	Weights gArray            `json:"weights"`
	Grad    map[string]gArray `json:"grad"`
}

type goldenMask struct {
	Kind   string `json:"kind"`
	Values gArray `json:"values"`
}

func (m *goldenMask) mask() *Mask {
	if m == nil {
		return nil
	}
	if m.Kind == "bool" {
		return BoolMask(m.Values.tensor())
	}
	return AdditiveMask(m.Values.tensor())
}

// goldenModule is one module case: its configuration, PyTorch's parameters
// in state-dict order, inputs, masks, outputs and gradients.
type goldenModule struct {
	Name     string                 `json:"name"`
	Kind     string                 `json:"kind"`
	Config   map[string]any         `json:"config"`
	Params   [][2]json.RawMessage   `json:"params"`
	Identity string                 `json:"identity"`
	Inputs   map[string]gArray      `json:"inputs"`
	Masks    map[string]*goldenMask `json:"masks"`
	Weights  string                 `json:"weights_mode"`
	U        gArray                 `json:"u"`
	UW       *gArray                `json:"u_w"`
	Out      gArray                 `json:"out"`
	WeightsV *gArray                `json:"weights"`
	Grad     map[string]gArray      `json:"grad"`
}

var (
	attnGoldenOnce sync.Once
	attnGoldenData *attentionGolden
	attnGoldenErr  error
)

func loadAttentionGolden(t *testing.T) *attentionGolden {
	t.Helper()
	attnGoldenOnce.Do(func() {
		raw, err := os.ReadFile("testdata/attention_golden.json")
		if err != nil {
			attnGoldenErr = err
			return
		}
		attnGoldenData = &attentionGolden{}
		attnGoldenErr = json.Unmarshal(raw, attnGoldenData)
	})
	if attnGoldenErr != nil {
		t.Fatal(attnGoldenErr)
	}
	return attnGoldenData
}

func TestLayerNormGolden(t *testing.T) {
	g := loadAttentionGolden(t)
	if len(g.LayerNorm) < 5 {
		t.Fatalf("%d LayerNorm cases", len(g.LayerNorm))
	}
	for _, c := range g.LayerNorm {
		ln := NewLayerNorm(c.NormalizedShape, LayerNormEps(c.Eps), LayerNormAffine(c.Affine))
		if c.Affine {
			copy(ln.Weight.Data(), c.Weight.tensor().Data())
			copy(ln.Bias.Data(), c.Bias.tensor().Data())
		}
		x := c.X.tensor().SetRequiresGrad(true)
		y := ln.Forward(x)
		assertClose(t, c.Name+" out", y.Data(), c.Out.tensor().Data(), 1e-4)
		y.Mul(c.U.tensor()).Sum().Backward()
		assertClose(t, c.Name+" grad x", x.Grad.Data(), gradOf(c.Grad, "x"), 1e-4)
		if c.Affine {
			assertClose(t, c.Name+" grad weight", ln.Weight.Grad.Data(), gradOf(c.Grad, "weight"), 1e-4)
			assertClose(t, c.Name+" grad bias", ln.Bias.Grad.Data(), gradOf(c.Grad, "bias"), 1e-4)
		}
	}
}

func gradOf(m map[string]gArray, k string) []float32 {
	a, ok := m[k]
	if !ok {
		return nil
	}
	return a.tensor().Data()
}

func TestScaledDotProductAttentionGolden(t *testing.T) {
	g := loadAttentionGolden(t)
	for _, c := range g.SDPA {
		q, k, v := c.Q.tensor().SetRequiresGrad(true), c.K.tensor().SetRequiresGrad(true), c.V.tensor().SetRequiresGrad(true)
		out, w := ScaledDotProductAttention(q, k, v, c.Mask.mask(), AttentionOptions{})
		assertClose(t, c.Name+" out", out.Data(), c.Out.tensor().Data(), 1e-4)
		assertClose(t, c.Name+" weights", w.Data(), c.Weights.tensor().Data(), 1e-4)
		out.Mul(c.U.tensor()).Sum().Add(w.Mul(c.UW.tensor()).Sum()).Backward()
		for name, x := range map[string]*tensor.Tensor{"q": q, "k": k, "v": v} {
			assertClose(t, c.Name+" grad "+name, x.Grad.Data(), gradOf(c.Grad, name), 1e-4)
		}
	}
}

// build makes the deepgo module of a golden case and loads PyTorch's
// parameters into it by state-dict name; it checks that the names come in
// PyTorch's order.
func (c *goldenModule) build(t *testing.T) Module {
	t.Helper()
	num := func(k string) int { v, _ := c.Config[k].(float64); return int(v) }
	flag := func(k string) bool { v, _ := c.Config[k].(bool); return v }
	layer := TransformerLayerOptions{DimFeedforward: num("dim_feedforward"), Activation: goldenStr(c.Config["activation"]),
		BatchFirst: flag("batch_first"), NormFirst: flag("norm_first"), Dropout: new(0.1)}
	rng := tensor.NewRNG(1)
	var m Module
	switch c.Kind {
	case "mha":
		bias, ok := c.Config["bias"].(bool)
		m = NewMultiheadAttention(num("embed_dim"), num("num_heads"), MultiheadAttentionOptions{
			NoBias: ok && !bias, BatchFirst: flag("batch_first"), KDim: num("kdim"), VDim: num("vdim")}, rng)
	case "encoder_layer":
		m = NewTransformerEncoderLayer(num("d_model"), num("nhead"), layer, rng)
	case "decoder_layer":
		m = NewTransformerDecoderLayer(num("d_model"), num("nhead"), layer, rng)
	case "encoder":
		m = NewTransformerEncoder(NewTransformerEncoderLayer(num("d_model"), num("nhead"), layer, rng), num("num_layers"),
			NewLayerNorm([]int{num("d_model")}))
	case "transformer":
		m = NewTransformer(TransformerOptions{DModel: num("d_model"), NHead: num("nhead"),
			NumEncoderLayers: num("num_encoder_layers"), NumDecoderLayers: num("num_decoder_layers"),
			TransformerLayerOptions: layer}, rng)
	default:
		t.Fatalf("unknown module kind %q", c.Kind)
	}
	sd := map[string]*tensor.Tensor{}
	var names []string
	for _, p := range c.Params {
		var name string
		var a gArray
		if err := json.Unmarshal(p[0], &name); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(p[1], &a); err != nil {
			t.Fatal(err)
		}
		sd[name] = a.tensor()
		names = append(names, name)
	}
	if got := StateDictNames(m); !slices.Equal(got, names) {
		t.Fatalf("state-dict names\n%v\nPyTorch\n%v", got, names)
	}
	if err := LoadStateDict(m, sd, true); err != nil {
		t.Fatal(err)
	}
	Eval(m)
	return m
}

func goldenStr(v any) string { s, _ := v.(string); return s }

// TestTransformerModulesGolden replays every module case: outputs, weights
// and the gradients of every input and parameter must match PyTorch to
// 1e-4 relative.
func TestTransformerModulesGolden(t *testing.T) {
	g := loadAttentionGolden(t)
	if len(g.Modules) < 15 {
		t.Fatalf("%d module cases", len(g.Modules))
	}
	for i := range g.Modules {
		c := &g.Modules[i]
		t.Run(c.Name, func(t *testing.T) {
			m := c.build(t)
			in := map[string]*tensor.Tensor{}
			for k, a := range c.Inputs {
				in[k] = a.tensor().SetRequiresGrad(true)
			}
			mask := func(k string) *Mask { return c.Masks[k].mask() }
			masks := TransformerMasks{SrcMask: mask("src_mask"), TgtMask: mask("tgt_mask"), MemoryMask: mask("memory_mask"),
				SrcKeyPadding: mask("src_key_padding"), TgtKeyPadding: mask("tgt_key_padding"), MemoryKeyPadding: mask("memory_key_padding")}
			var out, w *tensor.Tensor
			switch mod := m.(type) {
			case *MultiheadAttention:
				q := in["query"]
				k, v := q, q
				if in["key"] != nil {
					k, v = in["key"], in["key"]
				}
				if in["value"] != nil {
					v = in["value"]
				}
				mode := map[string]AttnWeights{"avg": WeightsAveraged, "per_head": WeightsPerHead, "none": WeightsNone}[c.Weights]
				out, w = mod.Attend(q, k, v, AttendOptions{KeyPaddingMask: mask("key_padding"), AttnMask: mask("attn_mask"), Weights: mode})
			case *TransformerEncoderLayer:
				out = mod.Encode(in["src"], masks)
			case *TransformerDecoderLayer:
				out = mod.Decode(in["tgt"], in["memory"], masks)
			case *TransformerEncoder:
				out = mod.Encode(in["src"], masks)
			case *Transformer:
				out = mod.Transform(in["src"], in["tgt"], masks)
			}
			if !slices.Equal(out.Shape(), c.Out.Shape) {
				t.Fatalf("output shape %v, PyTorch %v", out.Shape(), c.Out.Shape)
			}
			assertClose(t, "out", out.Data(), c.Out.tensor().Data(), 1e-4)
			loss := out.Mul(c.U.tensor()).Sum()
			if c.WeightsV != nil {
				if w == nil || !slices.Equal(w.Shape(), c.WeightsV.Shape) {
					t.Fatalf("weights %v, PyTorch %v", w, c.WeightsV.Shape)
				}
				assertClose(t, "weights", w.Data(), c.WeightsV.tensor().Data(), 1e-4)
				loss = loss.Add(w.Mul(c.UW.tensor()).Sum())
			} else if w != nil {
				t.Fatalf("weights %v returned, PyTorch none", w.Shape())
			}
			loss.Backward()
			for k, x := range in {
				assertClose(t, "grad "+k, x.Grad.Data(), gradOf(c.Grad, k), 1e-4)
			}
			for _, p := range m.NamedParameters() {
				if p.Tensor.Grad == nil {
					t.Fatalf("no gradient for %s", p.Name)
				}
				assertClose(t, "grad "+p.Name, p.Tensor.Grad.Data(), gradOf(c.Grad, "param:"+p.Name), 1e-4)
			}
		})
	}
}

// TestTransformerStateDictNames builds the modules PyTorch listed with
// default initialization and compares state-dict names, order and shapes.
func TestTransformerStateDictNames(t *testing.T) {
	g := loadAttentionGolden(t)
	build := map[string]func() Module{
		"mha": func() Module { return NewMultiheadAttention(16, 4, MultiheadAttentionOptions{}, nil) },
		"mha_kdim_nobias": func() Module {
			return NewMultiheadAttention(16, 4, MultiheadAttentionOptions{NoBias: true, KDim: 6, VDim: 10}, nil)
		},
		"encoder_layer": func() Module {
			return NewTransformerEncoderLayer(16, 4, TransformerLayerOptions{DimFeedforward: 32}, nil)
		},
		"decoder_layer": func() Module {
			return NewTransformerDecoderLayer(16, 4, TransformerLayerOptions{DimFeedforward: 32}, nil)
		},
		"encoder": func() Module {
			return NewTransformerEncoder(NewTransformerEncoderLayer(16, 4, TransformerLayerOptions{DimFeedforward: 32}, nil), 2, NewLayerNorm([]int{16}))
		},
		"transformer": func() Module {
			return NewTransformer(TransformerOptions{DModel: 16, NHead: 4, NumEncoderLayers: 2, NumDecoderLayers: 1,
				TransformerLayerOptions: TransformerLayerOptions{DimFeedforward: 32}}, nil)
		},
	}
	for _, c := range g.StateDicts {
		m := build[c.Name]()
		names := StateDictNames(m)
		if !slices.Equal(names, c.Names) {
			t.Errorf("%s: names\n%v\nPyTorch\n%v", c.Name, names, c.Names)
			continue
		}
		sd := StateDict(m)
		for i, n := range names {
			if !slices.Equal(sd[n].Shape(), c.Shapes[i]) {
				t.Errorf("%s: %s has shape %v, PyTorch %v", c.Name, n, sd[n].Shape(), c.Shapes[i])
			}
		}
	}
}

func TestSinusoidalPositionalEncodingGolden(t *testing.T) {
	g := loadAttentionGolden(t)
	s := g.Sinusoidal
	p := NewSinusoidalPositionalEncoding(s.D, s.MaxLen, PositionalOptions{}, nil)
	assertClose(t, "table", p.Table().Data(), s.Table.tensor().Data(), 1e-6)
}
