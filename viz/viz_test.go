package viz

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// decode reads back a PNG a test wrote.
func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// colorCounts counts the pixels of each colour.
func colorCounts(img image.Image) map[color.RGBA]int {
	counts := map[color.RGBA]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, a := img.At(x, y).RGBA()
			counts[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bb >> 8), uint8(a >> 8)}]++
		}
	}
	return counts
}

func rgbaAt(img image.Image, x, y int) color.RGBA {
	r, g, b, a := img.At(x, y).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

func wantError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one saying %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Fatalf("error %q does not say %q", err, p)
		}
	}
}

func TestLinePlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "loss.png")
	ep := []float64{1, 2, 3, 4, 5}
	err := LinePlot(path, "Loss", "epoch", "loss",
		Series{Name: "train", X: ep, Y: []float64{0.9, 0.5, 0.4, 0.35, 0.3}},
		Series{Name: "test", Y: []float64{0.6, 0.5, math.NaN(), 0.45, 0.44}}) // nil X, a NaN gap
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	if b := img.Bounds(); b.Dx() != 720 || b.Dy() != 480 {
		t.Fatalf("size %v, want 720×480", b.Size())
	}
	counts := colorCounts(img)
	if len(counts) < 10 {
		t.Errorf("only %d colours: blank?", len(counts))
	}
	// Each series is drawn (lines, dots and legend) in its own colour.
	for i, name := range []string{"train", "test"} {
		if c := seriesColors[i].(color.RGBA); counts[c] < 200 {
			t.Errorf("series %s: %d pixels of its colour %v", name, counts[c], c)
		}
	}
	if counts[color.RGBA{255, 255, 255, 255}] < 720*480/2 {
		t.Errorf("background is not mostly white")
	}
}

func TestLinePlotErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.png")
	wantError(t, LinePlot(path, "T", "x", "y"), `LinePlot "T"`, "no series")
	wantError(t, LinePlot(path, "T", "x", "y", Series{Name: "a", X: []float64{1, 2}, Y: []float64{1}}),
		`series "a" has 2 x values but 1 y values`)
	wantError(t, LinePlot(path, "T", "x", "y", Series{Name: "a"}), `series "a" has no points`)
	wantError(t, LinePlot(path, "T", "x", "y", Series{Name: "a", Y: []float64{math.NaN()}}), "NaN or infinite")
	wantError(t, LinePlot(filepath.Join(t.TempDir(), "no", "dir.png"), "T", "x", "y", Series{Y: []float64{1}}), "no such file")
}

// TestImageGridPixels checks exact pixels of a known input: two 2×2 grey
// images, scale 2, padding 2, values as they are.
func TestImageGridPixels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "grid.png")
	images := tensor.FromSlice([]float32{
		0, 0.5, 1, 0.25, // image 0
		1, 1, 0, 2, // image 1 (2 clamps to 1)
	}, 2, 1, 2, 2)
	if err := ImageGridWith(path, images, GridOptions{Cols: 2, Scale: 2, Normalize: NormalizeNone}); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	// Width: 2 + 2×(4+2) = 14; height: 2 + 1×(4+2) = 8.
	if b := img.Bounds(); b.Dx() != 14 || b.Dy() != 8 {
		t.Fatalf("size %v, want 14×8", b.Size())
	}
	grey := func(v uint8) color.RGBA { return color.RGBA{v, v, v, 255} }
	for _, c := range []struct {
		x, y int
		want color.RGBA
	}{
		{0, 0, grey(255)}, {1, 7, grey(255)}, // padding is white
		{2, 2, grey(0)}, {3, 3, grey(0)}, // image 0 (0,0) = 0, a 2×2 square
		{4, 2, grey(128)}, {5, 3, grey(128)}, // (0,1) = 0.5 -> 127.5 rounds to 128
		{2, 4, grey(255)}, {4, 4, grey(64)}, // (1,0) = 1, (1,1) = 0.25 -> 63.75 -> 64
		{6, 4, grey(255)}, {7, 2, grey(255)}, // the padding between images
		{8, 2, grey(255)}, {10, 3, grey(255)}, {8, 4, grey(0)}, {11, 5, grey(255)}, // image 1: 1, 1 / 0, 2 -> 1
	} {
		if got := rgbaAt(img, c.x, c.y); got != c.want {
			t.Errorf("pixel (%d, %d) = %v, want %v", c.x, c.y, got, c.want)
		}
	}
}

