package nn

import (
	"math"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// composedAttention is the attention formula written with plain tensor ops,
// the reference for the fused op: softmax(q·kᵀ·scale + mask)·v.
func composedAttention(q, k, v, additive *tensor.Tensor, scale float32) (out, weights *tensor.Tensor) {
	r := q.Dim()
	s := q.MatMul(k.Transpose(r-2, r-1)).MulScalar(scale)
	if additive != nil {
		s = s.Add(additive)
	}
	w := s.Softmax(-1)
	return w.MatMul(v), w
}

// flatCat joins the flattened tensors, so that GradCheck sees one output.
func flatConcat(ts ...*tensor.Tensor) *tensor.Tensor {
	flat := make([]*tensor.Tensor, len(ts))
	for i, t := range ts {
		flat[i] = t.Reshape(-1)
	}
	return tensor.Concat(flat, 0)
}

func TestCausalMask(t *testing.T) {
	m := CausalMask(3)
	want := []float32{0, 1, 1, 0, 0, 1, 0, 0, 0}
	assertClose(t, "causal", m.Tensor().Data(), want, 0)
	inf := float32(math.Inf(-1))
	for i, w := range []float32{0, inf, inf, 0, 0, inf, 0, 0, 0} {
		if got := m.Additive().Data()[i]; got != w {
			t.Errorf("additive element %d = %g, want %g", i, got, w)
		}
	}
	if !m.IsBool() || AdditiveMask(tensor.Zeros(2)).IsBool() {
		t.Error("IsBool")
	}
}

func TestScaledDotProductAttentionMatchesComposed(t *testing.T) {
	g := tensor.NewRNG(1)
	inf := float32(math.Inf(-1))
	q, k, v := tensor.Uniform(g, -1, 1, 2, 3, 4), tensor.Uniform(g, -1, 1, 2, 5, 4), tensor.Uniform(g, -1, 1, 2, 5, 3)
	pad := tensor.FromSlice([]float32{0, 0, 0, 1, 1, 0, 0, 0, 0, 1}, 2, 1, 5)
	bias := tensor.Uniform(g, -1, 1, 3, 5)
	for _, c := range []struct {
		name     string
		mask     *Mask
		additive *tensor.Tensor
	}{
		{"none", nil, nil},
		{"bool padding", BoolMask(pad), pad.MulScalar(-1).AddScalar(1).Log()}, // 1 -> log 0 = -Inf
		{"additive shared", AdditiveMask(bias), bias},
		{"causal rows", BoolMask(CausalMask(5).Tensor().Narrow(0, 0, 3)), tensor.FromSlice([]float32{0, inf, inf, inf, inf, 0, 0, inf, inf, inf, 0, 0, 0, inf, inf}, 3, 5)},
	} {
		out, w := ScaledDotProductAttention(q, k, v, c.mask, AttentionOptions{})
		wantOut, wantW := composedAttention(q, k, v, c.additive, 0.5)
		assertClose(t, c.name+" out", out.Data(), wantOut.Data(), 1e-5)
		assertClose(t, c.name+" weights", w.Data(), wantW.Data(), 1e-5)
		if !tensor.SameShape(out.Shape(), []int{2, 3, 3}) || !tensor.SameShape(w.Shape(), []int{2, 3, 5}) {
			t.Errorf("%s: shapes %v %v", c.name, out.Shape(), w.Shape())
		}
	}
}

func TestScaledDotProductAttentionGradCheck(t *testing.T) {
	g := tensor.NewRNG(2)
	pad := BoolMask(tensor.FromSlice([]float32{0, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0}, 3, 1, 1, 4))
	bias := AdditiveMask(tensor.Uniform(g, -1, 1, 2, 3, 4))
	for _, c := range []struct {
		name    string
		mask    *Mask
		shapeQ  []int
		shapeK  []int
		shapeV  []int
		dropout float64
	}{
		{"plain", nil, []int{2, 3, 4}, []int{2, 5, 4}, []int{2, 5, 3}, 0},
		{"unbatched", nil, []int{3, 2}, []int{4, 2}, []int{4, 5}, 0},
		{"bool padding", pad, []int{3, 2, 3, 4}, []int{3, 2, 4, 4}, []int{3, 2, 4, 2}, 0},
		{"additive per head", bias, []int{1, 2, 3, 2}, []int{1, 2, 4, 2}, []int{1, 2, 4, 3}, 0},
		{"causal dropout", CausalMask(4), []int{2, 4, 3}, []int{2, 4, 3}, []int{2, 4, 3}, 0.3},
	} {
		q, k, v := randInput(g, -1, 1, c.shapeQ...), randInput(g, -1, 1, c.shapeK...), randInput(g, -1, 1, c.shapeV...)
		gradCheck(t, "SDPA "+c.name, func(in ...*tensor.Tensor) *tensor.Tensor {
			// A fresh generator with the same seed draws the same mask on
			// every call GradCheck makes.
			out, w := ScaledDotProductAttention(in[0], in[1], in[2], c.mask, AttentionOptions{Dropout: c.dropout, RNG: tensor.NewRNG(9)})
			return flatConcat(out, w)
		}, q, k, v)
	}
}

// Self-attention passes one tensor as q, k and v: its gradient is the sum
// of the three.
func TestScaledDotProductAttentionSharedInput(t *testing.T) {
	g := tensor.NewRNG(3)
	x := randInput(g, -1, 1, 2, 4, 3)
	gradCheck(t, "SDPA x,x,x", func(in ...*tensor.Tensor) *tensor.Tensor {
		out, _ := ScaledDotProductAttention(in[0], in[0], in[0], CausalMask(4), AttentionOptions{Scale: 0.7})
		return out
	}, x)
}

// Dropout zeroes weights and scales the others by 1/(1−p); p = 1 drops all.
func TestScaledDotProductAttentionDropout(t *testing.T) {
	g := tensor.NewRNG(4)
	q, k, v := tensor.Uniform(g, -1, 1, 8, 16, 4), tensor.Uniform(g, -1, 1, 8, 16, 4), tensor.Uniform(g, -1, 1, 8, 16, 4)
	_, plain := ScaledDotProductAttention(q, k, v, nil, AttentionOptions{})
	_, dropped := ScaledDotProductAttention(q, k, v, nil, AttentionOptions{Dropout: 0.25, RNG: tensor.NewRNG(1)})
	zeros := 0
	for i, w := range dropped.Data() {
		switch p := plain.Data()[i]; {
		case w == 0:
			zeros++
		case math.Abs(float64(w-p/0.75)) > 1e-6:
			t.Fatalf("weight %d = %g, want 0 or %g", i, w, p/0.75)
		}
	}
	if n := len(dropped.Data()); zeros < n/5 || zeros > n*3/10 {
		t.Errorf("%d of %d weights dropped, want about a quarter", zeros, n)
	}
	out, _ := ScaledDotProductAttention(q, k, v, nil, AttentionOptions{Dropout: 1})
	for _, x := range out.Data() {
		if x != 0 {
			t.Fatal("dropout 1 left a non-zero output")
		}
	}
}

func TestScaledDotProductAttentionErrors(t *testing.T) {
	q, k := tensor.Zeros(2, 3, 4), tensor.Zeros(2, 5, 4)
	mustPanic(t, func() { ScaledDotProductAttention(q, k, tensor.Zeros(2, 6, 4), nil, AttentionOptions{}) },
		"ScaledDotProductAttention", "[2 3 4]", "[2 5 4]", "[2 6 4]")
	mustPanic(t, func() { ScaledDotProductAttention(q, k, k, CausalMask(3), AttentionOptions{}) },
		"ScaledDotProductAttention", "mask [3 3]", "[2 3 5]")
}

// The dropout mask is a function of (seed, index): applying it in pieces at
// any offsets gives the same values as in one go.
func TestDropMaskChunks(t *testing.T) {
	m := newDropMask(0.4, tensor.NewRNG(5))
	x := tensor.Uniform(tensor.NewRNG(6), 1, 2, 1000).Data()
	whole := make([]float32, len(x))
	bits := dropBits(len(x))
	m.apply(whole, x, 0, bits)
	pieces, replay := make([]float32, len(x)), make([]float32, len(x))
	for lo := 0; lo < len(x); {
		hi := min(len(x), lo+37+lo%29)
		m.apply(pieces[lo:hi], x[lo:hi], lo, nil)
		m.applyDropped(replay[lo:hi], x[lo:hi], lo, bits)
		lo = hi
	}
	assertClose(t, "pieces", pieces, whole, 0)
	assertClose(t, "recorded", replay, whole, 0)
	kept := 0
	for i, v := range whole {
		if v != 0 {
			kept++
			if math.Abs(float64(v-x[i]/0.6)) > 1e-6 {
				t.Fatalf("kept value %g, want %g", v, x[i]/0.6)
			}
		}
	}
	if kept < 550 || kept > 650 {
		t.Errorf("kept %d of 1000 at p = 0.4", kept)
	}
}
