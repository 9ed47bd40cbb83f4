package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// MNISTClasses names MNIST's ten classes by index.
var MNISTClasses = []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

// FashionMNISTClasses names Fashion-MNIST's ten classes by index.
var FashionMNISTClasses = []string{"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"}

// Per-channel statistics of the training images (scaled to [0, 1]), for
// Normalize. The MNIST values are the ones every PyTorch example uses.
const (
	MNISTMean        = 0.1307
	MNISTStd         = 0.3081
	FashionMNISTMean = 0.2860
	FashionMNISTStd  = 0.3530
)

// idxSet describes one of the MNIST-format datasets: where it lives under a
// data directory, its four files with the SHA-256 of their decompressed
// content (from shared/datasets/*/PROVENANCE.md), and where to download it.
type idxSet struct {
	name    string     // "MNIST"
	sub     string     // subfolder of the data directory
	files   [4]idxFile // train images, train labels, test images, test labels
	mirrors *[]string
}

type idxFile struct {
	name   string // as published, gzipped
	sha256 string // of the decompressed content
}

// Decompressed hashes, so that re-gzipped copies (Debian's Fashion-MNIST)
// verify as well as the originals.
var (
	mnistSet = &idxSet{
		name: "MNIST",
		sub:  "mnist",
		files: [4]idxFile{
			{"train-images-idx3-ubyte.gz", "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"},
			{"train-labels-idx1-ubyte.gz", "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"},
			{"t10k-images-idx3-ubyte.gz", "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"},
			{"t10k-labels-idx1-ubyte.gz", "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
		},
		mirrors: &MNISTMirrors,
	}
	fashionSet = &idxSet{
		name: "Fashion-MNIST",
		sub:  "fashion-mnist",
		files: [4]idxFile{
			{"train-images-idx3-ubyte.gz", "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"},
			{"train-labels-idx1-ubyte.gz", "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"},
			{"t10k-images-idx3-ubyte.gz", "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"},
			{"t10k-labels-idx1-ubyte.gz", "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
		},
		mirrors: &FashionMNISTMirrors,
	}
)

// setFor maps EnsureMNIST's kind to a dataset.
func setFor(kind string) (*idxSet, error) {
	switch strings.ToLower(kind) {
	case "mnist":
		return mnistSet, nil
	case "fashion", "fashion-mnist", "fashionmnist":
		return fashionSet, nil
	}
	return nil, fmt.Errorf("data: unknown dataset kind %q, want \"mnist\" or \"fashion\"", kind)
}

// fileList is "a, b, c and d" for error messages.
func (s *idxSet) fileList() string {
	names := make([]string, len(s.files))
	for i, f := range s.files {
		names[i] = f.name
	}
	return strings.Join(names[:3], ", ") + " and " + names[3]
}

// missing lists the files of s that are not in folder, either gzipped or
// uncompressed (as torchvision leaves them after extracting).
func (s *idxSet) missing(folder string) []string {
	var out []string
	for _, f := range s.files {
		if _, err := s.path(folder, f.name); err != nil {
			out = append(out, f.name)
		}
	}
	return out
}

// path finds name (a .gz name) in folder, or its uncompressed twin.
func (s *idxSet) path(folder, name string) (string, error) {
	for _, p := range []string{name, strings.TrimSuffix(name, ".gz")} {
		p = filepath.Join(folder, p)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fs.ErrNotExist
}

// LoadMNIST reads the MNIST training set (60,000 images, train true) or test
// set (10,000) from dir, the folder holding the IDX files
// train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (gzipped or not).
// FindMNIST and EnsureMNIST find or fetch that folder.
//
// # Shapes
//
// x is [N, 1, 28, 28] float32, each byte divided by 255 so that values lie in
// [0, 1] (flatten in the model for an MLP); y is [N] with class indices 0–9
// as float32.
func LoadMNIST(dir string, train bool) (*TensorDataset, error) {
	return mnistSet.load(dir, train)
}

// LoadFashionMNIST reads Fashion-MNIST from dir, which holds files with the
// same names and format as MNIST's; see LoadMNIST. Class names are in
// FashionMNISTClasses.
func LoadFashionMNIST(dir string, train bool) (*TensorDataset, error) {
	return fashionSet.load(dir, train)
}

func (s *idxSet) load(dir string, train bool) (*TensorDataset, error) {
	imgFile, lblFile := s.files[0], s.files[1]
	if !train {
		imgFile, lblFile = s.files[2], s.files[3]
	}
	imgPath, err := s.path(dir, imgFile.name)
	if err != nil {
		return nil, s.notFound(dir, imgFile.name)
	}
	lblPath, err := s.path(dir, lblFile.name)
	if err != nil {
		return nil, s.notFound(dir, lblFile.name)
	}

	var images *IDXImages
	if err := readFile(imgPath, func(f *os.File) (err error) {
		images, err = ReadIDXImages(f)
		return err
	}); err != nil {
		return nil, err
	}
	if images.Rows != 28 || images.Cols != 28 {
		return nil, &IDXError{File: imgPath, Msg: fmt.Sprintf("dimensions: header says %d images of %dx%d, %s images are 28x28", images.N, images.Rows, images.Cols, s.name)}
	}
	var labels []byte
	if err := readFile(lblPath, func(f *os.File) (err error) {
		labels, err = ReadIDXLabels(f)
		return err
	}); err != nil {
		return nil, err
	}
	if len(labels) != images.N {
		return nil, fmt.Errorf("data: %s: count mismatch: %s holds %d images but %s holds %d labels",
			dir, filepath.Base(imgPath), images.N, filepath.Base(lblPath), len(labels))
	}
	y := make([]float32, len(labels))
	for i, l := range labels {
		if l > 9 {
			return nil, &IDXError{File: lblPath, Msg: fmt.Sprintf("label %d at index %d is outside 0..9", l, i)}
		}
		y[i] = float32(l)
	}
	return NewTensorDataset(images.Tensor(), tensor.New(y, len(y))), nil
}

// readFile opens path and runs read on it, naming the file in any IDX error.
func readFile(path string, read func(f *os.File) error) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	if err := read(f); err != nil {
		var ie *IDXError
		if errors.As(err, &ie) && ie.File == "" {
			ie.File = path
		}
		return err
	}
	return nil
}

func (s *idxSet) notFound(dir, name string) error {
	hint := ""
	if _, err := s.path(filepath.Join(dir, s.sub), name); err == nil {
		hint = fmt.Sprintf(" (it is in %s: pass that folder)", filepath.Join(dir, s.sub))
	}
	return fmt.Errorf("data: %s: no %s (or %s) in %s%s; put the four files %s there, or let EnsureMNIST find or download them",
		s.name, name, strings.TrimSuffix(name, ".gz"), dir, hint, s.fileList())
}
