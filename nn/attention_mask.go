package nn

import (
	"fmt"
	"math"
	"slices"

	"github.com/deepgo/deepgo/tensor"
)

// Mask tells an attention which keys each query may look at. It is one of
// two kinds, as in torch.nn.MultiheadAttention:
//
//   - boolean (BoolMask): 1 (true) where attention is not allowed, 0 where it
//     is. deepgo tensors hold float32 only, so a boolean mask is a tensor of
//     0s and 1s, such as the result of a comparison: BoolMask(ids.Eq(pad))
//     is a key padding mask. Any non-zero value counts as true.
//   - additive (AdditiveMask): values added to the scaled scores before the
//     softmax: 0 keeps a key, −Inf removes it, anything else biases it.
//
// The wrapper makes the reading explicit, because the same 0/1 tensor means
// opposite things under the two conventions. (PyTorch 2's
// F.scaled_dot_product_attention reads booleans the other way round, true
// meaning "may attend"; deepgo uses MultiheadAttention's convention
// everywhere.) A query whose keys are all masked gets NaN weights, as in
// PyTorch.
//
// Masks are constants: they are not differentiated.
type Mask struct {
	values *tensor.Tensor
	isBool bool
}

// BoolMask wraps t as a boolean mask: non-zero means "may not attend".
func BoolMask(t *tensor.Tensor) *Mask { return &Mask{values: t, isBool: true} }

// AdditiveMask wraps t as an additive mask: its values are added to the
// attention scores (0 keeps, −Inf blocks).
func AdditiveMask(t *tensor.Tensor) *Mask { return &Mask{values: t} }

// CausalMask returns the [l, l] boolean mask that lets position i attend to
// positions 0..i only: true (1) above the diagonal. Its Additive form is
// PyTorch's Transformer.generate_square_subsequent_mask(l), −Inf above the
// diagonal and 0 elsewhere.
func CausalMask(l int) *Mask {
	if l <= 0 {
		panic(fmt.Sprintf("deepgo: CausalMask: length %d must be positive", l))
	}
	t := tensor.Zeros(l, l)
	d := t.Data()
	for i := 0; i < l; i++ {
		for j := i + 1; j < l; j++ {
			d[i*l+j] = 1
		}
	}
	return BoolMask(t)
}

// Shape returns the mask's shape.
func (m *Mask) Shape() []int { return m.values.Shape() }

// IsBool reports whether m is a boolean mask.
func (m *Mask) IsBool() bool { return m.isBool }

// Tensor returns the values m wraps, as given.
func (m *Mask) Tensor() *tensor.Tensor { return m.values }

// Additive returns the mask in additive form, a tensor of m's shape: for a
// boolean mask a new tensor of 0 (allowed) and −Inf (not allowed), for an
// additive mask its own values.
func (m *Mask) Additive() *tensor.Tensor {
	if !m.isBool {
		return m.values
	}
	out := tensor.Zeros(m.values.Shape()...)
	m.addTo(out.Data(), 0, 1)
	return out
}

// String names the mask kind and shape, as BoolMask[5 5].
func (m *Mask) String() string {
	kind := "AdditiveMask"
	if m.isBool {
		kind = "BoolMask"
	}
	return fmt.Sprintf("%s%v", kind, m.values.Shape())
}

var maskNegInf = float32(math.Inf(-1))

// addTo adds n of the mask's additive values, starting at element off, to
// dst: dst[i] += value(off + i·step).
func (m *Mask) addTo(dst []float32, off, step int) {
	src := m.values.Data()
	for i := range dst {
		v := src[off+i*step]
		if m.isBool {
			if v != 0 {
				dst[i] = maskNegInf
			}
			continue
		}
		dst[i] += v
	}
}

// maskPlan is the additive mask of an attention over tasks (batch entry,
// head) t = b·heads + h, in the layout the core reads: the [lq, lk] block of
// task t starts at (t/div)·block in data, and its rows are rowStride apart
// (0 when every query shares one row, as with a key padding mask alone).
type maskPlan struct {
	data                  []float32
	div, block, rowStride int
}

