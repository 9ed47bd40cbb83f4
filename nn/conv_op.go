package nn

import (
	"sync"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// convBatchParallel picks how a convolution uses the cores: true splits the
// batch across goroutines, each running serial GEMMs on its own images;
// false walks the images in order and lets each GEMM use every core.
// BenchmarkConv2d measures both: for [64 32 32 32] → 64 channels 3×3,
// forward + backward on 2 cores, splitting the batch runs at about
// 92 GFLOP/s and per-image parallel GEMMs at about 42 (small GEMMs with
// m = 64 split poorly across cores).
var convBatchParallel = true

// convKeepColumns is the largest batch column matrix, in floats (16 MiB),
// that a convolution keeps from its forward for the weight gradient; larger
// ones are unfolded again in the backward, which costs less than streaming
// them through memory twice.
const convKeepColumns = 4 << 20

// convPlan is everything the differentiable convolution ops need: the
// batch size, the per-image geometry of the (non-transposed) convolution
// over all input channels, and the channel split into groups.
type convPlan struct {
	n, out, groups int
	geom           kernels.ConvGeom
}

// pointwise reports whether the column matrix is the image itself (a 1×1,
// stride 1, unpadded, undilated kernel), so im2col and col2im can be skipped.
func (p convPlan) pointwise() bool {
	g := p.geom
	return g.KH == 1 && g.KW == 1 && g.SH == 1 && g.SW == 1 && g.PH == 0 && g.PW == 0 &&
		g.OH == g.H && g.OW == g.W
}

// forEachImage runs fn over the batch with a scratch column buffer per
// goroutine; gemm is SgemmSerial when the batch is split across cores.
// A batch smaller than the core count (inference on one image) is walked in
// order with parallel GEMMs, so that no core idles.
func (p convPlan) forEachImage(fn func(lo, hi int, col []float32, gemm gemmFunc)) {
	colSize := 0
	if !p.pointwise() {
		colSize = p.geom.ColRows() * p.geom.ColCols()
	}
	if convBatchParallel && p.n >= kernels.Threads() {
		kernels.ParallelFor(p.n, 1, func(lo, hi int) { fn(lo, hi, make([]float32, colSize), kernels.SgemmSerial) })
		return
	}
	fn(0, p.n, make([]float32, colSize), kernels.Sgemm)
}

type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// conv2d computes y = conv(x, w) + b for the plan and records the backward.
// x is [N, C, H, W], w [out, C/groups, KH, KW], b [out] or nil.
//
// Per image and group, with col = im2col(x) of shape [C/groups·KH·KW, OH·OW]:
//
//	y = W·col + b,   dcol = Wᵀ·dy → dx = col2im(dcol),   dW += dy·colᵀ,   db += Σ dy.
func conv2d(x, w, b *tensor.Tensor, p convPlan) *tensor.Tensor {
	g := p.geom
	hw, ohw := g.H*g.W, g.OH*g.OW
	cg, og := g.C/p.groups, p.out/p.groups
	kg := cg * g.KH * g.KW // columns of one group's weight matrix
	y := tensor.Zeros(p.n, p.out, g.OH, g.OW)
	xd, wd, yd := x.Data(), w.Data(), y.Data()
	var bd []float32
	if b != nil {
		bd = b.Data()
	}
	// Small column matrices are kept from the forward for the weight
	// gradient instead of being unfolded again.
	colSize := g.ColRows() * g.ColCols()
	var kept []float32
	var keptBuf *[]float32
	if !p.pointwise() && w.RequiresGrad() && tensor.GradEnabled() && p.n*colSize <= convKeepColumns {
		keptBuf = getScratch(p.n * colSize)
		kept = *keptBuf
	}
	// columns returns the column matrix of image i: x itself on the 1×1 path.
	columns := func(i int, col []float32) []float32 {
		if p.pointwise() {
			return xd[i*g.C*hw : (i+1)*g.C*hw]
		}
		kernels.Im2col(col, xd[i*g.C*hw:(i+1)*g.C*hw], g)
		return col
	}
	p.forEachImage(func(lo, hi int, col []float32, gemm gemmFunc) {
		for i := lo; i < hi; i++ {
			if kept != nil {
				col = kept[i*colSize : (i+1)*colSize]
			}
			src, yi := columns(i, col), yd[i*p.out*ohw:(i+1)*p.out*ohw]
			for gr := 0; gr < p.groups; gr++ {
				gemm(false, false, og, ohw, kg, 1, wd[gr*og*kg:], kg, src[gr*kg*ohw:], ohw, 0, yi[gr*og*ohw:], ohw)
			}
			for o, v := range bd {
				kernels.AddScalar(yi[o*ohw:(o+1)*ohw], yi[o*ohw:(o+1)*ohw], v)
			}
		}
	})

	inputs := []*tensor.Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	return tensor.Record("Conv2d", y, func(dy *tensor.Tensor) []*tensor.Tensor {
		dyd := dy.Data()
		var dx, dw *tensor.Tensor
		var dxd []float32
		if x.RequiresGrad() {
			dx = tensor.Zeros(x.Shape()...)
			dxd = dx.Data()
		}
		if w.RequiresGrad() {
			dw = tensor.Zeros(w.Shape()...)
		}
		var mu sync.Mutex
		p.forEachImage(func(lo, hi int, col []float32, gemm gemmFunc) {
			var dwLocal []float32
			if dw != nil {
				dwLocal = make([]float32, dw.Numel())
			}
			var dcol []float32
			if dx != nil && !p.pointwise() {
				dcol = make([]float32, len(col))
			}
			for i := lo; i < hi; i++ {
				dyi := dyd[i*p.out*ohw : (i+1)*p.out*ohw]
				if dx != nil {
					dxi := dxd[i*g.C*hw : (i+1)*g.C*hw]
					dst := dcol
					if p.pointwise() {
						dst = dxi
					}
					for gr := 0; gr < p.groups; gr++ {
						gemm(true, false, kg, ohw, og, 1, wd[gr*og*kg:], kg, dyi[gr*og*ohw:], ohw, 0, dst[gr*kg*ohw:], ohw)
					}
					if !p.pointwise() {
						kernels.Col2im(dxi, dcol, g)
					}
				}
				if dw != nil {
					var src []float32
					if kept != nil {
						src = kept[i*colSize : (i+1)*colSize]
					} else {
						src = columns(i, col)
					}
					for gr := 0; gr < p.groups; gr++ {
						gemm(false, true, og, kg, ohw, 1, dyi[gr*og*ohw:], ohw, src[gr*kg*ohw:], ohw, 1, dwLocal[gr*og*kg:], kg)
					}
				}
			}
			if dw != nil {
				mu.Lock()
				kernels.AddTo(dw.Data(), dwLocal)
				mu.Unlock()
			}
		})
		if keptBuf != nil {
			putScratch(keptBuf)
			kept, keptBuf = nil, nil
		}
		return convGrads(dx, dw, b, dyd, p.n, p.out, ohw)
	}, inputs...)
}

// convGrads is a convolution op's gradient list: dx and dw, then db when
// there is a bias (nil if it needs no gradient); dy is the output gradient
// [n, out, positions].
func convGrads(dx, dw, b *tensor.Tensor, dy []float32, n, out, positions int) []*tensor.Tensor {
	grads := []*tensor.Tensor{dx, dw}
	if b != nil {
		grads = append(grads, biasGrad(dy, n, out, positions, b.RequiresGrad()))
	}
	return grads
}

// biasGrad returns db[o] = Σ over images and positions of dy[n, o, ·], or
// nil when the bias needs no gradient.
func biasGrad(dy []float32, n, out, ohw int, need bool) *tensor.Tensor {
	if !need {
		return nil
	}
	db := tensor.Zeros(out)
	dbd := db.Data()
	for i := 0; i < n; i++ {
		for o := range dbd {
			dbd[o] += kernels.Sum(dy[(i*out+o)*ohw : (i*out+o+1)*ohw])
		}
	}
	return db
}

// convTranspose2d computes the transposed convolution: the plan describes
// the forward convolution whose input is y's shape and whose output is x's,
// so that y = col2im(Wᵀ·x) is that convolution's backward-data. x is
// [N, Cin, OH, OW] (Cin = p.out), w [Cin, Cout, KH, KW], y [N, Cout, H, W].
//
// Per image: y = col2im(Wᵀ·x) + b,   dx = W·im2col(dy),   dW += x·im2col(dy)ᵀ,   db += Σ dy.
func convTranspose2d(x, w, b *tensor.Tensor, p convPlan) *tensor.Tensor {
	g := p.geom
	hw, ohw := g.H*g.W, g.OH*g.OW
	cin, kc := p.out, g.ColRows() // kc = Cout·KH·KW
	y := tensor.Zeros(p.n, g.C, g.H, g.W)
	xd, wd, yd := x.Data(), w.Data(), y.Data()
	p.forEachImage(func(lo, hi int, col []float32, gemm gemmFunc) {
		for i := lo; i < hi; i++ {
			xi, yi := xd[i*cin*ohw:(i+1)*cin*ohw], yd[i*g.C*hw:(i+1)*g.C*hw]
			if p.pointwise() {
				gemm(true, false, kc, ohw, cin, 1, wd, kc, xi, ohw, 0, yi, ohw)
				continue
			}
			gemm(true, false, kc, ohw, cin, 1, wd, kc, xi, ohw, 0, col, ohw)
			kernels.Col2im(yi, col, g)
		}
	})
	if b != nil {
		bd := b.Data()
		for i := 0; i < p.n; i++ {
			for c, v := range bd {
				o := (i*g.C + c) * hw
				kernels.AddScalar(yd[o:o+hw], yd[o:o+hw], v)
			}
		}
	}

	inputs := []*tensor.Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	return tensor.Record("ConvTranspose2d", y, func(dy *tensor.Tensor) []*tensor.Tensor {
		dyd := dy.Data()
		var dx, dw *tensor.Tensor
		var dxd []float32
		if x.RequiresGrad() {
			dx = tensor.Zeros(x.Shape()...)
			dxd = dx.Data()
		}
		if w.RequiresGrad() {
			dw = tensor.Zeros(w.Shape()...)
		}
		var mu sync.Mutex
		p.forEachImage(func(lo, hi int, col []float32, gemm gemmFunc) {
			var dwLocal []float32
			if dw != nil {
				dwLocal = make([]float32, dw.Numel())
			}
			for i := lo; i < hi; i++ {
				dyi := dyd[i*g.C*hw : (i+1)*g.C*hw]
				src := dyi
				if !p.pointwise() {
					kernels.Im2col(col, dyi, g)
					src = col
				}
				if dx != nil {
					gemm(false, false, cin, ohw, kc, 1, wd, kc, src, ohw, 0, dxd[i*cin*ohw:], ohw)
				}
				if dw != nil {
					gemm(false, true, cin, kc, ohw, 1, xd[i*cin*ohw:], ohw, src, ohw, 1, dwLocal, kc)
				}
			}
			if dw != nil {
				mu.Lock()
				kernels.AddTo(dw.Data(), dwLocal)
				mu.Unlock()
			}
		})
		return convGrads(dx, dw, b, dyd, p.n, g.C, hw)
	}, inputs...)
}
