package nn

import (
	"fmt"
	"math/bits"
	"sync"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// The fused recurrent op: one direction of one layer over a whole batch of
// sequences, forward and hand-written back-propagation through time, as a
// single node of the autograd graph. RNN, LSTM, GRU and the three cells are
// built from it (a cell is a pass of one step).
//
// Layout. The op is batch-major: the input x is [B, T, In] and the output
// [B, T, H] (the layers transpose time-major input once, at the boundary).
// The batch is split into slices of entries lo..hi, one per core, and the
// rows of a slice, all steps of its sequences, are contiguous in x, in the
// output and in the saved buffers that the weight-gradient GEMMs read.
//
// Work. Each goroutine owns its slice from start to end, with serial GEMMs
// and no synchronisation: the input projections of all its steps are one
// GEMM, [b·T, In]·W_ihᵀ → [b·T, G·H] (G gates); then one [b, H]·W_hhᵀ GEMM
// per step, with the gate nonlinearities vectorised and fused with the
// state update. The backward pass walks the steps in reverse the same way,
// leaving dL/d(pre-activation) of every step in place of the stored
// activations; the slice's share of the weight and input gradients is then
// three GEMMs over all its steps at once: dW_ih = dGᵀ·x, dW_hh = dGᵀ·h_prev,
// dx = dG·W_ih.
//
// Variable lengths. With lengths, entry b takes part in steps t < len[b]
// only: its output is zero afterwards and its state is carried unchanged,
// so that the final state is the one after its last valid step. The reverse
// direction processes t = T−1 … 0 with the same rule, which starts every
// sequence at its own last valid step from h0, as PyTorch's packed
// sequences do.

// cellKind selects the recurrence.
type cellKind int

const (
	cellTanh cellKind = iota // h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
	cellReLU                 // the same with ReLU
	cellLSTM                 // gates i, f, g, o
	cellGRU                  // gates r, z, n
)

// gates is the number of H-wide blocks in the weights' rows.
func (k cellKind) gates() int {
	switch k {
	case cellLSTM:
		return 4
	case cellGRU:
		return 3
	}
	return 1
}

// seqPass describes one pass and, after forward, holds what backward needs.
type seqPass struct {
	kind      cellKind
	op        string // the layer's name, for the graph and for messages
	steps     int    // T
	batch     int    // B
	in, hid   int    // In, H
	reverse   bool   // walk t = T−1 … 0
	lengths   []int  // valid steps per batch entry, each in [1, T]; nil: all T
	gw        int    // G·H, the width of a gate row
	hasC      bool   // LSTM: a cell state travels with h
	wih, whh  []float32
	bias, bhn []float32 // combined bias row [gw] or nil; GRU's b_hn [H] or nil

	// Saved by forward. Batch-major [B, T, width], read by the GEMMs:
	gates []float32 // pre-activations, then activations; dL/dpre in backward
	hprev []float32 // the state each step started from
	hhn   []float32 // GRU: W_hn·h + b_hn; dL/d(W_hn·h) in backward
	// Time-major [T, B, H], so that a step's block is contiguous:
	cprev []float32 // LSTM: the cell state each step started from
	tanhC []float32 // LSTM: tanh of the new cell state
	nAct  []float32 // GRU: the candidate n
}

// bt is the row of (entry b, step t) in a batch-major buffer, tb its row in
// a time-major one.
func (p *seqPass) bt(b, t int) int { return b*p.steps + t }
func (p *seqPass) tb(t, b int) int { return t*p.batch + b }

// active reports whether batch entry b takes part in step t.
func (p *seqPass) active(b, t int) bool { return p.lengths == nil || t < p.lengths[b] }

// anyActive reports whether some entry of [lo, hi) takes part in step t.
func (p *seqPass) anyActive(lo, hi, t int) bool {
	if p.lengths == nil {
		return true
	}
	for _, l := range p.lengths[lo:hi] {
		if t < l {
			return true
		}
	}
	return false
}

// time returns the time index of the i-th step processed.
func (p *seqPass) time(i int) int {
	if p.reverse {
		return p.steps - 1 - i
	}
	return i
}

// rows addresses equally spaced rows of a buffer: the rows of one step for
// consecutive entries of a batch-major buffer, or a contiguous block.
type rows struct {
	data               []float32
	off, stride, width int
}

// at returns row j.
func (r rows) at(j int) []float32 {
	o := r.off + j*r.stride
	return r.data[o : o+r.width : o+r.width]
}

// step returns the rows of step t for entries lo, lo+1, ... of the
// batch-major buffer buf of row width w.
func (p *seqPass) step(buf []float32, lo, t, w int) rows {
	return rows{buf, p.bt(lo, t) * w, p.steps * w, w}
}

// recurrentPass runs the pass over x [B, T, In] from h0 (and c0 for the
// LSTM) [B, H], nil meaning zeros, with weights w_ih [G·H, In], w_hh
// [G·H, H] and biases [G·H] or nil. It returns the output [B, T, H], the
// final state h_n [B, H] and, for the LSTM, c_n [B, H], recorded as one op.
// Shapes are checked by the callers.
func recurrentPass(p *seqPass, x, h0, c0, wih, whh, bih, bhh *tensor.Tensor) (out, hN, cN *tensor.Tensor) {
	p.gw = p.kind.gates() * p.hid
	p.hasC = p.kind == cellLSTM
	p.wih, p.whh = wih.Data(), whh.Data()
	if bih != nil {
		p.bias, p.bhn = combinedBias(p.kind, p.hid, bih.Data(), bhh.Data())
	}
	out = tensor.Zeros(p.batch, p.steps, p.hid)
	hN = tensor.Zeros(p.batch, p.hid)
	outs := []*tensor.Tensor{out, hN}
	var cNd []float32
	if p.hasC {
		cN = tensor.Zeros(p.batch, p.hid)
		cNd = cN.Data()
		outs = append(outs, cN)
	}
	p.forward(x.Data(), dataOf(h0), dataOf(c0), out.Data(), hN.Data(), cNd)

	inputs := []*tensor.Tensor{x, h0, c0, wih, whh, bih, bhh}
	tensor.RecordMulti(p.op, outs, func(gs []*tensor.Tensor) []*tensor.Tensor {
		var gc []float32
		if p.hasC {
			gc = gs[2].Data()
		}
		wantW := needs(wih) || needs(whh) || needs(bih) || needs(bhh)
		g := p.backward(gs[0].Data(), gs[1].Data(), gc, x.Data(), needs(x), wantW)
		grads := make([]*tensor.Tensor, len(inputs))
		grads[0] = g.dx
		if h0 != nil {
			grads[1] = tensor.New(g.dh0, p.batch, p.hid)
		}
		if c0 != nil {
			grads[2] = tensor.New(g.dc0, p.batch, p.hid)
		}
		grads[3], grads[4] = g.dwih, g.dwhh
		if bih != nil {
			grads[5], grads[6] = g.dbih, g.dbhh
		}
		p.release()
		return grads
	}, inputs...)
	if !hN.RequiresGrad() {
		p.release() // no graph: backward will never run
	}
	return out, hN, cN
}

func needs(t *tensor.Tensor) bool { return t != nil && t.RequiresGrad() }

func dataOf(t *tensor.Tensor) []float32 {
	if t == nil {
		return nil
	}
	return t.Data()
}

// combinedBias folds the biases that add to the same pre-activation into
// one row: b_ih + b_hh for RNN and LSTM; for the GRU, whose candidate
// needs W_hn·h + b_hn apart (it is scaled by r), the r and z parts only,
// with b_hn returned separately.
func combinedBias(kind cellKind, h int, bih, bhh []float32) (row, bhn []float32) {
	row = make([]float32, len(bih))
	if kind != cellGRU {
		kernels.Add(row, bih, bhh)
		return row, nil
	}
	kernels.Add(row[:2*h], bih[:2*h], bhh[:2*h])
	copy(row[2*h:], bih[2*h:])
	return row, bhh[2*h:]
}

// forward fills the saved buffers, out, hN and cN.
func (p *seqPass) forward(x, h0, c0, out, hN, cN []float32) {
	n := p.batch * p.steps
	p.gates = getBuffer(n * p.gw)
	p.hprev = getBuffer(n * p.hid)
	switch p.kind {
	case cellLSTM:
		p.cprev = getBuffer(n * p.hid)
		p.tanhC = getBuffer(n * p.hid)
	case cellGRU:
		p.nAct = getBuffer(n * p.hid)
		p.hhn = getBuffer(n * p.hid)
	}
	kernels.ParallelFor(p.batch, 1, func(lo, hi int) {
		p.forwardRows(lo, hi, x, h0, c0, out, hN, cN)
	})
}

// release returns the saved buffers to the pool once nothing will read
// them: after backward, or right after forward when no graph was recorded.
func (p *seqPass) release() {
	for _, b := range []*[]float32{&p.gates, &p.hprev, &p.cprev, &p.tanhC, &p.nAct, &p.hhn} {
		putBuffer(*b)
		*b = nil
	}
}

// bufferPool recycles the saved buffers between passes: a training step
// allocates the same sizes every time, and fresh memory would have to be
// zeroed (and collected) for nothing, since every element the passes read
// is written first. Buffers are kept by capacity class (powers of two).
var bufferPool [40]sync.Pool

func getBuffer(n int) []float32 {
	c := bits.Len(uint(n - 1)) // the class whose buffers hold 2^c >= n
	if b, ok := bufferPool[c].Get().(*[]float32); ok {
		return (*b)[:n]
	}
	return make([]float32, n, 1<<c)
}

func putBuffer(b []float32) {
	if cap(b) == 0 || cap(b)&(cap(b)-1) != 0 {
		return // not from getBuffer
	}
	b = b[:cap(b)]
	bufferPool[bits.Len(uint(cap(b)-1))].Put(&b)
}

// forwardRows runs every step for batch entries [lo, hi).
func (p *seqPass) forwardRows(lo, hi int, x, h0, c0, out, hN, cN []float32) {
	T, H, G, b := p.steps, p.hid, p.gw, hi-lo
	kernels.SgemmSerial(false, true, b*T, G, p.in, 1, x[lo*T*p.in:hi*T*p.in], p.in, p.wih, p.in, 0, p.gates[lo*T*G:hi*T*G], G)
	first := p.time(0)
	for r := lo; r < hi; r++ {
		h := p.hprev[p.bt(r, first)*H:][:H]
		if h0 != nil {
			copy(h, h0[r*H:(r+1)*H])
		} else {
			clear(h)
		}
		if p.hasC {
			c := p.cprev[p.tb(first, r)*H:][:H]
			if c0 != nil {
				copy(c, c0[r*H:(r+1)*H])
			} else {
				clear(c)
			}
		}
	}
	s := newStepScratch(p, b)
	for i := 0; i < T; i++ {
		t := p.time(i)
		// Where the new state goes: the next step's h_prev, or h_n.
		hNext := rows{hN, lo * H, H, H}
		var cNext []float32
		if p.hasC {
			cNext = cN[lo*H : hi*H]
		}
		if i < T-1 {
			next := p.time(i + 1)
			hNext = p.step(p.hprev, lo, next, H)
			if p.hasC {
				cNext = p.cprev[p.tb(next, lo)*H : p.tb(next, hi)*H]
			}
		}
		if p.anyActive(lo, hi, t) {
			switch p.kind {
			case cellLSTM:
				p.lstmStep(lo, hi, t, hNext, cNext, s)
			case cellGRU:
				p.gruStep(lo, hi, t, hNext, s)
			default:
				p.simpleStep(lo, hi, t, hNext, s)
			}
		}
		// Entries past their length carry their state; the others emit it.
		for r := lo; r < hi; r++ {
			j := r - lo
			if p.active(r, t) {
				copy(out[p.bt(r, t)*H:][:H], hNext.at(j))
				continue
			}
			copy(hNext.at(j), p.hprev[p.bt(r, t)*H:][:H])
			if p.hasC {
				copy(cNext[j*H:(j+1)*H], p.cprev[p.tb(t, r)*H:][:H])
			}
		}
	}
}

// passGrads are the gradients of one pass; nil where not asked for.
type passGrads struct {
	dx                     *tensor.Tensor
	dh0, dc0               []float32
	dwih, dwhh, dbih, dbhh *tensor.Tensor
}

// backward back-propagates dL/dout [B, T, H], dL/dh_n and dL/dc_n [B, H]
// through the pass; x is the forward's input. It consumes the saved
// buffers (the pass cannot be back-propagated twice, as the graph).
func (p *seqPass) backward(gOut, gHN, gCN, x []float32, wantX, wantW bool) *passGrads {
	B, H, G := p.batch, p.hid, p.gw
	g := &passGrads{dh0: make([]float32, B*H)}
	if p.hasC {
		g.dc0 = make([]float32, B*H)
	}
	if wantX {
		g.dx = tensor.Zeros(B, p.steps, p.in)
	}
	if wantW {
		g.dwih, g.dwhh = tensor.Zeros(G, p.in), tensor.Zeros(G, H)
		if p.bias != nil {
			g.dbih, g.dbhh = tensor.Zeros(G), tensor.Zeros(G)
		}
	}
	var mu sync.Mutex
	kernels.ParallelFor(B, 1, func(lo, hi int) {
		p.backwardRows(lo, hi, gOut, gHN, gCN, g)
		p.inputGrads(lo, hi, x, g, &mu)
	})
	return g
}

// backwardRows walks the steps of entries [lo, hi) in reverse processing
// order, leaving dL/dpre in the gates rows (zero where an entry was not
// active) and writing the rows' dL/dh0 and dL/dc0.
func (p *seqPass) backwardRows(lo, hi int, gOut, gHN, gCN []float32, g *passGrads) {
	H, G, b := p.hid, p.gw, hi-lo
	s := newStepScratch(p, b)
	s.dh = append([]float32(nil), gHN[lo*H:hi*H]...)
	s.dhNext = make([]float32, b*H)
	if p.hasC {
		s.dc = append([]float32(nil), gCN[lo*H:hi*H]...)
	}
	for i := p.steps - 1; i >= 0; i-- {
		t := p.time(i)
		if !p.anyActive(lo, hi, t) {
			p.clearInactive(lo, hi, t)
			continue // dL/dh and dL/dc pass through unchanged
		}
		// dL/dh of this step's output: from the next step and from out.
		// Entries that were not active pass dL/dh through unchanged.
		allActive := true
		for r := lo; r < hi; r++ {
			j := (r - lo) * H
			if p.active(r, t) {
				kernels.AddTo(s.dh[j:j+H], gOut[p.bt(r, t)*H:][:H])
				clear(s.dhNext[j : j+H])
			} else {
				allActive = false
				copy(s.dhNext[j:j+H], s.dh[j:j+H])
			}
		}
		switch p.kind {
		case cellLSTM:
			p.lstmBackStep(lo, hi, t, s)
		case cellGRU:
			p.gruBackStep(lo, hi, t, s)
		default:
			p.simpleBackStep(lo, hi, t, s)
		}
		if !allActive {
			p.clearInactive(lo, hi, t)
		}
		// dh_prev += dG·W_hh (the GRU's dG on the hidden side is in hh).
		if p.kind == cellGRU {
			kernels.SgemmSerial(false, false, b, H, G, 1, s.hh, G, p.whh, H, 1, s.dhNext, H)
		} else {
			kernels.SgemmSerial(false, false, b, H, G, 1, p.gates[p.bt(lo, t)*G:], p.steps*G, p.whh, H, 1, s.dhNext, H)
		}
		s.dh, s.dhNext = s.dhNext, s.dh
	}
	copy(g.dh0[lo*H:hi*H], s.dh)
	if p.hasC {
		copy(g.dc0[lo*H:hi*H], s.dc)
	}
}

// inputGrads adds the share of entries [lo, hi) to the weight gradients
// (under mu) and writes their input gradient, each a GEMM over all their
// steps at once.
func (p *seqPass) inputGrads(lo, hi int, x []float32, g *passGrads, mu *sync.Mutex) {
	T, H, G, in := p.steps, p.hid, p.gw, p.in
	n := (hi - lo) * T
	dg := p.gates[lo*T*G : hi*T*G]
	if g.dx != nil {
		kernels.SgemmSerial(false, false, n, in, G, 1, dg, G, p.wih, in, 0, g.dx.Data()[lo*T*in:hi*T*in], in)
	}
	if g.dwih == nil {
		return
	}
	xs, hp := x[lo*T*in:hi*T*in], p.hprev[lo*T*H:hi*T*H]
	dwih, dwhh := make([]float32, G*in), make([]float32, G*H)
	kernels.SgemmSerial(true, false, G, in, n, 1, dg, G, xs, in, 0, dwih, in)
	if p.kind == cellGRU {
		// Rows r, z see the input side's gradient; n sees dL/d(W_hn h),
		// kept in hhn.
		kernels.SgemmSerial(true, false, 2*H, H, n, 1, dg, G, hp, H, 0, dwhh, H)
		kernels.SgemmSerial(true, false, H, H, n, 1, p.hhn[lo*T*H:hi*T*H], H, hp, H, 0, dwhh[2*H*H:], H)
	} else {
		kernels.SgemmSerial(true, false, G, H, n, 1, dg, G, hp, H, 0, dwhh, H)
	}
	var dbih, dbhh []float32
	if g.dbih != nil {
		dbih = make([]float32, G)
		kernels.SumRows(dbih, dg, n, G)
		dbhh = append([]float32(nil), dbih...)
		if p.kind == cellGRU {
			kernels.SumRows(dbhh[2*H:], p.hhn[lo*T*H:hi*T*H], n, H)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	kernels.AddTo(g.dwih.Data(), dwih)
	kernels.AddTo(g.dwhh.Data(), dwhh)
	if dbih != nil {
		kernels.AddTo(g.dbih.Data(), dbih)
		kernels.AddTo(g.dbhh.Data(), dbhh)
	}
}

// clearInactive zeroes the gradients a step stored for entries that did not
// take part in it, so that the weight-gradient GEMMs skip them.
func (p *seqPass) clearInactive(lo, hi, t int) {
	H, G := p.hid, p.gw
	for r := lo; r < hi; r++ {
		if p.active(r, t) {
			continue
		}
		clear(p.gates[p.bt(r, t)*G:][:G])
		if p.kind == cellGRU {
			clear(p.hhn[p.bt(r, t)*H:][:H])
		}
	}
}

// checkLengths validates per-sequence lengths for a batch of b sequences of
// up to t steps and returns them (nil stays nil).
func checkLengths(op string, lengths []int, b, t int) []int {
	if lengths == nil {
		return nil
	}
	if len(lengths) != b {
		panic(fmt.Sprintf("deepgo: %s: %d lengths for a batch of %d sequences", op, len(lengths), b))
	}
	for i, l := range lengths {
		if l < 1 || l > t {
			panic(fmt.Sprintf("deepgo: %s: length %d of sequence %d is outside [1, %d]", op, l, i, t))
		}
	}
	return lengths
}
