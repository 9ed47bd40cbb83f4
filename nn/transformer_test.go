package nn

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

func TestTransformerEncoderLayerGradCheck(t *testing.T) {
	g := tensor.NewRNG(1)
	for _, c := range []struct {
		name string
		opt  TransformerLayerOptions
		eps  float64 // finite-difference step: small for ReLU's kinks
	}{
		{"post-norm relu", TransformerLayerOptions{DimFeedforward: 6}, 1e-3},
		{"pre-norm gelu batch-first", TransformerLayerOptions{DimFeedforward: 6, Activation: "gelu", NormFirst: true, BatchFirst: true}, 1e-2},
	} {
		l := NewTransformerEncoderLayer(4, 2, c.opt, tensor.NewRNG(2))
		Eval(l)
		params := randomizeAttnParams(l, g)
		for _, n := range []*LayerNorm{l.Norm1, l.Norm2} {
			addToAll(n.Weight, 1) // weights near 1, as trained norms are
		}
		src := randInput(g, -1, 1, 3, 2, 4)
		masks := TransformerMasks{SrcMask: CausalMask(3)}
		if c.opt.BatchFirst {
			masks = TransformerMasks{SrcKeyPadding: BoolMask(tensor.FromSlice([]float32{0, 0, 1, 0, 0, 0}, 3, 2))}
		}
		f := func(in ...*tensor.Tensor) *tensor.Tensor { return l.Encode(in[0], masks) }
		if err := tensor.GradCheck(f, append([]*tensor.Tensor{src}, params...), &tensor.GradCheckOptions{Eps: c.eps, Atol: 2e-3, Rtol: 2e-2}); err != nil {
			t.Errorf("encoder layer %s: %v", c.name, err)
		}
	}
}

func addToAll(t *tensor.Tensor, v float32) {
	for i := range t.Data() {
		t.Data()[i] += v
	}
}

// The fused ops have the gradients of their definitions (a fresh generator
// with the same seed repeats the mask).
func TestTransformerFusedOpsGradCheck(t *testing.T) {
	g := tensor.NewRNG(3)
	x, s := randInput(g, -1, 1, 5, 7), randInput(g, -1, 1, 5, 7)
	gradCheck(t, "addDropout", func(in ...*tensor.Tensor) *tensor.Tensor {
		return addDropout(in[0], in[1], newDropMask(0.3, tensor.NewRNG(4)))
	}, x, s)
	for _, bias := range []bool{true, false} {
		x, w := randInput(g, -1, 1, 3, 4, 5), randInput(g, -1, 1, 6, 5)
		inputs := []*tensor.Tensor{x, w}
		var b *tensor.Tensor
		if bias {
			b = randInput(g, -1, 1, 6)
			inputs = append(inputs, b)
		}
		gradCheck(t, "rowLinear", func(in ...*tensor.Tensor) *tensor.Tensor { return rowLinear(in[0], in[1], b, false) }, inputs...)
	}
}

// rowLinear is tensor.Linear: on many rows, with chunks on several cores, the
// values and the gradients agree.
func TestRowLinearMatchesLinear(t *testing.T) {
	g := tensor.NewRNG(6)
	x, w, b := randInput(g, -1, 1, 700, 12), randInput(g, -1, 1, 10, 12), randInput(g, -1, 1, 10)
	x2, w2, b2 := tensor.FromSlice(x.Data(), 700, 12).SetRequiresGrad(true), tensor.FromSlice(w.Data(), 10, 12).SetRequiresGrad(true), tensor.FromSlice(b.Data(), 10).SetRequiresGrad(true)
	u := tensor.Uniform(g, -1, 1, 700, 10)
	y := rowLinear(x, w, b, false)
	y2 := tensor.Linear(x2, w2, b2)
	assertClose(t, "y", y.Data(), y2.Data(), 1e-5)
	y.Mul(u).Sum().Backward()
	y2.Mul(u).Sum().Backward()
	assertClose(t, "dx", x.Grad.Data(), x2.Grad.Data(), 1e-5)
	assertClose(t, "dw", w.Grad.Data(), w2.Grad.Data(), 1e-4)
	assertClose(t, "db", b.Grad.Data(), b2.Grad.Data(), 1e-4)
	assertClose(t, "no bias", rowLinear(x2, w2, nil, true).Data(), tensor.Linear(x2, w2, nil).Data(), 1e-5)
	mustPanic(t, func() { rowLinear(x2, w2.T(), b2, false) }, "Linear", "[700 12]", "[12 10]")
}

