package viz

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one named curve of a LinePlot: Y[i] at X[i]. X may be nil, in
// which case the points are numbered 1, 2, ..., len(Y) (epochs, say).
type Series struct {
	Name string
	X, Y []float64
}

// seriesColors are matplotlib's "tab10" colours, distinct from one another
// and familiar from PyTorch tutorials; series beyond ten reuse them.
var seriesColors = []color.Color{
	color.RGBA{0x1f, 0x77, 0xb4, 0xff}, // blue
	color.RGBA{0xff, 0x7f, 0x0e, 0xff}, // orange
	color.RGBA{0x2c, 0xa0, 0x2c, 0xff}, // green
	color.RGBA{0xd6, 0x27, 0x28, 0xff}, // red
	color.RGBA{0x94, 0x67, 0xbd, 0xff}, // purple
	color.RGBA{0x8c, 0x56, 0x4b, 0xff}, // brown
	color.RGBA{0xe3, 0x77, 0xc2, 0xff}, // pink
	color.RGBA{0x7f, 0x7f, 0x7f, 0xff}, // grey
	color.RGBA{0xbc, 0xbd, 0x22, 0xff}, // olive
	color.RGBA{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

// maxMarkedPoints is the most points a series may have for its points to be
// marked with dots as well as joined by lines.
const maxMarkedPoints = 60

// LinePlot draws series as lines (with dots at the points when a series has
// at most 60) on one chart with a title, axis labels, a grid and a legend
// to the right, and writes it to path as a 720×480 PNG. Non-finite points
// (a loss that became NaN) are left out and break the line there. It is an
// error to pass no series, a series with no points, or X and Y of
// different lengths.
func LinePlot(path, title, xLabel, yLabel string, series ...Series) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("viz: LinePlot %q: "+format, append([]any{title}, args...)...)
	}
	if len(series) == 0 {
		return fail("no series to draw")
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{0xdd}
	grid.Horizontal.Color = color.Gray{0xdd}
	p.Add(grid)

	legend := plot.NewLegend()
	legend.Top = true
	finite := 0
	for i, s := range series {
		if len(s.Y) == 0 {
			return fail("series %q has no points", s.Name)
		}
		if s.X != nil && len(s.X) != len(s.Y) {
			return fail("series %q has %d x values but %d y values", s.Name, len(s.X), len(s.Y))
		}
		style := draw.LineStyle{Color: seriesColors[i%len(seriesColors)], Width: vg.Points(1.75)}
		var glyph *draw.GlyphStyle
		if len(s.Y) <= maxMarkedPoints {
			glyph = &draw.GlyphStyle{Color: style.Color, Radius: vg.Points(2.5), Shape: draw.CircleGlyph{}}
		}
		for _, seg := range finiteRuns(s) {
			finite += len(seg)
			line := &plotter.Line{XYs: seg, LineStyle: style}
			p.Add(line)
			if glyph != nil {
				p.Add(&plotter.Scatter{XYs: seg, GlyphStyle: *glyph})
			}
		}
		entry := &plotter.Line{LineStyle: style}
		if glyph != nil {
			legend.Add(s.Name, entry, &plotter.Scatter{GlyphStyle: *glyph})
		} else {
			legend.Add(s.Name, entry)
		}
	}
	if finite == 0 {
		return fail("every point is NaN or infinite")
	}

	// The legend goes to the right of the chart so that it never hides a
	// curve: draw it at the canvas's right edge, then the plot in the rest.
	useSans(p, &legend)
	c, dc := newCanvas(6*vg.Inch, 4*vg.Inch)
	dc = margin(dc)
	r := legend.Rectangle(dc)
	width := r.Max.X - r.Min.X
	legend.YOffs = -p.Title.TextStyle.FontExtents().Height * 1.5
	legend.Draw(dc)
	p.Draw(draw.Crop(dc, 0, -width-vg.Points(12), 0, 0))
	return saveCanvas("LinePlot", path, c)
}

// finiteRuns splits a series into its runs of consecutive finite points.
func finiteRuns(s Series) []plotter.XYs {
	var runs []plotter.XYs
	var cur plotter.XYs
	for i, y := range s.Y {
		x := float64(i + 1)
		if s.X != nil {
			x = s.X[i]
		}
		if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
			if len(cur) > 0 {
				runs = append(runs, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, plotter.XY{X: x, Y: y})
	}
	if len(cur) > 0 {
		runs = append(runs, cur)
	}
	return runs
}
