package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// dense is the fully connected op of the attention and transformer layers:
//
//	y = dropout(act(x·wᵀ + b))
//
// as one recorded op, x [..., in], w [out, in], b [out] or nil. It differs
// from tensor.Linear in two ways that matter for a transformer's step:
//
//   - The rows are cut into chunks that the cores take in turn (dynamicFor),
//     each running serial GEMMs, and the activation and dropout run on each
//     chunk right after its GEMM, while it is still in cache. tensor.Linear's parallel GEMM
//     instead hands work to helper goroutines that spin for a while after
//     each product (gemm_pool.go); between the layer's other parallel
//     loops (attention, layer norm, dropout) that spinning took a sixth of
//     the step.
//   - With ReLU the backward needs only the output: dropout(relu(h)) is
//     non-zero exactly where h > 0 and the element was kept, so h is not
//     kept alive. GELU keeps h, and the dropout mask is recorded as bits.
//
// The backward, with dh = g·mask·act'(h), works chunk by chunk too: the
// chunk's dh (scratch, never the whole matrix), its rows of dx = dh·w, and
// its share of dw = dhᵀ·x and db = Σ_rows dh, added up over the chunks in
// order at the end, so that the sums are the same whichever core took
// which chunk.
func dense(x, w, b *tensor.Tensor, act activation, drop dropMask) *tensor.Tensor {
	return denseOp(x, w, b, act, drop, outFresh)
}

// denseOutput says where dense's output storage comes from and who gives
// it back to the pool (transformer_pool.go).
type denseOutput int

const (
	outFresh    denseOutput = iota // newly allocated, collected as usual
	outPooled                      // from the pool; the consumer gives it back
	outRecycled                    // from the pool; dense's own backward gives it back (and GELU's input)
)

func denseOp(x, w, b *tensor.Tensor, act activation, drop dropMask, where denseOutput) *tensor.Tensor {
	xs, ws := x.Shape(), w.Shape()
	if len(xs) == 0 || len(ws) != 2 || xs[len(xs)-1] != ws[1] || (b != nil && (b.Dim() != 1 || b.Shape()[0] != ws[0])) {
		bs := []int(nil)
		if b != nil {
			bs = b.Shape()
		}
		panic(fmt.Sprintf("deepgo: Linear: input %v, weight %v, bias %v: want input [..., in], weight [out, in], bias [out]", xs, ws, bs))
	}
	in, out := ws[1], ws[0]
	rows := x.Numel() / max(in, 1)
	yShape := append(append([]int(nil), xs[:len(xs)-1]...), out)
	alloc := func() *tensor.Tensor {
		if where == outFresh {
			return tensor.Zeros(yShape...)
		}
		return tensor.New(getFloats(rows*out), yShape...) // every element is written below
	}
	y := alloc()
	xd, wd, yd := x.Data(), w.Data(), y.Data()
	var pre *tensor.Tensor // GELU's input, kept for its derivative
	var preD []float32
	if act == actGELU {
		pre = alloc()
		preD = pre.Data()
	}
	var dropped []uint64 // ReLU's backward reads the mask off the output
	if drop.on && act != actReLU {
		dropped = dropBits(rows * out)
	}
	forChunks(rows, denseChunk(rows), func(_, lo, hi int) {
		yc := yd[lo*out : hi*out]
		kernels.SgemmSerial(false, true, hi-lo, out, in, 1, xd[lo*in:], in, wd, in, 0, yc, out)
		if b != nil {
			kernels.AddRowBroadcast(yc, yc, hi-lo, out, b.Data())
		}
		switch act {
		case actReLU:
			kernels.Relu(yc, yc)
		case actGELU:
			copy(preD[lo*out:hi*out], yc)
			geluForward(yc, yc)
		}
		if drop.on {
			drop.apply(yc, yc, lo*out, dropped)
		}
	})
	inputs := []*tensor.Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	y = tensor.Record("Linear", y, func(g *tensor.Tensor) []*tensor.Tensor {
		grads := denseBackward(g, x, w, b, y, pre, act, drop, dropped, rows, in, out)
		if where == outRecycled {
			recycle(y, pre) // the consumers' backwards ran before this one
		}
		return grads
	}, inputs...)
	if where == outRecycled && !y.RequiresGrad() {
		recycle(pre) // y itself is the caller's to recycle when there is no graph
	}
	return y
}

