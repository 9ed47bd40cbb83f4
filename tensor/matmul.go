package tensor

import "fmt"

// MatMul is the matrix product with PyTorch's matmul semantics: 2-D × 2-D
// is the plain product; higher ranks are batches of matrices whose leading
// (batch) dimensions broadcast; a 1-D left operand is a row vector and a
// 1-D right operand a column vector, their extra dimension dropped after.
//
// For C = A·B:  dA = dC·Bᵀ,  dB = Aᵀ·dC  (summed over broadcast batches).
func MatMul(a, b *Tensor) *Tensor {
	if len(a.shape) == 0 || len(b.shape) == 0 {
		panic(fmt.Sprintf("deepgo: MatMul: %v x %v: both operands need at least one dimension", a.shape, b.shape))
	}
	// Check before the 1-D cases recurse, so that messages show the shapes
	// the caller passed.
	if k, k2 := a.shape[len(a.shape)-1], b.shape[max(len(b.shape)-2, 0)]; k != k2 {
		panic(fmt.Sprintf("deepgo: MatMul: %v x %v: inner dimensions differ (%d != %d)", a.shape, b.shape, k, k2))
	}
	if len(a.shape) > 2 && len(b.shape) > 2 {
		aB, bB := a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2]
		for i := 1; i <= min(len(aB), len(bB)); i++ {
			if x, y := aB[len(aB)-i], bB[len(bB)-i]; x != y && x != 1 && y != 1 {
				panic(fmt.Sprintf("deepgo: MatMul: %v x %v: batch dimensions %v and %v cannot be broadcast", a.shape, b.shape, aB, bB))
			}
		}
	}
	switch {
	case len(a.shape) == 1 && len(b.shape) == 1:
		return MatMul(a.Unsqueeze(0), b.Unsqueeze(1)).Reshape()
	case len(a.shape) == 1:
		r := MatMul(a.Unsqueeze(0), b)
		return r.Squeeze(-2)
	case len(b.shape) == 1:
		r := MatMul(a, b.Unsqueeze(1))
		return r.Squeeze(-1)
	}
	m, k := a.shape[len(a.shape)-2], a.shape[len(a.shape)-1]
	k2, n := b.shape[len(b.shape)-2], b.shape[len(b.shape)-1]
	if k != k2 {
		panic(fmt.Sprintf("deepgo: MatMul: %v x %v: inner dimensions differ (%d != %d)", a.shape, b.shape, k, k2))
	}
	aBatch, bBatch := a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2]

	// A batch of matrices times one matrix is one tall product.
	if len(bBatch) == 0 {
		rows := prod(aBatch) * m
		out := empty(append(cloneInts(aBatch), m, n))
		sgemm(false, false, rows, n, k, 1, a.data, k, b.data, n, 0, out.data, n)
		return Record("MatMul", out, func(g *Tensor) []*Tensor {
			var ga, gb *Tensor
			if a.RequiresGrad() {
				ga = empty(a.shape)
				sgemm(false, true, rows, k, n, 1, g.data, n, b.data, n, 0, ga.data, k)
			}
			if b.RequiresGrad() {
				gb = empty(b.shape)
				sgemm(true, false, k, n, rows, 1, a.data, k, g.data, n, 0, gb.data, n)
			}
			return []*Tensor{ga, gb}
		}, a, b)
	}

	batch := broadcastShapes("MatMul", aBatch, bBatch)
	nb := prod(batch)
	sa, sb := broadcastStrides(aBatch, batch), broadcastStrides(bBatch, batch)
	aOff, bOff := batchOffsets(batch, sa, m*k), batchOffsets(batch, sb, k*n)
	out := empty(append(cloneInts(batch), m, n))
	parallelBatches(nb, m*n*k, func(i int, serial bool) {
		gemmFor(serial)(false, false, m, n, k, 1, a.data[aOff[i]:], k, b.data[bOff[i]:], n, 0, out.data[i*m*n:], n)
	})
	return Record("MatMul", out, func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.RequiresGrad() {
			ga = Zeros(a.shape...)
			accumulateBatched(nb, prod(aBatch) == nb, m*n*k, func(i int, beta float32, gemm gemmFunc) {
				gemm(false, true, m, k, n, 1, g.data[i*m*n:], n, b.data[bOff[i]:], n, beta, ga.data[aOff[i]:], k)
			})
		}
		if b.RequiresGrad() {
			gb = Zeros(b.shape...)
			accumulateBatched(nb, prod(bBatch) == nb, m*n*k, func(i int, beta float32, gemm gemmFunc) {
				gemm(true, false, k, n, m, 1, a.data[aOff[i]:], k, g.data[i*m*n:], n, beta, gb.data[bOff[i]:], n)
			})
		}
		return []*Tensor{ga, gb}
	}, a, b)
}

