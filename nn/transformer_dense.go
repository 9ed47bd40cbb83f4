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
// its share of dw = dhᵀ·x and db = Σ_rows dh, summed per core and added up
// at the end.
func dense(x, w, b *tensor.Tensor, act activation, drop dropMask) *tensor.Tensor {
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
	y := tensor.Zeros(yShape...)
	xd, wd, yd := x.Data(), w.Data(), y.Data()
	var pre *tensor.Tensor // GELU's input, kept for its derivative
	var preD []float32
	if act == actGELU {
		pre = tensor.Zeros(yShape...)
		preD = pre.Data()
	}
	var dropped []uint64
	if drop.on {
		dropped = dropBits(rows * out)
	}
	forChunks(rows, denseChunk(rows), func(_, lo, hi int) {
		yc := yd[lo*out : hi*out]
		beta := float32(0)
		if b != nil {
			for r := 0; r < hi-lo; r++ {
				copy(yc[r*out:(r+1)*out], b.Data())
			}
			beta = 1
		}
		kernels.SgemmSerial(false, true, hi-lo, out, in, 1, xd[lo*in:], in, wd, in, beta, yc, out)
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
	return tensor.Record("Linear", y, func(g *tensor.Tensor) []*tensor.Tensor {
		return denseBackward(g, x, w, b, y, pre, act, drop, dropped, rows, in, out)
	}, inputs...)
}

func denseBackward(g, x, w, b, y, pre *tensor.Tensor, act activation, drop dropMask, dropped []uint64, rows, in, out int) []*tensor.Tensor {
	gd, xd, wd := g.Data(), x.Data(), w.Data()
	own := act != actNone || drop.on // dh differs from g
	var dx *tensor.Tensor
	if x.RequiresGrad() {
		dx = tensor.Zeros(x.Shape()...)
	}
	needW, needB := w.RequiresGrad(), b != nil && b.RequiresGrad()
	// Per worker: dh scratch for one chunk, and partial dw and db.
	threads := kernels.Threads()
	dhBuf, dwPart, dbPart := make([][]float32, threads), make([][]float32, threads), make([][]float32, threads)
	chunk := denseChunk(rows)
	forChunks(rows, chunk, func(wk, lo, hi int) {
		n := hi - lo
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
			if dwPart[wk] == nil {
				dwPart[wk] = make([]float32, out*in)
			}
			kernels.SgemmSerial(true, false, out, in, n, 1, dh, out, xd[lo*in:], in, 1, dwPart[wk], in)
		}
		if needB {
			if dbPart[wk] == nil {
				dbPart[wk] = make([]float32, out)
			}
			for r := 0; r < n; r++ {
				kernels.AddTo(dbPart[wk], dh[r*out:(r+1)*out])
			}
		}
	})
	grads := []*tensor.Tensor{dx, nil}
	if needW {
		grads[1] = sumParts(dwPart, w.Shape())
	}
	if b != nil {
		grads = append(grads, nil)
		if needB {
			grads[2] = sumParts(dbPart, b.Shape())
		}
	}
	return grads
}

// sumParts adds the workers' partial sums (nil for workers that got no
// chunk) into a tensor of the given shape.
func sumParts(parts [][]float32, shape []int) *tensor.Tensor {
	var sum []float32
	for _, p := range parts {
		switch {
		case p == nil:
		case sum == nil:
			sum = p
		default:
			kernels.AddTo(sum, p)
		}
	}
	if sum == nil {
		return tensor.Zeros(shape...)
	}
	return tensor.New(sum, shape...)
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
