package viz

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// HeatMap draws values (row i at the top as the i-th row, like a matrix
// or an attention map with queries on rows and keys on columns) as coloured
// cells with the given row and column labels (nil for 0, 1, ...), a title
// and a colour bar, and writes it to path as a PNG. Values of one sign use a
// white-to-blue scale from the smallest to the largest value; values of both
// signs use a blue-white-red scale symmetric about 0. Cells show their
// values when they are large enough to hold the text (at most 20 rows and
// columns). NaN cells are grey. values must be a non-empty rectangle and
// the labels must match its dimensions.
func HeatMap(path string, values [][]float64, rowLabels, colLabels []string, title string) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("viz: HeatMap %q: "+format, append([]any{title}, args...)...)
	}
	rows, cols, err := rectangle(values)
	if err != nil {
		return fail("%v", err)
	}
	if rowLabels, err = axisLabels(rowLabels, rows, "row"); err != nil {
		return fail("%v", err)
	}
	if colLabels, err = axisLabels(colLabels, cols, "column"); err != nil {
		return fail("%v", err)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, row := range values {
		for _, v := range row {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = min(lo, v), max(hi, v)
			}
		}
	}
	if lo > hi { // every value NaN or infinite
		lo, hi = 0, 1
	}
	cmap := blues()
	if lo < 0 && hi > 0 {
		m := max(-lo, hi)
		lo, hi, cmap = -m, m, blueWhiteRed()
	}
	if lo == hi { // a constant map: any range that contains it
		lo, hi = lo-1, hi+1
	}
	cmap.SetMin(lo)
	cmap.SetMax(hi)
	annotate := func(r, c int) string { return strconv.FormatFloat(values[r][c], 'g', 2, 64) }
	return drawHeat("HeatMap", path, heatSpec{
		values: values, rows: rows, cols: cols,
		rowLabels: rowLabels, colLabels: colLabels,
		title: title, cmap: cmap, colorBar: true, annotate: annotate,
	})
}

// ConfusionMatrix draws counts[t][p], the number of samples of true class t
// predicted as class p, as a heat map with the true classes on the rows and
// the predicted classes on the columns, every cell showing its count, and a
// title giving the accuracy (the diagonal over the total); it writes it to
// path as a PNG. counts must be square with one row per class name (nil
// names give 0, 1, ...) and hold no negative count.
func ConfusionMatrix(path string, counts [][]int, classNames []string) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("viz: ConfusionMatrix: "+format, args...)
	}
	n := len(counts)
	if n == 0 {
		return fail("no classes")
	}
	values := make([][]float64, n)
	var total, correct, most int
	for t, row := range counts {
		if len(row) != n {
			return fail("row %d has %d counts, want %d: the matrix must be square (true × predicted classes)", t, len(row), n)
		}
		values[t] = make([]float64, n)
		for p, k := range row {
			if k < 0 {
				return fail("counts[%d][%d] = %d is negative", t, p, k)
			}
			values[t][p] = float64(k)
			total += k
			most = max(most, k)
		}
		correct += row[t]
	}
	names, err := axisLabels(classNames, n, "class")
	if err != nil {
		return fail("%v", err)
	}
	title := "Confusion matrix: no samples"
	if total > 0 {
		title = fmt.Sprintf("Confusion matrix: accuracy %.2f%% (%d / %d)", 100*float64(correct)/float64(total), correct, total)
	}
	cmap := blues()
	cmap.SetMin(0)
	cmap.SetMax(float64(max(most, 1)))
	return drawHeat("ConfusionMatrix", path, heatSpec{
		values: values, rows: n, cols: n,
		rowLabels: names, colLabels: names,
		title: title, xLabel: "predicted", yLabel: "true",
		cmap:     cmap,
		annotate: func(r, c int) string { return strconv.Itoa(counts[r][c]) },
		always:   true,
	})
}

// rectangle checks that values has at least one row and that every row has
// the same, non-zero length.
func rectangle(values [][]float64) (rows, cols int, err error) {
	if len(values) == 0 || len(values[0]) == 0 {
		return 0, 0, fmt.Errorf("no values to draw")
	}
	for i, row := range values {
		if len(row) != len(values[0]) {
			return 0, 0, fmt.Errorf("row %d has %d values but row 0 has %d: values must be a rectangle", i, len(row), len(values[0]))
		}
	}
	return len(values), len(values[0]), nil
}

// axisLabels returns labels, or 0..n-1 when labels is nil.
func axisLabels(labels []string, n int, what string) ([]string, error) {
	if labels == nil {
		labels = make([]string, n)
		for i := range labels {
			labels[i] = strconv.Itoa(i)
		}
		return labels, nil
	}
	if len(labels) != n {
		return nil, fmt.Errorf("%d %s labels, want %d (one per %s)", len(labels), what, n, what)
	}
	return labels, nil
}

// heatSpec is what drawHeat draws.
type heatSpec struct {
	values               [][]float64
	rows, cols           int
	rowLabels, colLabels []string
	title                string
	xLabel, yLabel       string
	cmap                 *ramp
	colorBar             bool
	annotate             func(r, c int) string
	always               bool // annotate even small cells (with smaller text)
}

// matrixGrid shows a row-major matrix as a plotter.GridXYZ with row 0 at
// the top: plot y runs upwards, so grid row r is matrix row rows-1-r.
type matrixGrid struct {
	v          [][]float64
	rows, cols int
}

