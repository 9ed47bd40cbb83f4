package viz

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/deepgo/deepgo/tensor"
)

// Normalize says how ImageGrid maps tensor values to pixel intensities.
type Normalize int

const (
	// NormalizeAuto draws values in [0, 1] as they are (0 black, 1 white)
	// and, when any value lies outside, scales the whole grid's range to
	// [0, 1] as NormalizeGrid does. It suits raw pixels and normalised or
	// tanh outputs alike.
	NormalizeAuto Normalize = iota
	// NormalizeNone draws values as they are, clamped to [0, 1].
	NormalizeNone
	// NormalizeGrid maps the smallest value of all images to black and the
	// largest to white.
	NormalizeGrid
	// NormalizePerImage maps each image's own smallest value to black and
	// largest to white (a constant image becomes black, as in
	// torchvision's make_grid with scale_each).
	NormalizePerImage
)

// GridOptions are the settings of ImageGridWith. The zero value is a usable
// default.
type GridOptions struct {
	// Cols is the number of images per row (default: ⌈√N⌉).
	Cols int
	// Scale draws each pixel as a Scale×Scale square (default 1).
	Scale int
	// Labels, when not nil, holds one caption per image, drawn under it
	// (7×13-pixel characters; captions wider than 24 characters are cut).
	Labels []string
	// Normalize maps values to intensities (default NormalizeAuto).
	Normalize Normalize
	// Padding is the background border around and between images in pixels
	// (0 gives the default 2; a negative value gives none).
	Padding int
}

// ImageGrid draws images, a tensor of shape [N, C, H, W] with C = 1 (grey)
// or 3 (RGB) or of shape [N, H, W] (grey), as a grid of cols columns (0 for
// ⌈√N⌉) on a white background, each pixel a scale×scale square (0 for 1),
// with labels (nil for none) as captions, and writes it to path as a PNG.
// Values map to intensities as NormalizeAuto says; ImageGridWith offers the
// other mappings.
//
// Layout, in pixels, with padding p (2) and caption band b (15 with labels,
// else 0): image k sits in row k/cols and column k%cols of cells
// max(W·scale, caption width) wide and H·scale+b high, separated by p, with
// p around the whole grid; the image is centred in its cell's width.
func ImageGrid(path string, images *tensor.Tensor, cols, scale int, labels []string) error {
	return ImageGridWith(path, images, GridOptions{Cols: cols, Scale: scale, Labels: labels})
}

// ImageGridWith is ImageGrid with every option.
func ImageGridWith(path string, images *tensor.Tensor, o GridOptions) error {
	img, err := gridImage(images, o)
	if err != nil {
		return fmt.Errorf("viz: ImageGrid: %w", err)
	}
	if err := writePNG(path, img); err != nil {
		return fmt.Errorf("viz: ImageGrid: %w", err)
	}
	return nil
}

const (
	captionHeight = 15 // basicfont.Face7x13 plus a pixel above and below
	charWidth     = 7
	maxCaption    = 24 // characters
)

