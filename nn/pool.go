package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// This file holds the 2-D pooling layers. Each works plane by plane on
// [N, C, H, W] inputs, with the N·C planes spread over the cores, and keeps
// its backward next to its forward.

// MaxPool2d takes the maximum over each Kernel window (torch.nn.MaxPool2d,
// with dilation 1 and ceil_mode=False).
//
// Options: Kernel is the window [kh, kw]; Stride defaults to Kernel (torch's
// stride=None); Padding [ph, pw] pads every side with −∞ and may be at most
// half the kernel. The gradient flows to the position of the maximum, the
// first one in row-major window order on ties, as PyTorch's CPU kernel does.
//
// # Shapes
//
//   - input: [N, C, H, W];
//   - output: [N, C, Ho, Wo] with Ho = ⌊(H + 2·ph − kh) / sh⌋ + 1, and Wo
//     alike.
type MaxPool2d struct {
	Base
	Kernel, Stride, Padding [2]int
}

// NewMaxPool2d makes a square-window MaxPool2d; stride 0 means stride =
// kernel, PyTorch's default. Set the fields for rectangular windows.
func NewMaxPool2d(kernel, stride, padding int) *MaxPool2d {
	if stride == 0 {
		stride = kernel
	}
	return &MaxPool2d{Kernel: [2]int{kernel, kernel}, Stride: [2]int{stride, stride}, Padding: [2]int{padding, padding}}
}

func (p *MaxPool2d) String() string {
	return fmt.Sprintf("MaxPool2d(kernel_size=%v, stride=%v, padding=%v)", p.Kernel, p.Stride, p.Padding)
}

// Forward pools x.
func (p *MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	g := newPoolGeom("MaxPool2d", x, p.Kernel, p.Stride, p.Padding)
	xd := x.Data()
	out := tensor.Zeros(g.n, g.c, g.oh, g.ow)
	od := out.Data()
	arg := make([]int32, len(od)) // index of the max inside its input plane
	kernels.ParallelFor(g.n*g.c, 1, func(lo, hi int) {
		if g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 {
			maxPool2x2(od, arg, xd, g, lo, hi)
			return
		}
		for pl := lo; pl < hi; pl++ {
			in := xd[pl*g.h*g.w : (pl+1)*g.h*g.w]
			o := pl * g.oh * g.ow
			for oy := 0; oy < g.oh; oy++ {
				y0, y1 := g.rows(oy)
				for ox := 0; ox < g.ow; ox++ {
					x0, x1 := g.cols(ox)
					best, bi := float32(math.Inf(-1)), y0*g.w+x0
					for iy := y0; iy < y1; iy++ {
						for ix := x0; ix < x1; ix++ {
							// NaN wins, as in PyTorch, so that it propagates.
							if v := in[iy*g.w+ix]; v > best || v != v {
								best, bi = v, iy*g.w+ix
							}
						}
					}
					od[o], arg[o] = best, int32(bi)
					o++
				}
			}
		}
	})
	return tensor.Record("MaxPool2d", out, func(gr *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.ZerosLike(x)
		dd, gd := dx.Data(), gr.Data()
		plane, oplane := g.h*g.w, g.oh*g.ow
		kernels.ParallelFor(g.n*g.c, 1, func(lo, hi int) {
			if g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 {
				maxPool2x2Backward(dd, gd, arg, g, lo, hi)
				return
			}
			for pl := lo; pl < hi; pl++ {
				for o := pl * oplane; o < (pl+1)*oplane; o++ {
					dd[pl*plane+int(arg[o])] += gd[o]
				}
			}
		})
		return []*tensor.Tensor{dx}
	}, x)
}

