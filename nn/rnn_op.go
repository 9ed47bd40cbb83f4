package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// The fused recurrent op: one direction of one layer over a whole batch of
// sequences, forward and hand-written back-propagation through time, as a
// single node of the autograd graph. RNN, LSTM, GRU and the three cells are
// built from it (a cell is a pass of one step).
//
// Layout. Everything is time-major: the input x is [T, B, In], the output
// [T, B, H], and every per-step buffer is [T, B, width], so that the rows of
// step t for batch entries lo..hi are one contiguous block.
//
// Work. The input projections of all steps are one GEMM,
// [T·B, In]·W_ihᵀ → [T·B, G·H] (G gates). The recurrence then runs in
// parallel over slices of the batch, each goroutine walking every step of
// its own rows with one serial [b, H]·W_hhᵀ GEMM per step and vectorised
// gate nonlinearities; sequences are independent, so the goroutines never
// wait for each other. The backward pass walks the steps in reverse the
// same way, leaving dL/d(pre-activation) of every step in place of the
// stored activations; the weight gradients are then three large GEMMs over
// all steps at once: dW_ih = dGᵀ·x, dW_hh = dGᵀ·h_prev, dx = dG·W_ih.
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
	hasBias   bool
	wih, whh  []float32
	bias, bhn []float32 // combined input-side bias row [gw]; GRU's b_hn [H]

	// Saved by forward, [T, B, width] each.
	gates []float32 // pre-activations, then activations; dL/dpre in backward
	hprev []float32 // the state each step started from
	cprev []float32 // LSTM: the cell state each step started from
	tanhC []float32 // LSTM: tanh of the new cell state
	nAct  []float32 // GRU: the candidate n
	hhn   []float32 // GRU: W_hn·h + b_hn; dL/d(W_hn·h) in backward
}

// at returns the offset of row b of step t in a [T, B, w] buffer.
func (p *seqPass) at(t, b, w int) int { return (t*p.batch + b) * w }

// active reports whether batch entry b takes part in step t.
func (p *seqPass) active(b, t int) bool { return p.lengths == nil || t < p.lengths[b] }

// time returns the time index of the s-th step processed.
func (p *seqPass) time(s int) int {
	if p.reverse {
		return p.steps - 1 - s
	}
	return s
}

// recurrentPass runs the pass over x [T, B, In] from h0 (and c0 for the
// LSTM) [B, H], nil meaning zeros, with weights w_ih [G·H, In], w_hh
// [G·H, H] and biases [G·H] or nil. It returns the output [T, B, H], the
// final state h_n [B, H] and, for the LSTM, c_n [B, H], recorded as one op.
// Shapes are checked by the callers.
func recurrentPass(p *seqPass, x, h0, c0, wih, whh, bih, bhh *tensor.Tensor) (out, hN, cN *tensor.Tensor) {
	p.gw = p.kind.gates() * p.hid
	p.hasC = p.kind == cellLSTM
	p.hasBias = bih != nil
	p.wih, p.whh = wih.Data(), whh.Data()
	if p.hasBias {
		p.bias, p.bhn = combinedBias(p.kind, p.hid, bih.Data(), bhh.Data())
	}
	out = tensor.Zeros(p.steps, p.batch, p.hid)
	hN = tensor.Zeros(p.batch, p.hid)
	outs := []*tensor.Tensor{out, hN}
	var c0d, cNd []float32
	if p.hasC {
		cN = tensor.Zeros(p.batch, p.hid)
		cNd = cN.Data()
		outs = append(outs, cN)
		if c0 != nil {
			c0d = c0.Data()
		}
	}
	var h0d []float32
	if h0 != nil {
		h0d = h0.Data()
	}
	p.forward(x.Data(), h0d, c0d, out.Data(), hN.Data(), cNd)

	inputs := []*tensor.Tensor{x, h0, c0, wih, whh, bih, bhh}
	tensor.RecordMulti(p.op, outs, func(gs []*tensor.Tensor) []*tensor.Tensor {
		var gc []float32
		if p.hasC {
			gc = gs[2].Data()
		}
		g := p.backward(gs[0].Data(), gs[1].Data(), gc, x.Data(), needs(x), needs(wih) || needs(whh) || needs(bih) || needs(bhh))
		grads := make([]*tensor.Tensor, len(inputs))
		grads[0] = g.dx
		if h0 != nil {
			grads[1] = tensor.New(g.dh0, p.batch, p.hid)
		}
		if c0 != nil {
			grads[2] = tensor.New(g.dc0, p.batch, p.hid)
		}
		grads[3], grads[4] = g.dwih, g.dwhh
		if p.hasBias {
			grads[5], grads[6] = g.dbih, g.dbhh
		}
		return grads
	}, inputs...)
	return out, hN, cN
}