// fill writes the mask block of task t into s, [lq, lk] row-major.
func (p *maskPlan) fill(s []float32, t, lq, lk int) {
	base := (t / p.div) * p.block
	if p.rowStride == lk {
		copy(s, p.data[base:base+lq*lk])
		return
	}
	for i := 0; i < lq; i++ {
		copy(s[i*lk:(i+1)*lk], p.data[base+i*p.rowStride:base+i*p.rowStride+lk])
	}
}

// multiheadMaskPlan merges MultiheadAttention's masks into one additive
// plan, as F.multi_head_attention_forward does: attn is [lq, lk] (shared by
// every task) or [nb·nh, lq, lk], kpm is [nb, lk] and masks whole key
// columns of batch entry b. Either may be nil; both nil gives nil.
func multiheadMaskPlan(op string, attn, kpm *Mask, nb, nh, lq, lk int) *maskPlan {
	if attn == nil && kpm == nil {
		return nil
	}
	perTask := false
	if attn != nil {
		sh := attn.Shape()
		switch {
		case slices.Equal(sh, []int{lq, lk}):
		case slices.Equal(sh, []int{nb * nh, lq, lk}):
			perTask = true
		default:
			panic(fmt.Sprintf("deepgo: %s: attention mask %v: want [%d %d] (L, S) or [%d %d %d] (N·heads, L, S)", op, sh, lq, lk, nb*nh, lq, lk))
		}
	}
	if kpm != nil && !slices.Equal(kpm.Shape(), []int{nb, lk}) {
		panic(fmt.Sprintf("deepgo: %s: key padding mask %v: want [%d %d] (N, S)", op, kpm.Shape(), nb, lk))
	}
	blk := lq * lk
	switch {
	case kpm == nil && !perTask:
		p := &maskPlan{data: make([]float32, blk), div: 1, rowStride: lk}
		attn.addTo(p.data, 0, 1)
		return p
	case kpm == nil:
		p := &maskPlan{data: make([]float32, nb*nh*blk), div: 1, block: blk, rowStride: lk}
		attn.addTo(p.data, 0, 1)
		return p
	case attn == nil:
		p := &maskPlan{data: make([]float32, nb*lk), div: nh, block: lk}
		kpm.addTo(p.data, 0, 1)
		return p
	}
	// Both: one [lq, lk] block per batch entry (or per task), the attention
	// mask plus the padding row under every query.
	tasks, div := nb, nh
	if perTask {
		tasks, div = nb*nh, 1
	}
	p := &maskPlan{data: make([]float32, tasks*blk), div: div, block: blk, rowStride: lk}
	for t := 0; t < tasks; t++ {
		blockT := p.data[t*blk : (t+1)*blk]
		if perTask {
			attn.addTo(blockT, t*blk, 1)
		} else {
			attn.addTo(blockT, 0, 1)
		}
		b := t
		if perTask {
			b = t / nh
		}
		for i := 0; i < lq; i++ {
			kpm.addTo(blockT[i*lk:(i+1)*lk], b*lk, 1)
		}
	}
	return p
}

// broadcastMaskPlan lays out a mask for ScaledDotProductAttention over
// scores of shape [batch..., lq, lk]: the mask's shape must broadcast to it.
// A mask without batch entries (or only 1s there) is shared by every task;
// any other is expanded to one block per task.
func broadcastMaskPlan(op string, m *Mask, batch []int, lq, lk int) *maskPlan {
	if m == nil {
		return nil
	}
	full := append(slices.Clone(batch), lq, lk)
	sh := m.Shape()
	ok := len(sh) <= len(full)
	for i := 1; ok && i <= len(sh); i++ {
		d, f := sh[len(sh)-i], full[len(full)-i]
		ok = d == f || d == 1
	}
	if !ok {
		panic(fmt.Sprintf("deepgo: %s: mask %v does not broadcast to the scores %v", op, sh, full))
	}
	add := m.Additive()
	shared := true
	for _, d := range sh[:max(len(sh)-2, 0)] {
		shared = shared && d == 1
	}
	target := full
	if shared {
		target = []int{lq, lk}
		add = add.Reshape(sh[max(len(sh)-2, 0):]...)
	}
	var data []float32
	tensor.NoGrad(func() { data = add.Expand(target...).Data() }) // a copy, never the caller's storage
	p := &maskPlan{data: data, div: 1, rowStride: lk}
	if !shared {
		p.block = lq * lk
	}
	return p
}