func gridImage(images *tensor.Tensor, o GridOptions) (*image.RGBA, error) {
	if images == nil {
		return nil, fmt.Errorf("images is nil")
	}
	shape := images.Shape()
	var n, c, h, w int
	switch len(shape) {
	case 3:
		n, c, h, w = shape[0], 1, shape[1], shape[2]
	case 4:
		n, c, h, w = shape[0], shape[1], shape[2], shape[3]
		if c != 1 && c != 3 {
			return nil, fmt.Errorf("images of shape %v have %d channels; want [N, C, H, W] with C = 1 or 3", shape, c)
		}
	default:
		return nil, fmt.Errorf("images of shape %v: want [N, C, H, W] with C = 1 or 3, or [N, H, W]", shape)
	}
	if n == 0 || h == 0 || w == 0 {
		return nil, fmt.Errorf("images of shape %v: nothing to draw", shape)
	}
	if o.Labels != nil && len(o.Labels) != n {
		return nil, fmt.Errorf("%d labels for %d images", len(o.Labels), n)
	}
	if o.Cols < 0 || o.Scale < 0 {
		return nil, fmt.Errorf("cols %d and scale %d must not be negative", o.Cols, o.Scale)
	}
	cols := o.Cols
	if cols == 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	scale := max(o.Scale, 1)
	pad := o.Padding
	switch {
	case pad == 0:
		pad = 2
	case pad < 0:
		pad = 0
	}

	cellW, cellH := w*scale, h*scale
	if o.Labels != nil {
		longest := 0
		for _, l := range o.Labels {
			longest = max(longest, min(len([]rune(l)), maxCaption))
		}
		cellW = max(cellW, longest*charWidth)
		cellH += captionHeight
	}
	W, H := pad+cols*(cellW+pad), pad+rows*(cellH+pad)
	if W > 1<<14 || H > 1<<14 {
		return nil, fmt.Errorf("a grid of %d×%d pixels is too large (at most 16384 a side): lower scale or change cols", W, H)
	}
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)

	data := images.Data()
	per := c * h * w
	lo, hi := normRange(data, o.Normalize)
	for k := range n {
		x0 := pad + (k%cols)*(cellW+pad) + (cellW-w*scale)/2
		y0 := pad + (k/cols)*(cellH+pad)
		img := data[k*per : (k+1)*per]
		if o.Normalize == NormalizePerImage {
			lo, hi = minMax(img)
		}
		for y := range h {
			for x := range w {
				var px color.RGBA
				if c == 1 {
					v := intensity(img[y*w+x], lo, hi)
					px = color.RGBA{v, v, v, 0xff}
				} else {
					px = color.RGBA{
						intensity(img[y*w+x], lo, hi),
						intensity(img[h*w+y*w+x], lo, hi),
						intensity(img[2*h*w+y*w+x], lo, hi), 0xff}
				}
				for dy := range scale {
					for dx := range scale {
						out.SetRGBA(x0+x*scale+dx, y0+y*scale+dy, px)
					}
				}
			}
		}
		if o.Labels != nil {
			label := []rune(o.Labels[k])
			if len(label) > maxCaption {
				label = label[:maxCaption]
			}
			cx := pad + (k%cols)*(cellW+pad) + (cellW-len(label)*charWidth)/2
			caption(out, cx, y0+h*scale+1, string(label))
		}
	}
	return out, nil
}

// normRange returns the value drawn black (lo) and the one drawn white (hi)
// for the whole grid; NormalizePerImage replaces it per image.
func normRange(data []float32, mode Normalize) (lo, hi float32) {
	switch mode {
	case NormalizeNone:
		return 0, 1
	case NormalizeGrid:
		return minMax(data)
	case NormalizeAuto:
		lo, hi = minMax(data)
		if lo >= 0 && hi <= 1 {
			return 0, 1
		}
		return lo, hi
	}
	return 0, 1
}

// minMax returns the smallest and largest non-NaN value (0, 0 if none).
func minMax(data []float32) (lo, hi float32) {
	first := true
	for _, v := range data {
		if v != v {
			continue
		}
		if first {
			lo, hi, first = v, v, false
			continue
		}
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

// intensity maps v from [lo, hi] to 0..255, rounding to nearest; values
// outside clamp and NaN is black. A constant range (lo == hi) is black.
func intensity(v, lo, hi float32) uint8 {
	if !(hi > lo) {
		return 0
	}
	t := float64(v-lo) / float64(hi-lo)
	if !(t > 0) {
		return 0
	}
	if t >= 1 {
		return 255
	}
	return uint8(math.Round(t * 255))
}

// caption draws s in black with its top-left corner at (x, y).
func caption(img draw.Image, x, y int, s string) {
	d := font.Drawer{
		Dst:  img,
		Src:  image.Black,
		Face: basicfont.Face7x13,
		Dot:  fixed.P(x, y+basicfont.Face7x13.Ascent),
	}
	d.DrawString(s)
}
