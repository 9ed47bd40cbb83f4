package text

import (
	"math"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// On 100k+ real tokens (SST-2 training sentences as [CLS] s [SEP]) with a
// fixed seed: 15% ± 1% of the maskable tokens are chosen, and of those 80%
// ± 1% become [MASK], 10% ± 1% a random token, 10% ± 1% stay; [CLS] and
// [SEP] are never chosen. With ~15k chosen tokens one standard deviation of
// the 10% shares is 0.25%, so ±1% is four of them.
func TestMaskTokensStatistics(t *testing.T) {
	w := bertVocab(t)
	rng := tensor.NewRNG(7)
	var maskable, chosen, masked, random, kept, specials int
	for _, e := range sst2(t, "train") {
		enc := w.EncodeSentence(e.Text, EncodeOptions{})
		special := w.SpecialMask(enc.IDs)
		in, labels := MaskTokens(enc.IDs, special, w.MaskID(), w.Size(), MaskProb, rng)
		for i, id := range enc.IDs {
			if special[i] {
				specials++
				if labels[i] != IgnoreIndex || in[i] != id {
					t.Fatalf("special token %d at %d was chosen: input %d label %d", id, i, in[i], labels[i])
				}
				continue
			}
			maskable++
			switch {
			case labels[i] == IgnoreIndex:
				if in[i] != id {
					t.Fatalf("position %d not chosen but changed from %d to %d", i, id, in[i])
				}
				continue
			case labels[i] != id:
				t.Fatalf("label %d at %d, want the original %d", labels[i], i, id)
			}
			chosen++
			switch in[i] {
			case w.MaskID():
				masked++
			case id:
				kept++
			default:
				random++
			}
		}
		if maskable >= 100_000 {
			break
		}
	}
	if maskable < 100_000 || specials == 0 {
		t.Fatalf("only %d maskable tokens", maskable)
	}
	check := func(name string, got, of int, want float64) {
		t.Helper()
		if r := float64(got) / float64(of); math.Abs(r-want) > 0.01 {
			t.Errorf("%s: %d of %d = %.4f, want %.2f ± 0.01", name, got, of, r, want)
		}
	}
	check("chosen", chosen, maskable, 0.15)
	check("[MASK]", masked, chosen, 0.8)
	check("random", random, chosen, 0.1)
	check("unchanged", kept, chosen, 0.1)
	t.Logf("%d maskable tokens: %d chosen, %d [MASK], %d random, %d unchanged", maskable, chosen, masked, random, kept)
}

func TestMaskTokens(t *testing.T) {
	ids := []int{101, 7, 8, 9, 10, 11, 102, 0, 0}
	special := []bool{true, false, false, false, false, false, true, true, true}
	// prob 1 chooses every non-special position; the same seed gives the
	// same result.
	in1, lab1 := MaskTokens(ids, special, 103, 200, 1, tensor.NewRNG(3))
	in2, lab2 := MaskTokens(ids, special, 103, 200, 1, tensor.NewRNG(3))
	if !slices.Equal(in1, in2) || !slices.Equal(lab1, lab2) {
		t.Errorf("same seed, different masks: %v %v vs %v %v", in1, lab1, in2, lab2)
	}
	wantLabels := []int{-100, 7, 8, 9, 10, 11, -100, -100, -100}
	if !slices.Equal(lab1, wantLabels) {
		t.Errorf("labels %v, want %v", lab1, wantLabels)
	}
	for i, v := range in1 {
		if special[i] && v != ids[i] || v < 0 || v >= 200 {
			t.Errorf("input %d = %d", i, v)
		}
	}
	// prob 0 chooses nothing; nil special allows every position.
	in, lab := MaskTokens(ids, nil, 103, 200, 0, tensor.NewRNG(3))
	if !slices.Equal(in, ids) || slices.ContainsFunc(lab, func(l int) bool { return l != IgnoreIndex }) {
		t.Errorf("prob 0: %v %v", in, lab)
	}
	in, lab = MaskTokens(ids, nil, 103, 200, 1, tensor.NewRNG(3))
	if slices.Contains(lab, IgnoreIndex) {
		t.Errorf("prob 1 without special flags left positions out: %v %v", in, lab)
	}
	if ids[1] != 7 {
		t.Error("MaskTokens wrote to its input")
	}
	// A nil RNG follows tensor.ManualSeed.
	tensor.ManualSeed(5)
	a, _ := MaskTokens(ids, special, 103, 200, 0.5, nil)
	tensor.ManualSeed(5)
	b, _ := MaskTokens(ids, special, 103, 200, 0.5, nil)
	if !slices.Equal(a, b) {
		t.Errorf("nil RNG after the same ManualSeed: %v vs %v", a, b)
	}

	mustPanic(t, "MaskTokens: 9 ids but 2 special flags", func() { MaskTokens(ids, special[:2], 103, 200, 0.15, nil) })
	mustPanic(t, "MaskTokens: probability 1.5 is outside [0, 1]", func() { MaskTokens(ids, nil, 103, 200, 1.5, nil) })
	mustPanic(t, "MaskTokens: mask id 300 outside the vocabulary [0, 200)", func() { MaskTokens(ids, nil, 300, 200, 0.15, nil) })
	mustPanic(t, "MaskTokens: vocabulary size 0", func() { MaskTokens(ids, nil, 0, 0, 0.15, nil) })
}

func TestMaskBatch(t *testing.T) {
	w := toyVocab(t)
	b := w.EncodeBatch([]string{"the cat sat", "unaffable", "!"}, EncodeOptions{MaxLen: 6, Pad: true})
	in, labels := w.MaskBatch(b, 1, tensor.NewRNG(1))
	if !slices.Equal(in.Shape(), []int{3, 6}) || !slices.Equal(labels.Shape(), []int{3, 6}) {
		t.Fatalf("shapes %v %v, want [3 6]", in.Shape(), labels.Shape())
	}
	ids := b.IDs.Data()
	for i, l := range labels.Data() {
		id := int(ids[i])
		if w.IsSpecial(id) {
			if l != IgnoreIndex || in.Data()[i] != ids[i] {
				t.Errorf("position %d: special %q got input %v label %v", i, w.Token(id), in.Data()[i], l)
			}
		} else if int(l) != id {
			t.Errorf("position %d: label %v, want %d (prob 1 chooses every token)", i, l, id)
		}
	}
	bad := b
	bad.IDs = tensor.FromSlice([]float32{2, 0.5}, 1, 2)
	mustPanic(t, "MaskBatch: ids [1 2]: entry [0 1] = 0.5 is not a token id of a 32-token vocabulary", func() { w.MaskBatch(bad, 0.15, nil) })
	bad.IDs = tensor.Zeros(4)
	mustPanic(t, "MaskBatch: ids [4]: want [B, L]", func() { w.MaskBatch(bad, 0.15, nil) })
}