// The fused feed-forward block is linear2(dropout(act(linear1(x)))) written
// with tensor ops, in value and gradient, with and without biases and
// dropout.
func TestFeedForwardOp(t *testing.T) {
	g := tensor.NewRNG(8)
	for _, act := range []ffActivation{ffReLU, ffGELU} {
		for _, p := range []float64{0, 0.3} {
			for _, bias := range []bool{true, false} {
				l1, l2 := NewLinear(5, 7, g, WithBias(bias)), NewLinear(7, 5, g, WithBias(bias))
				x := randInput(g, -1, 1, 2, 3, 5)
				ps := append([]*tensor.Tensor{x}, append(Parameters(l1), Parameters(l2)...)...)
				f := func(in ...*tensor.Tensor) *tensor.Tensor {
					return feedForwardOp(in[0], l1, l2, act, newDropMask(p, tensor.NewRNG(3)))
				}
				if err := tensor.GradCheck(f, ps, &tensor.GradCheckOptions{Eps: 1e-3, Atol: 2e-3, Rtol: 2e-2}); err != nil {
					t.Errorf("act %d p %g bias %t: %v", act, p, bias, err)
				}
				// Many rows, chunks on several cores, against tensor ops
				// with the same mask.
				xb := tensor.Uniform(g, -1, 1, 600, 5)
				h := tensor.Linear(xb, l1.Weight, l1.Bias)
				if act == ffReLU {
					h = h.ReLU()
				} else {
					h = h.GELU()
				}
				if m := newDropMask(p, tensor.NewRNG(4)); m.on {
					m.apply(h.Data(), h.Data(), 0, nil)
				}
				want := tensor.Linear(h, l2.Weight, l2.Bias)
				got := feedForwardOp(xb, l1, l2, act, newDropMask(p, tensor.NewRNG(4)))
				assertClose(t, "feed-forward", got.Data(), want.Data(), 1e-5)
			}
		}
	}
	mustPanic(t, func() { feedForwardOp(tensor.Zeros(3, 4), NewLinear(5, 7, g), NewLinear(7, 5, g), ffReLU, dropMask{}) }, "[3 4]", "5→7")
}

// Dropout acts in training mode only: training forwards differ from each
// other, evaluation forwards are equal; a zero dropout makes training
// deterministic too.
func TestTransformerEncoderLayerTrainEval(t *testing.T) {
	x := tensor.Uniform(tensor.NewRNG(1), -1, 1, 2, 5, 8)
	l := NewTransformerEncoderLayer(8, 2, TransformerLayerOptions{DimFeedforward: 16, BatchFirst: true}, tensor.NewRNG(2))
	a, b := l.Forward(x), l.Forward(x)
	if slices.Equal(a.Data(), b.Data()) {
		t.Error("training: two forwards are equal despite dropout 0.1")
	}
	Eval(l)
	if l.SelfAttn.Training() || l.Linear1.Training() {
		t.Error("Eval did not reach the sub-layers")
	}
	assertClose(t, "eval", l.Forward(x).Data(), l.Forward(x).Data(), 0)
	noDrop := NewTransformerEncoderLayer(8, 2, TransformerLayerOptions{DimFeedforward: 16, BatchFirst: true, Dropout: new(0.0)}, tensor.NewRNG(2))
	copyParamValues(noDrop, l)
	assertClose(t, "dropout 0 trains like eval", noDrop.Forward(x).Data(), l.Forward(x).Data(), 1e-6)
}

// The encoder keeps each layer's per-head maps on request; each map's rows
// sum to 1 and padded keys get no weight.
func TestTransformerEncoderKeepAttention(t *testing.T) {
	enc := NewTransformerEncoder(NewTransformerEncoderLayer(8, 4, TransformerLayerOptions{DimFeedforward: 16, BatchFirst: true}, tensor.NewRNG(1)), 3, nil)
	Eval(enc)
	x := tensor.Uniform(tensor.NewRNG(2), -1, 1, 2, 5, 8).SetRequiresGrad(true)
	pad := BoolMask(tensor.FromSlice([]float32{0, 0, 0, 1, 1, 0, 0, 0, 0, 0}, 2, 5))
	enc.Encode(x, TransformerMasks{SrcKeyPadding: pad})
	for _, a := range enc.Attention() {
		if a != nil {
			t.Fatal("maps kept without KeepAttention")
		}
	}
	enc.KeepAttention(true)
	out := enc.Encode(x, TransformerMasks{SrcKeyPadding: pad})
	maps := enc.Attention()
	if len(maps) != 3 {
		t.Fatalf("%d maps", len(maps))
	}
	for i, a := range maps {
		if !slices.Equal(a.Shape(), []int{2, 4, 5, 5}) || a.RequiresGrad() {
			t.Fatalf("layer %d: map %v", i, a)
		}
		for r := 0; r < 2*4*5; r++ {
			row := a.Data()[r*5 : (r+1)*5]
			var s float32
			for _, v := range row {
				s += v
			}
			if math.Abs(float64(s-1)) > 1e-5 || (r < 20 && (row[3] != 0 || row[4] != 0)) {
				t.Fatalf("layer %d row %d: %v", i, r, row)
			}
		}
	}
	out.Sum().Backward() // kept maps leave the backward alone
	if x.Grad == nil {
		t.Error("no gradient")
	}
}