func TestImageGridNormalize(t *testing.T) {
	dir := t.TempDir()
	// Two images on very different scales: per-image normalisation gives
	// both a black and a white pixel.
	images := tensor.FromSlice([]float32{0, 1, 2, 10, 15, 20}, 2, 1, 1, 3)
	path := filepath.Join(dir, "per.png")
	if err := ImageGridWith(path, images, GridOptions{Cols: 2, Padding: -1, Normalize: NormalizePerImage}); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	got := []uint8{}
	for x := range 6 {
		got = append(got, rgbaAt(img, x, 0).R)
	}
	if want := []uint8{0, 128, 255, 0, 128, 255}; string(got) != string(want) {
		t.Errorf("per-image: %v, want %v", got, want)
	}
	// NormalizeAuto (ImageGrid's) scales the whole grid when values leave [0, 1].
	path = filepath.Join(dir, "auto.png")
	if err := ImageGridWith(path, images, GridOptions{Cols: 2, Padding: -1}); err != nil {
		t.Fatal(err)
	}
	img = decode(t, path)
	if a, b := rgbaAt(img, 0, 0).R, rgbaAt(img, 5, 0).R; a != 0 || b != 255 {
		t.Errorf("auto: first %d, last %d; want 0 and 255", a, b)
	}
}

func TestImageGridRGBAndLabels(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rgb.png")
	// Three 1×1 RGB images: red, green, blue; [N, C, H, W].
	images := tensor.FromSlice([]float32{1, 0, 0, 0, 1, 0, 0, 0, 1}, 3, 3, 1, 1)
	if err := ImageGrid(path, images, 3, 20, []string{"red", "green", "blue"}); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	// Cells are max(20, 5 characters × 7) = 35 wide, 20 + 15 high.
	if b := img.Bounds(); b.Dx() != 2+3*(35+2) || b.Dy() != 2+(20+15)+2 {
		t.Fatalf("size %v", b.Size())
	}
	for k, want := range []color.RGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}} {
		x := 2 + k*37 + (35-20)/2 + 10
		if got := rgbaAt(img, x, 12); got != want {
			t.Errorf("image %d at (%d, 12) = %v, want %v", k, x, got, want)
		}
	}
	dark := 0 // caption text
	for y := 22; y < 37; y++ {
		for x := range img.Bounds().Dx() {
			if rgbaAt(img, x, y).R < 100 {
				dark++
			}
		}
	}
	if dark < 30 {
		t.Errorf("captions: %d dark pixels, want text", dark)
	}
}

func TestImageGridErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.png")
	wantError(t, ImageGrid(path, nil, 0, 1, nil), "ImageGrid", "nil")
	wantError(t, ImageGrid(path, tensor.Zeros(4, 4), 0, 1, nil), "shape [4 4]", "[N, C, H, W]")
	wantError(t, ImageGrid(path, tensor.Zeros(2, 2, 3, 3), 0, 1, nil), "2 channels")
	wantError(t, ImageGrid(path, tensor.Zeros(0, 3, 3), 0, 1, nil), "nothing to draw")
	wantError(t, ImageGrid(path, tensor.Zeros(2, 3, 3), 0, 1, []string{"a"}), "1 labels for 2 images")
	wantError(t, ImageGrid(path, tensor.Zeros(2, 3, 3), -1, 1, nil), "negative")
	wantError(t, ImageGrid(path, tensor.Zeros(2, 3, 3), 1, 10000, nil), "too large")
}

func TestWeightImages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.png")
	// Unit 0: weight i/783 (0 at the top left, +max at the bottom right);
	// unit 1: all -0.5 but one +0.25; units 2 and 3 zero.
	w := tensor.Zeros(4, 784)
	d := w.Data()
	for i := range 784 {
		d[i] = float32(i) / 783
		d[784+i] = -0.5
	}
	d[784+5] = 0.25
	if err := WeightImages(path, w, 28, 28, 2); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	// Scale ⌈64/28⌉ = 3, tiles 84 pixels, 2-pixel gaps: 2 + 2×86 = 174.
	if b := img.Bounds(); b.Dx() != 174 || b.Dy() != 174 {
		t.Fatalf("size %v, want 174×174", b.Size())
	}
	lut := divergingLUT()
	white, darkRed, darkBlue := lut[lutSize/2], lut[lutSize-1], lut[0]
	if white.R < 240 || white.G < 240 || white.B < 240 {
		t.Fatalf("middle of the map %v is not white", white)
	}
	for _, c := range []struct {
		name string
		x, y int
		want color.RGBA
	}{
		{"unit 0 first weight (0)", 2, 2, white},
		{"unit 0 last weight (max)", 2 + 83, 2 + 83, darkRed},
		{"unit 1 weight -0.5 (its -max)", 88, 2, darkBlue},
		{"unit 1 weight 0.25 (half its max)", 88 + 5*3 + 1, 3, lut[lutIndex(0.5)]},
		{"unit 3 (all zero)", 88 + 40, 88 + 40, white},
		{"gap", 87, 40, color.RGBA{0x80, 0x80, 0x80, 0xff}},
	} {
		if got := rgbaAt(img, c.x, c.y); got != c.want {
			t.Errorf("%s at (%d, %d) = %v, want %v", c.name, c.x, c.y, got, c.want)
		}
	}
	if darkRed.R <= darkRed.B || darkBlue.B <= darkBlue.R {
		t.Errorf("map ends %v and %v are not red and blue", darkRed, darkBlue)
	}
}

func TestWeightImagesErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.png")
	wantError(t, WeightImages(path, tensor.Zeros(4, 780), 28, 28, 2), "shape [4 780]", "want [units, 784]")
	wantError(t, WeightImages(path, tensor.Zeros(4, 28, 28), 28, 28, 2), "shape [4 28 28]")
	wantError(t, WeightImages(path, tensor.Zeros(4, 4), 0, 4, 2), "must be positive")
	wantError(t, WeightImages(path, nil, 2, 2, 2), "nil")
}

func TestConfusionMatrix(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cm.png")
	counts := [][]int{{50, 2, 0}, {3, 40, 7}, {0, 0, 48}}
	if err := ConfusionMatrix(path, counts, []string{"cat", "dog", "bird"}); err != nil {
		t.Fatal(err)
	}
	img := decode(t, path)
	b := img.Bounds()
	if b.Dx() < 300 || b.Dy() < 300 {
		t.Fatalf("size %v: too small", b.Size())
	}
	cs := colorCounts(img)
	if len(cs) < 20 {
		t.Errorf("only %d colours", len(cs))
	}
	// The largest count fills its cell with the darkest blue; an empty
	// cell is the palest one.
	top, bottom := blues().rgba(1), blues().rgba(0)
	if cs[top] < 1000 || cs[bottom] < 1000 {
		t.Errorf("%d pixels of %v (largest count), %d of %v (zero counts)", cs[top], top, cs[bottom], bottom)
	}
}

func TestConfusionMatrixErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cm.png")
	wantError(t, ConfusionMatrix(path, nil, nil), "no classes")
	wantError(t, ConfusionMatrix(path, [][]int{{1, 2}, {3}}, nil), "row 1 has 1 counts, want 2", "square")
	wantError(t, ConfusionMatrix(path, [][]int{{1, -2}, {3, 4}}, nil), "counts[0][1] = -2 is negative")
	wantError(t, ConfusionMatrix(path, [][]int{{1, 2}, {3, 4}}, []string{"a"}), "1 class labels, want 2 (one per class)")
}

func TestHeatMap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.png")
	values := [][]float64{{-1, 0, 1}, {0.5, math.NaN(), -0.25}}
	if err := HeatMap(path, values, []string{"q0", "q1"}, nil, "signed"); err != nil {
		t.Fatal(err)
	}
	cs := colorCounts(decode(t, path))
	// Both signs: the ends of the blue-white-red map, and grey for NaN.
	m := blueWhiteRed()
	for _, c := range []color.RGBA{m.rgba(0), m.rgba(1), {0xa0, 0xa0, 0xa0, 0xff}} {
		if cs[c] < 500 {
			t.Errorf("%d pixels of %v", cs[c], c)
		}
	}
	// A constant map still draws.
	if err := HeatMap(path, [][]float64{{2, 2}}, nil, nil, "flat"); err != nil {
		t.Fatal(err)
	}
}

func TestHeatMapErrors(t *testing.T) {
	path := filepath.Join(t.TempDir(), "h.png")
	wantError(t, HeatMap(path, nil, nil, nil, "t"), `HeatMap "t"`, "no values")
	wantError(t, HeatMap(path, [][]float64{{1, 2}, {3}}, nil, nil, "t"), "row 1 has 1 values but row 0 has 2")
	wantError(t, HeatMap(path, [][]float64{{1, 2}}, []string{"a", "b"}, nil, "t"), "2 row labels, want 1 (one per row)")
	wantError(t, HeatMap(path, [][]float64{{1, 2}}, nil, []string{"a"}, "t"), "1 column labels, want 2 (one per column)")
}
