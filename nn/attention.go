package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/deepgo/deepgo/tensor"
)

// AttentionOptions are the optional arguments of ScaledDotProductAttention;
// the zero value is plain attention with the usual 1/√d scale.
type AttentionOptions struct {
	// Dropout is the probability of zeroing each attention weight (the
	// survivors are scaled by 1/(1−p)). The function has no training flag:
	// pass 0 in evaluation, as PyTorch's dropout_p.
	Dropout float64
	// RNG draws the dropout mask (tensor's default generator when nil).
	RNG *tensor.RNG
	// Scale multiplies q·kᵀ; 0 means 1/√d, d the last dimension of q.
	Scale float64
}

// ScaledDotProductAttention is the attention of "Attention Is All You Need"
// (the course's self-attention formula):
//
//	weights = softmax(q·kᵀ·scale + mask),  out = dropout(weights)·v
//
// with scale = 1/√d by default. The scores, mask and softmax are one fused
// op with the two products (see attention_op.go), whose backward is
//
//	dP = dO·vᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P)),
//	dq = scale·dS·k,  dk = scale·dSᵀ·q,  dv = Pᵀ·dO.
//
// mask (nil for none) is a boolean or additive Mask whose shape broadcasts
// to the scores [..., Lq, Lk]: [Lq, Lk] for one mask shared by the whole
// batch (CausalMask(L)), [N, 1, 1, Lk] for key padding of q [N, H, Lq, d].
// It is not differentiated.
//
// weights are the attention probabilities after dropout (what multiplied
// v), part of the graph like out. When only out is used, the backward
// still receives zeros for weights; MultiheadAttention avoids that cost
// when it is not asked for weights.
//
// # Shapes
//
//   - q: [..., Lq, d]; k: [..., Lk, d]; v: [..., Lk, dv], with the same
//     leading (batch) dimensions, which may be none;
//   - out: [..., Lq, dv]; weights: [..., Lq, Lk].
func ScaledDotProductAttention(q, k, v *tensor.Tensor, mask *Mask, opt AttentionOptions) (out, weights *tensor.Tensor) {
	const op = "ScaledDotProductAttention"
	qs, ks, vs := q.Shape(), k.Shape(), v.Shape()
	r := len(qs)
	if r < 2 || len(ks) != r || len(vs) != r || !slices.Equal(qs[:r-2], ks[:r-2]) || !slices.Equal(qs[:r-2], vs[:r-2]) ||
		qs[r-1] != ks[r-1] || ks[r-2] != vs[r-2] {
		panic(fmt.Sprintf("deepgo: %s: q %v, k %v, v %v: want q [..., Lq, d], k [..., Lk, d] and v [..., Lk, dv] with the same leading dimensions",
			op, qs, ks, vs))
	}
	if !(opt.Dropout >= 0 && opt.Dropout <= 1) {
		panic(fmt.Sprintf("deepgo: %s: dropout %g is outside [0, 1]", op, opt.Dropout))
	}
	batch := qs[:r-2]
	lq, lk, d, dv := qs[r-2], ks[r-2], qs[r-1], vs[r-1]
	scale := opt.Scale
	if scale == 0 {
		scale = 1 / math.Sqrt(float64(d))
	}
	srcs, idx := distinctInputs(q, k, v)
	p := &attnPlan{
		op: op, nb: normalizedSize(batch), nh: 1, lq: lq, lk: lk, dk: d, dv: dv, scale: float32(scale),
		q:            attnView{src: idx[0], batch: lq * d, ld: d},
		k:            attnView{src: idx[1], batch: lk * d, ld: d},
		v:            attnView{src: idx[2], batch: lk * dv, ld: dv},
		out:          attnView{batch: lq * dv, ld: dv},
		outShape:     append(slices.Clone(batch), lq, dv),
		weightsShape: append(slices.Clone(batch), lq, lk),
		mask:         broadcastMaskPlan(op, mask, batch, lq, lk),
		drop:         newDropMask(opt.Dropout, opt.RNG),
		weights:      weightsGraph,
	}
	return p.run(srcs)
}
