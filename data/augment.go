package data

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/tensor"
)

// Random augmentations for images [C, H, W], after torchvision.transforms.
// Each draws all its randomness from the per-sample rng that the Loader
// passes to Apply, so a seed fixes every augmented sample. They return a new
// tensor and never modify x.

// RandomHorizontalFlip mirrors the image left to right with probability P
// (torchvision.transforms.RandomHorizontalFlip; use P 0.5). It draws one
// number per call, whatever P.
type RandomHorizontalFlip struct{ P float64 }

// Apply flips x [C, H, W] along W with probability P.
func (f RandomHorizontalFlip) Apply(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
	c, h, w := imageDims("RandomHorizontalFlip", x)
	out := copyImage(x)
	if rng.Float64() >= f.P {
		return out
	}
	src, dst := x.Data(), out.Data()
	for p := range c * h {
		row, o := src[p*w:(p+1)*w], dst[p*w:(p+1)*w]
		for i, v := range row {
			o[w-1-i] = v
		}
	}
	return out
}

// RandomVerticalFlip mirrors the image top to bottom with probability P
// (torchvision.transforms.RandomVerticalFlip). It draws one number per call.
type RandomVerticalFlip struct{ P float64 }

// Apply flips x [C, H, W] along H with probability P.
func (f RandomVerticalFlip) Apply(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
	c, h, w := imageDims("RandomVerticalFlip", x)
	out := copyImage(x)
	if rng.Float64() >= f.P {
		return out
	}
	src, dst := x.Data(), out.Data()
	for ch := range c {
		for i := range h {
			copy(dst[(ch*h+h-1-i)*w:(ch*h+h-i)*w], src[(ch*h+i)*w:(ch*h+i+1)*w])
		}
	}
	return out
}

// RandomRotation rotates the image about its centre by an angle drawn
// uniformly from [-Degrees, Degrees] (torchvision.transforms.RandomRotation
// with bilinear interpolation). Positive angles turn the picture
// counter-clockwise as displayed; pixels that come from outside the image
// are 0.
type RandomRotation struct{ Degrees float64 }

// Apply rotates x [C, H, W]; the output has the same shape.
func (r RandomRotation) Apply(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
	imageDims("RandomRotation", x)
	if r.Degrees == 0 {
		return copyImage(x)
	}
	angle := uniform(rng, -r.Degrees, r.Degrees)
	return warpAffine(x, angle, 0, 0, 1)
}

// RandomAffine rotates, translates and scales the image about its centre
// (torchvision.transforms.RandomAffine without shear, bilinear, zero fill):
//
//   - Degrees: the angle is uniform in [-Degrees, Degrees] (0: no rotation);
//   - Translate: fractions (a, b) of the width and height; the shift is
//     uniform in [-a·W, a·W] and [-b·H, b·H], rounded to whole pixels
//     (zero: no shift);
//   - Scale: the factor is uniform in [Scale[0], Scale[1]] (zero value: 1).
type RandomAffine struct {
	Degrees   float64
	Translate [2]float64
	Scale     [2]float64
}

// Apply transforms x [C, H, W]; the output has the same shape.
func (a RandomAffine) Apply(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
	_, h, w := imageDims("RandomAffine", x)
	if a.Scale != [2]float64{} && (a.Scale[0] <= 0 || a.Scale[1] < a.Scale[0]) {
		panic(fmt.Sprintf("deepgo: RandomAffine: Scale %v: want 0 < Scale[0] <= Scale[1]", a.Scale))
	}
	angle := uniform(rng, -a.Degrees, a.Degrees)
	tx := math.Round(uniform(rng, -a.Translate[0]*float64(w), a.Translate[0]*float64(w)))
	ty := math.Round(uniform(rng, -a.Translate[1]*float64(h), a.Translate[1]*float64(h)))
	scale := 1.0
	if a.Scale != [2]float64{} {
		scale = uniform(rng, a.Scale[0], a.Scale[1])
	}
	return warpAffine(x, angle, tx, ty, scale)
}

// uniform draws from [lo, hi]; it always draws, so that the stream does not
// depend on whether a range is empty.
func uniform(rng *tensor.RNG, lo, hi float64) float64 {
	return lo + (hi-lo)*rng.Float64()
}

// warpAffine maps each output pixel back to the input: with d the offset from
// the centre ((W-1)/2, (H-1)/2) minus the shift (tx, ty), the source is
// R(-angle)·d/scale + centre, sampled bilinearly with zeros outside. R turns
// counter-clockwise on screen, where y points down.
func warpAffine(x *tensor.Tensor, degrees, tx, ty, scale float64) *tensor.Tensor {
	c, h, w := imageDims("warpAffine", x)
	sin, cos := math.Sincos(degrees * math.Pi / 180)
	cx, cy := float64(w-1)/2, float64(h-1)/2
	src := x.Data()
	out := make([]float32, len(src))
	for i := range h {
		for j := range w {
			dx, dy := (float64(j)-cx-tx)/scale, (float64(i)-cy-ty)/scale
			sx, sy := cos*dx-sin*dy+cx, sin*dx+cos*dy+cy
			x0, y0 := math.Floor(sx), math.Floor(sy)
			fx, fy := float32(sx-x0), float32(sy-y0)
			ix, iy := int(x0), int(y0)
			for ch := range c {
				plane := src[ch*h*w : (ch+1)*h*w]
				at := func(r, q int) float32 {
					if r < 0 || r >= h || q < 0 || q >= w {
						return 0
					}
					return plane[r*w+q]
				}
				v := (1-fy)*((1-fx)*at(iy, ix)+fx*at(iy, ix+1)) + fy*((1-fx)*at(iy+1, ix)+fx*at(iy+1, ix+1))
				out[(ch*h+i)*w+j] = v
			}
		}
	}
	return tensor.New(out, c, h, w)
}

