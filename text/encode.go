package text

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// EncodeOptions shape the model inputs built by EncodeSentence, EncodePair
// and the batch encoders. The zero value adds [CLS] and [SEP] and neither
// truncates nor pads, like HuggingFace's tokenizer(text).
type EncodeOptions struct {
	// MaxLen caps the length of an encoding, [CLS] and [SEP] included; 0
	// means no cap. Longer input loses tokens at its end. A pair is cut
	// like HuggingFace's "longest_first" (tokenizers 0.23): the longer
	// sentence only, when that is enough, else both to half of what is
	// left, the longer keeping the odd token; "longer" compares the
	// sentences' first MaxLen tokens, rounded up to a whole word. (BERT's
	// original _truncate_seq_pair can put the odd token elsewhere.)
	MaxLen int
	// Pad fills each encoding up to MaxLen with [PAD]. It needs MaxLen > 0.
	// Batches are padded to their longest row without it.
	Pad bool
}

// Encoding is one input of a BERT model, three slices of one length L:
//
//	IDs:           [CLS] a... [SEP] b... [SEP] [PAD]...
//	AttentionMask:   1    1     1    1     1     0
//	SegmentIDs:      0    0     0    1     1     0
//
// for a pair of sentences a and b; a single sentence stops after its first
// [SEP]. SegmentIDs are BERT's token_type_ids.
type Encoding struct {
	IDs           []int
	AttentionMask []int
	SegmentIDs    []int
}

// Len returns the number of positions, padding included.
func (e Encoding) Len() int { return len(e.IDs) }

// EncodeSentence encodes "[CLS] s [SEP]", truncated and padded as opt says.
// It panics if opt.MaxLen is in [1, 2) (too short for [CLS] and [SEP]) or
// opt.Pad is set without MaxLen.
func (w *WordPiece) EncodeSentence(s string, opt EncodeOptions) Encoding {
	const op = "EncodeSentence"
	checkOptions(op, opt, 2)
	a := w.appendIDs(nil, s, opt.tokenLimit())
	if opt.MaxLen > 0 && len(a)+2 > opt.MaxLen {
		a = a[:opt.MaxLen-2]
	}
	return w.assemble(a, nil, false, opt)
}

// EncodePair encodes "[CLS] a [SEP] b [SEP]", the input of BERT's
// sentence-pair tasks, truncated and padded as opt says. It panics if
// opt.MaxLen is in [1, 3) or opt.Pad is set without MaxLen.
func (w *WordPiece) EncodePair(a, b string, opt EncodeOptions) Encoding {
	const op = "EncodePair"
	checkOptions(op, opt, 3)
	// With MaxLen, each sentence is split into tokens only until it has
	// MaxLen of them, finishing the word at hand: the lengths compared by
	// truncatePair are those. HuggingFace's tokenizers 0.23 does the same,
	// which decides where the odd token goes when a sentence is long.
	ia, ib := w.appendIDs(nil, a, opt.tokenLimit()), w.appendIDs(nil, b, opt.tokenLimit())
	if opt.MaxLen > 0 {
		ia, ib = truncatePair(ia, ib, opt.MaxLen)
	}
	return w.assemble(ia, ib, true, opt)
}

// tokenLimit is how many tokens of a sentence are worth splitting: MaxLen,
// or all (-1) without it.
func (o EncodeOptions) tokenLimit() int {
	if o.MaxLen > 0 {
		return o.MaxLen
	}
	return -1
}

func checkOptions(op string, opt EncodeOptions, specials int) {
	if opt.MaxLen < 0 || (opt.MaxLen > 0 && opt.MaxLen < specials) {
		panic(fmt.Sprintf("deepgo: %s: MaxLen %d cannot hold the %d special tokens", op, opt.MaxLen, specials))
	}
	if opt.Pad && opt.MaxLen == 0 {
		panic(fmt.Sprintf("deepgo: %s: Pad needs MaxLen > 0", op))
	}
}

// truncatePair cuts a and b to fit "[CLS] a [SEP] b [SEP]" in maxLen
// positions, the way HuggingFace's "longest_first" (truncate_encodings in
// tokenizers/src/utils/truncation.rs) does: with budget = maxLen − 3, if
// cutting the longer one down to what the shorter leaves is enough, only
// the longer is cut; otherwise each gets half the budget, and the longer
// one (b when they are as long) gets the odd token.
// EncodePair gives it sentences already cut near maxLen tokens.
func truncatePair(a, b []int, maxLen int) ([]int, []int) {
	budget := maxLen - 3
	na, nb := len(a), len(b)
	if na+nb <= budget {
		return a, b
	}
	swap := na > nb
	short, long := na, nb
	if swap {
		short, long = nb, na
	}
	long = max(short, budget-short)
	if short+long > budget {
		short = budget / 2
		long = short + budget%2
	}
	if swap {
		short, long = long, short
	}
	return a[:short], b[:long]
}

