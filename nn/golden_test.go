package nn

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// golden is testdata/golden.json, written by testdata/golden.py with
// PyTorch in float64.
type golden struct {
	Losses []struct {
		Name           string    `json:"name"`
		Loss           string    `json:"loss"`
		Input          *gArray   `json:"input"`
		Target         *gArray   `json:"target"`
		Weight         *gArray   `json:"weight"`
		PosWeight      *gArray   `json:"pos_weight"`
		IgnoreIndex    *int      `json:"ignore_index"`
		LabelSmoothing float32   `json:"label_smoothing"`
		Reduction      string    `json:"reduction"`
		Delta          float32   `json:"delta"`
		Beta           float32   `json:"beta"`
		Output         gArray    `json:"output"`
		Upstream       gArray    `json:"upstream"`
		GradInput      []float64 `json:"grad_input"`
		GradTarget     []float64 `json:"grad_target"`
	} `json:"losses"`
	Inits []struct {
		Init   string         `json:"init"`
		Shape  []int          `json:"shape"`
		Kwargs map[string]any `json:"kwargs"`
		FanIn  int            `json:"fan_in"`
		FanOut int            `json:"fan_out"`
		Dist   string         `json:"dist"`
		A      float64        `json:"a"`
		B      float64        `json:"b"`
		BiasA  float64        `json:"bias_a"`
		BiasB  float64        `json:"bias_b"`
	} `json:"inits"`
	Gains []struct {
		Nonlinearity string   `json:"nonlinearity"`
		Param        *float64 `json:"param"`
		Gain         float64  `json:"gain"`
	} `json:"gains"`
}

type gArray struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

func (a *gArray) tensor() *tensor.Tensor {
	if a == nil {
		return nil
	}
	if len(a.Shape) == 0 {
		return tensor.FromFloat64(a.Data).Reshape() // FromFloat64 with no shape is 1-D
	}
	return tensor.FromFloat64(a.Data, a.Shape...)
}

