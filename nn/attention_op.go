package nn

import (
	"slices"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// The fused attention op behind ScaledDotProductAttention and
// MultiheadAttention. For every task, a (batch entry b, head h) pair, with
// Q [lq, dk], K [lk, dk] and V [lk, dv] the task's matrices:
//
//	S = scale·Q·Kᵀ + mask,  P = softmax_rows(S),  P' = dropout(P),  O = P'·V
//
// and, given dO (and dP' when the weights are an output of the graph),
//
//	dP' += dO·Vᵀ,  dV = P'ᵀ·dO,  dP = dP' ⊙ keep/(1−p),
//	dS = P ⊙ (dP − rowsum(dP ⊙ P)) = P' ⊙ dP' − P·rowsum(P' ⊙ dP'),
//	dQ = scale·dS·K,  dK = scale·dSᵀ·Q.
//
// The matrices are read in place from the projections through strides, so
// heads are never split into separate tensors: MultiheadAttention's
// [N·L, 3E] in-projection holds head h's queries at columns h·hd, its keys
// at E + h·hd and its values at 2E + h·hd, and the output is written
// straight into the [N·L, E] layout the out-projection reads. The mask is
// written into S before the GEMM, which adds scale·Q·Kᵀ to it (beta = 1),
// so scale, mask and softmax take one GEMM and one pass over S. Tasks run
// in parallel, each with serial GEMMs; with fewer tasks than cores they run
// in order with parallel GEMMs instead.

// attnView locates one operand of the attention in its tensor: the matrix
// of batch entry b and head h starts at off + b·batch + h·head, and its
// consecutive rows (sequence positions) are ld apart.
type attnView struct {
	src                  int // index of the tensor among the op's inputs
	off, batch, head, ld int
}

func (v attnView) at(b, h int) int { return v.off + b*v.batch + h*v.head }

// weightsMode says what the attention op returns besides its output.
type weightsMode int

const (
	weightsOff      weightsMode = iota // nothing
	weightsGraph                       // P' [nb, nh, lq, lk], an output of the op (differentiable)
	weightsDetached                    // P' as a plain tensor outside the graph
)

// attnPlan is one attention over nb·nh tasks.
type attnPlan struct {
	op                     string // names the recorded op
	nb, nh, lq, lk, dk, dv int
	scale                  float32
	q, k, v                attnView
	out                    attnView // src unused: the op's own output
	outShape               []int
	weightsShape           []int // shape of the returned weights (nb·nh·lq·lk values)
	mask                   *maskPlan
	drop                   dropMask
	weights                weightsMode
	// ownsSrcs: the op is the only reader of its inputs' storage (the
	// q/k/v projection of self-attention), which it gives back to the pool
	// when its backward has run, or right after the forward without a graph.
	ownsSrcs bool
}

// forTasks runs fn on every task: spread across cores (dynamicFor), each
// with serial GEMMs, or, with fewer tasks than cores, in order with
// parallel GEMMs. w identifies the worker, for scratch.
func (p *attnPlan) forTasks(fn func(w, t int, gemm gemmFunc)) {
	tasks := p.nb * p.nh
	if tasks >= kernels.Threads() && tasks > 1 {
		dynamicFor(tasks, func(w, t int) { fn(w, t, kernels.SgemmSerial) })
		return
	}
	for t := 0; t < tasks; t++ {
		fn(0, t, kernels.Sgemm)
	}
}

// run computes the attention over srcs (the distinct tensors the views
// point into) and records it. weights is nil in weightsOff mode.
func (p *attnPlan) run(srcs []*tensor.Tensor) (out, weights *tensor.Tensor) {
	blk := p.lq * p.lk
	tasks := p.nb * p.nh
	probs := getFloats(tasks * blk) // every block is written below
	kept := probs                   // P' = P without dropout
	if p.drop.on {
		kept = getFloats(tasks * blk)
	}
	// done gives the op's buffers back once nothing can read them. Weights
	// returned in the graph keep P' (which is P without dropout).
	done := func() {
		if p.weights != weightsGraph {
			putFloats(probs)
			if p.drop.on {
				putFloats(kept)
			}
		} else if p.drop.on {
			putFloats(probs)
		}
		if p.ownsSrcs {
			recyclePooled(srcs...)
		}
	}
	out = tensor.Zeros(p.outShape...)
	od := out.Data()
	sd := make([][]float32, len(srcs))
	for i, s := range srcs {
		sd[i] = s.Data()
	}
	p.forTasks(func(_, t int, gemm gemmFunc) {
		b, h := t/p.nh, t%p.nh
		s := probs[t*blk : (t+1)*blk]
		beta := float32(0)
		if p.mask != nil {
			p.mask.fill(s, t, p.lq, p.lk)
			beta = 1
		}
		gemm(false, true, p.lq, p.lk, p.dk, p.scale, sd[p.q.src][p.q.at(b, h):], p.q.ld,
			sd[p.k.src][p.k.at(b, h):], p.k.ld, beta, s, p.lk)
		kernels.SoftmaxRows(s, s, p.lq, p.lk)
		pk := s
		if p.drop.on {
			pk = kept[t*blk : (t+1)*blk]
			p.drop.apply(pk, s, t*blk, nil)
		}
		gemm(false, false, p.lq, p.dv, p.lk, 1, pk, p.lk, sd[p.v.src][p.v.at(b, h):], p.v.ld,
			0, od[p.out.at(b, h):], p.out.ld)
	})
	var w *tensor.Tensor
	switch p.weights {
	case weightsDetached:
		w = tensor.New(slices.Clone(kept), p.weightsShape...) // a copy: the backward reads kept
	case weightsGraph:
		w = tensor.New(kept, p.weightsShape...)
	}
	backward := func(gOut, gW *tensor.Tensor) []*tensor.Tensor {
		grads := p.backward(srcs, probs, kept, gOut, gW)
		done()
		return grads
	}
	if p.weights == weightsGraph {
		outs := tensor.RecordMulti(p.op, []*tensor.Tensor{out, w}, func(gs []*tensor.Tensor) []*tensor.Tensor {
			return backward(gs[0], gs[1])
		}, srcs...)
		out, w = outs[0], outs[1]
	} else {
		out = tensor.Record(p.op, out, func(g *tensor.Tensor) []*tensor.Tensor { return backward(g, nil) }, srcs...)
	}
	if !out.RequiresGrad() {
		done() // no graph: no backward will read the buffers
	}
	return out, w
}

// backward returns the gradients for srcs given dO (gOut) and, when the
// weights are part of the graph, dP' (gW). Views that share a tensor
// accumulate into its one gradient (every GEMM adds, beta = 1); different
// tasks write disjoint blocks, so they run in parallel.
func (p *attnPlan) backward(srcs []*tensor.Tensor, probs, kept []float32, gOut, gW *tensor.Tensor) []*tensor.Tensor {
	blk := p.lq * p.lk
	grads := make([]*tensor.Tensor, len(srcs))
	gd := make([][]float32, len(srcs))
	sd := make([][]float32, len(srcs))
	for i, s := range srcs {
		sd[i] = s.Data()
		if s.RequiresGrad() {
			grads[i] = tensor.Zeros(s.Shape()...)
			gd[i] = grads[i].Data()
		}
	}
	dq, dk, dv := gd[p.q.src], gd[p.k.src], gd[p.v.src]
	god := gOut.Data()
	var gwd []float32
	if gW != nil {
		gwd = gW.Data()
	}
	scratch := make([][]float32, kernels.Threads())
	p.forTasks(func(w, t int, gemm gemmFunc) {
		if scratch[w] == nil {
			scratch[w] = make([]float32, blk)
		}
		ds := scratch[w]
		b, h := t/p.nh, t%p.nh
		pk := kept[t*blk : (t+1)*blk]
		gO := god[p.out.at(b, h):]
		if dv != nil {
			gemm(true, false, p.lk, p.dv, p.lq, 1, pk, p.lk, gO, p.out.ld, 1, dv[p.v.at(b, h):], p.v.ld)
		}
		if dq == nil && dk == nil {
			return
		}
		beta := float32(0)
		if gwd != nil {
			copy(ds, gwd[t*blk:(t+1)*blk])
			beta = 1
		}
		gemm(false, true, p.lq, p.lk, p.dv, 1, gO, p.out.ld, sd[p.v.src][p.v.at(b, h):], p.v.ld, beta, ds, p.lk)
		// dS = P ⊙ (dP − rowsum(dP ⊙ P)) with dP = dP'·keep/(1−p). As
		// P ⊙ dP = P' ⊙ dP', this is P' ⊙ dP' − P·rowsum(P' ⊙ dP'):
		// no mask to consult, and three vector kernels per row.
		pr := probs[t*blk : (t+1)*blk]
		for i := 0; i < p.lq; i++ {
			row := ds[i*p.lk : (i+1)*p.lk]
			pki := pk[i*p.lk : (i+1)*p.lk]
			dot := kernels.Dot(row, pki)
			kernels.Mul(row, row, pki)
			kernels.Axpy(-dot, pr[i*p.lk:(i+1)*p.lk], row)
		}
		if dq != nil {
			gemm(false, false, p.lq, p.dk, p.lk, p.scale, ds, p.lk, sd[p.k.src][p.k.at(b, h):], p.k.ld, 1, dq[p.q.at(b, h):], p.q.ld)
		}
		if dk != nil {
			gemm(true, false, p.lk, p.dk, p.lq, p.scale, ds, p.lk, sd[p.q.src][p.q.at(b, h):], p.q.ld, 1, dk[p.k.at(b, h):], p.k.ld)
		}
	})
	return grads
}

// distinctInputs lists each tensor of ts once, and for every one of ts its
// index in that list: self-attention passes one projection three times.
func distinctInputs(ts ...*tensor.Tensor) ([]*tensor.Tensor, []int) {
	var srcs []*tensor.Tensor
	idx := make([]int, len(ts))
	for i, t := range ts {
		idx[i] = -1
		for j, s := range srcs {
			if s == t {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			idx[i] = len(srcs)
			srcs = append(srcs, t)
		}
	}
	return srcs, idx
}
