package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// feedForwardOp is a transformer layer's feed-forward block,
//
//	y = linear2(dropout(act(linear1(x))))
//
// as one recorded op over row chunks: each chunk's hidden activations h
// [chunk, ff] are made and consumed while they are in cache, and in the
// backward the chunk's dL/dh is scratch that never exists for the whole
// batch. Per chunk, with a = x·W1ᵀ + b1 and h = dropout(act(a)):
//
//	forward:  h = dropout(act(x·W1ᵀ + b1)),  y = h·W2ᵀ + b2
//	backward: dW2 += gᵀ·h, db2 += Σ g, dh = g·W2, da = dh·mask·act'(a),
//	          dx = da·W1, dW1 += daᵀ·x, db1 += Σ da
//
// The weight and bias gradients are summed per chunk and then over the
// chunks in order (deterministic whichever core took which chunk). h (and
// a, for GELU) come from the pool and go back after the backward. With
// ReLU, dropout(relu(a)) is non-zero exactly where a > 0 and the element
// was kept, so h alone gives the mask and the derivative
// (reluDropBackward); GELU keeps a, and the mask as bits.
func feedForwardOp(x *tensor.Tensor, l1, l2 *Linear, act ffActivation, drop dropMask) *tensor.Tensor {
	xs := x.Shape()
	d, ff := l1.In, l1.Out
	if len(xs) == 0 || xs[len(xs)-1] != d || l2.In != ff || l2.Out != d {
		panic(fmt.Sprintf("deepgo: TransformerLayer: feed-forward input %v, linear1 %d→%d, linear2 %d→%d: want input [..., %d]",
			xs, l1.In, l1.Out, l2.In, l2.Out, d))
	}
	rows := x.Numel() / d
	w1, b1, w2, b2 := l1.Weight.Data(), dataOrNil(l1.Bias), l2.Weight.Data(), dataOrNil(l2.Bias)
	h := getFloats(rows * ff) // fully written below
	var pre []float32
	if act == ffGELU {
		pre = getFloats(rows * ff)
	}
	var dropped []uint64 // ReLU reads the mask off h
	if drop.on && act != ffReLU {
		dropped = dropBits(rows * ff)
	}
	y := tensor.Zeros(xs...)
	xd, yd := x.Data(), y.Data()
	chunk := rowChunk(rows)
	forChunks(rows, chunk, func(_, lo, hi int) {
		n := hi - lo
		hc := h[lo*ff : hi*ff]
		kernels.SgemmSerial(false, true, n, ff, d, 1, xd[lo*d:], d, w1, d, 0, hc, ff)
		if b1 != nil {
			kernels.AddRowBroadcast(hc, hc, n, ff, b1)
		}
		if act == ffReLU {
			kernels.Relu(hc, hc)
		} else {
			copy(pre[lo*ff:hi*ff], hc)
			geluForward(hc, hc)
		}
		if drop.on {
			drop.apply(hc, hc, lo*ff, dropped)
		}
		yc := yd[lo*d : hi*d]
		kernels.SgemmSerial(false, true, n, d, ff, 1, hc, ff, w2, ff, 0, yc, d)
		if b2 != nil {
			kernels.AddRowBroadcast(yc, yc, n, d, b2)
		}
	})
	inputs := []*tensor.Tensor{x, l1.Weight, l1.Bias, l2.Weight, l2.Bias}
	done := func() {
		putFloats(h)
		if pre != nil {
			putFloats(pre)
		}
	}
	y = tensor.Record("FeedForward", y, func(g *tensor.Tensor) []*tensor.Tensor {
		grads := feedForwardBackward(g.Data(), x, l1, l2, h, pre, act, drop, dropped, rows, chunk)
		done()
		return grads
	}, inputs...)
	if !y.RequiresGrad() {
		done()
	}
	return y
}

func dataOrNil(b *tensor.Tensor) []float32 {
	if b == nil {
		return nil
	}
	return b.Data()
}

// feedForwardBackward returns the gradients for x, W1, b1, W2 and b2 (nil
// where not needed).
func feedForwardBackward(gd []float32, x *tensor.Tensor, l1, l2 *Linear, h, pre []float32, act ffActivation, drop dropMask, dropped []uint64, rows, chunk int) []*tensor.Tensor {
	d, ff := l1.In, l1.Out
	xd, w1, w2 := x.Data(), l1.Weight.Data(), l2.Weight.Data()
	needs := func(t *tensor.Tensor) bool { return t != nil && t.RequiresGrad() }
	nW1, nB1, nW2, nB2 := needs(l1.Weight), needs(l1.Bias), needs(l2.Weight), needs(l2.Bias)
	var dx *tensor.Tensor
	if x.RequiresGrad() {
		dx = tensor.Zeros(x.Shape()...)
	}
	nc := (rows + chunk - 1) / chunk
	part := func(on bool, size int) []float32 {
		if !on {
			return nil
		}
		return getFloats(nc * size) // every chunk overwrites its part
	}
	pW1, pW2 := part(nW1, ff*d), part(nW2, d*ff)
	pB1, pB2 := part(nB1, ff), part(nB2, d)
	scratch := make([][]float32, kernels.Threads()) // per worker: one chunk's dh
	forChunks(rows, chunk, func(wk, lo, hi int) {
		n, c := hi-lo, lo/chunk
		gc, hc, xc := gd[lo*d:hi*d], h[lo*ff:hi*ff], xd[lo*d:hi*d]
		if nW2 {
			kernels.SgemmSerial(true, false, d, ff, n, 1, gc, d, hc, ff, 0, pW2[c*d*ff:], ff)
		}
		if nB2 {
			sumRowsTo(pB2[c*d:(c+1)*d], gc, n, d)
		}
		if dx == nil && !nW1 && !nB1 {
			return
		}
		if scratch[wk] == nil {
			scratch[wk] = make([]float32, chunk*ff)
		}
		dh := scratch[wk][:n*ff]
		kernels.SgemmSerial(false, false, n, ff, d, 1, gc, d, w2, ff, 0, dh, ff)
		if act == ffReLU {
			reluDropBackward(dh, hc, dh, drop)
		} else {
			if drop.on {
				drop.applyDropped(dh, dh, lo*ff, dropped)
			}
			geluBackward(dh, pre[lo*ff:hi*ff], dh)
		}
		if dx != nil {
			kernels.SgemmSerial(false, false, n, d, ff, 1, dh, ff, w1, d, 0, dx.Data()[lo*d:], d)
		}
		if nW1 {
			kernels.SgemmSerial(true, false, ff, d, n, 1, dh, ff, xc, d, 0, pW1[c*ff*d:], d)
		}
		if nB1 {
			sumRowsTo(pB1[c*ff:(c+1)*ff], dh, n, ff)
		}
	})
	grads := []*tensor.Tensor{dx, nil, nil, nil, nil}
	for i, p := range []struct {
		parts []float32
		t     *tensor.Tensor
	}{{pW1, l1.Weight}, {pB1, l1.Bias}, {pW2, l2.Weight}, {pB2, l2.Bias}} {
		if p.parts != nil {
			grads[i+1] = sumChunkParts(p.parts, nc, p.t.Shape())
			putFloats(p.parts)
		}
	}
	return grads
}