func loadGolden(t *testing.T) *golden {
	t.Helper()
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// goldenLoss runs the deepgo loss named by a golden case.
func goldenLoss(name string, x, y, w, pw *tensor.Tensor, ig *int, ls float32, red Reduction, delta, beta float32) *tensor.Tensor {
	switch name {
	case "cross_entropy":
		return CrossEntropy(x, y, CrossEntropyOptions{Weight: w, IgnoreIndex: ig, LabelSmoothing: ls, Reduction: red})
	case "nll":
		return NLLLoss(x, y, NLLOptions{Weight: w, IgnoreIndex: ig, Reduction: red})
	case "bce":
		return BCE(x, y, BCEOptions{Weight: w, Reduction: red})
	case "bce_logits":
		return BCEWithLogits(x, y, BCEWithLogitsOptions{Weight: w, PosWeight: pw, Reduction: red})
	case "mse":
		return MSE(x, y, LossOptions{Reduction: red})
	case "l1":
		return L1(x, y, LossOptions{Reduction: red})
	case "huber":
		return Huber(x, y, HuberOptions{Delta: delta, Reduction: red})
	case "smooth_l1":
		return SmoothL1(x, y, SmoothL1Options{Beta: beta, Reduction: red})
	}
	return nil
}

// TestGoldenLosses replays every loss case of golden.json: the loss and the
// gradients of Σ loss·u with respect to input and (where PyTorch
// differentiates it) target must match PyTorch to 1e-5 relative.
func TestGoldenLosses(t *testing.T) {
	g := loadGolden(t)
	if len(g.Losses) < 50 {
		t.Fatalf("golden.json has only %d loss cases", len(g.Losses))
	}
	for _, c := range g.Losses {
		x := c.Input.tensor().SetRequiresGrad(true)
		y := c.Target.tensor().SetRequiresGrad(c.GradTarget != nil)
		out := goldenLoss(c.Loss, x, y, c.Weight.tensor(), c.PosWeight.tensor(), c.IgnoreIndex,
			c.LabelSmoothing, Reduction(c.Reduction), c.Delta, c.Beta)
		if out == nil {
			t.Errorf("%s: no deepgo loss %q", c.Name, c.Loss)
			continue
		}
		if !tensor.SameShape(out.Shape(), c.Output.Shape) {
			t.Errorf("%s: loss shape %v, PyTorch %v", c.Name, out.Shape(), c.Output.Shape)
			continue
		}
		checkGolden(t, c.Name+" loss", out.Data(), c.Output.Data)
		out.BackwardWith(c.Upstream.tensor())
		checkGolden(t, c.Name+" input grad", x.Grad.Data(), c.GradInput)
		if c.GradTarget != nil {
			if y.Grad == nil {
				t.Errorf("%s: no target gradient", c.Name)
				continue
			}
			checkGolden(t, c.Name+" target grad", y.Grad.Data(), c.GradTarget)
		}
	}
}

// TestGoldenInits compares the distribution parameters of each initializer
// (fans, bounds, standard deviations) with those torch.nn.init used.
func TestGoldenInits(t *testing.T) {
	g := loadGolden(t)
	for _, c := range g.Inits {
		fanIn, fanOut := Fans(c.Shape)
		if fanIn != c.FanIn || fanOut != c.FanOut {
			t.Errorf("Fans(%v) = %d, %d; PyTorch %d, %d", c.Shape, fanIn, fanOut, c.FanIn, c.FanOut)
		}
		num := func(k string, def float64) float64 {
			if v, ok := c.Kwargs[k].(float64); ok {
				return v
			}
			return def
		}
		str := func(k string) string { s, _ := c.Kwargs[k].(string); return s }
		kopt := KaimingOptions{A: num("a", 0), Mode: str("mode"), Nonlinearity: str("nonlinearity")}
		var dist string
		var a, b float64
		switch c.Init {
		case "xavier_uniform":
			b = math.Sqrt(3) * xavierStd(c.Shape, num("gain", 1))
			dist, a = "uniform", -b
		case "xavier_normal":
			dist, b = "normal", xavierStd(c.Shape, num("gain", 1))
		case "kaiming_uniform":
			b = math.Sqrt(3) * kaimingStd(c.Shape, kopt)
			dist, a = "uniform", -b
		case "kaiming_normal":
			dist, b = "normal", kaimingStd(c.Shape, kopt)
		case "uniform", "normal":
			continue // the arguments are passed through; checked by TestInitDistributions
		case "linear":
			l := NewLinear(c.Shape[1], c.Shape[0], tensor.NewRNG(1))
			wb, bb := l.initBounds()
			dist, a, b = "uniform", -wb, wb
			if !close64(-bb, c.BiasA) || !close64(bb, c.BiasB) {
				t.Errorf("Linear%v bias bound %g, PyTorch [%g, %g]", c.Shape, bb, c.BiasA, c.BiasB)
			}
		default:
			t.Errorf("unknown golden initializer %q", c.Init)
			continue
		}
		if dist != c.Dist || !close64(a, c.A) || !close64(b, c.B) {
			t.Errorf("%s%v %v: %s(%g, %g), PyTorch %s(%g, %g)", c.Init, c.Shape, c.Kwargs, dist, a, b, c.Dist, c.A, c.B)
		}
	}
	for _, c := range g.Gains {
		var got float64
		if c.Param != nil {
			got = Gain(c.Nonlinearity, *c.Param)
		} else {
			got = Gain(c.Nonlinearity)
		}
		if !close64(got, c.Gain) {
			t.Errorf("Gain(%q, %v) = %g, PyTorch %g", c.Nonlinearity, c.Param, got, c.Gain)
		}
	}
}

func close64(got, want float64) bool { return math.Abs(got-want) <= 1e-12*(1+math.Abs(want)) }

func checkGolden(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, PyTorch %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= 1e-5*(1+math.Abs(want[i]))) {
			t.Errorf("%s: element %d = %.8g, PyTorch %.8g", what, i, got[i], want[i])
			return
		}
	}
}