func denseBackward(g, x, w, b, y, pre *tensor.Tensor, act activation, drop dropMask, dropped []uint64, rows, in, out int) []*tensor.Tensor {
	gd, xd, wd := g.Data(), x.Data(), w.Data()
	own := act != actNone || drop.on // dh differs from g
	var dx *tensor.Tensor
	if x.RequiresGrad() {
		dx = tensor.Zeros(x.Shape()...)
	}
	needW, needB := w.RequiresGrad(), b != nil && b.RequiresGrad()
	chunk := denseChunk(rows)
	nc := (rows + chunk - 1) / chunk
	// dw and db are summed per chunk, then over the chunks in order, so
	// that the result does not depend on which core took which chunk.
	var dwParts, dbParts []float32
	if needW {
		dwParts = getFloats(nc * out * in) // each chunk's GEMM overwrites its part
	}
	if needB {
		dbParts = make([]float32, nc*out)
	}
	dhBuf := make([][]float32, kernels.Threads()) // per worker: one chunk's dh
	forChunks(rows, chunk, func(wk, lo, hi int) {
		n, c := hi-lo, lo/chunk
		dh := gd[lo*out : hi*out] // dL/d(x·wᵀ + b) of the chunk
		if own {
			if dhBuf[wk] == nil {
				dhBuf[wk] = make([]float32, chunk*out)
			}
			dh = dhBuf[wk][:n*out]
			gc := gd[lo*out : hi*out]
			switch act {
			case actReLU:
				reluDropBackward(dh, y.Data()[lo*out:hi*out], gc, drop)
			case actGELU:
				src := gc
				if drop.on {
					drop.applyDropped(dh, gc, lo*out, dropped)
					src = dh
				}
				geluBackward(dh, pre.Data()[lo*out:hi*out], src)
			default:
				drop.applyDropped(dh, gc, lo*out, dropped)
			}
		}
		if dx != nil {
			kernels.SgemmSerial(false, false, n, in, out, 1, dh, out, wd, in, 0, dx.Data()[lo*in:], in)
		}
		if needW {
			kernels.SgemmSerial(true, false, out, in, n, 1, dh, out, xd[lo*in:], in, 0, dwParts[c*out*in:], in)
		}
		if needB {
			part := dbParts[c*out : (c+1)*out]
			for r := 0; r < n; r++ {
				kernels.AddTo(part, dh[r*out:(r+1)*out])
			}
		}
	})
	grads := []*tensor.Tensor{dx, nil}
	if needW {
		grads[1] = sumChunks(dwParts, nc, w.Shape())
		putFloats(dwParts)
	}
	if b != nil {
		grads = append(grads, nil)
		if needB {
			grads[2] = sumChunks(dbParts, nc, b.Shape())
		}
	}
	return grads
}

// sumChunks returns the sum of the nc consecutive parts of parts, each of
// the size of shape, added in order (element ranges in parallel).
func sumChunks(parts []float32, nc int, shape []int) *tensor.Tensor {
	sum := tensor.Zeros(shape...)
	sd := sum.Data()
	size := len(sd)
	forChunks(size, 1<<14, func(_, lo, hi int) {
		for c := 0; c < nc; c++ {
			kernels.AddTo(sd[lo:hi], parts[c*size+lo:c*size+hi])
		}
	})
	return sum
}

// reluDropBackward sets dh = g·scale where the output y = dropout(relu(h))
// is positive, and 0 elsewhere (where h ≤ 0 or the element was dropped):
// ReLU's own backward on y, then the dropout scale, both vector kernels.
func reluDropBackward(dh, y, g []float32, drop dropMask) {
	kernels.ReluBackward(dh, y, g)
	if drop.on {
		kernels.Scale(dh, dh, drop.scale)
	}
}

// denseChunk is the rows per GEMM of dense: up to 256, enough for the
// GEMM to run at full speed and few enough that a chunk's output stays in
// L2 for the activation and dropout that follow; smaller for small inputs,
// so that every core gets a few chunks.
func denseChunk(rows int) int {
	return min(256, max(16, (rows+4*kernels.Threads()-1)/(4*kernels.Threads())))
}
