package models

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/internal/testutil"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// smallBERT is a mini-BERT small enough for gradient checks and panics.
func smallBERT(dropout float64) *MiniBERT {
	return NewMiniBERT(BERTConfig{VocabSize: 50, Hidden: 16, Layers: 2, Heads: 4, FF: 24, MaxLen: 10, Dropout: dropout}, tensor.NewRNG(3))
}

// idsOf makes a [B, L] id tensor of rows padded with 0.
func idsOf(rows ...[]int) *tensor.Tensor {
	l := 0
	for _, r := range rows {
		l = max(l, len(r))
	}
	d := make([]float32, len(rows)*l)
	for i, r := range rows {
		for j, id := range r {
			d[i*l+j] = float32(id)
		}
	}
	return tensor.New(d, len(rows), l)
}

func mustPanic(t *testing.T, fn func(), parts ...string) {
	t.Helper()
	testutil.MustPanic(t, fn, parts...)
}

// The defaults, the state-dict names and the parameter count:
//
//	embeddings V·d + P·d + 2·d + 2·d
//	per layer  (3d² + 3d) + (d² + d) + (d·ff + ff) + (ff·d + d) + 4d
//	mlm        V + d² + d + 2d;  pooler d² + d;  classifier 2d + 2
func TestMiniBERTShapesAndNames(t *testing.T) {
	m := NewMiniBERT(BERTConfig{VocabSize: 1000}, tensor.NewRNG(1))
	c := m.Config
	if c.Hidden != 128 || c.Layers != 2 || c.Heads != 2 || c.FF != 512 || c.MaxLen != 64 || c.TypeVocab != 2 || c.LayerNormEps != 1e-12 {
		t.Fatalf("defaults %+v", c)
	}
	V, P, d, ff := 1000, 64, 128, 512
	layer := 3*d*d + 3*d + d*d + d + d*ff + ff + ff*d + d + 4*d
	want := V*d + P*d + 2*d + 2*d + 2*layer + V + d*d + d + 2*d + d*d + d + 2*d + 2
	if got := nn.NumParameters(m); got != want {
		t.Errorf("%d parameters, want %d", got, want)
	}
	names := nn.StateDictNames(m)
	for _, n := range []string{"embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
		"embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "encoder.layers.1.self_attn.in_proj_weight",
		"encoder.layers.0.linear2.bias", "mlm.bias", "mlm.dense.weight", "mlm.LayerNorm.bias", "pooler.weight", "classifier.bias"} {
		if !slices.Contains(names, n) {
			t.Errorf("no %s among %v", n, names)
		}
	}
	if m.MLM.Decoder != m.Embeddings.Word.Weight {
		t.Error("the MLM decoder is not tied to the word embeddings")
	}
	ids := idsOf([]int{101, 7, 8, 102}, []int{101, 9, 102})
	var logits, hidden, mlm *tensor.Tensor
	tensor.NoGrad(func() {
		logits, hidden = m.Forward(ids), m.Encode(ids, nil)
		mlm = m.MaskedLogits(ids, []int{1, 2, 5})
	})
	if !tensor.SameShape(logits.Shape(), []int{2, 2}) || !tensor.SameShape(hidden.Shape(), []int{2, 4, 128}) ||
		!tensor.SameShape(mlm.Shape(), []int{3, 1000}) {
		t.Errorf("shapes: logits %v, hidden %v, mlm %v", logits.Shape(), hidden.Shape(), mlm.Shape())
	}
}

// BERT's initialization: N(0, 0.02²) matrices, zero biases, LayerNorm at
// one, a zero [PAD] embedding.
func TestMiniBERTInit(t *testing.T) {
	m := NewMiniBERT(BERTConfig{VocabSize: 3000, Hidden: 64, PadID: 5}, tensor.NewRNG(2))
	w := m.Embeddings.Word.Weight.Data()
	var sum, sq float64
	for _, v := range w {
		sum += float64(v)
		sq += float64(v) * float64(v)
	}
	n := float64(len(w) - 64)
	if std := math.Sqrt(sq/n - (sum/n)*(sum/n)); math.Abs(std-0.02) > 0.001 {
		t.Errorf("word embeddings std %.4f, want 0.02", std)
	}
	for _, v := range w[5*64 : 6*64] {
		if v != 0 {
			t.Fatal("the [PAD] embedding is not zero")
		}
	}
	for _, p := range m.NamedParameters() {
		d := p.Tensor.Data()
		switch {
		case isLayerNorm(p.Name) && strings.HasSuffix(p.Name, "weight"):
			if d[0] != 1 || d[len(d)-1] != 1 {
				t.Errorf("%s = %v, want ones", p.Name, d[0])
			}
		case p.Tensor.Dim() == 1:
			if d[0] != 0 || d[len(d)-1] != 0 {
				t.Errorf("%s = %v, want zeros", p.Name, d[0])
			}
		}
	}
}

