package nn

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// LayerNorm normalizes every sample over its last dimensions
// (torch.nn.LayerNorm):
//
//	y = (x − mean) / √(var + Eps) · weight + bias
//
// where mean and the biased variance var are taken over the trailing
// dimensions NormalizedShape (in a transformer, the d_model features of each
// token). Unlike batch norm each sample is normalized on its own, so
// training and evaluation behave the same and there are no running
// statistics.
//
// Options (LayerNormEps, LayerNormAffine): Eps 1e-5, elementwise affine
// true (a learned weight and bias per normalized element).
//
// Parameters: "weight" (ones) and "bias" (zeros), both of shape
// NormalizedShape, when affine.
//
// # Shapes
//
//   - input: [..., NormalizedShape...], for example [N, L, d] with
//     NormalizedShape [d];
//   - output: the input's shape.
type LayerNorm struct {
	Base
	NormalizedShape []int
	Eps             float64
	Weight, Bias    *tensor.Tensor // of shape NormalizedShape; nil without affine
}

// LayerNormOption changes a default of NewLayerNorm.
type LayerNormOption func(*layerNormConfig)

type layerNormConfig struct {
	eps    float64
	affine bool
}

// LayerNormEps sets the constant added to the variance (default 1e-5).
func LayerNormEps(eps float64) LayerNormOption { return func(c *layerNormConfig) { c.eps = eps } }

// LayerNormAffine chooses whether the layer learns a weight and a bias
// (default true; PyTorch's elementwise_affine).
func LayerNormAffine(on bool) LayerNormOption { return func(c *layerNormConfig) { c.affine = on } }

// NewLayerNorm makes a LayerNorm over the trailing dimensions shape (usually
// one: NewLayerNorm([]int{d})).
func NewLayerNorm(shape []int, opts ...LayerNormOption) *LayerNorm {
	if len(shape) == 0 {
		panic("deepgo: NewLayerNorm: normalized shape is empty; want at least one dimension")
	}
	for _, d := range shape {
		if d <= 0 {
			panic(fmt.Sprintf("deepgo: NewLayerNorm: normalized shape %v: dimensions must be positive", shape))
		}
	}
	cfg := layerNormConfig{eps: 1e-5, affine: true}
	for _, o := range opts {
		o(&cfg)
	}
	if !(cfg.eps >= 0) {
		panic(fmt.Sprintf("deepgo: NewLayerNorm: eps=%g must be >= 0", cfg.eps))
	}
	l := &LayerNorm{NormalizedShape: slices.Clone(shape), Eps: cfg.eps}
	if cfg.affine {
		l.Weight, l.Bias = tensor.Ones(shape...), tensor.Zeros(shape...)
		l.RegisterParameter("weight", l.Weight)
		l.RegisterParameter("bias", l.Bias)
	}
	return l
}

// ResetParameters sets the weight to ones and the bias to zeros, as
// PyTorch's reset_parameters does.
func (l *LayerNorm) ResetParameters() {
	if l.Weight != nil {
		Ones(l.Weight)
		Zeros(l.Bias)
	}
}

// String describes the layer and its options, like PyTorch's repr.
func (l *LayerNorm) String() string {
	shape := make([]string, len(l.NormalizedShape))
	for i, d := range l.NormalizedShape {
		shape[i] = strconv.Itoa(d)
	}
	tuple := "(" + shape[0] + ",)"
	if len(shape) > 1 {
		tuple = "(" + strings.Join(shape, ", ") + ")"
	}
	return fmt.Sprintf("LayerNorm(%s, eps=%g, elementwise_affine=%t)", tuple, l.Eps, l.Weight != nil)
}

// Forward normalizes x over its trailing NormalizedShape dimensions.
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	sh := x.Shape()
	k := len(l.NormalizedShape)
	if len(sh) < k || !slices.Equal(sh[len(sh)-k:], l.NormalizedShape) {
		panic(fmt.Sprintf("deepgo: LayerNorm: input %v: want trailing dimensions %v", sh, l.NormalizedShape))
	}
	return layerNorm(x, l.Weight, l.Bias, x.Numel()/max(normalizedSize(l.NormalizedShape), 1), normalizedSize(l.NormalizedShape), l.Eps)
}

func normalizedSize(s []int) int {
	p := 1
	for _, d := range s {
		p *= d
	}
	return p
}

// layerNormRowGrain is the fewest rows per parallel chunk: a chunk should
// hold some tens of microseconds of work.
const layerNormRowGrain = 1 << 14

