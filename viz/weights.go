package viz

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"

	"github.com/deepgo/deepgo/tensor"
)

// minTile is the smallest side, in pixels, that WeightImages gives a unit's
// picture: 28×28 MNIST weights are drawn 3× (84 pixels).
const minTile = 64

// WeightImages draws each row of a first-layer weight matrix w, of shape
// [units, h·wd], as an h×wd picture, cols pictures to a row (0 for ⌈√units⌉),
// and writes the grid to path as a PNG. It shows what each unit of the first
// layer responds to: the input pattern that excites it (red) and the one
// that inhibits it (blue).
//
// Colours come from a blue-white-red diverging map (ColorBrewer's RdBu,
// reversed: matplotlib's "RdBu_r"), symmetric about zero for each unit
// separately: white is 0, dark red the unit's largest |weight| and dark blue
// its negative, so that every unit's pattern shows whatever its scale (an
// all-zero unit is white).
// Each weight becomes a square of ⌈64/max(h, wd)⌉ pixels; pictures are
// separated by 2 grey pixels.
func WeightImages(path string, w *tensor.Tensor, h, wd int, cols int) error {
	img, err := weightImage(w, h, wd, cols)
	if err != nil {
		return fmt.Errorf("viz: WeightImages: %w", err)
	}
	if err := writePNG(path, img); err != nil {
		return fmt.Errorf("viz: WeightImages: %w", err)
	}
	return nil
}

func weightImage(w *tensor.Tensor, h, wd, cols int) (*image.RGBA, error) {
	if w == nil {
		return nil, fmt.Errorf("weights are nil")
	}
	shape := w.Shape()
	if h <= 0 || wd <= 0 {
		return nil, fmt.Errorf("picture size %d×%d must be positive", h, wd)
	}
	if len(shape) != 2 || shape[1] != h*wd {
		return nil, fmt.Errorf("weights of shape %v: want [units, %d] (h×w = %d×%d)", shape, h*wd, h, wd)
	}
	units := shape[0]
	if units == 0 {
		return nil, fmt.Errorf("weights of shape %v: no units to draw", shape)
	}
	if cols < 0 {
		return nil, fmt.Errorf("cols %d must not be negative", cols)
	}
	if cols == 0 {
		cols = int(math.Ceil(math.Sqrt(float64(units))))
	}
	cols = min(cols, units)
	rows := (units + cols - 1) / cols
	scale := max(1, (minTile+max(h, wd)-1)/max(h, wd))
	const pad = 2
	tw, th := wd*scale, h*scale
	W, H := pad+cols*(tw+pad), pad+rows*(th+pad)
	if W > 1<<14 || H > 1<<14 {
		return nil, fmt.Errorf("%d pictures of %d×%d make a %d×%d image, too large (at most 16384 a side): change cols", units, h, wd, W, H)
	}
	out := image.NewRGBA(image.Rect(0, 0, W, H))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.Gray{0x80}), image.Point{}, draw.Src)

	lut := divergingLUT()
	data := w.Data()
	per := h * wd
	for u := range units {
		row := data[u*per : (u+1)*per]
		var m float32
		for _, v := range row {
			if a := float32(math.Abs(float64(v))); a > m {
				m = a
			}
		}
		x0 := pad + (u%cols)*(tw+pad)
		y0 := pad + (u/cols)*(th+pad)
		for i, v := range row {
			t := float32(0)
			if m > 0 && !math.IsInf(float64(m), 0) {
				t = v / m
			}
			px := lut[lutIndex(t)]
			x, y := x0+(i%wd)*scale, y0+(i/wd)*scale
			for dy := range scale {
				for dx := range scale {
					out.SetRGBA(x+dx, y+dy, px)
				}
			}
		}
	}
	return out, nil
}

// lutSize is the number of colours sampled from the diverging map; odd, so
// that 0 falls exactly on the white middle entry.
const lutSize = 511

// divergingLUT samples the blue-white-red map at lutSize points over [-1, 1].
func divergingLUT() []color.RGBA {
	r := blueWhiteRed()
	lut := make([]color.RGBA, lutSize)
	for i := range lut {
		lut[i] = r.rgba(float64(i) / (lutSize - 1))
	}
	return lut
}

// lutIndex maps t in [-1, 1] to its nearest LUT entry (NaN to the middle).
func lutIndex(t float32) int {
	if t != t {
		t = 0
	}
	t = max(-1, min(1, t))
	return int(math.Round(float64(t+1) / 2 * (lutSize - 1)))
}