// maxPool2x2 is MaxPool2d's forward for the common 2×2 window with stride 2
// and no padding, over planes [lo, hi): the same maximum and index as the
// general loop (first maximum in row-major order wins, the last NaN wins;
// only the sign of a zero maximum may differ), without its bounds arithmetic
// or unpredictable branches.
func maxPool2x2(od []float32, arg []int32, xd []float32, g poolGeom, lo, hi int) {
	plane := g.h * g.w
	for pl := lo; pl < hi; pl++ {
		in := xd[pl*plane : (pl+1)*plane]
		o := pl * g.oh * g.ow
		for oy := 0; oy < g.oh; oy++ {
			r0 := in[2*oy*g.w : (2*oy+1)*g.w]
			r1 := in[(2*oy+1)*g.w : (2*oy+2)*g.w]
			outRow, argRow := od[o:o+g.ow], arg[o:o+g.ow]
			base := int32(2 * oy * g.w)
			for ox := 0; ox < g.ow; {
				// Whole NaN-free groups of 8 in assembly; the tail and any
				// group with a NaN here.
				ox += kernels.MaxPool2x2(outRow[ox:], argRow[ox:], r0[2*ox:], r1[2*ox:], base+int32(2*ox), int32(g.w))
				for end := min(g.ow, ox+8); ox < end; ox++ {
					x0 := 2 * ox
					a, b, c, d := r0[x0], r0[x0+1], r1[x0], r1[x0+1]
					m := max(max(a, b), max(c, d)) // NaN-propagating
					// first position holding the maximum, written so that
					// the compiler emits conditional moves: random data
					// would mispredict a branch half the time
					bi := int32(g.w + x0 + 1)
					if c == m {
						bi = int32(g.w + x0)
					}
					if b == m {
						bi = int32(x0 + 1)
					}
					if a == m {
						bi = int32(x0)
					}
					if m != m { // a NaN: the last one wins, as in the general loop and PyTorch
						for k, v := range [4]float32{a, b, c, d} {
							if v != v {
								bi = [4]int32{int32(x0), int32(x0 + 1), int32(g.w + x0), int32(g.w + x0 + 1)}[k]
							}
						}
					}
					outRow[ox], argRow[ox] = m, base+bi
				}
			}
			o += g.ow
		}
	}
}

// maxPool2x2Backward is MaxPool2d's backward for the 2×2, stride-2,
// unpadded window over planes [lo, hi): the windows do not overlap, so
// every input cell of a window is written once, the gradient where arg
// points and zero elsewhere, in two sequential row passes instead of a
// scatter.
func maxPool2x2Backward(dd, gd []float32, arg []int32, g poolGeom, lo, hi int) {
	plane := g.h * g.w
	for pl := lo; pl < hi; pl++ {
		o := pl * g.oh * g.ow
		for oy := 0; oy < g.oh; oy++ {
			r0 := dd[pl*plane+2*oy*g.w:][:2*g.ow]
			r1 := dd[pl*plane+(2*oy+1)*g.w:][:2*g.ow]
			gRow, argRow := gd[o:o+g.ow], arg[o:o+g.ow]
			base := int32(2 * oy * g.w)
			for ox, gv := range gRow {
				// The cell is picked with masks the compiler turns into
				// conditional moves: the maximum's position is random, and
				// a branch on it mispredicts.
				k := argRow[ox] - base - int32(2*ox) // 0, 1, w or w+1
				bits := math.Float32bits(gv)
				var ma, mb, mc, md uint32
				if k == 0 {
					ma = ^uint32(0)
				}
				if k == 1 {
					mb = ^uint32(0)
				}
				if k == int32(g.w) {
					mc = ^uint32(0)
				}
				if k == int32(g.w)+1 {
					md = ^uint32(0)
				}
				a, b := math.Float32frombits(bits&ma), math.Float32frombits(bits&mb)
				c, d := math.Float32frombits(bits&mc), math.Float32frombits(bits&md)
				r0[2*ox], r0[2*ox+1], r1[2*ox], r1[2*ox+1] = a, b, c, d
			}
			o += g.ow
		}
	}
}

// AvgPool2d averages over each Kernel window (torch.nn.AvgPool2d with
// ceil_mode=False and no divisor_override).
//
// Options: Kernel [kh, kw]; Stride, defaulting to Kernel; Padding [ph, pw],
// zeros on every side, at most half the kernel; CountIncludePad, true in
// NewAvgPool2d as in PyTorch, divides by the whole window including the
// padded cells (false: by the cells inside the input only).
//
// # Shapes
//
//   - input: [N, C, H, W];
//   - output: [N, C, Ho, Wo] with Ho = ⌊(H + 2·ph − kh) / sh⌋ + 1, and Wo
//     alike.
type AvgPool2d struct {
	Base
	Kernel, Stride, Padding [2]int
	CountIncludePad         bool
}

