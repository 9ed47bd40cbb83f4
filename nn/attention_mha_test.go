package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// randomizeParams fills every parameter of m with values in [-0.5, 0.5), so
// that zero-initialized biases are exercised too.
func randomizeAttnParams(m Module, g *tensor.RNG) []*tensor.Tensor {
	ps := Parameters(m)
	for _, p := range ps {
		copy(p.Data(), tensor.Uniform(g, -0.5, 0.5, p.Shape()...).Data())
	}
	return ps
}

func TestMultiheadAttentionGradCheck(t *testing.T) {
	g := tensor.NewRNG(1)
	const e, h = 4, 2
	for _, c := range []struct {
		name       string
		opt        MultiheadAttentionOptions
		q, k, v    []int // shapes; k nil means key = value = query, v nil means value = key
		attend     AttendOptions
		crossShare bool
	}{
		{"self batch-first kpm causal", MultiheadAttentionOptions{BatchFirst: true}, []int{2, 3, e}, nil, nil,
			AttendOptions{KeyPaddingMask: BoolMask(tensor.FromSlice([]float32{0, 0, 1, 0, 0, 0}, 2, 3)), AttnMask: CausalMask(3)}, false},
		{"self seq-first per-head weights", MultiheadAttentionOptions{}, []int{3, 2, e}, nil, nil,
			AttendOptions{Weights: WeightsPerHead}, false},
		{"cross key=value seq-first", MultiheadAttentionOptions{}, []int{3, 2, e}, []int{4, 2, e}, nil,
			AttendOptions{KeyPaddingMask: BoolMask(tensor.FromSlice([]float32{0, 0, 0, 1, 1, 0, 0, 0}, 2, 4))}, true},
		{"separate q k v additive 3-D mask", MultiheadAttentionOptions{BatchFirst: true}, []int{2, 3, e}, []int{2, 4, e}, []int{2, 4, e},
			AttendOptions{AttnMask: AdditiveMask(tensor.Uniform(g, -1, 1, 2*h, 3, 4))}, false},
		{"kdim vdim", MultiheadAttentionOptions{KDim: 3, VDim: 5}, []int{3, 2, e}, []int{4, 2, 3}, []int{4, 2, 5},
			AttendOptions{}, false},
		{"unbatched no bias", MultiheadAttentionOptions{NoBias: true}, []int{3, e}, []int{5, e}, nil,
			AttendOptions{KeyPaddingMask: BoolMask(tensor.FromSlice([]float32{0, 1, 0, 0, 1}, 5))}, true},
	} {
		m := NewMultiheadAttention(e, h, c.opt, tensor.NewRNG(2))
		params := randomizeAttnParams(m, g)
		query := randInput(g, -1, 1, c.q...)
		inputs := []*tensor.Tensor{query}
		if c.k != nil {
			inputs = append(inputs, randInput(g, -1, 1, c.k...))
		}
		if c.v != nil {
			inputs = append(inputs, randInput(g, -1, 1, c.v...))
		}
		nIn := len(inputs)
		inputs = append(inputs, params...)
		gradCheck(t, "MHA "+c.name, func(in ...*tensor.Tensor) *tensor.Tensor {
			q, k, v := in[0], in[0], in[0]
			if nIn > 1 {
				k, v = in[1], in[1]
			}
			if nIn > 2 {
				v = in[2]
			}
			out, w := m.Attend(q, k, v, c.attend)
			return flatConcat(out, w)
		}, inputs...)
	}
}

// Per-head weights average to the default weights; batch-first and
// sequence-first layouts give the same attention; Forward is self-attention
// without weights.
func TestMultiheadAttentionLayouts(t *testing.T) {
	g := tensor.NewRNG(3)
	seq := NewMultiheadAttention(8, 4, MultiheadAttentionOptions{}, tensor.NewRNG(4))
	bf := NewMultiheadAttention(8, 4, MultiheadAttentionOptions{BatchFirst: true}, tensor.NewRNG(4))
	randomizeAttnParams(seq, tensor.NewRNG(5))
	randomizeAttnParams(bf, tensor.NewRNG(5))
	x := tensor.Uniform(g, -1, 1, 5, 3, 8) // [L N E]
	xb := x.Transpose(0, 1)                // [N L E]
	kpm := BoolMask(tensor.FromSlice([]float32{0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}, 3, 5))
	outS, avg := seq.Attend(x, x, x, AttendOptions{KeyPaddingMask: kpm})
	outB, heads := bf.Attend(xb, xb, xb, AttendOptions{KeyPaddingMask: kpm, Weights: WeightsPerHead})
	assertClose(t, "layouts", outB.Transpose(0, 1).Data(), outS.Data(), 1e-5)
	if !slices.Equal(avg.Shape(), []int{3, 5, 5}) || !slices.Equal(heads.Shape(), []int{3, 4, 5, 5}) {
		t.Fatalf("weights shapes %v %v", avg.Shape(), heads.Shape())
	}
	assertClose(t, "mean of heads", heads.Mean(1).Data(), avg.Data(), 1e-6)
	for i, w := range avg.Data() {
		if j := i % 5; (i/25 == 0 && j == 4) || (i/25 == 2 && j > 0) {
			if w != 0 {
				t.Fatalf("padded key %d has weight %g", i, w)
			}
		}
	}
	assertClose(t, "Forward", bf.Forward(xb).Data(), func() []float32 {
		o, _ := bf.Attend(xb, xb, xb, AttendOptions{})
		return o.Data()
	}(), 0)
	// Unbatched input is a batch of one.
	one, w1 := seq.Attend(x.Narrow(1, 0, 1).Reshape(5, 8), x.Narrow(1, 0, 1).Reshape(5, 8), x.Narrow(1, 0, 1).Reshape(5, 8), AttendOptions{})
	first, _ := seq.Attend(x.Narrow(1, 0, 1), x.Narrow(1, 0, 1), x.Narrow(1, 0, 1), AttendOptions{})
	assertClose(t, "unbatched", one.Data(), first.Data(), 1e-6)
	if !slices.Equal(w1.Shape(), []int{5, 5}) {
		t.Errorf("unbatched weights %v", w1.Shape())
	}
}