// assemble adds the special tokens, the mask and the segments to a and b,
// and pads.
func (w *WordPiece) assemble(a, b []int, pair bool, opt EncodeOptions) Encoding {
	n := len(a) + 2
	if pair {
		n += len(b) + 1
	}
	total := n
	if opt.Pad && opt.MaxLen > n {
		total = opt.MaxLen
	}
	all := make([]int, 3*total) // one allocation for the three slices
	e := Encoding{IDs: all[:total:total], AttentionMask: all[total : 2*total : 2*total], SegmentIDs: all[2*total:]}
	ids := append(e.IDs[:0], w.cls)
	ids = append(ids, a...)
	ids = append(ids, w.sep)
	if pair {
		first := len(ids)
		ids = append(ids, b...)
		ids = append(ids, w.sep)
		for i := first; i < len(ids); i++ {
			e.SegmentIDs[i] = 1
		}
	}
	for i := range n {
		e.AttentionMask[i] = 1
	}
	for i := n; i < total; i++ {
		e.IDs[i] = w.pad
	}
	return e
}

// Batch is a batch of encodings padded to one length L, as tensors of
// float32-coded integers (the way deepgo passes indices, for example to an
// embedding lookup).
//
// # Shapes
//
// IDs, AttentionMask and SegmentIDs are [B, L]; Lengths has B entries.
type Batch struct {
	IDs           *tensor.Tensor // token ids, [PAD] after each row's end
	AttentionMask *tensor.Tensor // 1 for tokens, 0 for padding
	SegmentIDs    *tensor.Tensor // 0 for sentence a, 1 for sentence b, 0 for padding
	Lengths       []int          // tokens in each row before padding
}

// EncodeBatch encodes each text as EncodeSentence does and stacks the
// results into a Batch: L is opt.MaxLen when opt.Pad is set, else the
// longest row.
func (w *WordPiece) EncodeBatch(texts []string, opt EncodeOptions) Batch {
	checkOptions("EncodeBatch", opt, 2)
	encs := make([]Encoding, len(texts))
	for i, s := range texts {
		encs[i] = w.EncodeSentence(s, opt)
	}
	return w.Stack(encs)
}

// EncodePairBatch encodes each pair (a[i], b[i]) as EncodePair does and
// stacks them into a Batch. It panics if a and b differ in length.
func (w *WordPiece) EncodePairBatch(a, b []string, opt EncodeOptions) Batch {
	checkOptions("EncodePairBatch", opt, 3)
	if len(a) != len(b) {
		panic(fmt.Sprintf("deepgo: EncodePairBatch: %d first sentences but %d second ones", len(a), len(b)))
	}
	encs := make([]Encoding, len(a))
	for i := range a {
		encs[i] = w.EncodePair(a[i], b[i], opt)
	}
	return w.Stack(encs)
}

// Stack pads encodings with [PAD] (mask 0, segment 0) to the longest one
// and stacks them into a Batch. Lengths counts the positions whose mask
// is 1.
func (w *WordPiece) Stack(encs []Encoding) Batch {
	l := 0
	for i, e := range encs {
		if len(e.AttentionMask) != len(e.IDs) || len(e.SegmentIDs) != len(e.IDs) {
			panic(fmt.Sprintf("deepgo: WordPiece.Stack: encoding %d has %d ids, %d mask entries and %d segment ids", i, len(e.IDs), len(e.AttentionMask), len(e.SegmentIDs)))
		}
		l = max(l, len(e.IDs))
	}
	b := len(encs)
	ids, mask, seg := make([]float32, b*l), make([]float32, b*l), make([]float32, b*l)
	lengths := make([]int, b)
	for i, e := range encs {
		row := i * l
		for j := range l {
			if j >= len(e.IDs) {
				ids[row+j] = float32(w.pad)
				continue
			}
			ids[row+j] = float32(e.IDs[j])
			mask[row+j] = float32(e.AttentionMask[j])
			seg[row+j] = float32(e.SegmentIDs[j])
			lengths[i] += e.AttentionMask[j]
		}
	}
	return Batch{
		IDs:           tensor.New(ids, b, l),
		AttentionMask: tensor.New(mask, b, l),
		SegmentIDs:    tensor.New(seg, b, l),
		Lengths:       lengths,
	}
}
