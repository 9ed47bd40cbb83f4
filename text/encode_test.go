package text

import (
	"slices"
	"testing"
)

func TestEncodeSentence(t *testing.T) {
	w := toyVocab(t)
	// "the cat sat" is 3 tokens: the=13 cat=14 sat=15; [CLS]=2 [SEP]=3 [PAD]=0.
	cases := []struct {
		opt                EncodeOptions
		ids, mask, segment []int
	}{
		{EncodeOptions{}, []int{2, 13, 14, 15, 3}, []int{1, 1, 1, 1, 1}, []int{0, 0, 0, 0, 0}},
		{EncodeOptions{MaxLen: 5}, []int{2, 13, 14, 15, 3}, []int{1, 1, 1, 1, 1}, []int{0, 0, 0, 0, 0}},
		{EncodeOptions{MaxLen: 4}, []int{2, 13, 14, 3}, []int{1, 1, 1, 1}, []int{0, 0, 0, 0}},
		{EncodeOptions{MaxLen: 2}, []int{2, 3}, []int{1, 1}, []int{0, 0}},
		{EncodeOptions{MaxLen: 7, Pad: true}, []int{2, 13, 14, 15, 3, 0, 0}, []int{1, 1, 1, 1, 1, 0, 0}, []int{0, 0, 0, 0, 0, 0, 0}},
		{EncodeOptions{MaxLen: 4, Pad: true}, []int{2, 13, 14, 3}, []int{1, 1, 1, 1}, []int{0, 0, 0, 0}},
	}
	for _, c := range cases {
		e := w.EncodeSentence("The cat sat", c.opt)
		if !slices.Equal(e.IDs, c.ids) || !slices.Equal(e.AttentionMask, c.mask) || !slices.Equal(e.SegmentIDs, c.segment) || e.Len() != len(c.ids) {
			t.Errorf("%+v: got %v %v %v, want %v %v %v", c.opt, e.IDs, e.AttentionMask, e.SegmentIDs, c.ids, c.mask, c.segment)
		}
	}
	mustPanic(t, "EncodeSentence: MaxLen 1 cannot hold the 2 special tokens", func() { w.EncodeSentence("x", EncodeOptions{MaxLen: 1}) })
	mustPanic(t, "EncodeSentence: Pad needs MaxLen > 0", func() { w.EncodeSentence("x", EncodeOptions{Pad: true}) })
	mustPanic(t, "EncodePair: MaxLen 2 cannot hold the 3 special tokens", func() { w.EncodePair("x", "y", EncodeOptions{MaxLen: 2}) })
}

func TestEncodePair(t *testing.T) {
	w := toyVocab(t)
	// a = "the cat sat" (13 14 15), b = "un ##aff ##able !" (5 6 7 18).
	cases := []struct {
		opt                EncodeOptions
		ids, mask, segment []int
	}{
		{EncodeOptions{}, []int{2, 13, 14, 15, 3, 5, 6, 7, 18, 3}, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}},
		// Budget 6: cutting the longer b to 6-3 = 3 is enough.
		{EncodeOptions{MaxLen: 9}, []int{2, 13, 14, 15, 3, 5, 6, 7, 3}, []int{1, 1, 1, 1, 1, 1, 1, 1, 1}, []int{0, 0, 0, 0, 0, 1, 1, 1, 1}},
		// Budget 5: a (3) is more than half of it, so both are cut, and
		// the longer b keeps the odd token.
		{EncodeOptions{MaxLen: 8}, []int{2, 13, 14, 3, 5, 6, 7, 3}, []int{1, 1, 1, 1, 1, 1, 1, 1}, []int{0, 0, 0, 0, 1, 1, 1, 1}},
		{EncodeOptions{MaxLen: 6, Pad: true}, []int{2, 13, 3, 5, 6, 3}, []int{1, 1, 1, 1, 1, 1}, []int{0, 0, 0, 1, 1, 1}},
		{EncodeOptions{MaxLen: 12, Pad: true}, []int{2, 13, 14, 15, 3, 5, 6, 7, 18, 3, 0, 0}, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0}},
		{EncodeOptions{MaxLen: 3}, []int{2, 3, 3}, []int{1, 1, 1}, []int{0, 0, 1}},
	}
	for _, c := range cases {
		e := w.EncodePair("The cat sat", "unaffable!", c.opt)
		if !slices.Equal(e.IDs, c.ids) || !slices.Equal(e.AttentionMask, c.mask) || !slices.Equal(e.SegmentIDs, c.segment) {
			t.Errorf("%+v: got %v %v %v, want %v %v %v", c.opt, e.IDs, e.AttentionMask, e.SegmentIDs, c.ids, c.mask, c.segment)
		}
	}
}

