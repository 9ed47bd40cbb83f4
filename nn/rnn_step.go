package nn

import "github.com/deepgo/deepgo/internal/kernels"

// The steps of the fused recurrent op (rnn_op.go), each cell's forward step
// beside its backward step. A step works on the rows of entries [lo, hi)
// at time t; the backward steps read what the forward steps saved.

// stepScratch is per-goroutine working memory, reused across steps.
type stepScratch struct {
	ones, twos []float32 // constants for the vectorised σ and tanh
	hh         []float32 // GRU forward: W_hh·h, [b, 3H]; backward: dL/d(W_hh·h)
	dh, dhNext []float32 // backward: dL/dh entering and leaving a step, [b, H]
	dc         []float32 // LSTM backward: dL/dc, [b, H]
}

func newStepScratch(p *seqPass, b int) *stepScratch {
	n := max(b*p.hid, p.gw)
	s := &stepScratch{ones: make([]float32, n), twos: make([]float32, n)}
	for i := range s.ones {
		s.ones[i], s.twos[i] = 1, 2
	}
	if p.kind == cellGRU {
		s.hh = make([]float32, b*p.gw)
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
// [lo, hi) at time t; the gates rows keep h'.
func (p *seqPass) simpleStep(lo, hi, t int, hNext rows, s *stepScratch) {
	H := p.hid
	g := p.step(p.gates, lo, t, H)
	kernels.SgemmSerial(false, true, hi-lo, H, H, 1, p.hprev[p.bt(lo, t)*H:], p.steps*H, p.whh, H, 1, p.gates[g.off:], g.stride)
	for j := 0; j < hi-lo; j++ {
		row := g.at(j)
		if p.bias != nil {
			kernels.Add(row, row, p.bias)
		}
		if p.kind == cellReLU {
			kernels.Relu(row, row)
		} else {
			tanhInPlace(row, s.twos)
		}
		copy(hNext.at(j), row)
	}
}

// simpleBackStep: dpre = dh'·act'(pre), from the stored h' = act(pre).
func (p *seqPass) simpleBackStep(lo, hi, t int, s *stepScratch) {
	H := p.hid
	g := p.step(p.gates, lo, t, H)
	for j := 0; j < hi-lo; j++ {
		row, dh := g.at(j), s.dh[j*H:(j+1)*H]
		if p.kind == cellReLU {
			kernels.ReluBackward(row, row, dh)
			continue
		}
		for k, h := range row {
			row[k] = dh[k] * (1 - h*h)
		}
	}
}

// lstmStep is the LSTM step for entries [lo, hi) at time t:
//
//	i, f, o = σ(·), g = tanh(·),  c' = f·c + i·g,  h' = o·tanh(c')
//
// The gates rows keep i, f, g, o; tanhC keeps tanh(c').
func (p *seqPass) lstmStep(lo, hi, t int, hNext rows, cNext []float32, s *stepScratch) {
	H, b := p.hid, hi-lo
	g := p.step(p.gates, lo, t, p.gw)
	kernels.SgemmSerial(false, true, b, p.gw, H, 1, p.hprev[p.bt(lo, t)*H:], p.steps*H, p.whh, H, 1, p.gates[g.off:], g.stride)
	cp := p.cprev[p.tb(t, lo)*H : p.tb(t, hi)*H]
	for j := 0; j < b; j++ {
		row := g.at(j)
		if p.bias != nil {
			kernels.Add(row, row, p.bias)
		}
		// σ over the whole row, then tanh(x) = 2σ(2x) − 1 for the g gate.
		gg := row[2*H : 3*H]
		kernels.Scale(gg, gg, 2)
		sigmoidInPlace(row, s.ones)
		kernels.Scale(gg, gg, 2)
		kernels.AddScalar(gg, gg, -1)
		c := cNext[j*H : (j+1)*H]
		kernels.Mul(c, row[H:2*H], cp[j*H:(j+1)*H])
		kernels.MulAdd(c, row[:H], gg)
	}
	tc := p.tanhC[p.tb(t, lo)*H : p.tb(t, hi)*H]
	copy(tc, cNext)
	tanhInPlace(tc, s.twos)
	for j := 0; j < b; j++ {
		kernels.Mul(hNext.at(j), g.at(j)[3*H:], tc[j*H:(j+1)*H])
	}
}

// lstmBackStep turns dL/dh' (s.dh) and dL/dc' (s.dc) into dL/dpre for the
// four gates, and s.dc into dL/dc:
//
//	dc' += dh'·o·(1 − tanh²c'),  do = dh'·tanh c',  di = dc'·g,  df = dc'·c,  dg = dc'·i,  dc = dc'·f
//
// each gate's derivative then times σ' = y(1 − y) or tanh' = 1 − y².
func (p *seqPass) lstmBackStep(lo, hi, t int, s *stepScratch) {
	H := p.hid
	g := p.step(p.gates, lo, t, p.gw)
	for r := lo; r < hi; r++ {
		if !p.active(r, t) {
			continue
		}
		j := r - lo
		row := g.at(j)
		gi, gf, gg, gO := row[:H], row[H:2*H], row[2*H:3*H], row[3*H:4*H]
		cp := p.cprev[p.tb(t, r)*H:][:H]
		tc := p.tanhC[p.tb(t, r)*H:][:H]
		dh, dc := s.dh[j*H:(j+1)*H], s.dc[j*H:(j+1)*H]
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

// gruStep is the GRU step for entries [lo, hi) at time t:
//
//	r, z = σ(·),  n = tanh(W_in x + b_in + r·(W_hn h + b_hn)),  h' = (1 − z)·n + z·h
//
// The gates rows keep r and z (their n part is left as W_in x + b_in); nAct
// keeps n and hhn keeps W_hn h + b_hn.
func (p *seqPass) gruStep(lo, hi, t int, hNext rows, s *stepScratch) {
	H, G, b := p.hid, p.gw, hi-lo
	g := p.step(p.gates, lo, t, G)
	hp := p.step(p.hprev, lo, t, H)
	hh := s.hh[:b*G]
	kernels.SgemmSerial(false, true, b, G, H, 1, p.hprev[hp.off:], hp.stride, p.whh, H, 0, hh, G)
	hn := p.step(p.hhn, lo, t, H)
	n := p.nAct[p.tb(t, lo)*H : p.tb(t, hi)*H]
	for j := 0; j < b; j++ {
		row, hrow := g.at(j), hh[j*G:(j+1)*G]
		if p.bias != nil {
			kernels.Add(row, row, p.bias)
		}
		rz := row[:2*H]
		kernels.Add(rz, rz, hrow[:2*H])
		sigmoidInPlace(rz, s.ones)
		hnj := hn.at(j)
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
	for j := 0; j < b; j++ {
		// h' = n + z·(h − n)
		d, nj := hNext.at(j), n[j*H:(j+1)*H]
		kernels.Sub(d, hp.at(j), nj)
		kernels.Mul(d, g.at(j)[H:2*H], d)
		kernels.Add(d, d, nj)
	}
}

// gruBackStep turns dL/dh' into dL/dpre. With h' = n + z·(h − n) and
// n = tanh(a_n + r·hn), hn = W_hn h + b_hn:
//
//	dn = dh'·(1 − z),  dz = dh'·(h − n),  da_n = dn·(1 − n²),  dr = da_n·hn,  dhn = da_n·r,  dh += dh'·z
//
// The gates rows get the input-side gradients (da_r, da_z, da_n), s.hh the
// hidden-side ones (da_r, da_z, dhn) for this step's dh GEMM, and hhn keeps
// dhn for dW_hh.
func (p *seqPass) gruBackStep(lo, hi, t int, s *stepScratch) {
	H, G := p.hid, p.gw
	g := p.step(p.gates, lo, t, G)
	hpr := p.step(p.hprev, lo, t, H)
	hnr := p.step(p.hhn, lo, t, H)
	for r := lo; r < hi; r++ {
		j := r - lo
		hrow := s.hh[j*G : (j+1)*G]
		if !p.active(r, t) {
			clear(hrow)
			continue
		}
		row := g.at(j)
		gr, gz, gn := row[:H], row[H:2*H], row[2*H:3*H]
		hr, hz, hnn := hrow[:H], hrow[H:2*H], hrow[2*H:3*H]
		n := p.nAct[p.tb(t, r)*H:][:H]
		hn, hp := hnr.at(j), hpr.at(j)
		dh, dhp := s.dh[j*H:(j+1)*H], s.dhNext[j*H:(j+1)*H]
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