// NewAvgPool2d makes a square-window AvgPool2d with count_include_pad=True;
// stride 0 means stride = kernel.
func NewAvgPool2d(kernel, stride, padding int) *AvgPool2d {
	if stride == 0 {
		stride = kernel
	}
	return &AvgPool2d{Kernel: [2]int{kernel, kernel}, Stride: [2]int{stride, stride}, Padding: [2]int{padding, padding}, CountIncludePad: true}
}

func (p *AvgPool2d) String() string {
	return fmt.Sprintf("AvgPool2d(kernel_size=%v, stride=%v, padding=%v, count_include_pad=%t)", p.Kernel, p.Stride, p.Padding, p.CountIncludePad)
}

// Forward pools x.
func (p *AvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	g := newPoolGeom("AvgPool2d", x, p.Kernel, p.Stride, p.Padding)
	// The divisor of a window: PyTorch clips the window to the padded input
	// first (this only matters with strides that overrun), then to the input.
	div := func(oy, ox int) float32 {
		if !p.CountIncludePad {
			y0, y1 := g.rows(oy)
			x0, x1 := g.cols(ox)
			return float32((y1 - y0) * (x1 - x0))
		}
		ys, xs := oy*g.sh-g.ph, ox*g.sw-g.pw
		ye, xe := min(ys+g.kh, g.h+g.ph), min(xs+g.kw, g.w+g.pw)
		return float32((ye - ys) * (xe - xs))
	}
	// window visits every window of every plane, handing it its input
	// rectangle, flat output index and 1/divisor.
	window := func(fn func(pl, y0, y1, x0, x1, o int, scale float32)) {
		kernels.ParallelFor(g.n*g.c, 1, func(lo, hi int) {
			for pl := lo; pl < hi; pl++ {
				o := pl * g.oh * g.ow
				for oy := 0; oy < g.oh; oy++ {
					y0, y1 := g.rows(oy)
					for ox := 0; ox < g.ow; ox++ {
						x0, x1 := g.cols(ox)
						fn(pl, y0, y1, x0, x1, o, 1/div(oy, ox))
						o++
					}
				}
			}
		})
	}
	xd, plane := x.Data(), g.h*g.w
	out := tensor.Zeros(g.n, g.c, g.oh, g.ow)
	od := out.Data()
	window(func(pl, y0, y1, x0, x1, o int, scale float32) {
		in := xd[pl*plane:]
		var s float32
		for iy := y0; iy < y1; iy++ {
			for ix := x0; ix < x1; ix++ {
				s += in[iy*g.w+ix]
			}
		}
		od[o] = s * scale
	})
	return tensor.Record("AvgPool2d", out, func(gr *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.ZerosLike(x)
		dd, gd := dx.Data(), gr.Data()
		window(func(pl, y0, y1, x0, x1, o int, scale float32) {
			d, v := dd[pl*plane:], gd[o]*scale
			for iy := y0; iy < y1; iy++ {
				for ix := x0; ix < x1; ix++ {
					d[iy*g.w+ix] += v
				}
			}
		})
		return []*tensor.Tensor{dx}
	}, x)
}

// poolGeom is the geometry of a 2-D pooling over an [N, C, H, W] input.
type poolGeom struct {
	n, c, h, w, oh, ow     int
	kh, kw, sh, sw, ph, pw int
}

func newPoolGeom(op string, x *tensor.Tensor, k, s, p [2]int) poolGeom {
	sh := x.Shape()
	if len(sh) != 4 {
		panic(fmt.Sprintf("deepgo: %s: input %v: want [N C H W]", op, sh))
	}
	if k[0] < 1 || k[1] < 1 || s[0] < 1 || s[1] < 1 || p[0] < 0 || p[1] < 0 {
		panic(fmt.Sprintf("deepgo: %s: input %v: kernel %v, stride %v, padding %v: kernel and stride must be positive, padding non-negative", op, sh, k, s, p))
	}
	if 2*p[0] > k[0] || 2*p[1] > k[1] {
		panic(fmt.Sprintf("deepgo: %s: input %v: padding %v must be at most half the kernel %v", op, sh, p, k))
	}
	g := poolGeom{n: sh[0], c: sh[1], h: sh[2], w: sh[3], kh: k[0], kw: k[1], sh: s[0], sw: s[1], ph: p[0], pw: p[1]}
	g.oh = (g.h+2*g.ph-g.kh)/g.sh + 1
	g.ow = (g.w+2*g.pw-g.kw)/g.sw + 1
	if g.h+2*g.ph < g.kh || g.w+2*g.pw < g.kw {
		panic(fmt.Sprintf("deepgo: %s: input %v with padding %v is smaller than the kernel %v", op, sh, p, k))
	}
	return g
}

