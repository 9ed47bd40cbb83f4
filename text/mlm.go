package text

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// IgnoreIndex is the label MaskTokens gives to the positions that the loss
// must skip: PyTorch's −100, the default ignore index of nn.CrossEntropy.
const IgnoreIndex = -100

// MaskProb is BERT's masking rate: 15% of the tokens are chosen.
const MaskProb = 0.15

// MaskTokens corrupts ids for masked-language-model pre-training (BERT,
// section 3.1). Each position that is not special is chosen with
// probability prob (MaskProb in BERT); a chosen token is replaced by
// maskID 80% of the time, by a token drawn uniformly from [0, vocabSize)
// 10% of the time, and left as it is 10% of the time.
//
// It returns the corrupted inputs and the labels: the original id at the
// chosen positions and IgnoreIndex everywhere else, so that the loss counts
// the chosen positions only. special[i] marks the positions never chosen
// ([CLS], [SEP], [PAD], ...; see WordPiece.SpecialMask); nil means none.
// The draws come from rng, three at most per position and in order, so
// the same seed gives the same masks; a nil rng is seeded from tensor's
// default generator (see tensor.ManualSeed).
//
// It panics if special and ids differ in length, prob is outside [0, 1],
// vocabSize < 1 or maskID is outside [0, vocabSize).
func MaskTokens(ids []int, special []bool, maskID, vocabSize int, prob float64, rng *tensor.RNG) (inputs, labels []int) {
	const op = "MaskTokens"
	switch {
	case special != nil && len(special) != len(ids):
		panic(fmt.Sprintf("deepgo: %s: %d ids but %d special flags", op, len(ids), len(special)))
	case !(prob >= 0 && prob <= 1):
		panic(fmt.Sprintf("deepgo: %s: probability %v is outside [0, 1]", op, prob))
	case vocabSize < 1:
		panic(fmt.Sprintf("deepgo: %s: vocabulary size %d", op, vocabSize))
	case maskID < 0 || maskID >= vocabSize:
		panic(fmt.Sprintf("deepgo: %s: mask id %d outside the vocabulary [0, %d)", op, maskID, vocabSize))
	}
	if rng == nil {
		rng = seededFromDefault()
	}
	inputs = make([]int, len(ids))
	labels = make([]int, len(ids))
	copy(inputs, ids)
	for i, id := range ids {
		labels[i] = IgnoreIndex
		if special != nil && special[i] {
			continue
		}
		if rng.Float64() >= prob {
			continue
		}
		labels[i] = id
		switch u := rng.Float64(); {
		case u < 0.8:
			inputs[i] = maskID
		case u < 0.9:
			inputs[i] = rng.IntN(vocabSize)
		}
	}
	return inputs, labels
}

// SpecialMask marks the positions of ids that hold one of the five special
// tokens ([PAD], [UNK], [CLS], [SEP], [MASK]), for MaskTokens. [UNK] is
// among them, as in HuggingFace's masking: predicting it teaches nothing.
func (w *WordPiece) SpecialMask(ids []int) []bool {
	m := make([]bool, len(ids))
	for i, id := range ids {
		m[i] = w.IsSpecial(id)
	}
	return m
}

// MaskBatch applies MaskTokens to each row of a Batch, with this
// vocabulary's [MASK], size and special tokens, and returns the corrupted
// ids and the labels as float32-coded tensors.
//
// # Shapes
//
// b.IDs is [B, L]; inputs and labels are [B, L], labels holding
// IgnoreIndex at the positions not chosen: flattened to [B·L], they are the
// targets of nn.CrossEntropy over the logits [B·L, Size()].
func (w *WordPiece) MaskBatch(b Batch, prob float64, rng *tensor.RNG) (inputs, labels *tensor.Tensor) {
	shape := b.IDs.Shape()
	if len(shape) != 2 {
		panic(fmt.Sprintf("deepgo: MaskBatch: ids %v: want [B, L]", shape))
	}
	n, l := shape[0], shape[1]
	if rng == nil {
		rng = seededFromDefault()
	}
	src := b.IDs.Data()
	in, lab := make([]float32, n*l), make([]float32, n*l)
	row := make([]int, l)
	for i := range n {
		for j := range l {
			v := src[i*l+j]
			id := int(v)
			if float32(id) != v || id < 0 || id >= len(w.tokens) {
				panic(fmt.Sprintf("deepgo: MaskBatch: ids %v: entry [%d %d] = %v is not a token id of a %d-token vocabulary", shape, i, j, v, len(w.tokens)))
			}
			row[j] = id
		}
		ri, rl := MaskTokens(row, w.SpecialMask(row), w.mask, len(w.tokens), prob, rng)
		for j := range l {
			in[i*l+j] = float32(ri[j])
			lab[i*l+j] = float32(rl[j])
		}
	}
	return tensor.New(in, n, l), tensor.New(lab, n, l)
}

// seededFromDefault returns a generator seeded by tensor's default one.
// The tensor package exports that generator only through its random
// constructors, so the seed is read from two uniform draws (24 bits each).
func seededFromDefault() *tensor.RNG {
	u := tensor.Rand(nil, 2).Data()
	return tensor.NewRNG(uint64(u[0]*(1<<24))<<24 | uint64(u[1]*(1<<24)))
}
