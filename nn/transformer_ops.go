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
	out := tensor.Zeros(x.Shape()...)
	od, xd, sd := out.Data(), x.Data(), s.Data()
	parallelRows(n, 1, func(lo, hi int) {
		m.apply(od[lo:hi], sd[lo:hi], lo)
		kernels.AddTo(od[lo:hi], xd[lo:hi])
	})
	return tensor.Record("AddDropout", out, func(g *tensor.Tensor) []*tensor.Tensor {
		var ds *tensor.Tensor
		if s.RequiresGrad() {
			ds = tensor.Zeros(s.Shape()...)
			parallelRows(n, 1, func(lo, hi int) { m.apply(ds.Data()[lo:hi], g.Data()[lo:hi], lo) })
		}
		return []*tensor.Tensor{g, ds}
	}, x, s)
}

// activation names the feed-forward nonlinearity of a transformer layer.
type activation int

const (
	actReLU activation = iota
	actGELU
)

// activationDropout returns dropout(act(h)) as one op, the middle of the
// feed-forward block: dh = mask·g·act'(h).
func activationDropout(h *tensor.Tensor, act activation, m dropMask) *tensor.Tensor {
	n := h.Numel()
	out := tensor.Zeros(h.Shape()...)
	od, hd := out.Data(), h.Data()
	parallelRows(n, 1, func(lo, hi int) {
		if act == actReLU {
			kernels.Relu(od[lo:hi], hd[lo:hi])
		} else {
			geluForward(od[lo:hi], hd[lo:hi])
		}
		if m.on {
			m.apply(od[lo:hi], od[lo:hi], lo)
		}
	})
	name := "ReLUDropout"
	if act == actGELU {
		name = "GELUDropout"
	}
	return tensor.Record(name, out, func(g *tensor.Tensor) []*tensor.Tensor {
		dh := tensor.Zeros(h.Shape()...)
		dd, gd := dh.Data(), g.Data()
		parallelRows(n, 1, func(lo, hi int) {
			src := gd[lo:hi]
			if m.on {
				m.apply(dd[lo:hi], src, lo)
				src = dd[lo:hi]
			}
			if act == actReLU {
				kernels.ReluBackward(dd[lo:hi], hd[lo:hi], src)
			} else {
				geluBackward(dd[lo:hi], hd[lo:hi], src)
			}
		})
		return []*tensor.Tensor{dh}
	}, h)
}

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
