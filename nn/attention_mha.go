package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/tensor"
)

// MultiheadAttentionOptions holds the arguments of MultiheadAttention after
// the embedding size and head count, with torch.nn.MultiheadAttention's
// defaults for zero values:
//
//   - Dropout: probability of dropping an attention weight in training
//     (default 0).
//   - NoBias: leave out in_proj_bias and out_proj.bias (bias=False).
//   - BatchFirst: inputs and outputs are [N, L, E] instead of [L, N, E].
//   - KDim, VDim: feature sizes of key and value (default EmbedDim). When
//     either differs from EmbedDim, the projections are the separate
//     parameters q_proj_weight, k_proj_weight and v_proj_weight instead of
//     in_proj_weight, as in PyTorch.
//
// PyTorch's add_bias_kv and add_zero_attn are not supported.
type MultiheadAttentionOptions struct {
	Dropout    float64
	NoBias     bool
	BatchFirst bool
	KDim, VDim int
}

// MultiheadAttention is torch.nn.MultiheadAttention: the queries, keys and
// values are projected, split into NumHeads heads of HeadDim = EmbedDim /
// NumHeads features, each head attends on its own (ScaledDotProductAttention),
// and the heads' outputs, side by side, go through the output projection:
//
//	head_i = softmax(q·W_qiᵀ (k·W_kiᵀ)ᵀ / √HeadDim + mask)·(v·W_viᵀ)
//	out    = [head_1 … head_H]·W_oᵀ + b_o
//
// Self-attention (the same tensor as query, key and value) projects with
// one GEMM into [tokens, 3·EmbedDim]; the heads are read from it in place
// and written in place for the output projection, with no transposes.
//
// Initialization, as in PyTorch: in_proj_weight (or the three separate
// projection weights) xavier_uniform, in_proj_bias and out_proj.bias
// zeros, out_proj.weight Linear's default.
//
// Parameters: "in_proj_weight" [3E, E] ("q_proj_weight" [E, E],
// "k_proj_weight" [E, KDim] and "v_proj_weight" [E, VDim] instead when
// KDim or VDim differs from E), "in_proj_bias" [3E], "out_proj.weight"
// [E, E] and "out_proj.bias" [E], E being EmbedDim.
//
// # Shapes
//
// See Attend. Forward is self-attention without masks: x [L, N, E], or
// [N, L, E] with BatchFirst, or [L, E] unbatched, to the same shape.
type MultiheadAttention struct {
	Base
	EmbedDim, NumHeads, HeadDim int
	KDim, VDim                  int
	Dropout                     float64
	BatchFirst                  bool
	// InProjWeight [3E, E] holds the query, key and value projections
	// stacked; nil when KDim or VDim differs from E, and the separate
	// QProjWeight [E, E], KProjWeight [E, KDim], VProjWeight [E, VDim] are
	// used instead.
	InProjWeight                          *tensor.Tensor
	QProjWeight, KProjWeight, VProjWeight *tensor.Tensor
	InProjBias                            *tensor.Tensor // [3E], nil with NoBias
	OutProj                               *Linear        // E → E
	rng                                   *tensor.RNG
}

// NewMultiheadAttention makes an attention over embedDim features split
// into numHeads heads, initialized from rng (tensor's default generator when
// nil), which also draws the dropout masks.
func NewMultiheadAttention(embedDim, numHeads int, opt MultiheadAttentionOptions, rng *tensor.RNG) *MultiheadAttention {
	const op = "NewMultiheadAttention"
	if embedDim <= 0 || numHeads <= 0 || embedDim%numHeads != 0 {
		panic(fmt.Sprintf("deepgo: %s: embed_dim=%d must be a positive multiple of num_heads=%d", op, embedDim, numHeads))
	}
	if opt.KDim == 0 {
		opt.KDim = embedDim
	}
	if opt.VDim == 0 {
		opt.VDim = embedDim
	}
	if opt.KDim < 0 || opt.VDim < 0 {
		panic(fmt.Sprintf("deepgo: %s: kdim=%d and vdim=%d must be positive", op, opt.KDim, opt.VDim))
	}
	checkDropP(op, opt.Dropout)
	e := embedDim
	m := &MultiheadAttention{EmbedDim: e, NumHeads: numHeads, HeadDim: e / numHeads, KDim: opt.KDim, VDim: opt.VDim,
		Dropout: opt.Dropout, BatchFirst: opt.BatchFirst, rng: rng}
	if m.sameDims() {
		m.InProjWeight = tensor.Zeros(3*e, e)
		m.RegisterParameter("in_proj_weight", m.InProjWeight)
	} else {
		m.QProjWeight, m.KProjWeight, m.VProjWeight = tensor.Zeros(e, e), tensor.Zeros(e, opt.KDim), tensor.Zeros(e, opt.VDim)
		m.RegisterParameter("q_proj_weight", m.QProjWeight)
		m.RegisterParameter("k_proj_weight", m.KProjWeight)
		m.RegisterParameter("v_proj_weight", m.VProjWeight)
	}
	if !opt.NoBias {
		m.InProjBias = tensor.Zeros(3 * e)
		m.RegisterParameter("in_proj_bias", m.InProjBias)
	}
	m.OutProj = NewLinear(e, e, rng, WithBias(!opt.NoBias))
	m.RegisterModule("out_proj", m.OutProj)
	m.ResetParameters(rng)
	return m
}

