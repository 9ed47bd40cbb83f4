package viz

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/brewer"
)

// ramp is a palette.ColorMap that interpolates linearly in RGB between
// evenly spaced control colours, from the first at Min to the last at Max.
type ramp struct {
	controls []color.RGBA
	min, max float64
}

// newRamp makes a ramp from a ColorBrewer palette (reversed if asked).
func newRamp(typ brewer.PaletteType, name string, n int, reverse bool) *ramp {
	p, err := brewer.GetPalette(typ, name, n)
	if err != nil {
		panic(fmt.Sprintf("viz: ColorBrewer palette %s/%d: %v", name, n, err)) // fixed names: a bug here
	}
	cs := p.Colors()
	r := &ramp{min: 0, max: 1}
	for i := range cs {
		c := cs[i]
		if reverse {
			c = cs[len(cs)-1-i]
		}
		cr, cg, cb, _ := c.RGBA()
		r.controls = append(r.controls, color.RGBA{uint8(cr >> 8), uint8(cg >> 8), uint8(cb >> 8), 0xff})
	}
	return r
}

// blues runs from near-white to dark blue: counts and other non-negative
// magnitudes.
func blues() *ramp { return newRamp(brewer.TypeSequential, "Blues", 9, false) }

// blueWhiteRed runs from dark blue through white (at the middle) to dark red
// (ColorBrewer's RdBu reversed, matplotlib's "RdBu_r"): signed values.
func blueWhiteRed() *ramp { return newRamp(brewer.TypeDiverging, "RdBu", 11, true) }

// rgba returns the colour at t in [0, 1] (clamped; NaN gives the middle).
func (r *ramp) rgba(t float64) color.RGBA {
	if math.IsNaN(t) {
		t = 0.5
	}
	t = max(0, min(1, t)) * float64(len(r.controls)-1)
	i := min(int(t), len(r.controls)-2)
	f := t - float64(i)
	a, b := r.controls[i], r.controls[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-f) + float64(y)*f)) }
	return color.RGBA{mix(a.R, b.R), mix(a.G, b.G), mix(a.B, b.B), 0xff}
}

// At implements palette.ColorMap.
func (r *ramp) At(v float64) (color.Color, error) {
	switch {
	case math.IsNaN(v):
		return nil, palette.ErrNaN
	case v < r.min:
		return nil, palette.ErrUnderflow
	case v > r.max:
		return nil, palette.ErrOverflow
	}
	if r.max == r.min {
		return r.rgba(0.5), nil
	}
	return r.rgba((v - r.min) / (r.max - r.min)), nil
}

func (r *ramp) Max() float64       { return r.max }
func (r *ramp) SetMax(v float64)   { r.max = v }
func (r *ramp) Min() float64       { return r.min }
func (r *ramp) SetMin(v float64)   { r.min = v }
func (r *ramp) Alpha() float64     { return 1 }
func (r *ramp) SetAlpha(a float64) {} // always opaque

// Palette implements palette.ColorMap: n colours from Min to Max.
func (r *ramp) Palette(n int) palette.Palette {
	cs := make([]color.Color, n)
	for i := range cs {
		cs[i] = r.rgba(float64(i) / float64(max(n-1, 1)))
	}
	return colorList(cs)
}

type colorList []color.Color

func (c colorList) Colors() []color.Color { return c }
