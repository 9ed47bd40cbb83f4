package nn

import (
	"sync"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// Direct convolution: stride-1, undilated, ungrouped convolutions computed
// without an im2col matrix (see internal/kernels/direct.go). Each image is
// copied into a zero-bordered buffer once; the forward reads the im2col rows
// straight out of it (kernels.IndirectTile), the data gradient is the
// forward of the padded output gradient with the flipped, transposed
// kernel, and the weight gradient is a grid of dot products between output
// gradient rows and shifted runs of the padded image (kernels.DotTile).
//
// It pays where im2col costs more than the arithmetic it feeds: few output
// channels use each column-matrix element only a few times, so building
// and packing the matrix dominated the lecture's CIFAR model 2 (3→6 and
// 6→16 channels, 5×5) and LeNet. directOK says where it applies and
// directAuto where "auto" picks it.

// directGeom is one stride-1 convolution of a [c, h, w] image, zero-padded
// by pt rows on top and pl columns on the left (the bottom and right pads
// follow from the output size), with a kh×kw kernel into out channels of
// oh×ow, computed on the padded width wp.
type directGeom struct {
	c, h, w, pt, pl, kh, kw, oh, ow, out int
	hp, wp                               int
	k                                    int // c·kh·kw, the reduction length
	offs                                 kernels.Offsets
	xLen                                 int // one padded image, with the slack the tiles read past its end
	yLd                                  int // wide output row stride: oh·wp rounded up to whole tiles
	dyLd                                 int // wide output-gradient row stride: oh·wp rounded up to kernels.DotK
}

func newDirectGeom(c, h, w, pt, pl, kh, kw, oh, ow, out int) *directGeom {
	d := &directGeom{c: c, h: h, w: w, pt: pt, pl: pl, kh: kh, kw: kw, oh: oh, ow: ow, out: out,
		hp: oh + kh - 1, wp: ow + kw - 1, k: c * kh * kw}
	offs := make([]int, 0, d.k)
	for ci := 0; ci < c; ci++ {
		for i := 0; i < kh; i++ {
			for j := 0; j < kw; j++ {
				offs = append(offs, (ci*d.hp+i)*d.wp+j)
			}
		}
	}
	d.offs = kernels.NewOffsets(offs)
	d.yLd = roundUp(oh*d.wp, kernels.IndirectNR)
	d.dyLd = roundUp(oh*d.wp, kernels.DotK)
	d.xLen = c*d.hp*d.wp + kw + kernels.IndirectNR + kernels.DotK
	return d
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

// pad copies image src [c, h, w] into dst, a buffer of d.xLen floats whose
// border and slack are zero and stay so: only the image's rows are written.
func (d *directGeom) pad(dst, src []float32) {
	rows, cols := min(d.h, d.hp-d.pt), min(d.w, d.wp-d.pl)
	for ci := 0; ci < d.c; ci++ {
		for i := 0; i < rows; i++ {
			s := src[(ci*d.h+i)*d.w:]
			copy(dst[(ci*d.hp+d.pt+i)*d.wp+d.pl:][:cols], s[:cols])
		}
	}
}

// packWeights packs the out×k weight matrix w (row stride k) into the
// panels forward reads.
func (d *directGeom) packWeights(w []float32) []float32 {
	panels := (d.out + kernels.IndirectMR - 1) / kernels.IndirectMR
	a := make([]float32, panels*d.k*kernels.IndirectMR)
	for p := 0; p < panels; p++ {
		kernels.PackIndirectA(a[p*d.k*kernels.IndirectMR:], w, d.k, d.out, d.k, p*kernels.IndirectMR)
	}
	return a
}

// wideLen is the size of forward's wide output scratch.
func (d *directGeom) wideLen() int { return roundUp(d.out, kernels.IndirectMR) * d.yLd }

// forward computes y [out, oh, ow] = conv(x) + bias for one image padded
// into xpad, with the packed weights a and scratch wide (d.wideLen()).
func (d *directGeom) forward(y, xpad, a, wide, bias []float32) {
	d.tiles(xpad, a, wide, 0, d.yLd/kernels.IndirectNR)
	d.compact(y, wide, bias)
}

// tiles computes the wide output's tile columns [t0, t1) for all panels.
func (d *directGeom) tiles(xpad, a, wide []float32, t0, t1 int) {
	mr := kernels.IndirectMR
	for p := 0; p*mr < d.out; p++ {
		ap := a[p*d.k*mr:]
		for j := t0 * kernels.IndirectNR; j < t1*kernels.IndirectNR; j += kernels.IndirectNR {
			kernels.IndirectTile(d.k, ap, xpad[j:], d.offs, wide[p*mr*d.yLd+j:], d.yLd)
		}
	}
}

// compact copies the valid columns of the wide output into y, adding the
// bias.
func (d *directGeom) compact(y, wide, bias []float32) {
	ohw := d.oh * d.ow
	for o := 0; o < d.out; o++ {
		var bv float32
		if bias != nil {
			bv = bias[o]
		}
		yo := y[o*ohw : (o+1)*ohw]
		for i := 0; i < d.oh; i++ {
			src := wide[o*d.yLd+i*d.wp:][:d.ow]
			dst := yo[i*d.ow : (i+1)*d.ow]
			if bv != 0 {
				kernels.AddScalar(dst, src, bv)
			} else {
				copy(dst, src)
			}
		}
	}
}

// weightGrad adds dW[o, r] += Σ_p dy[o, p]·x[offs[r] + p] for one image:
// dyw holds dy on the padded width (row stride d.dyLd, zeros in the
// thrown-away columns and the tail) and xpad the padded image.
func (d *directGeom) weightGrad(dw, dyw, xpad []float32) {
	// The 4×3 tile goes whichever way wastes fewer products on edges.
	oRows := roundUp(d.out, kernels.DotMR)*roundUp(d.k, kernels.DotNR) <=
		roundUp(d.out, kernels.DotNR)*roundUp(d.k, kernels.DotMR)
	oStep, rStep := kernels.DotMR, kernels.DotNR
	if !oRows {
		oStep, rStep = kernels.DotNR, kernels.DotMR
	}
	var a [kernels.DotMR][]float32
	var b [kernels.DotNR][]float32
	var out [kernels.DotMR * kernels.DotNR]float32
	oRow := func(o int) []float32 { o = min(o, d.out-1); return dyw[o*d.dyLd : (o+1)*d.dyLd] }
	xRow := func(r int) []float32 { return xpad[d.offs.At(min(r, d.k-1)):][:d.dyLd] }
	for o0 := 0; o0 < d.out; o0 += oStep {
		for r0 := 0; r0 < d.k; r0 += rStep {
			if oRows {
				for i := range a {
					a[i] = oRow(o0 + i)
				}
				for j := range b {
					b[j] = xRow(r0 + j)
				}
			} else {
				for i := range a {
					a[i] = xRow(r0 + i)
				}
				for j := range b {
					b[j] = oRow(o0 + j)
				}
			}
			kernels.DotTile(d.dyLd, &a, &b, &out)
			for oi := 0; oi < oStep && o0+oi < d.out; oi++ {
				row := dw[(o0+oi)*d.k:]
				for ri := 0; ri < rStep && r0+ri < d.k; ri++ {
					if oRows {
						row[r0+ri] += out[oi*kernels.DotNR+ri]
					} else {
						row[r0+ri] += out[ri*kernels.DotNR+oi]
					}
				}
			}
		}
	}
}

// wideGrad copies dy [out, oh, ow] into dyw on the padded width; the other
// columns of dyw are zero and stay so.
func (d *directGeom) wideGrad(dyw, dy []float32) {
	for o := 0; o < d.out; o++ {
		for i := 0; i < d.oh; i++ {
			copy(dyw[o*d.dyLd+i*d.wp:][:d.ow], dy[(o*d.oh+i)*d.ow:][:d.ow])
		}
	}
}

// directOK reports whether the convolution of plan p can run as a direct
// convolution: stride 1, no dilation or groups, and no padding as wide as
// the kernel (the data gradient pads the output gradient by the kernel
// size minus the padding).
func directOK(p convPlan) bool {
	g := p.geom
	if g.SH != 1 || g.SW != 1 || g.DH != 1 || g.DW != 1 || p.groups != 1 {
		return false
	}
	bottom, right := g.OH+g.KH-1-g.H-g.PH, g.OW+g.KW-1-g.W-g.PW
	return min(g.PH, g.PW, bottom, right) >= 0 && max(g.PH, bottom) < g.KH && max(g.PW, right) < g.KW
}

// pickConv returns the algorithm (convIm2col, convWinograd or convDirect)
// that computes the convolution of plan p under SetConvAlgorithm's setting.
func pickConv(p convPlan) int32 {
	switch algo := convAlgorithm.Load(); {
	case winogradOK(p):
		return convWinograd
	case algo == convDirect && directOK(p), algo == convAuto && directOK(p) && directAuto(p):
		return convDirect
	}
	return convIm2col
}

// directMaxK is the longest reduction (input channels × kernel area) for
// which "auto" picks the direct convolution over im2col. The direct tiles
// read their B rows straight from the padded image and do not block the
// reduction, so a long one spills out of L1. Forward + backward at batch
// 64 (BenchmarkConvDirect, 2 cores), the direct convolution took 0.25 to
// 0.38 of im2col's time on CIFAR model 2's and LeNet's layers (k = 25 to
// 150), 0.58 for 16 → 32 channels 5×5 (k = 400), 0.9 for 128 → 128 3×3
// (k = 1152), about the same for 64 → 128 5×5 (k = 1600) and 1.6× longer
// for 256 → 256 3×3 (k = 2304); on 1×1 kernels, where im2col is free,
// it lost by 1.2 to 1.8×. Without the vector kernels (purego, or a CPU
// without AVX2) it took 1.5 to 1.8× im2col's time on five of six layers
// measured and tied on the sixth (3 → 6 channels, 5×5), so "auto" keeps
// im2col there.
const directMaxK = 1024

// directAuto is "auto"'s choice between direct and im2col.
func directAuto(p convPlan) bool {
	return kernels.DirectVectorized() && !p.pointwise() && p.geom.C*p.geom.KH*p.geom.KW <= directMaxK
}

// conv2dDirect is conv2d computed as a direct convolution; directOK(p)
// must hold.
func conv2dDirect(x, w, b *tensor.Tensor, p convPlan) *tensor.Tensor {
	g := p.geom
	d := newDirectGeom(g.C, g.H, g.W, g.PH, g.PW, g.KH, g.KW, g.OH, g.OW, p.out)
	hw, ohw := g.H*g.W, g.OH*g.OW
	y := tensor.Zeros(p.n, p.out, g.OH, g.OW)
	xd, wd, yd := x.Data(), w.Data(), y.Data()
	var bd []float32
	if b != nil {
		bd = b.Data()
	}
	a := d.packWeights(wd)
	split, tiles := directBatchSplit(p.n), d.yLd/kernels.IndirectNR
	directImages(p.n, func(lo, hi int) {
		xpad, wide := make([]float32, d.xLen), make([]float32, d.wideLen())
		for i := lo; i < hi; i++ {
			d.pad(xpad, xd[i*g.C*hw:(i+1)*g.C*hw])
			if split {
				d.tiles(xpad, a, wide, 0, tiles)
			} else {
				// Fewer images than cores (inference on one image): split
				// each image's tile columns across the cores instead.
				kernels.ParallelFor(tiles, 4, func(t0, t1 int) { d.tiles(xpad, a, wide, t0, t1) })
			}
			d.compact(yd[i*p.out*ohw:(i+1)*p.out*ohw], wide, bd)
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
		// The data gradient: the forward of dy, padded by the kernel size
		// minus one minus the padding, with the flipped kernel from the
		// output channels to the input channels.
		var dd *directGeom
		var af []float32
		if x.RequiresGrad() {
			dx = tensor.Zeros(x.Shape()...)
			dxd = dx.Data()
			dd = newDirectGeom(p.out, g.OH, g.OW, g.KH-1-g.PH, g.KW-1-g.PW, g.KH, g.KW, g.H, g.W, g.C)
			af = dd.packWeights(flipKernel(wd, p.out, g.C, g.KH, g.KW))
		}
		if w.RequiresGrad() {
			dw = tensor.Zeros(w.Shape()...)
		}
		var mu sync.Mutex
		directImages(p.n, func(lo, hi int) {
			var dyPad, wide, xpad, dyw, dwLocal []float32
			if dx != nil {
				dyPad, wide = make([]float32, dd.xLen), make([]float32, dd.wideLen())
			}
			if dw != nil {
				xpad, dyw, dwLocal = make([]float32, d.xLen), make([]float32, p.out*d.dyLd), make([]float32, dw.Numel())
			}
			for i := lo; i < hi; i++ {
				dyi := dyd[i*p.out*ohw : (i+1)*p.out*ohw]
				if dx != nil {
					dd.pad(dyPad, dyi)
					dd.forward(dxd[i*g.C*hw:(i+1)*g.C*hw], dyPad, af, wide, nil)
				}
				if dw != nil {
					d.pad(xpad, xd[i*g.C*hw:(i+1)*g.C*hw])
					d.wideGrad(dyw, dyi)
					d.weightGrad(dwLocal, dyw, xpad)
				}
			}
			if dw != nil {
				mu.Lock()
				kernels.AddTo(dw.Data(), dwLocal)
				mu.Unlock()
			}
		})
		return convGrads(dx, dw, b, dyd, p.n, p.out, ohw)
	}, inputs...)
}

// flipKernel returns w [out, in, kh, kw] as [in, out, kh, kw] with each
// kernel rotated by 180°: the kernel of the convolution's data gradient.
func flipKernel(w []float32, out, in, kh, kw int) []float32 {
	f := make([]float32, len(w))
	khw := kh * kw
	for o := 0; o < out; o++ {
		for c := 0; c < in; c++ {
			src := w[(o*in+c)*khw:][:khw]
			dst := f[(c*out+o)*khw:][:khw]
			for t, v := range src {
				dst[khw-1-t] = v
			}
		}
	}
	return f
}

// directBatchSplit reports whether a batch of n images is split across the
// cores, each running whole images.
func directBatchSplit(n int) bool { return convBatchParallel && n >= kernels.Threads() }

// directImages runs fn over the batch: split across the cores when
// directBatchSplit, else in order on this goroutine.
func directImages(n int, fn func(lo, hi int)) {
	if directBatchSplit(n) {
		kernels.ParallelFor(n, 1, fn)
		return
	}
	fn(0, n)
}
