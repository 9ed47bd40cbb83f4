package models

import (
	"math"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// smallSeq2Seq is a model small enough for quick tests, without dropout.
func smallSeq2Seq(seed uint64, src, tgt int) *Seq2SeqTransformer {
	return NewSeq2SeqTransformer(Seq2SeqOptions{SrcVocab: src, TgtVocab: tgt, DModel: 16, NHead: 2,
		NumEncoderLayers: 1, NumDecoderLayers: 1, DimFeedforward: 32, Dropout: new(0.0), MaxLen: 32}, tensor.NewRNG(seed))
}

// ids turns rows of token ids into an [N, L] tensor, padding short rows
// with 0 (Pad).
func ids(rows ...[]int) *tensor.Tensor {
	l := 0
	for _, r := range rows {
		l = max(l, len(r))
	}
	out := tensor.Zeros(len(rows), l)
	for i, r := range rows {
		for j, v := range r {
			out.Set(float32(v), i, j)
		}
	}
	return out
}

func TestSeq2SeqShapesAndErrors(t *testing.T) {
	m := smallSeq2Seq(1, 10, 8)
	src := ids([]int{1, 4, 5, 2}, []int{1, 6, 2})
	tgt := ids([]int{1, 3, 4}, []int{1, 5, 0})
	if got := m.Logits(src, tgt).Shape(); !slices.Equal(got, []int{2, 3, 8}) {
		t.Fatalf("Logits shape %v, want [2 3 8]", got)
	}
	mem, pad := m.Encode(src)
	if !slices.Equal(mem.Shape(), []int{2, 4, 16}) || !slices.Equal(pad.Shape(), []int{2, 4}) {
		t.Fatalf("Encode: memory %v, padding %v", mem.Shape(), pad.Shape())
	}
	mustPanic(t, func() { m.Logits(tensor.Zeros(2, 4, 1), tgt) }, "Seq2SeqTransformer", "Logits", "src [2 4 1]")
	mustPanic(t, func() { m.Logits(src, ids([]int{1, 3})) }, "batch sizes differ")
	mustPanic(t, func() { m.Logits(src, tensor.Zeros(2, 40)) }, "tgt [2 40]", "L <= 32")
	mustPanic(t, func() { m.Logits(ids([]int{1, 10, 2}), ids([]int{1})) }, "Embedding", "[0, 10)")
	mustPanic(t, func() { m.Decode(tgt, tensor.Zeros(3, 4, 16), pad) }, "Decode", "memory [3 4 16]")
	mustPanic(t, func() { m.Greedy(src, 0) }, "Greedy", "maxLen 0")
	mustPanic(t, func() { m.Greedy(src, 33) }, "Greedy", "maxLen 33 exceeds MaxLen 32")
	m.Greedy(src, 32) // the longest decoder input
	mustPanic(t, func() { m.Beam(src, 2, 5) }, "Beam", "[1 S]")
	mustPanic(t, func() { m.Forward(src) }, "Logits(src, tgt)")
	mustPanic(t, func() { NewSeq2SeqTransformer(Seq2SeqOptions{SrcVocab: 10, TgtVocab: 8, DModel: 10, NHead: 4}, nil) }, "divisible")
	mustPanic(t, func() { NewSeq2SeqTransformer(Seq2SeqOptions{SrcVocab: 2, TgtVocab: 8}, nil) }, "special ids")
}

// Teacher forcing must not let a position see later target tokens:
// changing target token k changes the logits at positions k and later only.
func TestSeq2SeqCausalMask(t *testing.T) {
	m := smallSeq2Seq(2, 10, 8)
	nn.Eval(m)
	src := ids([]int{1, 4, 5, 9, 2}, []int{1, 6, 2})
	a := ids([]int{1, 3, 4, 5, 6}, []int{1, 5, 7, 3, 4})
	b := a.Clone()
	b.Set(7, 0, 3)
	b.Set(6, 1, 3)
	la, lb := m.Logits(src, a), m.Logits(src, b)
	v := 8
	for n := 0; n < 2; n++ {
		for pos := 0; pos < 5; pos++ {
			row := func(l *tensor.Tensor) []float32 { return l.Data()[(n*5+pos)*v : (n*5+pos+1)*v] }
			same := slices.Equal(row(la), row(lb))
			if pos < 3 && !same {
				t.Errorf("sequence %d: position %d changed when target token 3 changed", n, pos)
			}
			if pos >= 3 && same {
				t.Errorf("sequence %d: position %d did not change when target token 3 changed", n, pos)
			}
		}
	}
}

// Padding the source with more Pad tokens changes nothing: the encoder and
// the cross-attention ignore padded keys.
func TestSeq2SeqSourcePaddingIgnored(t *testing.T) {
	m := smallSeq2Seq(3, 10, 8)
	nn.Eval(m)
	src := ids([]int{1, 4, 5, 9, 2}, []int{1, 6, 2})
	longer := ids([]int{1, 4, 5, 9, 2, 0, 0, 0}, []int{1, 6, 2})
	tgt := ids([]int{1, 3, 4}, []int{1, 5, 7})
	a, b := m.Logits(src, tgt).Data(), m.Logits(longer, tgt).Data()
	for i := range a {
		if math.Abs(float64(a[i]-b[i])) > 1e-5 {
			t.Fatalf("logit %d: %v with 5 source positions, %v with 8", i, a[i], b[i])
		}
	}
}

// argmaxNoSpecials is the argmax of a row of logits without Pad and BOS,
// which the decoders never emit.
func argmaxNoSpecials(row []float32) int {
	best := -1
	for id, v := range row {
		if id == 0 || id == 1 {
			continue
		}
		if best < 0 || v > row[best] {
			best = id
		}
	}
	return best
}

// Greedy's tokens are the step-by-step argmax of the teacher-forced logits
// of its own output, batched or one source at a time, and it leaves the
// model's mode as it was.
func TestGreedyAgreesWithTeacherForcing(t *testing.T) {
	m := smallSeq2Seq(4, 12, 9)
	for _, p := range nn.Parameters(m) { // larger weights: varied outputs
		if p.Dim() > 1 {
			nn.Normal(p, 0, 0.5, tensor.NewRNG(5))
		}
	}
	m.Generator.Bias.Data()[2] = 3 // EOS likely enough to end some sequences early
	srcs := [][]int{{1, 4, 5, 9, 2}, {1, 6, 2}, {1, 11, 10, 3, 3, 7, 2}}
	const maxLen = 6
	got := m.Greedy(ids(srcs...), maxLen)
	if len(got[0]) != maxLen || len(got[1]) == 0 || len(got[1]) == maxLen || len(got[2]) != 0 {
		t.Fatalf("greedy outputs %v: want one cut at maxLen, one stopped early and one empty (EOS first)", got)
	}
	if !m.Training() {
		t.Fatal("Greedy left the model in eval mode")
	}
	nn.Eval(m)
	for i, s := range srcs {
		if one := m.Greedy(ids(s), maxLen); !slices.Equal(one[0], got[i]) {
			t.Errorf("source %d: batched %v, alone %v", i, got[i], one[0])
		}
		want := append([]int{}, got[i]...)
		if len(want) < maxLen {
			want = append(want, 2) // it stopped at EOS
		}
		in := append([]int{1}, want[:len(want)-1]...)
		logits := m.Logits(ids(s), ids(in)).Data()
		for pos, w := range want {
			if a := argmaxNoSpecials(logits[pos*9 : (pos+1)*9]); a != w {
				t.Errorf("source %d position %d: greedy %d, teacher-forced argmax %d", i, pos, w, a)
			}
		}
	}
}

// Beam search of width 1 gives Greedy's tokens, and a wider beam's score
// is the log-probability of its tokens under teacher forcing.
func TestBeamSearch(t *testing.T) {
	m := smallSeq2Seq(6, 12, 9)
	for _, p := range nn.Parameters(m) {
		if p.Dim() > 1 {
			nn.Normal(p, 0, 0.5, tensor.NewRNG(7))
		}
	}
	nn.Eval(m)
	src := ids([]int{1, 4, 5, 9, 8, 2})
	const maxLen = 6
	greedy := m.Greedy(src, maxLen)[0]
	if b, _ := m.Beam(src, 1, maxLen); !slices.Equal(b, greedy) {
		t.Fatalf("beam 1 %v, greedy %v", b, greedy)
	}
	toks, score := m.Beam(src, 4, maxLen)
	full := append([]int{}, toks...)
	if len(full) < maxLen {
		full = append(full, 2)
	}
	logits := m.Logits(src, ids(append([]int{1}, full[:len(full)-1]...))).Data()
	var want float64
	for pos, id := range full {
		row := slices.Clone(logits[pos*9 : (pos+1)*9])
		row[0], row[1] = float32(math.Inf(-1)), float32(math.Inf(-1))
		lse := tensor.New(row, 9).LogSoftmax(0).Data()
		want += float64(lse[id])
	}
	if math.Abs(score-want) > 1e-4 {
		t.Fatalf("beam 4: tokens %v score %v, teacher-forced log-probability %v", toks, score, want)
	}
}

// A tiny model learns to reverse strings of three to five symbols, and
// Greedy then decodes held-out strings exactly, stopping at EOS.
func TestGreedyLearnsReversal(t *testing.T) {
	const symbols, batch = 6, 32
	m := NewSeq2SeqTransformer(Seq2SeqOptions{SrcVocab: 3 + symbols, TgtVocab: 3 + symbols, DModel: 32, NHead: 2,
		NumEncoderLayers: 1, NumDecoderLayers: 1, DimFeedforward: 64, Dropout: new(0.0), MaxLen: 8}, tensor.NewRNG(8))
	g := tensor.NewRNG(9)
	sample := func() ([]int, []int) {
		n := 3 + g.IntN(3)
		s, r := []int{1}, make([]int, n)
		for i := 0; i < n; i++ {
			s = append(s, 3+g.IntN(symbols))
		}
		for i := range r {
			r[i] = s[n-i]
		}
		return append(s, 2), r
	}
	opt := optim.NewAdam(nn.Parameters(m), optim.AdamConfig{LR: 3e-3})
	for step := 0; step < 400; step++ {
		var src, in, out [][]int
		for i := 0; i < batch; i++ {
			s, r := sample()
			src, in, out = append(src, s), append(in, append([]int{1}, r...)), append(out, append(slices.Clone(r), 2))
		}
		target := ids(out...)
		logits := m.Logits(ids(src...), ids(in...))
		loss := nn.CrossEntropy(logits.Reshape(target.Numel(), 3+symbols), target.Reshape(target.Numel()), nn.CrossEntropyOptions{IgnoreIndex: new(0)})
		opt.ZeroGrad()
		loss.Backward()
		opt.Step()
	}
	var src, want [][]int
	for i := 0; i < 50; i++ {
		s, r := sample()
		src, want = append(src, s), append(want, r)
	}
	got := m.Greedy(ids(src...), 7)
	right := 0
	for i := range got {
		if slices.Equal(got[i], want[i]) {
			right++
		}
	}
	if right < 45 {
		t.Fatalf("greedy reversed %d of 50 strings exactly; want >= 45 (e.g. %v for %v)", right, got[0], want[0])
	}
}