// PyTorch's initialization: xavier_uniform in_proj_weight, zero biases,
// out_proj.weight from Linear's kaiming bound.
func TestMultiheadAttentionInit(t *testing.T) {
	m := NewMultiheadAttention(64, 4, MultiheadAttentionOptions{}, tensor.NewRNG(1))
	if got := StateDictNames(m); !slices.Equal(got, []string{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}) {
		t.Errorf("names %v", got)
	}
	bound := math.Sqrt(6.0 / (64 + 192))
	maxAbs := func(x *tensor.Tensor) float64 {
		m := 0.0
		for _, v := range x.Data() {
			m = math.Max(m, math.Abs(float64(v)))
		}
		return m
	}
	if a := maxAbs(m.InProjWeight); a > bound || a < 0.9*bound {
		t.Errorf("in_proj_weight max |w| %g, want just under %g", a, bound)
	}
	if a := maxAbs(m.OutProj.Weight); a > 1/8.0 || a < 0.9/8 {
		t.Errorf("out_proj.weight max |w| %g, want just under 1/8", a)
	}
	if maxAbs(m.InProjBias) != 0 || maxAbs(m.OutProj.Bias) != 0 {
		t.Error("biases are not zero")
	}
	sep := NewMultiheadAttention(6, 2, MultiheadAttentionOptions{KDim: 3, VDim: 5, NoBias: true}, nil)
	if got := StateDictNames(sep); !slices.Equal(got, []string{"q_proj_weight", "k_proj_weight", "v_proj_weight", "out_proj.weight"}) {
		t.Errorf("separate names %v", got)
	}
}

// Dropout on the weights acts in training mode only.
func TestMultiheadAttentionDropoutMode(t *testing.T) {
	m := NewMultiheadAttention(8, 2, MultiheadAttentionOptions{Dropout: 0.5, BatchFirst: true}, tensor.NewRNG(1))
	x := tensor.Uniform(tensor.NewRNG(2), -1, 1, 2, 6, 8)
	_, w := m.Attend(x, x, x, AttendOptions{Weights: WeightsPerHead})
	zeros := 0
	for _, v := range w.Data() {
		if v == 0 {
			zeros++
		}
	}
	if zeros == 0 {
		t.Error("training: no weight dropped")
	}
	Eval(m)
	a, _ := m.Attend(x, x, x, AttendOptions{})
	b, w2 := m.Attend(x, x, x, AttendOptions{Weights: WeightsPerHead})
	assertClose(t, "eval is deterministic", a.Data(), b.Data(), 0)
	for _, v := range w2.Data() {
		if v == 0 {
			t.Fatal("eval: a weight was dropped")
		}
	}
}

func TestMultiheadAttentionErrors(t *testing.T) {
	m := NewMultiheadAttention(8, 2, MultiheadAttentionOptions{BatchFirst: true}, nil)
	x := tensor.Zeros(2, 3, 8)
	mustPanic(t, func() { m.Forward(tensor.Zeros(2, 3, 7)) }, "MultiheadAttention", "[2 3 7]", "E=8")
	mustPanic(t, func() { m.Attend(x, tensor.Zeros(3, 3, 8), tensor.Zeros(3, 3, 8), AttendOptions{}) }, "MultiheadAttention", "batch sizes differ")
	mustPanic(t, func() { m.Attend(x, x, x, AttendOptions{AttnMask: CausalMask(4)}) }, "MultiheadAttention", "attention mask [4 4]", "[3 3]")
	mustPanic(t, func() { m.Attend(x, x, x, AttendOptions{KeyPaddingMask: BoolMask(tensor.Zeros(3, 3))}) }, "key padding mask [3 3]", "[2 3]")
	mustPanic(t, func() { NewMultiheadAttention(10, 3, MultiheadAttentionOptions{}, nil) }, "NewMultiheadAttention", "embed_dim=10", "num_heads=3")
}