// RandomCrop pads the image with Padding zeros on every side, then cuts a
// Size×Size window at a uniformly random position
// (torchvision.transforms.RandomCrop(Size, padding=Padding); for CIFAR-10
// use Size 32, Padding 4).
//
// # Shapes
//
// x [C, H, W] -> [C, Size, Size]; H+2·Padding and W+2·Padding must be at
// least Size.
type RandomCrop struct{ Size, Padding int }

// Apply crops x [C, H, W] to [C, Size, Size].
func (r RandomCrop) Apply(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
	_, h, w := imageDims("RandomCrop", x)
	ph, pw := h+2*r.Padding, w+2*r.Padding
	if r.Size <= 0 || r.Padding < 0 || ph < r.Size || pw < r.Size {
		panic(fmt.Sprintf("deepgo: RandomCrop: input %v with Size %d, Padding %d: the padded image %dx%d must hold a crop of at least 1x1",
			x.Shape(), r.Size, r.Padding, ph, pw))
	}
	top, left := rng.IntN(ph-r.Size+1), rng.IntN(pw-r.Size+1)
	return cropPadded(x, top-r.Padding, left-r.Padding, r.Size)
}

// cropPadded returns the s×s window of x whose corner is at (top, left) in
// x's coordinates, with zeros where the window leaves x.
func cropPadded(x *tensor.Tensor, top, left, s int) *tensor.Tensor {
	c, h, w := imageDims("RandomCrop", x)
	src := x.Data()
	out := make([]float32, c*s*s)
	for ch := range c {
		for i := range s {
			r := top + i
			if r < 0 || r >= h {
				continue
			}
			lo, hi := max(0, -left), min(s, w-left)
			if lo >= hi {
				continue
			}
			copy(out[(ch*s+i)*s+lo:(ch*s+i)*s+hi], src[(ch*h+r)*w+left+lo:(ch*h+r)*w+left+hi])
		}
	}
	return tensor.New(out, c, s, s)
}

// ColorJitter changes brightness, contrast and saturation by random factors
// (torchvision.transforms.ColorJitter without hue), on images [C, H, W] in
// [0, 1] with C = 3 (RGB) or 1 (gray). For each non-zero strength s the
// factor f is uniform in [max(0, 1-s), 1+s], and the three adjustments run
// in a random order, as in torchvision:
//
//   - brightness: x·f;
//   - contrast: f·x + (1-f)·m, m the mean of the image's grayscale;
//   - saturation: f·x + (1-f)·gray(x) per pixel;
//
// with gray = 0.299 R + 0.587 G + 0.114 B, and the result clamped to [0, 1]
// after each step.
type ColorJitter struct {
	Brightness, Contrast, Saturation float64
}

// Apply jitters x [C, H, W]; the output has the same shape.
func (j ColorJitter) Apply(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
	c, h, w := imageDims("ColorJitter", x)
	if c != 1 && c != 3 {
		panic(fmt.Sprintf("deepgo: ColorJitter: input %v: want 1 or 3 channels", x.Shape()))
	}
	if j.Brightness < 0 || j.Contrast < 0 || j.Saturation < 0 {
		panic(fmt.Sprintf("deepgo: ColorJitter: negative strength in %+v", j))
	}
	d := append([]float32(nil), x.Data()...)
	n := h * w
	order := rng.Perm(3)
	factor := func(s float64) float32 { return float32(uniform(rng, math.Max(0, 1-s), 1+s)) }
	for _, k := range order {
		switch {
		case k == 0 && j.Brightness > 0:
			f := factor(j.Brightness)
			for i := range d {
				d[i] = clamp01(d[i] * f)
			}
		case k == 1 && j.Contrast > 0:
			f := factor(j.Contrast)
			var sum float64
			for i := range n {
				sum += float64(grayAt(d, c, n, i))
			}
			m := (1 - f) * float32(sum/float64(n))
			for i := range d {
				d[i] = clamp01(f*d[i] + m)
			}
		case k == 2 && j.Saturation > 0:
			f := factor(j.Saturation)
			if c == 1 {
				continue // a gray image is its own grayscale
			}
			for i := range n {
				g := (1 - f) * grayAt(d, c, n, i)
				for ch := range c {
					d[ch*n+i] = clamp01(f*d[ch*n+i] + g)
				}
			}
		}
	}
	return tensor.New(d, c, h, w)
}

// grayAt is pixel i's luma (ITU-R 601, as torchvision's rgb_to_grayscale).
func grayAt(d []float32, c, n, i int) float32 {
	if c == 1 {
		return d[i]
	}
	return 0.299*d[i] + 0.587*d[n+i] + 0.114*d[2*n+i]
}

func clamp01(v float32) float32 { return min(max(v, 0), 1) }

// imageDims checks that x is an image [C, H, W] and returns its dimensions.
func imageDims(op string, x *tensor.Tensor) (c, h, w int) {
	if x.Dim() != 3 {
		panic(fmt.Sprintf("deepgo: %s: input %v: want an image [C, H, W]", op, x.Shape()))
	}
	s := x.Shape()
	return s[0], s[1], s[2]
}

// copyImage returns a fresh tensor holding x's values, outside autograd.
func copyImage(x *tensor.Tensor) *tensor.Tensor {
	return tensor.New(append([]float32(nil), x.Data()...), x.Shape()...)
}