func needs(t *tensor.Tensor) bool { return t != nil && t.RequiresGrad() }

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
	T, B, H, G := p.steps, p.batch, p.hid, p.gw
	rows := T * B
	p.gates = make([]float32, rows*G)
	beta := float32(0)
	if p.hasBias {
		for r := 0; r < rows; r++ {
			copy(p.gates[r*G:(r+1)*G], p.bias)
		}
		beta = 1
	}
	kernels.Sgemm(false, true, rows, G, p.in, 1, x, p.in, p.wih, p.in, beta, p.gates, G)
	p.hprev = make([]float32, rows*H)
	switch p.kind {
	case cellLSTM:
		p.cprev = make([]float32, rows*H)
		p.tanhC = make([]float32, rows*H)
	case cellGRU:
		p.nAct = make([]float32, rows*H)
		p.hhn = make([]float32, rows*H)
	}
	kernels.ParallelFor(B, 1, func(lo, hi int) {
		p.forwardRows(lo, hi, h0, c0, out, hN, cN)
	})
}

// forwardRows runs every step for batch entries [lo, hi).
func (p *seqPass) forwardRows(lo, hi int, h0, c0, out, hN, cN []float32) {
	T, H := p.steps, p.hid
	n := (hi - lo) * H
	first := p.time(0)
	if h0 != nil {
		copy(p.hprev[p.at(first, lo, H):][:n], h0[lo*H:hi*H])
	}
	if c0 != nil {
		copy(p.cprev[p.at(first, lo, H):][:n], c0[lo*H:hi*H])
	}
	s := newStepScratch(p, hi-lo)
	for i := 0; i < T; i++ {
		t := p.time(i)
		hNext, cNext := hN[lo*H:hi*H], []float32(nil)
		if p.hasC {
			cNext = cN[lo*H : hi*H]
		}
		if i < T-1 {
			next := p.at(p.time(i+1), lo, H)
			hNext = p.hprev[next : next+n]
			if p.hasC {
				cNext = p.cprev[next : next+n]
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
		hp := p.hprev[p.at(t, lo, H):][:n]
		for b := lo; b < hi; b++ {
			j := (b - lo) * H
			if !p.active(b, t) {
				copy(hNext[j:j+H], hp[j:j+H])
				if p.hasC {
					copy(cNext[j:j+H], p.cprev[p.at(t, b, H):][:H])
				}
				continue
			}
			copy(out[p.at(t, b, H):][:H], hNext[j:j+H])
		}
	}
}

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

// stepScratch is per-goroutine working memory, reused across steps.
type stepScratch struct {
	ones, twos []float32 // constants for the vectorised σ and tanh
	hh         []float32 // GRU forward: W_hh·h, [b, 3H]; backward: dL/d(W_hh·h)
	dh, dhNext []float32 // backward: dL/dh entering and leaving a step, [b, H]
	dc         []float32 // LSTM backward: dL/dc, [b, H]
}

func newStepScratch(p *seqPass, b int) *stepScratch {
	n := b * p.gw
	s := &stepScratch{ones: make([]float32, n), twos: make([]float32, n)}
	for i := range s.ones {
		s.ones[i], s.twos[i] = 1, 2
	}
	if p.kind == cellGRU {
		s.hh = make([]float32, n)
	}
	return s
}

// sigmoidInPlace sets x[i] = σ(x[i]) = 1 / (1 + e^−x[i]) with the vector
// kernels. Exp saturates to +Inf or 0 outside its range, which gives exactly
// 0 and 1 here, never NaN.
func sigmoidInPlace(x, ones []float32) {
	kernels.Scale(x, x, -1)
	kernels.Exp(x, x)
	kernels.AddScalar(x, x, 1)
	kernels.Div(x, ones[:len(x)], x)
}

// tanhInPlace sets x[i] = tanh(x[i]) = 2σ(2x[i]) − 1. Near 0 the error is
// about one float32 ulp of 1 (absolute), not relative to x.
func tanhInPlace(x, twos []float32) {
	kernels.Scale(x, x, -2)
	kernels.Exp(x, x)
	kernels.AddScalar(x, x, 1)
	kernels.Div(x, twos[:len(x)], x)
	kernels.AddScalar(x, x, -1)
}

// simpleStep is the Elman step, h' = act(pre + W_hh·h), for entries
// [lo, hi) at time t; the gates block keeps h'.
func (p *seqPass) simpleStep(lo, hi, t int, hNext []float32, s *stepScratch) {
	H, b := p.hid, hi-lo
	g := p.gates[p.at(t, lo, H):][:b*H]
	kernels.SgemmSerial(false, true, b, H, H, 1, p.hprev[p.at(t, lo, H):], H, p.whh, H, 1, g, H)
	if p.kind == cellReLU {
		kernels.Relu(g, g)
	} else {
		tanhInPlace(g, s.twos)
	}
	copy(hNext, g)
}

// lstmStep is the LSTM step for entries [lo, hi) at time t:
//
//	i, f, o = σ(·), g = tanh(·),  c' = f·c + i·g,  h' = o·tanh(c')
//
// The gates block keeps i, f, g, o; tanhC keeps tanh(c').
func (p *seqPass) lstmStep(lo, hi, t int, hNext, cNext []float32, s *stepScratch) {
	H, G, b := p.hid, p.gw, hi-lo
	g := p.gates[p.at(t, lo, G):][:b*G]
	kernels.SgemmSerial(false, true, b, G, H, 1, p.hprev[p.at(t, lo, H):], H, p.whh, H, 1, g, G)
	// σ over the whole block at once, then turn the g gates into tanh:
	// tanh(x) = 2σ(2x) − 1, so those rows are doubled first.
	for j := 0; j < b; j++ {
		gg := g[j*G+2*H : j*G+3*H]
		kernels.Scale(gg, gg, 2)
	}
	sigmoidInPlace(g, s.ones)
	cp := p.cprev[p.at(t, lo, H):][:b*H]
	for j := 0; j < b; j++ {
		row := g[j*G : (j+1)*G]
		gg := row[2*H : 3*H]
		kernels.Scale(gg, gg, 2)
		kernels.AddScalar(gg, gg, -1)
		c := cNext[j*H : (j+1)*H]
		kernels.Mul(c, row[H:2*H], cp[j*H:(j+1)*H])
		kernels.MulAdd(c, row[:H], gg)
	}
	tc := p.tanhC[p.at(t, lo, H):][:b*H]
	copy(tc, cNext)
	tanhInPlace(tc, s.twos)
	for j := 0; j < b; j++ {
		kernels.Mul(hNext[j*H:(j+1)*H], g[j*G+3*H:(j+1)*G], tc[j*H:(j+1)*H])
	}
}

// gruStep is the GRU step for entries [lo, hi) at time t:
//
//	r, z = σ(·),  n = tanh(W_in x + b_in + r·(W_hn h + b_hn)),  h' = (1 − z)·n + z·h
//
// The gates block keeps r and z (its n part is left as W_in x + b_in); nAct
// keeps n and hhn keeps W_hn h + b_hn.
func (p *seqPass) gruStep(lo, hi, t int, hNext []float32, s *stepScratch) {
	H, G, b := p.hid, p.gw, hi-lo
	g := p.gates[p.at(t, lo, G):][:b*G]
	hp := p.hprev[p.at(t, lo, H):][:b*H]
	hh := s.hh[:b*G]
	kernels.SgemmSerial(false, true, b, G, H, 1, hp, H, p.whh, H, 0, hh, G)
	hn := p.hhn[p.at(t, lo, H):][:b*H]
	n := p.nAct[p.at(t, lo, H):][:b*H]
	for j := 0; j < b; j++ {
		row, hrow := g[j*G:(j+1)*G], hh[j*G:(j+1)*G]
		rz := row[:2*H]
		kernels.Add(rz, rz, hrow[:2*H])
		sigmoidInPlace(rz, s.ones)
		hnj := hn[j*H : (j+1)*H]
		if p.bhn != nil {
			kernels.Add(hnj, hrow[2*H:], p.bhn)
		} else {
			copy(hnj, hrow[2*H:])
		}
		nj := n[j*H : (j+1)*H]
		copy(nj, row[2*H:])
		kernels.MulAdd(nj, rz[:H], hnj)
	}
	tanhInPlace(n, s.twos)
	// h' = n + z·(h − n)
	kernels.Sub(hNext, hp, n)
	for j := 0; j < b; j++ {
		d := hNext[j*H : (j+1)*H]
		kernels.Mul(d, g[j*G+H:j*G+2*H], d)
	}
	kernels.Add(hNext, hNext, n)
}

// passGrads are the gradients of one pass; nil where not asked for.
type passGrads struct {
	dx                     *tensor.Tensor
	dh0, dc0               []float32
	dwih, dwhh, dbih, dbhh *tensor.Tensor
}

// backward back-propagates dL/dout [T, B, H], dL/dh_n and dL/dc_n [B, H]
// through the pass; x is the forward's input. It consumes the saved
// buffers (the pass cannot be back-propagated twice, as the graph).
func (p *seqPass) backward(gOut, gHN, gCN, x []float32, wantX, wantW bool) passGrads {
	T, B, H, G := p.steps, p.batch, p.hid, p.gw
	g := passGrads{dh0: make([]float32, B*H)}
	if p.hasC {
		g.dc0 = make([]float32, B*H)
	}
	kernels.ParallelFor(B, 1, func(lo, hi int) {
		p.backwardRows(lo, hi, gOut, gHN, gCN, g.dh0, g.dc0)
	})
	// Every step's dL/dpre is now in p.gates; the rest is three GEMMs over
	// all steps at once.
	rows := T * B
	if wantW {
		g.dwih = tensor.Zeros(G, p.in)
		kernels.Sgemm(true, false, G, p.in, rows, 1, p.gates, G, x, p.in, 0, g.dwih.Data(), p.in)
		g.dwhh = tensor.Zeros(G, H)
		if p.kind == cellGRU {
			// Rows r, z see the same gradient as the input side; n sees
			// dL/d(W_hn h), kept in hhn.
			kernels.Sgemm(true, false, 2*H, H, rows, 1, p.gates, G, p.hprev, H, 0, g.dwhh.Data(), H)
			kernels.Sgemm(true, false, H, H, rows, 1, p.hhn, H, p.hprev, H, 0, g.dwhh.Data()[2*H*H:], H)
		} else {
			kernels.Sgemm(true, false, G, H, rows, 1, p.gates, G, p.hprev, H, 0, g.dwhh.Data(), H)
		}
		if p.hasBias {
			g.dbih = tensor.Zeros(G)
			kernels.SumRows(g.dbih.Data(), p.gates, rows, G)
			g.dbhh = tensor.Zeros(G)
			copy(g.dbhh.Data(), g.dbih.Data())
			if p.kind == cellGRU {
				kernels.SumRows(g.dbhh.Data()[2*H:], p.hhn, rows, H)
			}
		}
	}
	if wantX {
		g.dx = tensor.Zeros(T, B, p.in)
		kernels.Sgemm(false, false, rows, p.in, G, 1, p.gates, G, p.wih, p.in, 0, g.dx.Data(), p.in)
	}
	return g
}

// backwardRows walks the steps of entries [lo, hi) in reverse processing
// order, leaving dL/dpre in the gates buffer (zero where an entry was not
// active) and writing dL/dh0 and dL/dc0 for the rows.
func (p *seqPass) backwardRows(lo, hi int, gOut, gHN, gCN, dh0, dc0 []float32) {
	T, H, b := p.steps, p.hid, hi-lo
	s := newStepScratch(p, b)
	s.dh = append([]float32(nil), gHN[lo*H:hi*H]...)
	s.dhNext = make([]float32, b*H)
	if p.hasC {
		s.dc = append([]float32(nil), gCN[lo*H:hi*H]...)
	}
	for i := T - 1; i >= 0; i-- {
		t := p.time(i)
		// dL/dh of this step's output: from the next step and from out.
		// Entries that were not active pass dL/dh through unchanged.
		allActive := true
		for r := lo; r < hi; r++ {
			j := (r - lo) * H
			if p.active(r, t) {
				kernels.AddTo(s.dh[j:j+H], gOut[p.at(t, r, H):][:H])
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
		dg, ld := p.gates[p.at(t, lo, p.gw):], p.gw
		if p.kind == cellGRU {
			dg = s.hh
		}
		if p.anyActive(lo, hi, t) {
			kernels.SgemmSerial(false, false, b, H, p.gw, 1, dg, ld, p.whh, H, 1, s.dhNext, H)
		}
		s.dh, s.dhNext = s.dhNext, s.dh
	}
	copy(dh0[lo*H:hi*H], s.dh)
	if p.hasC {
		copy(dc0[lo*H:hi*H], s.dc)
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
		clear(p.gates[p.at(t, r, G):][:G])
		if p.kind == cellGRU {
			clear(p.hhn[p.at(t, r, H):][:H])
		}
	}
}

// simpleBackStep: dpre = dh'·act'(pre), from the stored h' = act(pre).
func (p *seqPass) simpleBackStep(lo, hi, t int, s *stepScratch) {
	H, b := p.hid, hi-lo
	g := p.gates[p.at(t, lo, H):][:b*H]
	dh := s.dh[:b*H]
	if p.kind == cellReLU {
		kernels.ReluBackward(g, g, dh)
		return
	}
	for k, h := range g {
		g[k] = dh[k] * (1 - h*h)
	}
}

// lstmBackStep turns dL/dh' (s.dh) and dL/dc' (s.dc) into dL/dpre for the
// four gates, and s.dc into dL/dc:
//
//	dc' += dh'·o·(1 − tanh²c'),  do = dh'·tanh c',  di = dc'·g,  df = dc'·c,  dg = dc'·i,  dc = dc'·f
//
// each gate's derivative then times σ' = y(1 − y) or tanh' = 1 − y².
func (p *seqPass) lstmBackStep(lo, hi, t int, s *stepScratch) {
	H, G := p.hid, p.gw
	for r := lo; r < hi; r++ {
		if !p.active(r, t) {
			continue
		}
		j := (r - lo) * H
		row := p.gates[p.at(t, r, G):][:G]
		gi, gf, gg, gO := row[:H], row[H:2*H], row[2*H:3*H], row[3*H:4*H]
		cp := p.cprev[p.at(t, r, H):][:H]
		tc := p.tanhC[p.at(t, r, H):][:H]
		dh, dc := s.dh[j:j+H], s.dc[j:j+H]
		for k := range H {
			i, f, g, o, th, d := gi[k], gf[k], gg[k], gO[k], tc[k], dh[k]
			dct := dc[k] + d*o*(1-th*th)
			gi[k] = dct * g * i * (1 - i)
			gf[k] = dct * cp[k] * f * (1 - f)
			gg[k] = dct * i * (1 - g*g)
			gO[k] = d * th * o * (1 - o)
			dc[k] = dct * f
		}
	}
}

// gruBackStep turns dL/dh' into dL/dpre. With h' = n + z·(h − n) and
// n = tanh(a_n + r·hn), hn = W_hn h + b_hn:
//
//	dn = dh'·(1 − z),  dz = dh'·(h − n),  da_n = dn·(1 − n²),  dr = da_n·hn,  dhn = da_n·r,  dh += dh'·z
//
// The gates block gets the input-side gradients (da_r, da_z, da_n), s.hh the
// hidden-side ones (da_r, da_z, dhn) for this step's dh GEMM, and hhn keeps
// dhn for dW_hh.
func (p *seqPass) gruBackStep(lo, hi, t int, s *stepScratch) {
	H, G := p.hid, p.gw
	for r := lo; r < hi; r++ {
		j := (r - lo) * H
		hrow := s.hh[j*3 : j*3+G]
		if !p.active(r, t) {
			clear(hrow)
			continue
		}
		row := p.gates[p.at(t, r, G):][:G]
		gr, gz, gn := row[:H], row[H:2*H], row[2*H:3*H]
		hr, hz, hnn := hrow[:H], hrow[H:2*H], hrow[2*H:3*H]
		n := p.nAct[p.at(t, r, H):][:H]
		hn := p.hhn[p.at(t, r, H):][:H]
		hp := p.hprev[p.at(t, r, H):][:H]
		dh, dhp := s.dh[j:j+H], s.dhNext[j:j+H]
		for k := range H {
			rv, z, nv, d := gr[k], gz[k], n[k], dh[k]
			dan := d * (1 - z) * (1 - nv*nv)
			dar := dan * hn[k] * rv * (1 - rv)
			daz := d * (hp[k] - nv) * z * (1 - z)
			gr[k], gz[k], gn[k] = dar, daz, dan
			hr[k], hz[k], hnn[k] = dar, daz, dan*rv
			hn[k] = dan * rv
			dhp[k] = d * z
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
