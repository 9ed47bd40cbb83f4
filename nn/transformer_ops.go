package nn

import (
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// Fused pieces of the transformer layers. Each saves the intermediate
// tensors and graph nodes that the same computation written with tensor
// ops would make; the dropout masks are kept as bits (attention_dropout.go).

// addDropout returns x + dropout(s) as one op: dx = g, ds = mask·g. It is
// the residual connection around a sub-layer.
func addDropout(x, s *tensor.Tensor, m dropMask) *tensor.Tensor {
	if !m.on {
		return x.Add(s)
	}
	n := x.Numel()
	dropped := dropBits(n)
	out := tensor.Zeros(x.Shape()...)
	od, xd, sd := out.Data(), x.Data(), s.Data()
	parallelBlocks(n, func(lo, hi int) {
		m.apply(od[lo:hi], sd[lo:hi], lo, dropped)
		kernels.AddTo(od[lo:hi], xd[lo:hi])
	})
	return tensor.Record("AddDropout", out, func(g *tensor.Tensor) []*tensor.Tensor {
		var ds *tensor.Tensor
		if s.RequiresGrad() {
			ds = tensor.Zeros(s.Shape()...)
			parallelBlocks(n, func(lo, hi int) { m.applyDropped(ds.Data()[lo:hi], g.Data()[lo:hi], lo, dropped) })
		}
		return []*tensor.Tensor{g, ds}
	}, x, s)
}

// ffActivation names the nonlinearity of the feed-forward block.
type ffActivation int

const (
	ffReLU ffActivation = iota
	ffGELU
)

// GELU, x·Φ(x) with Φ the standard normal CDF, as PyTorch's exact
// (erf-based) default. Φ(x) = (1 + erf(x/√2))/2 takes erf from Abramowitz
// and Stegun's formula 7.1.26, |error| ≤ 1.5·10⁻⁷, whose exp(−x²/2) comes
// from the vector exp kernel and is shared with the backward's density
// φ(x) = exp(−x²/2)/√(2π). In float32 this is as accurate as float64
// math.Erf rounded (TestGELUAccuracy) at a tenth of the cost, which had
// been most of a GELU layer's step.

const geluChunk = 256

// geluForward sets dst = x·Φ(x); dst may be x.
func geluForward(dst, x []float32) {
	var buf [geluChunk]float32
	for len(x) > 0 {
		n := min(len(x), geluChunk)
		e := gaussExp(buf[:n], x[:n])
		for i, v := range x[:n] {
			dst[i] = v * normCDF(v, e[i])
		}
		x, dst = x[n:], dst[n:]
	}
}

// geluBackward sets dx = g·(Φ(x) + x·φ(x)); dx may be g.
func geluBackward(dx, x, g []float32) {
	const invSqrt2Pi = 0.3989422804014327
	var buf [geluChunk]float32
	for len(x) > 0 {
		n := min(len(x), geluChunk)
		e := gaussExp(buf[:n], x[:n])
		for i, v := range x[:n] {
			dx[i] = g[i] * (normCDF(v, e[i]) + v*invSqrt2Pi*e[i])
		}
		x, dx, g = x[n:], dx[n:], g[n:]
	}
}

// gaussExp sets e[i] = exp(−x[i]²/2) and returns e.
func gaussExp(e, x []float32) []float32 {
	for i, v := range x {
		e[i] = -0.5 * v * v
	}
	kernels.Exp(e, e)
	return e
}

// normCDF returns Φ(v) given e = exp(−v²/2).
func normCDF(v, e float32) float32 {
	const (
		p                  = 0.3275911
		a1, a2, a3, a4, a5 = 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429
	)
	z := v * math.Sqrt2 / 2
	if z < 0 {
		z = -z
	}
	t := 1 / (1 + p*z)
	erf := 1 - t*(a1+t*(a2+t*(a3+t*(a4+t*a5))))*e // erf(|v|/√2), e = exp(−z²)
	if v < 0 {
		return 0.5 * (1 - erf)
	}
	return 0.5 * (1 + erf)
}

// reluDropBackward sets dh = g·scale where the output y = dropout(relu(a))
// is positive, and 0 elsewhere (where a ≤ 0 or the element was dropped):
// ReLU's own backward on y, then the dropout scale, both vector kernels.
// dh may be g.
func reluDropBackward(dh, y, g []float32, drop dropMask) {
	kernels.ReluBackward(dh, y, g)
	if drop.on {
		kernels.Scale(dh, dh, drop.scale)
	}
}