// PyTorch's TransformerEncoder deep-copies its layer: all layers start
// equal, yet are separate parameters.
func TestTransformerEncoderClonesLayer(t *testing.T) {
	layer := NewTransformerEncoderLayer(8, 2, TransformerLayerOptions{DimFeedforward: 16}, tensor.NewRNG(1))
	enc := NewTransformerEncoder(layer, 2, NewLayerNorm([]int{8}))
	p0, p1 := enc.Layers[0].NamedParameters(), enc.Layers[1].NamedParameters()
	for i := range p0 {
		if p0[i].Tensor == p1[i].Tensor || !slices.Equal(p0[i].Tensor.Data(), p1[i].Tensor.Data()) {
			t.Fatalf("%s: layers share storage or differ", p0[i].Name)
		}
	}
	if names := StateDictNames(enc); names[0] != "layers.0.self_attn.in_proj_weight" || names[len(names)-1] != "norm.bias" {
		t.Errorf("names %v", names)
	}
}

// nn.Transformer redraws every matrix with xavier_uniform: even the
// feed-forward weights, whose Linear default bound would be 1/√d.
func TestTransformerInit(t *testing.T) {
	tr := NewTransformer(TransformerOptions{DModel: 32, NHead: 4, NumEncoderLayers: 1, NumDecoderLayers: 1,
		TransformerLayerOptions: TransformerLayerOptions{DimFeedforward: 128}}, tensor.NewRNG(1))
	w := tr.Encoder.Layers[0].Linear1.Weight // [128, 32]
	bound := math.Sqrt(6.0 / (128 + 32))
	maxAbs := 0.0
	for _, v := range w.Data() {
		maxAbs = math.Max(maxAbs, math.Abs(float64(v)))
	}
	if maxAbs > bound || maxAbs < 0.9*bound {
		t.Errorf("linear1 max |w| = %g, want just under the xavier bound %g", maxAbs, bound)
	}
	if got := tr.Encoder.Layers[0].Norm1.Weight.Data()[0]; got != 1 {
		t.Errorf("norm weight %g, want 1", got)
	}
	o := TransformerOptions{}.withDefaults()
	if o.DModel != 512 || o.NHead != 8 || o.NumEncoderLayers != 6 || o.NumDecoderLayers != 6 || o.DimFeedforward != 2048 ||
		*o.Dropout != 0.1 || o.Activation != "relu" || o.LayerNormEps != 1e-5 || o.BatchFirst || o.NormFirst {
		t.Errorf("defaults %+v", o)
	}
}

func TestTransformerErrors(t *testing.T) {
	tr := NewTransformer(TransformerOptions{DModel: 8, NHead: 2, NumEncoderLayers: 1, NumDecoderLayers: 1,
		TransformerLayerOptions: TransformerLayerOptions{DimFeedforward: 8}}, nil)
	mustPanic(t, func() { tr.Transform(tensor.Zeros(5, 2, 8), tensor.Zeros(4, 3, 8), TransformerMasks{}) }, "Transformer", "[5 2 8]", "[4 3 8]", "batch")
	mustPanic(t, func() { tr.Transform(tensor.Zeros(5, 2, 7), tensor.Zeros(4, 2, 8), TransformerMasks{}) }, "Transformer", "[5 2 7]")
	mustPanic(t, func() { tr.Forward(tensor.Zeros(5, 2, 8)) }, "Transform(src, tgt")
	mustPanic(t, func() { tr.Decoder.Forward(tensor.Zeros(5, 2, 8)) }, "Decode(tgt, memory")
	mustPanic(t, func() {
		NewTransformerEncoderLayer(8, 2, TransformerLayerOptions{Activation: "tanh"}, nil)
	}, "activation \"tanh\"", "relu or gelu")
	mustPanic(t, func() {
		tr.Encoder.Encode(tensor.Zeros(5, 2, 8), TransformerMasks{SrcMask: CausalMask(4)})
	}, "attention mask [4 4]", "[5 5]")
	if s := tr.Encoder.Layers[0].String(); !strings.Contains(s, "d_model=8") || !strings.Contains(s, "norm_first=false") {
		t.Errorf("String() = %q", s)
	}
}

