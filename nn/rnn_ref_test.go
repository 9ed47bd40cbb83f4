package nn

import (
	"github.com/deepgo/deepgo/tensor"
)

// The reference recurrence, composed from plain tensor ops one sequence and
// one step at a time: slow and obviously right, the definition the fused op
// is tested against.

// refStep is one step of the cell for a single sequence: x [1, In], h and c
// [1, H].
func refStep(kind cellKind, w RecurrentWeights, x, h, c *tensor.Tensor) (hNew, cNew *tensor.Tensor) {
	gi := tensor.Linear(x, w.WeightIH, w.BiasIH)
	gh := tensor.Linear(h, w.WeightHH, w.BiasHH)
	switch kind {
	case cellTanh:
		return gi.Add(gh).Tanh(), nil
	case cellReLU:
		return gi.Add(gh).ReLU(), nil
	case cellLSTM:
		p := gi.Add(gh).Chunk(4, 1)
		i, f, g, o := p[0].Sigmoid(), p[1].Sigmoid(), p[2].Tanh(), p[3].Sigmoid()
		cNew = f.Mul(c).Add(i.Mul(g))
		return o.Mul(cNew.Tanh()), cNew
	}
	a, b := gi.Chunk(3, 1), gh.Chunk(3, 1)
	r, z := a[0].Add(b[0]).Sigmoid(), a[1].Add(b[1]).Sigmoid()
	n := a[2].Add(r.Mul(b[2])).Tanh()
	return n.Add(z.Mul(h.Sub(n))), nil
}

// refRun is RNNBase.run without dropout, one sequence and one step at a
// time: sequence b runs over its own length, backwards for the reverse
// direction, and its output is zero past that length.
func refRun(m *RNNBase, x, h0, c0 *tensor.Tensor, lengths []int) (out, hN, cN *tensor.Tensor) {
	seq := x
	if m.Options.BatchFirst {
		seq = x.Transpose(0, 1)
	}
	T, B, D, H := seq.Size(0), seq.Size(1), m.Directions(), m.HiddenSize
	state := func(s *tensor.Tensor, k, b int) *tensor.Tensor {
		if s == nil {
			return tensor.Zeros(1, H)
		}
		return s.Narrow(0, k, 1).Narrow(1, b, 1).Reshape(1, H)
	}
	var hs, cs []*tensor.Tensor
	input := seq
	for layer := 0; layer < m.Options.NumLayers; layer++ {
		var dirs []*tensor.Tensor
		for d := 0; d < D; d++ {
			k := layer*D + d
			steps := make([][]*tensor.Tensor, T) // steps[t][b]: [1, H]
			for t := range steps {
				steps[t] = make([]*tensor.Tensor, B)
			}
			var hb, cb []*tensor.Tensor
			for b := 0; b < B; b++ {
				n := T
				if lengths != nil {
					n = lengths[b]
				}
				h, c := state(h0, k, b), state(c0, k, b)
				for i := 0; i < n; i++ {
					t := i
					if d == 1 {
						t = n - 1 - i
					}
					xt := input.Narrow(0, t, 1).Narrow(1, b, 1).Reshape(1, input.Size(2))
					h, c = refStep(m.kind, m.Weights[k], xt, h, c)
					steps[t][b] = h
				}
				for t := n; t < T; t++ {
					steps[t][b] = tensor.Zeros(1, H)
				}
				hb, cb = append(hb, h), append(cb, c)
			}
			rows := make([]*tensor.Tensor, T)
			for t := range rows {
				rows[t] = tensor.Concat(steps[t], 0)
			}
			dirs = append(dirs, tensor.Stack(rows, 0))
			hs = append(hs, tensor.Concat(hb, 0))
			if m.kind == cellLSTM {
				cs = append(cs, tensor.Concat(cb, 0))
			}
		}
		input = tensor.Concat(dirs, 2)
	}
	out, hN = input, tensor.Stack(hs, 0)
	if m.kind == cellLSTM {
		cN = tensor.Stack(cs, 0)
	}
	if m.Options.BatchFirst {
		out = out.Transpose(0, 1)
	}
	return out, hN, cN
}