// rows returns the input rows [y0, y1) of output row oy, clipped to the
// input.
func (g poolGeom) rows(oy int) (int, int) {
	y := oy*g.sh - g.ph
	return max(y, 0), min(y+g.kh, g.h)
}

// cols is rows for columns.
func (g poolGeom) cols(ox int) (int, int) {
	x := ox*g.sw - g.pw
	return max(x, 0), min(x+g.kw, g.w)
}

// AdaptiveAvgPool2d averages over windows chosen so that the output has a
// fixed size whatever the input's (torch.nn.AdaptiveAvgPool2d). Output row
// i averages input rows ⌊i·H/Ho⌋ to ⌈(i+1)·H/Ho⌉ − 1, PyTorch's formula;
// windows may overlap when H is not a multiple of Ho.
//
// Options: Size [Ho, Wo], the output's spatial size.
//
// # Shapes
//
//   - input: [N, C, H, W];
//   - output: [N, C, Ho, Wo].
type AdaptiveAvgPool2d struct {
	Base
	Size [2]int
}

// NewAdaptiveAvgPool2d makes an AdaptiveAvgPool2d with output size [h, w].
func NewAdaptiveAvgPool2d(h, w int) *AdaptiveAvgPool2d {
	return &AdaptiveAvgPool2d{Size: [2]int{h, w}}
}

func (p *AdaptiveAvgPool2d) String() string {
	return fmt.Sprintf("AdaptiveAvgPool2d(output_size=%v)", p.Size)
}

// Forward pools x.
func (p *AdaptiveAvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	sh := x.Shape()
	if len(sh) != 4 || p.Size[0] < 1 || p.Size[1] < 1 {
		panic(fmt.Sprintf("deepgo: AdaptiveAvgPool2d: input %v, output size %v: want an [N C H W] input and a positive size", sh, p.Size))
	}
	n, c, h, w, oh, ow := sh[0], sh[1], sh[2], sh[3], p.Size[0], p.Size[1]
	start := func(i, in, out int) int { return i * in / out }
	end := func(i, in, out int) int { return ((i+1)*in + out - 1) / out }
	window := func(fn func(pl, y0, y1, x0, x1, o int, scale float32)) {
		kernels.ParallelFor(n*c, 1, func(lo, hi int) {
			for pl := lo; pl < hi; pl++ {
				o := pl * oh * ow
				for oy := 0; oy < oh; oy++ {
					y0, y1 := start(oy, h, oh), end(oy, h, oh)
					for ox := 0; ox < ow; ox++ {
						x0, x1 := start(ox, w, ow), end(ox, w, ow)
						fn(pl, y0, y1, x0, x1, o, 1/float32((y1-y0)*(x1-x0)))
						o++
					}
				}
			}
		})
	}
	xd, plane := x.Data(), h*w
	out := tensor.Zeros(n, c, oh, ow)
	od := out.Data()
	window(func(pl, y0, y1, x0, x1, o int, scale float32) {
		in := xd[pl*plane:]
		var s float32
		for iy := y0; iy < y1; iy++ {
			for ix := x0; ix < x1; ix++ {
				s += in[iy*w+ix]
			}
		}
		od[o] = s * scale
	})
	return tensor.Record("AdaptiveAvgPool2d", out, func(gr *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.ZerosLike(x)
		dd, gd := dx.Data(), gr.Data()
		window(func(pl, y0, y1, x0, x1, o int, scale float32) {
			d, v := dd[pl*plane:], gd[o]*scale
			for iy := y0; iy < y1; iy++ {
				for ix := x0; ix < x1; ix++ {
					d[iy*w+ix] += v
				}
			}
		})
		return []*tensor.Tensor{dx}
	}, x)
}
