package data

import (
	"fmt"
	"image"
	_ "image/jpeg" // register the decoders ImageFolder reads
	_ "image/png"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// ImageFolder is a dataset of image files sorted into one folder per class,
// like torchvision.datasets.ImageFolder:
//
//	root/cat/001.png
//	root/cat/002.jpg
//	root/dog/a.jpeg
//
// Classes are the sorted names of root's sub-directories (class i is
// Classes[i]); the images are the files directly in them ending in .png,
// .jpg or .jpeg, in any letter case; other files are ignored. A class folder
// without images keeps its index, so that indices depend only on the folder
// names, and contributes no samples (torchvision would refuse it).
//
// NewImageFolder reads every file's header, so that an unreadable file or a
// size mismatch is an error at once, but pixels are decoded lazily, in Get,
// so that a large folder costs no memory up front; Get is safe for
// concurrent use. A file that becomes unreadable after NewImageFolder makes
// Get panic with the file's name.
//
// # Shapes
//
// Get(i) returns x [3, H, W] float32 in [0, 1] (gray images repeated on the
// three channels, alpha dropped) and y, the 0-d class index as float32.
// H = W = size when size > 0.
type ImageFolder struct {
	Root    string
	Classes []string
	Paths   []string // image files, class by class, sorted by name
	Labels  []int    // class index of each path
	size    int      // resize target, 0 to keep
	h, w    int
}

// NewImageFolder lists root as described on ImageFolder. With size > 0 every
// image is resized bilinearly to size×size; with size 0 all images must have
// the same dimensions, which becomes the sample shape.
func NewImageFolder(root string, size int) (*ImageFolder, error) {
	if size < 0 {
		return nil, fmt.Errorf("data: ImageFolder %s: size %d is negative", root, size)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("data: ImageFolder: %w", err)
	}
	f := &ImageFolder{Root: root, size: size, h: size, w: size}
	for _, e := range entries {
		if e.IsDir() {
			f.Classes = append(f.Classes, e.Name())
		}
	}
	sort.Strings(f.Classes)
	if len(f.Classes) == 0 {
		return nil, fmt.Errorf("data: ImageFolder %s: no class sub-directories; want root/<class>/<image>.png|.jpg|.jpeg", root)
	}
	for ci, class := range f.Classes {
		files, err := os.ReadDir(filepath.Join(root, class))
		if err != nil {
			return nil, fmt.Errorf("data: ImageFolder: %w", err)
		}
		for _, e := range files {
			if e.IsDir() || !isImageName(e.Name()) {
				continue
			}
			p := filepath.Join(root, class, e.Name())
			if err := f.checkHeader(p); err != nil {
				return nil, err
			}
			f.Paths = append(f.Paths, p)
			f.Labels = append(f.Labels, ci)
		}
	}
	if len(f.Paths) == 0 {
		return nil, fmt.Errorf("data: ImageFolder %s: no .png, .jpg or .jpeg files in its %d class folders (%s)", root, len(f.Classes), strings.Join(f.Classes, ", "))
	}
	return f, nil
}

func isImageName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

// checkHeader decodes p's header and, with size 0, checks that its
// dimensions match the first image's.
func (f *ImageFolder) checkHeader(p string) error {
	r, err := os.Open(p)
	if err != nil {
		return fmt.Errorf("data: ImageFolder: %w", err)
	}
	defer r.Close()
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return fmt.Errorf("data: ImageFolder: %s: unreadable image: %w", p, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return fmt.Errorf("data: ImageFolder: %s: empty image %dx%d", p, cfg.Width, cfg.Height)
	}
	if f.size > 0 {
		return nil
	}
	if f.h == 0 {
		f.h, f.w = cfg.Height, cfg.Width
		return nil
	}
	if cfg.Height != f.h || cfg.Width != f.w {
		return fmt.Errorf("data: ImageFolder: %s is %dx%d but %s is %dx%d (W×H); pass a size to resize all images",
			p, cfg.Width, cfg.Height, f.Paths[0], f.w, f.h)
	}
	return nil
}

// Len returns the number of images.
func (f *ImageFolder) Len() int { return len(f.Paths) }

// Get decodes image i into x [3, H, W] and returns its class y.
func (f *ImageFolder) Get(i int) (x, y *tensor.Tensor) {
	if i < 0 || i >= len(f.Paths) {
		panic(fmt.Sprintf("deepgo: ImageFolder.Get: index %d out of range [0, %d)", i, len(f.Paths)))
	}
	x, err := LoadImage(f.Paths[i], f.size)
	if err != nil {
		panic(fmt.Sprintf("deepgo: ImageFolder.Get(%d): %v", i, err))
	}
	if s := x.Shape(); s[1] != f.h || s[2] != f.w {
		panic(fmt.Sprintf("deepgo: ImageFolder.Get(%d): %s is now %v, was %dx%d", i, f.Paths[i], s, f.h, f.w))
	}
	return x, tensor.Scalar(float32(f.Labels[i]))
}

// LoadImage decodes a PNG or JPEG file into x [3, H, W] float32 in [0, 1]
// (gray repeated on three channels, alpha dropped), resized bilinearly to
// size×size when size > 0.
func LoadImage(path string, size int) (*tensor.Tensor, error) {
	r, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer r.Close()
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("data: %s: unreadable image: %w", path, err)
	}
	x := imageTensor(img)
	if size > 0 {
		x = resizeBilinear(x, size, size)
	}
	return x, nil
}

// imageTensor converts img to [3, H, W] in [0, 1]. Color conversion goes
// through img.At, which handles every image type (YCbCr, paletted, gray).
func imageTensor(img image.Image) *tensor.Tensor {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	n := h * w
	out := make([]float32, 3*n)
	for i := range h {
		for j := range w {
			r, g, bl, a := img.At(b.Min.X+j, b.Min.Y+i).RGBA()
			if a != 0 && a != 0xffff {
				// un-premultiply so that a translucent pixel keeps its colour
				r, g, bl = r*0xffff/a, g*0xffff/a, bl*0xffff/a
			}
			k := i*w + j
			out[k] = float32(r) / 0xffff
			out[n+k] = float32(g) / 0xffff
			out[2*n+k] = float32(bl) / 0xffff
		}
	}
	return tensor.New(out, 3, h, w)
}

// resizeBilinear resizes x [C, H, W] to [C, oh, ow] with half-pixel centres
// (torch.nn.functional.interpolate, mode bilinear, align_corners false, no
// antialiasing).
func resizeBilinear(x *tensor.Tensor, oh, ow int) *tensor.Tensor {
	c, h, w := imageDims("resize", x)
	if h == oh && w == ow {
		return x
	}
	src := x.Data()
	out := make([]float32, c*oh*ow)
	coord := func(o, in, out int) (i0, i1 int, f float32) {
		s := (float64(o)+0.5)*float64(in)/float64(out) - 0.5
		s = max(s, 0)
		i0 = min(int(s), in-1)
		i1 = min(i0+1, in-1)
		return i0, i1, float32(s - float64(i0))
	}
	for i := range oh {
		y0, y1, fy := coord(i, h, oh)
		for j := range ow {
			x0, x1, fx := coord(j, w, ow)
			for ch := range c {
				p := src[ch*h*w:]
				top := (1-fx)*p[y0*w+x0] + fx*p[y0*w+x1]
				bot := (1-fx)*p[y1*w+x0] + fx*p[y1*w+x1]
				out[(ch*oh+i)*ow+j] = (1-fy)*top + fy*bot
			}
		}
	}
	return tensor.New(out, c, oh, ow)
}
