package viz

import (
	"fmt"
	"image"
	"image/png"
	"os"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// dpi is the resolution of rendered charts: 6×4 inches become 720×480 pixels.
const dpi = 120

// writePNG encodes img into a new file at path.
func writePNG(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newCanvas makes a w×h inch canvas at dpi with a white background.
func newCanvas(w, h vg.Length) (*vgimg.Canvas, draw.Canvas) {
	c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	return c, dc
}

// savePlot renders p on a w×h canvas and writes it to path.
func savePlot(fn, path string, p *plot.Plot, w, h vg.Length) error {
	c, dc := newCanvas(w, h)
	p.Draw(dc)
	return saveCanvas(fn, path, c)
}

func saveCanvas(fn, path string, c *vgimg.Canvas) error {
	if err := writePNG(path, c.Image()); err != nil {
		return fmt.Errorf("viz: %s: %w", fn, err)
	}
	return nil
}

// useSans sets the plot's (and the legend's, when given) text in Liberation
// Sans, which reads better on screens than gonum's default serif, with a
// larger title.
func useSans(p *plot.Plot, l *plot.Legend) {
	for _, st := range []*text.Style{&p.Title.TextStyle, &p.X.Label.TextStyle, &p.Y.Label.TextStyle,
		&p.X.Tick.Label, &p.Y.Tick.Label} {
		st.Font.Variant = "Sans"
	}
	p.Title.TextStyle.Font.Size = vg.Points(14)
	p.Title.Padding = vg.Points(8)
	if l != nil {
		l.TextStyle.Font.Variant = "Sans"
	}
}

// margin leaves a small white border around a drawing.
func margin(c draw.Canvas) draw.Canvas {
	m := vg.Points(6)
	return draw.Crop(c, m, -m, m, -m)
}
