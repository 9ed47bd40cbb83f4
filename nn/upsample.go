package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// Upsample resizes images (torch.nn.Upsample, F.interpolate) by Scale or to
// Size, with Mode "nearest" or "bilinear".
//
// Options: Scale [sh, sw], the factor (the output has ⌊H·sh⌋ rows), or Size
// [Ho, Wo] when Scale is zero; Mode; AlignCorners (bilinear only, default
// false): true maps the corner pixels of input and output onto each other,
// false maps pixel areas (PyTorch's default since 0.4). As in PyTorch, a
// given Scale is used as is to place the samples (source = dest / scale),
// not recomputed from the rounded size.
//
// # Shapes
//
//   - input: [N, C, H, W];
//   - output: [N, C, Ho, Wo].
type Upsample struct {
	Base
	Size         [2]int
	Scale        [2]float64
	Mode         string
	AlignCorners bool
}

// NewUpsample makes an Upsample by a factor scale on both axes.
func NewUpsample(scale float64, mode string, alignCorners bool) *Upsample {
	u := &Upsample{Scale: [2]float64{scale, scale}, Mode: mode, AlignCorners: alignCorners}
	u.check(nil)
	return u
}

// NewUpsampleSize makes an Upsample to the fixed size [h, w].
func NewUpsampleSize(h, w int, mode string, alignCorners bool) *Upsample {
	u := &Upsample{Size: [2]int{h, w}, Mode: mode, AlignCorners: alignCorners}
	u.check(nil)
	return u
}

func (u *Upsample) String() string {
	if u.Scale != [2]float64{} {
		return fmt.Sprintf("Upsample(scale_factor=%v, mode='%s')", u.Scale, u.Mode)
	}
	return fmt.Sprintf("Upsample(size=%v, mode='%s')", u.Size, u.Mode)
}

func (u *Upsample) check(shape []int) {
	msg := ""
	switch {
	case u.Mode != "nearest" && u.Mode != "bilinear":
		msg = fmt.Sprintf("mode %q: want \"nearest\" or \"bilinear\"", u.Mode)
	case u.AlignCorners && u.Mode == "nearest":
		msg = "align_corners only goes with mode \"bilinear\""
	case u.Scale == [2]float64{} && (u.Size[0] < 1 || u.Size[1] < 1):
		msg = fmt.Sprintf("size %v must be positive (or give a scale)", u.Size)
	case u.Scale != [2]float64{} && !(u.Scale[0] > 0 && u.Scale[1] > 0):
		msg = fmt.Sprintf("scale %v must be positive", u.Scale)
	case shape != nil && len(shape) != 4:
		msg = "want [N C H W]"
	default:
		return
	}
	if shape != nil {
		msg = fmt.Sprintf("input %v: %s", shape, msg)
	}
	panic("deepgo: Upsample: " + msg)
}

// taps says where output index o reads: (1−l)·in[i0] + l·in[i1].
type taps struct {
	i0, i1 int
	l      float32
}

// axisTaps computes the taps of one axis with PyTorch's index formulas
// (upsample_nearest2d, area_pixel_compute_source_index); nearest computes
// in float32 as PyTorch's CPU kernel does.
func (u *Upsample) axisTaps(in, out int, scale float64) []taps {
	t := make([]taps, out)
	for o := range t {
		if u.Mode == "nearest" {
			r := float32(in) / float32(out)
			if scale > 0 {
				r = float32(1 / scale)
			}
			i := min(int(float32(math.Floor(float64(float32(o)*r)))), in-1)
			t[o] = taps{i, i, 0}
			continue
		}
		var src float64
		switch {
		case u.AlignCorners && out > 1:
			src = float64(in-1) / float64(out-1) * float64(o)
		case u.AlignCorners:
			src = 0
		default:
			r := float64(in) / float64(out)
			if scale > 0 {
				r = 1 / scale
			}
			src = max(r*(float64(o)+0.5)-0.5, 0)
		}
		i0 := int(src)
		i1 := i0
		if i0 < in-1 {
			i1++
		}
		t[o] = taps{i0, i1, float32(src - float64(i0))}
	}
	return t
}

// Forward resizes x.
func (u *Upsample) Forward(x *tensor.Tensor) *tensor.Tensor {
	sh := x.Shape()
	u.check(sh)
	n, c, h, w := sh[0], sh[1], sh[2], sh[3]
	oh, ow := u.Size[0], u.Size[1]
	if u.Scale != [2]float64{} {
		oh, ow = int(math.Floor(float64(h)*u.Scale[0])), int(math.Floor(float64(w)*u.Scale[1]))
	}
	if oh < 1 || ow < 1 {
		panic(fmt.Sprintf("deepgo: Upsample: input %v, scale %v: empty output [%d %d]", sh, u.Scale, oh, ow))
	}
	ty, tx := u.axisTaps(h, oh, u.Scale[0]), u.axisTaps(w, ow, u.Scale[1])
	// visit hands fn each output pixel's four input offsets and weights
	// (within the plane), plane by plane.
	visit := func(fn func(pl, o int, i [4]int, l [4]float32)) {
		kernels.ParallelFor(n*c, 1, func(lo, hi int) {
			for pl := lo; pl < hi; pl++ {
				o := pl * oh * ow
				for _, a := range ty {
					for _, b := range tx {
						fn(pl, o,
							[4]int{a.i0*w + b.i0, a.i0*w + b.i1, a.i1*w + b.i0, a.i1*w + b.i1},
							[4]float32{(1 - a.l) * (1 - b.l), (1 - a.l) * b.l, a.l * (1 - b.l), a.l * b.l})
						o++
					}
				}
			}
		})
	}
	xd, plane := x.Data(), h*w
	out := tensor.Zeros(n, c, oh, ow)
	od := out.Data()
	visit(func(pl, o int, i [4]int, l [4]float32) {
		p := xd[pl*plane:]
		od[o] = l[0]*p[i[0]] + l[1]*p[i[1]] + l[2]*p[i[2]] + l[3]*p[i[3]]
	})
	return tensor.Record("Upsample", out, func(g *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.ZerosLike(x)
		dd, gd := dx.Data(), g.Data()
		visit(func(pl, o int, i [4]int, l [4]float32) {
			p := dd[pl*plane:]
			for k := range i {
				p[i[k]] += l[k] * gd[o]
			}
		})
		return []*tensor.Tensor{dx}
	}, x)
}
