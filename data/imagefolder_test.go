package data

import (
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// writeImage saves img under path as PNG or JPEG, by the extension.
func writeImage(t *testing.T, path string, img image.Image) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if ext := strings.ToLower(filepath.Ext(path)); ext == ".png" {
		err = png.Encode(f, img)
	} else {
		err = jpeg.Encode(f, img, &jpeg.Options{Quality: 100})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func solidRGBA(w, h int, c color.RGBA) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// imageTree builds root/{cat,dog,empty}: cat holds a red PNG, a gray PNG
// and a green JPEG; dog holds a blue .JPG; empty holds only a text file.
func imageTree(t *testing.T, w, h int) string {
	root := t.TempDir()
	writeImage(t, filepath.Join(root, "dog", "b.JPG"), solidRGBA(w, h, color.RGBA{0, 0, 255, 255}))
	writeImage(t, filepath.Join(root, "cat", "1.png"), solidRGBA(w, h, color.RGBA{255, 0, 0, 255}))
	gray := image.NewGray(image.Rect(0, 0, w, h))
	for i := range gray.Pix {
		gray.Pix[i] = 51
	}
	writeImage(t, filepath.Join(root, "cat", "2.png"), gray)
	writeImage(t, filepath.Join(root, "cat", "3.jpeg"), solidRGBA(w, h, color.RGBA{0, 255, 0, 255}))
	os.MkdirAll(filepath.Join(root, "empty"), 0o755)
	os.WriteFile(filepath.Join(root, "empty", "notes.txt"), []byte("not an image"), 0o644)
	os.WriteFile(filepath.Join(root, "README"), []byte("ignored"), 0o644)
	return root
}

func TestImageFolder(t *testing.T) {
	root := imageTree(t, 5, 4)
	f, err := NewImageFolder(root, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.Classes, ","); got != "cat,dog,empty" {
		t.Errorf("classes %s, want cat,dog,empty", got)
	}
	if f.Len() != 4 {
		t.Fatalf("Len %d, want 4", f.Len())
	}
	// Expected mean colour of each sample, and its class.
	want := []struct {
		rgb   [3]float64
		class int
		tol   float64
	}{
		{[3]float64{1, 0, 0}, 0, 0},       // cat/1.png
		{[3]float64{0.2, 0.2, 0.2}, 0, 0}, // cat/2.png, gray 51/255 on 3 channels
		{[3]float64{0, 1, 0}, 0, 0.02},    // cat/3.jpeg, lossy
		{[3]float64{0, 0, 1}, 1, 0.02},    // dog/b.JPG
	}
	for i, w := range want {
		x, y := f.Get(i)
		if s := x.Shape(); len(s) != 3 || s[0] != 3 || s[1] != 4 || s[2] != 5 {
			t.Fatalf("sample %d shape %v, want [3 4 5]", i, s)
		}
		if int(y.Item()) != w.class {
			t.Errorf("sample %d (%s) class %v, want %d", i, f.Paths[i], y.Item(), w.class)
		}
		for c := range 3 {
			for k := range 20 {
				if v := float64(x.Data()[c*20+k]); math.Abs(v-w.rgb[c]) > w.tol+1e-6 {
					t.Fatalf("sample %d (%s) channel %d = %v, want %v", i, f.Paths[i], c, v, w.rgb[c])
				}
			}
		}
	}
}

func TestImageFolderResize(t *testing.T) {
	root := t.TempDir()
	writeImage(t, filepath.Join(root, "a", "x.png"), solidRGBA(7, 3, color.RGBA{255, 0, 0, 255}))
	writeImage(t, filepath.Join(root, "b", "y.png"), solidRGBA(4, 9, color.RGBA{0, 0, 255, 255}))
	if _, err := NewImageFolder(root, 0); err == nil || !strings.Contains(err.Error(), "y.png") || !strings.Contains(err.Error(), "pass a size") {
		t.Errorf("mixed sizes without resize: error %v should name the file and suggest a size", err)
	}
	f, err := NewImageFolder(root, 6)
	if err != nil {
		t.Fatal(err)
	}
	for i := range f.Len() {
		x, _ := f.Get(i)
		if s := x.Shape(); s[0] != 3 || s[1] != 6 || s[2] != 6 {
			t.Fatalf("sample %d shape %v, want [3 6 6]", i, s)
		}
		// A solid colour stays solid under bilinear resizing.
		if v := x.At(0, 5, 5); v != float32(1-i) {
			t.Errorf("sample %d red = %v, want %d", i, v, 1-i)
		}
	}
}

func TestResizeBilinear(t *testing.T) {
	// Upsampling [0, 1] by 2 with half-pixel centres (PyTorch
	// interpolate(bilinear, align_corners=False)): 0, 0.25, 0.75, 1.
	x := resizeBilinear(tensor.New([]float32{0, 1}, 1, 1, 2), 1, 4)
	for j, want := range []float32{0, 0.25, 0.75, 1} {
		if got := x.At(0, 0, j); math.Abs(float64(got-want)) > 1e-6 {
			t.Errorf("out[%d] = %v, want %v", j, got, want)
		}
	}
}

func TestImageFolderErrors(t *testing.T) {
	if _, err := NewImageFolder(t.TempDir(), 0); err == nil || !strings.Contains(err.Error(), "no class sub-directories") {
		t.Errorf("empty root: %v", err)
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "a"), 0o755)
	if _, err := NewImageFolder(root, 0); err == nil || !strings.Contains(err.Error(), "no .png, .jpg or .jpeg files") {
		t.Errorf("no images: %v", err)
	}
	bad := filepath.Join(root, "a", "broken.png")
	os.WriteFile(bad, []byte("\x89PNG but not really"), 0o644)
	if _, err := NewImageFolder(root, 0); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("unreadable image: error %v should name %s", err, bad)
	}
	if _, err := NewImageFolder(filepath.Join(root, "missing"), 0); err == nil {
		t.Error("missing root: no error")
	}
}