// The MLM head at the gathered positions gives the loss and gradients of
// the full head over every position with the other labels ignored, which
// is what it replaces.
func TestMaskedLogitsEqualsFullSoftmaxLoss(t *testing.T) {
	m := smallBERT(0)
	ids := idsOf([]int{2, 11, 12, 13, 14, 3}, []int{2, 21, 22, 3}, []int{2, 31, 32, 33, 3})
	positions := []int{1, 3, 8, 13, 14}
	labels := tensor.Full(-100, 3, 6)
	var targets []float32
	for i, p := range positions {
		labels.Data()[p] = float32(40 + i)
		targets = append(targets, float32(40+i))
	}
	params := nn.Parameters(m)

	loss := nn.CrossEntropy(m.MaskedLogits(ids, positions), tensor.New(targets, len(targets)), nn.CrossEntropyOptions{})
	loss.Backward()
	gathered := make([][]float32, len(params))
	for i, p := range params {
		if p.Grad != nil { // not the pooler and classifier
			gathered[i] = slices.Clone(p.Grad.Data())
		}
	}
	nn.ZeroGrad(m)

	hidden := m.Encode(ids, nil).Reshape(18, 16)
	full := nn.CrossEntropy(m.MLM.Forward(hidden), labels.Reshape(18), nn.CrossEntropyOptions{})
	if d := math.Abs(float64(full.Item() - loss.Item())); d > 1e-5 {
		t.Fatalf("gathered loss %v, full loss %v", loss.Item(), full.Item())
	}
	full.Backward()
	for i, p := range params {
		if (p.Grad == nil) != (gathered[i] == nil) {
			t.Fatalf("parameter %d: a gradient on one side only", i)
		}
		if p.Grad == nil {
			continue
		}
		for j, v := range p.Grad.Data() {
			if math.Abs(float64(v-gathered[i][j])) > 1e-5*(1+math.Abs(float64(v))) {
				t.Fatalf("parameter %d element %d: full %v, gathered %v", i, j, v, gathered[i][j])
			}
		}
	}
}

// The fused embedding sum, d/dW of Σ u·(W[ids] + P[pos] + T[seg]): each
// table's gradient is a scatter-add of the upstream rows. The [PAD] row,
// which the forward reads like any other, gets no gradient (PyTorch's
// padding_idx), so the check runs without one first.
func TestEmbeddingSumGradCheck(t *testing.T) {
	g := tensor.NewRNG(4)
	word := &nn.Embedding{Num: 7, Dim: 3, PaddingIdx: -1}
	pos := &nn.Embedding{Num: 5, Dim: 3, PaddingIdx: -1}
	typ := &nn.Embedding{Num: 2, Dim: 3, PaddingIdx: -1}
	ids, seg := []int{3, 1, 6, 0, 4, 4, 2, 0}, []int{0, 0, 1, 0, 1, 1, 0, 0}
	f := func(in ...*tensor.Tensor) *tensor.Tensor {
		word.Weight, pos.Weight, typ.Weight = in[0], in[1], in[2]
		return embeddingSum(ids, seg, 2, 4, word, pos, typ)
	}
	inputs := []*tensor.Tensor{tensor.Randn(g, 7, 3).SetRequiresGrad(true), tensor.Randn(g, 5, 3).SetRequiresGrad(true), tensor.Randn(g, 2, 3).SetRequiresGrad(true)}
	if err := tensor.GradCheck(f, inputs, nil); err != nil {
		t.Error(err)
	}
	word.PaddingIdx = 0
	inputs[0].Grad = nil
	f(inputs...).Sum().Backward()
	// each row counts its id's occurrences; row 0 (twice) is padding
	want := []float32{0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 0, 0, 0, 1, 1, 1}
	if gw := inputs[0].Grad.Data(); !slices.Equal(gw, want) {
		t.Errorf("word gradient %v, want %v", gw, want)
	}
}

// A sentence gets the same logits alone and padded in a batch beside a
// longer one: [PAD] keys are masked, and positions past the end do not
// reach [CLS]. With dropout, training mode draws masks and evaluation mode
// is deterministic.
func TestMiniBERTPaddingAndModes(t *testing.T) {
	m := smallBERT(0.3)
	nn.Eval(m)
	short, long := []int{2, 11, 12, 3}, []int{2, 21, 22, 23, 24, 25, 3}
	var alone, batched, again *tensor.Tensor
	tensor.NoGrad(func() {
		alone = m.Forward(idsOf(short))
		batched = m.Forward(idsOf(long, short))
		again = m.Forward(idsOf(long, short))
	})
	for j := range 2 {
		if d := math.Abs(float64(alone.Data()[j] - batched.Data()[2+j])); d > 1e-5 {
			t.Errorf("logit %d: alone %v, padded in a batch %v", j, alone.Data()[j], batched.Data()[2+j])
		}
	}
	if !slices.Equal(batched.Data(), again.Data()) {
		t.Error("evaluation mode is not deterministic")
	}
	nn.Train(m)
	var t1, t2 *tensor.Tensor
	tensor.NoGrad(func() { t1, t2 = m.Forward(idsOf(long)), m.Forward(idsOf(long)) })
	if slices.Equal(t1.Data(), t2.Data()) {
		t.Error("training mode drew no dropout masks")
	}
}

