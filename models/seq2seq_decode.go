package models

import (
	"fmt"
	"math"
	"slices"
	"sort"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// Greedy decodes every source of src [N, S] at once: starting from BOS, it
// appends at each step each sequence's most likely next token (never Pad
// or BOS), until every sequence has produced EOS or maxLen tokens (EOS
// included). It returns the tokens of each sequence without BOS and EOS.
// maxLen may not exceed Options.MaxLen, the decoder's longest input.
//
// The source is encoded once; each step reruns the decoder over the prefix
// so far (the targets here are short) and the generator over its last
// position only. Greedy runs in evaluation mode without recording
// gradients, and puts the model back in its previous mode.
func (m *Seq2SeqTransformer) Greedy(src *tensor.Tensor, maxLen int) [][]int {
	if maxLen < 1 {
		panic(fmt.Sprintf("deepgo: Seq2SeqTransformer: Greedy: maxLen %d must be positive", maxLen))
	}
	m.checkIDs("Greedy", "src", src, m.Options.SrcVocab)
	if maxLen > m.Options.MaxLen {
		panic(fmt.Sprintf("deepgo: Seq2SeqTransformer: Greedy: maxLen %d exceeds MaxLen %d", maxLen, m.Options.MaxLen))
	}
	n := src.Size(0)
	out := make([][]int, n)
	done := make([]bool, n)
	m.evalNoGrad(func() {
		memory, srcPad := m.Encode(src)
		prefix := make([]float32, 0, n*(maxLen+1)) // [N, t] row-major, rebuilt per step
		seqs := make([][]int, n)
		for i := range seqs {
			seqs[i] = []int{m.Options.BOS}
		}
		for step := 0; step < maxLen; step++ {
			t := step + 1
			prefix = prefix[:0]
			for _, s := range seqs {
				for _, id := range s {
					prefix = append(prefix, float32(id))
				}
			}
			logits := m.nextLogits(tensor.New(slices.Clone(prefix), n, t), memory, srcPad)
			m.forbidSpecials(logits)
			next := logits.Argmax(1).Data()
			remaining := 0
			for i := range seqs {
				id := int(next[i])
				if done[i] {
					id = m.Options.Pad
				} else if id == m.Options.EOS {
					done[i] = true
				} else {
					out[i] = append(out[i], id)
					remaining++
				}
				seqs[i] = append(seqs[i], id)
			}
			if remaining == 0 {
				break
			}
		}
	})
	return out
}

// nextLogits returns the logits of the token after the last position of
// tgt [N, t]: [N, TgtVocab].
func (m *Seq2SeqTransformer) nextLogits(tgt, memory *tensor.Tensor, srcPad *nn.Mask) *tensor.Tensor {
	t := tgt.Size(1)
	h := m.decodeHidden(tgt, memory, srcPad).Narrow(1, t-1, 1)
	return m.Generator.Forward(h.Reshape(tgt.Size(0), m.Options.DModel))
}

// forbidSpecials sets the logits of Pad and BOS to −Inf in logits
// [N, TgtVocab] (a fresh tensor outside the graph): a decoder never emits
// them.
func (m *Seq2SeqTransformer) forbidSpecials(logits *tensor.Tensor) {
	v, d := m.Options.TgtVocab, logits.Data()
	for r := 0; r < len(d)/v; r++ {
		d[r*v+m.Options.Pad] = float32(math.Inf(-1))
		d[r*v+m.Options.BOS] = float32(math.Inf(-1))
	}
}

// evalNoGrad runs fn in evaluation mode without recording gradients.
func (m *Seq2SeqTransformer) evalNoGrad(fn func()) {
	was := m.Training()
	nn.Eval(m)
	defer m.SetTraining(was)
	tensor.NoGrad(fn)
}

// Beam decodes one source src [1, S] with a beam search of width beam: it
// keeps the beam most likely prefixes by summed log-probability, moves a
// prefix to the finished list when it produces EOS, and stops when the best
// finished hypothesis scores better than every open prefix can (scores only
// decrease) or after maxLen tokens. It returns the best hypothesis by
// log-probability, without BOS and EOS, and that log-probability (the
// softmax being taken without Pad and BOS, which are never emitted). Beam
// 1 gives Greedy's tokens.
func (m *Seq2SeqTransformer) Beam(src *tensor.Tensor, beam, maxLen int) ([]int, float64) {
	if beam < 1 || maxLen < 1 {
		panic(fmt.Sprintf("deepgo: Seq2SeqTransformer: Beam: beam %d and maxLen %d must be positive", beam, maxLen))
	}
	m.checkIDs("Beam", "src", src, m.Options.SrcVocab)
	if src.Size(0) != 1 {
		panic(fmt.Sprintf("deepgo: Seq2SeqTransformer: Beam: src %v: want one source [1 S]", src.Shape()))
	}
	if maxLen > m.Options.MaxLen {
		panic(fmt.Sprintf("deepgo: Seq2SeqTransformer: Beam: maxLen %d exceeds MaxLen %d", maxLen, m.Options.MaxLen))
	}
	type hyp struct {
		ids   []int // BOS first
		score float64
	}
	open := []hyp{{ids: []int{m.Options.BOS}}}
	var best *hyp
	m.evalNoGrad(func() {
		memory1, srcPad1 := m.Encode(src)
		for step := 0; step < maxLen && len(open) > 0; step++ {
			k, t := len(open), step+1
			rows := make([]int, k) // every open prefix reads the same memory
			memory := memory1.IndexSelect(0, rows)
			var srcPad *nn.Mask
			if srcPad1 != nil {
				srcPad = nn.BoolMask(srcPad1.Tensor().IndexSelect(0, rows))
			}
			prefix := make([]float32, 0, k*t)
			for _, h := range open {
				for _, id := range h.ids {
					prefix = append(prefix, float32(id))
				}
			}
			logits := m.nextLogits(tensor.New(prefix, k, t), memory, srcPad)
			m.forbidSpecials(logits)
			logp := logits.LogSoftmax(1).Data()
			v := m.Options.TgtVocab
			var cand []hyp
			for i, h := range open {
				for id := 0; id < v; id++ {
					if math.IsInf(float64(logp[i*v+id]), -1) {
						continue
					}
					cand = append(cand, hyp{ids: append(slices.Clone(h.ids), id), score: h.score + float64(logp[i*v+id])})
				}
			}
			sort.SliceStable(cand, func(a, b int) bool { return cand[a].score > cand[b].score })
			open = open[:0]
			for _, c := range cand {
				if len(open) == beam {
					break
				}
				if c.ids[len(c.ids)-1] == m.Options.EOS {
					if best == nil || c.score > best.score {
						best = &c
					}
					continue
				}
				open = append(open, c)
			}
			if best != nil && (len(open) == 0 || best.score >= open[0].score) {
				break
			}
		}
		if best == nil && len(open) > 0 { // maxLen reached without EOS
			best = &open[0]
		}
	})
	if best == nil {
		return nil, math.Inf(-1)
	}
	ids := best.ids[1:]
	if len(ids) > 0 && ids[len(ids)-1] == m.Options.EOS {
		ids = ids[:len(ids)-1]
	}
	return ids, best.score
}