// BERT's original _truncate_seq_pair takes one token at a time from the
// longer sentence. HuggingFace's formula keeps the same total and differs
// from it at most in where the odd token of a both-cut pair goes.
func TestTruncatePairAgainstLoop(t *testing.T) {
	for maxLen := 3; maxLen <= 14; maxLen++ {
		for na := range 16 {
			for nb := range 16 {
				a, b := truncatePair(make([]int, na), make([]int, nb), maxLen)
				la, lb := na, nb
				for la+lb > maxLen-3 {
					if la > lb {
						la--
					} else {
						lb--
					}
				}
				if len(a)+len(b) != la+lb || abs(len(a)-la) > 1 {
					t.Errorf("lengths %d, %d, MaxLen %d: kept %d, %d; the loop keeps %d, %d", na, nb, maxLen, len(a), len(b), la, lb)
				}
			}
		}
	}
}

func abs(x int) int { return max(x, -x) }

func TestEncodeBatch(t *testing.T) {
	w := toyVocab(t)
	b := w.EncodeBatch([]string{"the cat", "", "the cat sat"}, EncodeOptions{})
	if got := b.IDs.Shape(); !slices.Equal(got, []int{3, 5}) {
		t.Fatalf("IDs shape %v, want [3 5]", got)
	}
	wantIDs := []float32{2, 13, 14, 3, 0, 2, 3, 0, 0, 0, 2, 13, 14, 15, 3}
	wantMask := []float32{1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1}
	if !slices.Equal(b.IDs.Data(), wantIDs) || !slices.Equal(b.AttentionMask.Data(), wantMask) {
		t.Errorf("ids %v mask %v, want %v %v", b.IDs.Data(), b.AttentionMask.Data(), wantIDs, wantMask)
	}
	if !slices.Equal(b.SegmentIDs.Data(), make([]float32, 15)) || !slices.Equal(b.Lengths, []int{4, 2, 5}) {
		t.Errorf("segments %v lengths %v", b.SegmentIDs.Data(), b.Lengths)
	}

	p := w.EncodePairBatch([]string{"the", "cat sat"}, []string{"cat", "!"}, EncodeOptions{MaxLen: 6, Pad: true})
	if got := p.IDs.Shape(); !slices.Equal(got, []int{2, 6}) {
		t.Fatalf("pair IDs shape %v, want [2 6]", got)
	}
	wantIDs = []float32{2, 13, 3, 14, 3, 0, 2, 14, 15, 3, 18, 3}
	wantSeg := []float32{0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 1}
	if !slices.Equal(p.IDs.Data(), wantIDs) || !slices.Equal(p.SegmentIDs.Data(), wantSeg) || !slices.Equal(p.Lengths, []int{5, 6}) {
		t.Errorf("pairs: ids %v segments %v lengths %v, want %v %v [5 6]", p.IDs.Data(), p.SegmentIDs.Data(), p.Lengths, wantIDs, wantSeg)
	}
	mustPanic(t, "EncodePairBatch: 2 first sentences but 1 second ones", func() { w.EncodePairBatch([]string{"a", "b"}, []string{"c"}, EncodeOptions{}) })
	mustPanic(t, "WordPiece.Stack: encoding 0 has 2 ids, 1 mask entries", func() {
		w.Stack([]Encoding{{IDs: []int{1, 2}, AttentionMask: []int{1}, SegmentIDs: []int{0, 0}}})
	})
	if e := w.EncodeBatch(nil, EncodeOptions{}); !slices.Equal(e.IDs.Shape(), []int{0, 0}) {
		t.Errorf("empty batch has shape %v", e.IDs.Shape())
	}
}