// Attention maps: one [B, heads, L, L] per layer, rows summing to 1, no
// weight on [PAD] keys.
func TestMiniBERTAttention(t *testing.T) {
	m := smallBERT(0)
	nn.Eval(m)
	m.KeepAttention(true)
	tensor.NoGrad(func() { m.Forward(idsOf([]int{2, 5, 6, 7, 3}, []int{2, 8, 3})) })
	maps := m.Attention()
	if len(maps) != 2 {
		t.Fatalf("%d layers of maps", len(maps))
	}
	for l, a := range maps {
		if !tensor.SameShape(a.Shape(), []int{2, 4, 5, 5}) {
			t.Fatalf("layer %d: %v", l, a.Shape())
		}
		d := a.Data()
		for row := 0; row < 2*4*5; row++ {
			r := d[row*5 : row*5+5]
			var s float32
			for _, v := range r {
				s += v
			}
			if math.Abs(float64(s-1)) > 1e-5 {
				t.Fatalf("layer %d row %d sums to %v", l, row, s)
			}
			if row >= 4*5 && (r[3] != 0 || r[4] != 0) {
				t.Fatalf("layer %d row %d attends to padding: %v", l, row, r)
			}
		}
	}
}

func TestMiniBERTPanics(t *testing.T) {
	m := smallBERT(0)
	mustPanic(t, func() { m.Forward(tensor.Zeros(4, 7, 3)) }, "BERTEmbeddings", "[4 7 3]", "[B, L]")
	mustPanic(t, func() { m.Forward(tensor.Zeros(2, 11)) }, "BERTEmbeddings", "[2 11]", "10")
	mustPanic(t, func() { m.Forward(tensor.Full(50, 1, 3)) }, "BERTEmbeddings", "50", "[0, 50)")
	mustPanic(t, func() { m.Encode(tensor.Ones(2, 3), tensor.Zeros(2, 4)) }, "segments [2 4]")
	mustPanic(t, func() { m.MaskedLogits(tensor.Ones(2, 3), []int{6}) }, "MaskedLogits", "position 6", "[0, 6)")
	mustPanic(t, func() { m.MaskedLogits(tensor.Ones(2, 3), nil) }, "MaskedLogits", "no masked position")
	mustPanic(t, func() { NewMiniBERT(BERTConfig{VocabSize: 10, Hidden: 10, Heads: 3}, nil) }, "NewMiniBERT", "Heads dividing Hidden")
	mustPanic(t, func() { NewMiniBERT(BERTConfig{}, nil) }, "NewMiniBERT")
}

func TestGRUClassifier(t *testing.T) {
	m := NewGRUClassifier(GRUClassifierConfig{VocabSize: 40, EmbedDim: 8, Hidden: 6, Layers: 2, Dropout: 0.5}, tensor.NewRNG(5))
	names := nn.StateDictNames(m)
	if names[0] != "embedding.weight" || names[1] != "gru.weight_ih_l0" || names[len(names)-1] != "fc.bias" || len(names) != 19 {
		t.Errorf("names %v", names)
	}
	if !tensor.SameShape(m.FC.Weight.Shape(), []int{2, 12}) {
		t.Errorf("fc %v", m.FC.Weight.Shape())
	}
	nn.Eval(m)
	var alone, batched *tensor.Tensor
	tensor.NoGrad(func() {
		alone = m.Forward(idsOf([]int{5, 6, 7}))
		batched = m.Forward(idsOf([]int{9, 8, 7, 6, 5, 4}, []int{5, 6, 7}))
	})
	if !tensor.SameShape(batched.Shape(), []int{2, 2}) {
		t.Fatalf("logits %v", batched.Shape())
	}
	for j := range 2 {
		if d := math.Abs(float64(alone.Data()[j] - batched.Data()[2+j])); d > 1e-5 {
			t.Errorf("logit %d: alone %v, padded %v", j, alone.Data()[j], batched.Data()[2+j])
		}
	}
	if got := rowLengths("x", idsOf([]int{0}, []int{3, 4}, []int{5}), 0); !slices.Equal(got, []int{1, 2, 1}) {
		t.Errorf("lengths %v", got)
	}
	mustPanic(t, func() { m.Forward(tensor.Zeros(4, 7, 3)) }, "GRUClassifier", "[4 7 3]", "[B, L]")
	mustPanic(t, func() { NewGRUClassifier(GRUClassifierConfig{VocabSize: 3, PadID: 3}, nil) }, "NewGRUClassifier", "pad 3")
}