// The decoder layer keeps both its maps; with a causal target mask the
// self-attention is lower triangular.
func TestTransformerDecoderKeepAttention(t *testing.T) {
	dec := NewTransformerDecoderLayer(8, 2, TransformerLayerOptions{DimFeedforward: 16}, tensor.NewRNG(1))
	Eval(dec)
	dec.KeepAttention = true
	g := tensor.NewRNG(2)
	dec.Decode(tensor.Uniform(g, -1, 1, 4, 3, 8), tensor.Uniform(g, -1, 1, 6, 3, 8), TransformerMasks{TgtMask: CausalMask(4)})
	sa, ca := dec.SelfAttention(), dec.CrossAttention()
	if !slices.Equal(sa.Shape(), []int{3, 2, 4, 4}) || !slices.Equal(ca.Shape(), []int{3, 2, 4, 6}) {
		t.Fatalf("shapes %v %v", sa.Shape(), ca.Shape())
	}
	for i, v := range sa.Data() {
		if r, c := i/4%4, i%4; c > r && v != 0 {
			t.Fatalf("position %d attends to the later %d", r, c)
		}
	}
}

// The layers recycle their internal buffers (transformer_pool.go): a step
// that follows other steps, and forwards without a graph, must give
// exactly what a fresh model gives.
func TestTransformerBuffersReused(t *testing.T) {
	build := func() *TransformerEncoder {
		e := NewTransformerEncoder(NewTransformerEncoderLayer(32, 4, TransformerLayerOptions{DimFeedforward: 64, BatchFirst: true, Activation: "gelu"}, tensor.NewRNG(1)), 2, nil)
		Eval(e) // deterministic, but still recording the graph
		return e
	}
	g := tensor.NewRNG(2)
	a, b := tensor.Uniform(g, -1, 1, 8, 16, 32), tensor.Uniform(g, -1, 1, 8, 16, 32)
	u := tensor.Uniform(g, -1, 1, 8, 16, 32)
	step := func(e *TransformerEncoder, x *tensor.Tensor) ([]float32, []float32) {
		ZeroGrad(e)
		y := e.Forward(x)
		y.Mul(u).Sum().Backward()
		return slices.Clone(y.Data()), slices.Clone(e.Layers[0].SelfAttn.InProjWeight.Grad.Data())
	}
	used := build()
	step(used, a)
	tensor.NoGrad(func() { used.Forward(a) })
	step(used, a)
	gotY, gotG := step(used, b)
	wantY, wantG := step(build(), b)
	assertClose(t, "output after reuse", gotY, wantY, 0)
	assertClose(t, "gradient after reuse", gotG, wantG, 0)
}

// Training is reproducible from a seed: the dropout masks depend on the
// seed only, and the gradient sums do not depend on how the work was
// spread over the cores.
func TestTransformerTrainingReproducible(t *testing.T) {
	x := tensor.Uniform(tensor.NewRNG(1), -1, 1, 16, 32, 32)
	run := func() ([]float32, []float32) {
		e := NewTransformerEncoder(NewTransformerEncoderLayer(32, 4, TransformerLayerOptions{DimFeedforward: 64, BatchFirst: true}, tensor.NewRNG(7)), 2, NewLayerNorm([]int{32}))
		y := e.Forward(x)
		y.Sum().Backward()
		l := e.Layers[1]
		return slices.Concat(y.Data(), l.Linear1.Weight.Grad.Data(), l.Linear2.Bias.Grad.Data(), l.Norm1.Weight.Grad.Data()),
			l.SelfAttn.InProjWeight.Grad.Data()
	}
	a1, a2 := run()
	for i := 0; i < 3; i++ {
		b1, b2 := run()
		if !slices.Equal(a1, b1) || !slices.Equal(a2, b2) {
			t.Fatal("two runs from the same seed differ")
		}
	}
}

// The float32 GELU and its derivative agree with float64 math.Erf to
// float32 precision over the range that matters (and beyond, where Φ
// saturates).
func TestGELUAccuracy(t *testing.T) {
	n := 40001
	x, y, dy, ones := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	for i := range x {
		x[i] = float32(-20 + 40*float64(i)/float64(n-1))
		ones[i] = 1
	}
	geluForward(y, x)
	geluBackward(dy, x, ones)
	for i, v := range x {
		f := float64(v)
		cdf := 0.5 * (1 + math.Erf(f/math.Sqrt2))
		want, dwant := f*cdf, cdf+f*math.Exp(-f*f/2)/math.Sqrt(2*math.Pi)
		if d := math.Abs(float64(y[i]) - want); d > 3e-7*(1+math.Abs(want)) {
			t.Fatalf("gelu(%g) = %g, want %g", v, y[i], want)
		}
		if d := math.Abs(float64(dy[i]) - dwant); d > 5e-7 {
			t.Fatalf("gelu'(%g) = %g, want %g", v, dy[i], dwant)
		}
	}
}