func (m *MultiheadAttention) sameDims() bool { return m.KDim == m.EmbedDim && m.VDim == m.EmbedDim }

// ResetParameters redraws the parameters as PyTorch's _reset_parameters
// does: xavier_uniform projection weights and zero biases (out_proj.weight
// keeps the Linear initialization it was created with).
func (m *MultiheadAttention) ResetParameters(rng *tensor.RNG) {
	if m.InProjWeight != nil {
		XavierUniform(m.InProjWeight, 1, rng)
	} else {
		XavierUniform(m.QProjWeight, 1, rng)
		XavierUniform(m.KProjWeight, 1, rng)
		XavierUniform(m.VProjWeight, 1, rng)
	}
	if m.InProjBias != nil {
		Zeros(m.InProjBias)
		Zeros(m.OutProj.Bias)
	}
}

// String describes the layer and its options, like PyTorch's repr.
func (m *MultiheadAttention) String() string {
	return fmt.Sprintf("MultiheadAttention(embed_dim=%d, num_heads=%d, dropout=%g, bias=%t, batch_first=%t, kdim=%d, vdim=%d)",
		m.EmbedDim, m.NumHeads, m.Dropout, m.InProjBias != nil, m.BatchFirst, m.KDim, m.VDim)
}

// AttnWeights says which attention weights MultiheadAttention.Attend
// returns.
type AttnWeights int

const (
	// WeightsAveraged returns the weights averaged over the heads, [N, L, S]
	// (PyTorch's default need_weights=True, average_attn_weights=True).
	WeightsAveraged AttnWeights = iota
	// WeightsPerHead returns every head's weights, [N, NumHeads, L, S]
	// (average_attn_weights=False): the attention maps.
	WeightsPerHead
	// WeightsNone returns nil weights (need_weights=False), which saves
	// their gradient in the backward.
	WeightsNone
)

// AttendOptions are the optional arguments of MultiheadAttention.Attend;
// the zero value means no masks and averaged weights, as PyTorch's
// defaults.
type AttendOptions struct {
	// KeyPaddingMask marks keys to ignore, [N, S] ([S] unbatched); usually
	// BoolMask(tokens.Eq(padID)).
	KeyPaddingMask *Mask
	// AttnMask restricts which keys each query sees: [L, S] for the whole
	// batch (CausalMask(L) for a decoder), or [N·NumHeads, L, S].
	AttnMask *Mask
	// Weights chooses the returned weights (default averaged over heads).
	Weights AttnWeights
}

// Forward is self-attention of x on itself without masks; it returns the
// output only.
func (m *MultiheadAttention) Forward(x *tensor.Tensor) *tensor.Tensor {
	out, _ := m.Attend(x, x, x, AttendOptions{Weights: WeightsNone})
	return out
}

// Attend is PyTorch's MultiheadAttention.forward(query, key, value, ...):
// each of the L queries attends to the S keys and mixes their values.
// Dropout on the weights applies in training mode. The weights returned
// are those after dropout (what PyTorch 1.13 returns), part of the graph.
//
// # Shapes
//
//   - query: [L, N, E] ([N, L, E] with BatchFirst, [L, E] unbatched);
//   - key: [S, N, KDim], value: [S, N, VDim] (likewise);
//   - out: query's shape;
//   - weights: [N, L, S] averaged, [N, NumHeads, L, S] per head (without
//     the N for unbatched inputs, whatever BatchFirst says).
func (m *MultiheadAttention) Attend(query, key, value *tensor.Tensor, opt AttendOptions) (out, weights *tensor.Tensor) {
	return m.attend(query, key, value, opt, weightsOff)
}