// MatMul is the method form of MatMul(t, u).
func (t *Tensor) MatMul(u *Tensor) *Tensor { return MatMul(t, u) }

// batchOffsets lists the element offset of every matrix of a broadcast batch.
func batchOffsets(batch, strides []int, matSize int) []int {
	nb := prod(batch)
	offs := make([]int, nb)
	idx := make([]int, len(batch))
	off := 0
	for i := 0; i < nb; i++ {
		offs[i] = off * matSize
		for d := len(batch) - 1; d >= 0; d-- {
			idx[d]++
			off += strides[d]
			if idx[d] < batch[d] {
				break
			}
			off -= strides[d] * batch[d]
			idx[d] = 0
		}
	}
	return offs
}

// accumulateBatched runs one GEMM per batch entry. When every entry writes
// its own matrix (distinct) the entries run in parallel; when a broadcast
// operand's gradient gathers several entries they run in order with beta 1.
func accumulateBatched(nb int, distinct bool, flopsPer int, fn func(i int, beta float32, gemm gemmFunc)) {
	if distinct {
		parallelBatches(nb, flopsPer, func(i int, serial bool) { fn(i, 0, gemmFor(serial)) })
		return
	}
	for i := 0; i < nb; i++ {
		fn(i, 1, sgemm)
	}
}

// Linear computes x·wᵀ + bias, the affine map of a fully connected layer,
// as one fused op (PyTorch's functional linear). x is [..., in], w is
// [out, in], bias is [out] or nil; the result is [..., out].
//
//	dx = dy·w,  dw = dyᵀ·x,  dbias = Σ_rows dy
func Linear(x, w, bias *Tensor) *Tensor {
	if len(x.shape) == 0 || len(w.shape) != 2 || x.shape[len(x.shape)-1] != w.shape[1] {
		panic(fmt.Sprintf("deepgo: Linear: input %v and weight %v: want input [..., in] and weight [out, in]", x.shape, w.shape))
	}
	in, outF := w.shape[1], w.shape[0]
	if bias != nil && (len(bias.shape) != 1 || bias.shape[0] != outF) {
		panic(fmt.Sprintf("deepgo: Linear: bias %v does not match weight %v (want [%d])", bias.shape, w.shape, outF))
	}
	rows := len(x.data) / max(in, 1)
	if in == 0 {
		rows = prod(x.shape[:len(x.shape)-1])
	}
	shape := append(cloneInts(x.shape[:len(x.shape)-1]), outF)
	out := empty(shape)
	if bias != nil {
		for r := 0; r < rows; r++ {
			copy(out.data[r*outF:(r+1)*outF], bias.data)
		}
		sgemm(false, true, rows, outF, in, 1, x.data, in, w.data, in, 1, out.data, outF)
	} else {
		sgemm(false, true, rows, outF, in, 1, x.data, in, w.data, in, 0, out.data, outF)
	}
	inputs := []*Tensor{x, w}
	if bias != nil {
		inputs = append(inputs, bias)
	}
	return Record("Linear", out, func(g *Tensor) []*Tensor {
		grads := make([]*Tensor, len(inputs))
		if x.RequiresGrad() {
			gx := empty(x.shape)
			sgemm(false, false, rows, in, outF, 1, g.data, outF, w.data, in, 0, gx.data, in)
			grads[0] = gx
		}
		if w.RequiresGrad() {
			gw := empty(w.shape)
			sgemm(true, false, outF, in, rows, 1, g.data, outF, x.data, in, 0, gw.data, in)
			grads[1] = gw
		}
		if bias != nil && bias.RequiresGrad() {
			gb := empty([]int{outF})
			sumRowsVec(gb.data, g.data, rows, outF)
			grads[2] = gb
		}
		return grads
	}, inputs...)
}