func (g matrixGrid) Dims() (c, r int)     { return g.cols, g.rows }
func (g matrixGrid) Z(c, r int) float64   { return g.v[g.rows-1-r][c] }
func (g matrixGrid) X(c int) float64      { return float64(c) }
func (g matrixGrid) Y(r int) float64      { return float64(r) }
func (g matrixGrid) rowY(row int) float64 { return float64(g.rows - 1 - row) }

func drawHeat(fn, path string, s heatSpec) error {
	grid := matrixGrid{s.values, s.rows, s.cols}
	pal := s.cmap.Palette(256)
	hm := plotter.NewHeatMap(grid, pal)
	hm.Min, hm.Max = s.cmap.Min(), s.cmap.Max()
	hm.NaN = color.Gray{0xa0}
	hm.Underflow, hm.Overflow = pal.Colors()[0], pal.Colors()[255]
	hm.Rasterized = false

	p := plot.New()
	p.Title.Text = s.title
	p.X.Label.Text = s.xLabel
	p.Y.Label.Text = s.yLabel
	p.Add(hm)
	useSans(p, nil)
	p.X.Padding, p.Y.Padding = 0, 0

	var xt, yt []plot.Tick
	longestCol, longestRow := 0, 0
	for c, l := range s.colLabels {
		xt = append(xt, plot.Tick{Value: float64(c), Label: l})
		longestCol = max(longestCol, len(l))
	}
	for r, l := range s.rowLabels {
		yt = append(yt, plot.Tick{Value: grid.rowY(r), Label: l})
		longestRow = max(longestRow, len(l))
	}
	p.X.Tick.Marker = plot.ConstantTicks(xt)
	p.Y.Tick.Marker = plot.ConstantTicks(yt)
	if longestCol > 2 {
		// Long column names stand vertically, each under its column.
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign = draw.XRight
		p.X.Tick.Label.YAlign = draw.YCenter
	}

	// Square cells of 0.12 to 0.5 inch in a picture of at most about
	// 9×7 inches of cells, plus room for the labels and the colour bar.
	cell := max(0.12, min(0.5, 9.0/float64(s.cols), 7.0/float64(s.rows)))
	labelIn := func(chars int) float64 { return 0.3 + 0.09*float64(min(chars, 24)) }
	w := cell*float64(s.cols) + labelIn(longestRow) + 0.4
	h := cell*float64(s.rows) + 0.9
	if p.X.Tick.Label.Rotation != 0 {
		h += labelIn(longestCol) - 0.3
	}
	barW := 0.0
	if s.colorBar {
		barW = 0.8
	}
	w, h = max(w, 3.5), max(h, 2.5)

	if cell >= 0.3 || s.always {
		size := min(10, 0.3*72*cell) // points: about 30% of a cell's height
		if cell < 0.3 {
			size = max(4, 0.35*72*cell)
		}
		labels, err := cellLabels(s, grid, vg.Points(size))
		if err != nil {
			return fmt.Errorf("viz: %s: %w", fn, err)
		}
		p.Add(labels)
	}

	c, dc := newCanvas(vg.Length((w+barW)*72), vg.Length(h*72))
	dc = margin(dc)
	main := draw.Crop(dc, 0, -vg.Length(barW*72), 0, 0)
	p.Draw(main)
	if s.colorBar {
		// The bar stands right of the cells and exactly as tall as they are.
		bar := plot.New()
		useSans(bar, nil)
		bar.HideX()
		bar.Y.Padding = 0
		bar.Add(&plotter.ColorBar{ColorMap: s.cmap, Vertical: true})
		cells := p.DataCanvas(main)
		area := dc
		area.Min = vg.Point{X: main.Max.X + vg.Points(4), Y: cells.Min.Y}
		area.Max = vg.Point{X: area.Min.X + vg.Inch*0.7, Y: cells.Max.Y}
		bar.Draw(area)
	}
	return saveCanvas(fn, path, c)
}

// cellLabels writes each cell's annotation centred in it, white on dark
// cells and black on light ones.
func cellLabels(s heatSpec, grid matrixGrid, size vg.Length) (*plotter.Labels, error) {
	var xys plotter.XYs
	var texts []string
	var dark []bool
	for r := range s.rows {
		for c := range s.cols {
			xys = append(xys, plotter.XY{X: float64(c), Y: grid.rowY(r)})
			texts = append(texts, s.annotate(r, c))
			v := s.values[r][c]
			t := (v - s.cmap.Min()) / (s.cmap.Max() - s.cmap.Min())
			dark = append(dark, !math.IsNaN(v) && luminance(s.cmap.rgba(t)) < 0.5)
		}
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: texts})
	if err != nil {
		return nil, err
	}
	for i := range labels.TextStyle {
		st := &labels.TextStyle[i]
		st.Font.Variant = "Sans"
		st.Font.Size = size
		st.XAlign, st.YAlign = text.XCenter, text.YCenter
		st.Color = color.Black
		if dark[i] {
			st.Color = color.White
		}
	}
	return labels, nil
}

// luminance is a colour's relative luminance in [0, 1] (Rec. 709 weights on
// the gamma-encoded values, which is close enough to pick a text colour).
func luminance(c color.RGBA) float64 {
	return (0.2126*float64(c.R) + 0.7152*float64(c.G) + 0.0722*float64(c.B)) / 255
}