// attend is Attend; keep, when not weightsOff, overrides opt.Weights with
// per-head weights in that mode (the transformer layers keep detached
// attention maps).
func (m *MultiheadAttention) attend(query, key, value *tensor.Tensor, opt AttendOptions, keep weightsMode) (out, weights *tensor.Tensor) {
	const op = "MultiheadAttention"
	e := m.EmbedDim
	qs, ks, vs := query.Shape(), key.Shape(), value.Shape()
	batched := len(qs) == 3
	bad := func(why string) {
		layout := "[L N E] (or [N L E] with batch_first, [L E] unbatched)"
		if m.BatchFirst {
			layout = "[N L E] (or [L E] unbatched)"
		}
		panic(fmt.Sprintf("deepgo: %s: query %v, key %v, value %v: %s; want %s with E=%d, kdim=%d, vdim=%d",
			op, qs, ks, vs, why, layout, e, m.KDim, m.VDim))
	}
	if (len(qs) != 2 && len(qs) != 3) || len(ks) != len(qs) || len(vs) != len(qs) {
		bad("ranks differ or are not 2 or 3")
	}
	if qs[len(qs)-1] != e || ks[len(ks)-1] != m.KDim || vs[len(vs)-1] != m.VDim {
		bad("feature sizes do not match")
	}
	// lq, lk: sequence lengths; nb: batch; seqAxis: where L sits.
	nb, seqAxis := 1, 0
	if batched {
		batchAxis := 1
		if m.BatchFirst {
			batchAxis, seqAxis = 0, 1
		}
		nb = qs[batchAxis]
		if ks[batchAxis] != nb || vs[batchAxis] != nb {
			bad("batch sizes differ")
		}
	}
	lq, lk := qs[seqAxis], ks[seqAxis]
	if vs[seqAxis] != lk {
		bad("key and value lengths differ")
	}
	kpm := opt.KeyPaddingMask
	if kpm != nil && !batched {
		kpm = &Mask{values: kpm.values.Reshape(append([]int{1}, kpm.Shape()...)...), isBool: kpm.isBool}
	}
	nh, hd := m.NumHeads, m.HeadDim

	// Projections: one GEMM for self-attention, two when key is value.
	projs, cols := m.project(query, key, value)
	srcs, idx := distinctInputs(projs[0], projs[1], projs[2])
	// view places head h of batch entry b of a projection of width w
	// (features per token) and length l, starting at column col.
	view := func(i, l int) attnView {
		w := projs[i].Shape()[len(projs[i].Shape())-1]
		v := attnView{src: idx[i], off: cols[i], head: hd}
		if m.BatchFirst || !batched {
			v.batch, v.ld = l*w, w
		} else {
			v.batch, v.ld = w, nb*w
		}
		return v
	}
	mode := weightsOff
	if keep != weightsOff {
		mode = keep
	} else if opt.Weights != WeightsNone {
		mode = weightsGraph
	}
	p := &attnPlan{
		op: op, nb: nb, nh: nh, lq: lq, lk: lk, dk: hd, dv: hd, scale: float32(1 / math.Sqrt(float64(hd))),
		q: view(0, lq), k: view(1, lk), v: view(2, lk),
		outShape:     qs,
		weightsShape: []int{nb, nh, lq, lk},
		mask:         multiheadMaskPlan(op, opt.AttnMask, kpm, nb, nh, lq, lk),
		weights:      mode,
	}
	p.out = view(0, lq)
	p.out.src, p.out.off = 0, 0
	if m.BatchFirst || !batched {
		p.out.batch, p.out.ld = lq*e, e
	} else {
		p.out.batch, p.out.ld = e, nb*e
	}
	if m.Training() && m.Dropout > 0 {
		p.drop = newDropMask(m.Dropout, m.rng)
	}
	p.ownsSrcs = len(srcs) == 1 && m.InProjWeight != nil // the pooled qkv of self-attention
	ctx, w := p.run(srcs)
	out = rowLinear(ctx, m.OutProj.Weight, m.OutProj.Bias, false)
	if w == nil || keep != weightsOff {
		return out, w
	}
	if opt.Weights == WeightsAveraged {
		w = w.Mean(1)
	}
	if !batched {
		w = w.Squeeze(0)
	}
	return out, w
}

// project returns the query, key and value projections and the column at
// which each starts in its tensor. Self-attention makes one tensor
// [..., 3E] (the same tensor three times); key == value makes the query's
// [..., E] and a shared [..., 2E].
func (m *MultiheadAttention) project(query, key, value *tensor.Tensor) ([3]*tensor.Tensor, [3]int) {
	e := m.EmbedDim
	self := query == key && key == value && m.InProjWeight != nil
	shared := key == value && m.InProjWeight != nil // key and value projected together
	if self {
		// Only the attention op reads qkv (its own backward does not), so
		// it comes from the pool and the attention gives it back.
		qkv := rowLinear(query, m.InProjWeight, m.InProjBias, true)
		return [3]*tensor.Tensor{qkv, qkv, qkv}, [3]int{0, e, 2 * e}
	}
	sizes := []int{e, e, e}
	if shared {
		sizes = []int{e, 2 * e}
	}
	b := make([]*tensor.Tensor, 3)
	if m.InProjBias != nil {
		copy(b, m.InProjBias.Split(sizes, 0))
	}
	if m.InProjWeight == nil {
		return [3]*tensor.Tensor{
			linearNone(query, m.QProjWeight, b[0]),
			linearNone(key, m.KProjWeight, b[1]),
			linearNone(value, m.VProjWeight, b[2]),
		}, [3]int{}
	}
	w := m.InProjWeight.Split(sizes, 0)
	if shared {
		q, kv := linearNone(query, w[0], b[0]), linearNone(key, w[1], b[1])
		return [3]*tensor.Tensor{q, kv, kv}, [3]int{0, 0, e}
	}
	return [3]*tensor.Tensor{
		linearNone(query, w[0], b[0]),
		linearNone(key, w[1], b[1]),
		linearNone(value, w[2], b[2]),
	}, [3]int{}
}

// linearNone is the plain fully connected op, x·wᵀ + b.
func linearNone(x, w, b *tensor.Tensor) *tensor.Tensor { return rowLinear(x, w, b, false) }
