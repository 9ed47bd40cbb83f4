package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// rowLinear is the fully connected op of the attention layers, y = x·wᵀ + b,
// as one recorded op, x [..., in], w [out, in], b [out] or nil. It differs
// from tensor.Linear in how it uses the cores:
//
//   - The rows are cut into chunks that the cores take in turn (dynamicFor),
//     each running serial GEMMs. tensor.Linear's parallel GEMM instead hands
//     work to helper goroutines that spin for a while after each product
//     (gemm_pool.go); between a transformer layer's other parallel loops
//     (attention, layer norm, dropout) that spinning took a sixth of the
//     step.
//   - The backward works chunk by chunk too: the chunk's rows of dx = g·w,
//     and its share of dw = gᵀ·x and db = Σ_rows g, added up over the chunks
//     in order at the end, so that the sums are the same whichever core took
//     which chunk.
//
// With pooled, y comes from the pool (transformer_pool.go) and its single
// consumer gives it back.
func rowLinear(x, w, b *tensor.Tensor, pooled bool) *tensor.Tensor {
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
	var y *tensor.Tensor
	if pooled {
		y = tensor.New(getFloats(rows*out), yShape...) // every element is written below
	} else {
		y = tensor.Zeros(yShape...)
	}
	xd, wd, yd := x.Data(), w.Data(), y.Data()
	forChunks(rows, rowChunk(rows), func(_, lo, hi int) {
		yc := yd[lo*out : hi*out]
		kernels.SgemmSerial(false, true, hi-lo, out, in, 1, xd[lo*in:], in, wd, in, 0, yc, out)
		if b != nil {
			kernels.AddRowBroadcast(yc, yc, hi-lo, out, b.Data())
		}
	})
	inputs := []*tensor.Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	return tensor.Record("Linear", y, func(g *tensor.Tensor) []*tensor.Tensor {
		return rowLinearBackward(g.Data(), x, w, b, rows, in, out)
	}, inputs...)
}

func rowLinearBackward(gd []float32, x, w, b *tensor.Tensor, rows, in, out int) []*tensor.Tensor {
	xd, wd := x.Data(), w.Data()
	var dx *tensor.Tensor
	if x.RequiresGrad() {
		dx = tensor.Zeros(x.Shape()...)
	}
	needW, needB := w.RequiresGrad(), b != nil && b.RequiresGrad()
	chunk := rowChunk(rows)
	nc := (rows + chunk - 1) / chunk
	var dwParts, dbParts []float32
	if needW {
		dwParts = getFloats(nc * out * in) // each chunk's GEMM overwrites its part
	}
	if needB {
		dbParts = getFloats(nc * out)
	}
	forChunks(rows, chunk, func(_, lo, hi int) {
		n, c := hi-lo, lo/chunk
		gc := gd[lo*out : hi*out]
		if dx != nil {
			kernels.SgemmSerial(false, false, n, in, out, 1, gc, out, wd, in, 0, dx.Data()[lo*in:], in)
		}
		if needW {
			kernels.SgemmSerial(true, false, out, in, n, 1, gc, out, xd[lo*in:], in, 0, dwParts[c*out*in:], in)
		}
		if needB {
			sumRowsTo(dbParts[c*out:(c+1)*out], gc, n, out)
		}
	})
	grads := []*tensor.Tensor{dx, nil}
	if needW {
		grads[1] = sumChunkParts(dwParts, nc, w.Shape())
		putFloats(dwParts)
	}
	if b != nil {
		grads = append(grads, nil)
		if needB {
			grads[2] = sumChunkParts(dbParts, nc, b.Shape())
			putFloats(dbParts)
		}
	}
	return grads
}

// sumChunkParts returns the sum of the nc consecutive parts of parts, each of
// the size of shape, added in order (element ranges in parallel).
func sumChunkParts(parts []float32, nc int, shape []int) *tensor.Tensor {
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

// sumRowsTo sets dst to the sum of the rows of x [rows, cols].
func sumRowsTo(dst, x []float32, rows, cols int) {
	clear(dst)
	for r := 0; r < rows; r++ {
		kernels.AddTo(dst, x[r*cols:(r+1)*cols])
	}
}

// rowChunk is the rows per GEMM of the row-chunked ops: up to 256, enough
// for the GEMM to run at full speed and few enough that a chunk's output
// stays in L2 for what follows; smaller for small inputs, so that every
// core gets a few chunks.
func rowChunk(rows int) int {
	return min(256, max(16, (rows+4*kernels.Threads()-1)/(4*kernels.Threads())))
}