// layerNorm normalizes each of the rows (of n values) of x and applies the
// optional affine map, as one recorded op. Per row, with x̂ = (x − μ)·r and
// r = 1/√(σ² + eps), the backward is
//
//	dx̂ = g·w,  dx = r · (dx̂ − mean(dx̂) − x̂ · mean(dx̂·x̂)),
//	dw = Σ_rows g·x̂,  db = Σ_rows g.
//
// Only the per-row mean and r are kept for the backward; x̂ is recomputed
// there, which costs less than storing it.
func layerNorm(x, w, b *tensor.Tensor, rows, n int, eps float64) *tensor.Tensor {
	xd := x.Data()
	out := tensor.Zeros(x.Shape()...)
	od := out.Data()
	mean, rstd := make([]float32, rows), make([]float32, rows)
	var wd, bd []float32
	if w != nil {
		wd, bd = w.Data(), b.Data()
	}
	forChunks(rows, max(1, layerNormRowGrain/max(n, 1)), func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			xr, yr := xd[r*n:(r+1)*n], od[r*n:(r+1)*n]
			mu := kernels.Sum(xr) / float32(n)
			kernels.AddScalar(yr, xr, -mu) // centred values first, then scaled in place
			v := float64(kernels.Dot(yr, yr)) / float64(n)
			rs := float32(1 / math.Sqrt(v+eps))
			kernels.Scale(yr, yr, rs)
			if wd != nil {
				kernels.Mul(yr, yr, wd)
				kernels.AddTo(yr, bd)
			}
			mean[r], rstd[r] = mu, rs
		}
	})
	inputs := []*tensor.Tensor{x}
	if w != nil {
		inputs = append(inputs, w, b)
	}
	return tensor.Record("LayerNorm", out, func(g *tensor.Tensor) []*tensor.Tensor {
		return layerNormBackward(g.Data(), x, w, b, mean, rstd, rows, n)
	}, inputs...)
}

// layerNormBackward returns the gradients of layerNorm for its inputs (x,
// then w and b when affine).
func layerNormBackward(gd []float32, x, w, b *tensor.Tensor, mean, rstd []float32, rows, n int) []*tensor.Tensor {
	xd := x.Data()
	var dx *tensor.Tensor
	var dxd []float32
	if x.RequiresGrad() {
		dx = tensor.Zeros(x.Shape()...)
		dxd = dx.Data()
	}
	var wd []float32
	needWB := false
	if w != nil {
		wd = w.Data()
		needWB = w.RequiresGrad() || b.RequiresGrad()
	}
	// Per worker: x̂ and dx̂ scratch rows. Per chunk: partial dw and db,
	// added in chunk order at the end, so that the sums do not depend on
	// which core took which chunk.
	threads := kernels.Threads()
	xhs, dxhs := make([][]float32, threads), make([][]float32, threads)
	chunk := max(1, layerNormRowGrain/max(n, 1))
	nc := (rows + chunk - 1) / chunk
	var parts []float32 // nc × [dw | db]
	if needWB {
		parts = make([]float32, nc*2*n)
	}
	forChunks(rows, chunk, func(wk, lo, hi int) {
		if xhs[wk] == nil {
			xhs[wk], dxhs[wk] = make([]float32, n), make([]float32, n)
		}
		xh, dxh := xhs[wk], dxhs[wk]
		var pw, pb []float32
		if needWB {
			c := lo / chunk
			pw, pb = parts[2*c*n:(2*c+1)*n], parts[(2*c+1)*n:(2*c+2)*n]
		}
		for r := lo; r < hi; r++ {
			xr, gr := xd[r*n:(r+1)*n], gd[r*n:(r+1)*n]
			rs := rstd[r]
			kernels.AddScalar(xh, xr, -mean[r])
			kernels.Scale(xh, xh, rs)
			if needWB {
				kernels.MulAdd(pw, gr, xh)
				kernels.AddTo(pb, gr)
			}
			if dxd == nil {
				continue
			}
			if wd != nil {
				kernels.Mul(dxh, gr, wd)
			} else {
				copy(dxh, gr)
			}
			a := kernels.Sum(dxh) / float32(n)
			c := kernels.Dot(dxh, xh) / float32(n)
			dr := dxd[r*n : (r+1)*n]
			kernels.AddScalar(dr, dxh, -a)
			kernels.Axpy(-c, xh, dr)
			kernels.Scale(dr, dr, rs)
		}
	})
	if w == nil {
		return []*tensor.Tensor{dx}
	}
	if !needWB {
		return []*tensor.Tensor{dx, nil, nil}
	}
	dw, db := tensor.Zeros(w.Shape()...), tensor.Zeros(b.Shape()...)
	for c := 0; c < nc; c++ {
		kernels.AddTo(dw.Data(), parts[2*c*n:(2*c+1)*n])
		kernels.AddTo(db.Data(), parts[(2*c+1)*n:(2*c+2)*n])
	}
	return []*tensor.Tensor{dx, dw, db}
}
