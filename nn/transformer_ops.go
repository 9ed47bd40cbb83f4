package nn

import (
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// Fused pieces of the transformer layers. Each saves the intermediate
// tensors and graph nodes that the same computation written with tensor
// ops would make; the dropout masks are regenerated from their seed in the
// backward instead of being stored.

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

// activation names the nonlinearity of the feed-forward block.
type activation int

const (
	actReLU activation = iota
	actGELU
)

// geluForward sets dst = x·Φ(x), the exact GELU (PyTorch's default).
func geluForward(dst, x []float32) {
	for i, v := range x {
		f := float64(v)
		dst[i] = float32(0.5 * f * (1 + math.Erf(f/math.Sqrt2)))
	}
}

// geluBackward sets dx = g·(Φ(x) + x·φ(x)); dx may be g.
func geluBackward(dx, x, g []float32) {
	const invSqrt2Pi = 0.3989422804014327
	for i, v := range x {
		f := float64(v)
		cdf := 0.5 * (1 + math.Erf(f/math.Sqrt2))
		dx[i] = g[i] * float32(cdf+f*invSqrt2Pi*math.Exp(-0.5*f*f))
	}
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
