package data

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// CIFAR10Classes names CIFAR-10's ten classes by index, as in the archive's
// batches.meta.txt. ReadCIFAR10Classes reads that file when it is present.
var CIFAR10Classes = []string{"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"}

// Per-channel (R, G, B) statistics of the CIFAR-10 training images scaled to
// [0, 1], for Normalize{Mean: CIFAR10Mean[:], Std: CIFAR10Std[:]}.
var (
	CIFAR10Mean = [3]float32{0.4914, 0.4822, 0.4465}
	CIFAR10Std  = [3]float32{0.2470, 0.2435, 0.2616}
)

// A CIFAR-10 binary record: one label byte, then the 32x32 red, green and
// blue planes, each row-major.
const (
	cifarSide   = 32
	cifarPixels = 3 * cifarSide * cifarSide
	cifarRecord = 1 + cifarPixels
)

// The files LoadCIFAR10 looks for: the originals from cifar-10-binary.tar.gz,
// then the JPEG-derived copies of shared/datasets/cifar10-jpeg (see its
// PROVENANCE.md: real CIFAR-10 images, but with JPEG error and only 20,000
// training images).
var (
	cifarTrainFiles     = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	cifarTestFiles      = []string{"test_batch.bin"}
	cifarJPEGTrainFiles = []string{"train_jpeg_q75_20k.bin"}
	cifarJPEGTestFiles  = []string{"test_jpeg_q75.bin"}
)

// cifarSubdirs are the folders under dir searched in turn: dir itself, the
// archive's own folder, and the shared datasets' folder.
var cifarSubdirs = []string{"", "cifar-10-batches-bin", "cifar10-jpeg"}

// ReadCIFAR10 reads CIFAR-10 binary records (3073 bytes each: a label 0–9,
// then 1024 red, 1024 green and 1024 blue bytes) from r. name is the file's
// name, used in error messages.
//
// # Shapes
//
// x is [N, 3, 32, 32] float32, each byte divided by 255 so that values lie
// in [0, 1]; y is [N] with class indices 0–9 as float32.
//
// An empty input, a size that is not a multiple of 3073 or a label above 9
// is an error naming the file.
func ReadCIFAR10(r io.Reader, name string) (x, y *tensor.Tensor, err error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("data: %s: %w", name, err)
	}
	if err := checkCIFAR10Size(name, len(b)); err != nil {
		return nil, nil, err
	}
	n := len(b) / cifarRecord
	xs, ys := make([]float32, n*cifarPixels), make([]float32, n)
	if err := decodeCIFAR10(name, b, xs, ys); err != nil {
		return nil, nil, err
	}
	return tensor.New(xs, n, 3, cifarSide, cifarSide), tensor.New(ys, n), nil
}

func checkCIFAR10Size(name string, size int) error {
	if size == 0 {
		return fmt.Errorf("data: %s: empty file, want CIFAR-10 records of %d bytes", name, cifarRecord)
	}
	if size%cifarRecord != 0 {
		return fmt.Errorf("data: %s: size %d bytes is not a multiple of the CIFAR-10 record size %d (%d records and %d bytes over): truncated or not a CIFAR-10 binary file",
			name, size, cifarRecord, size/cifarRecord, size%cifarRecord)
	}
	return nil
}

// decodeCIFAR10 converts the records in b into xs (pixels) and ys (labels),
// which have room for exactly len(b)/3073 records.
func decodeCIFAR10(name string, b []byte, xs, ys []float32) error {
	for i := range ys {
		rec := b[i*cifarRecord : (i+1)*cifarRecord]
		if rec[0] > 9 {
			return fmt.Errorf("data: %s: label %d of record %d is outside 0..9", name, rec[0], i)
		}
		ys[i] = float32(rec[0])
		dst := xs[i*cifarPixels : (i+1)*cifarPixels]
		for j, v := range rec[1:] {
			dst[j] = float32(v) / 255
		}
	}
	return nil
}

// LoadCIFAR10 reads the CIFAR-10 training set (train true) or test set from
// dir, searching dir, dir/cifar-10-batches-bin and dir/cifar10-jpeg.
//
// It prefers the original files (data_batch_1.bin … data_batch_5.bin, 50,000
// images, or test_batch.bin, 10,000) and otherwise falls back to the
// JPEG-derived files of shared/datasets/cifar10-jpeg (train_jpeg_q75_20k.bin,
// a 20,000-image subset, or test_jpeg_q75.bin): real CIFAR-10 images with JPEG
// compression error, whose accuracies are not comparable with published
// results. source says in one line which files were read, for the training
// log. EnsureCIFAR10 downloads the originals.
//
// # Shapes
//
// As ReadCIFAR10: x [N, 3, 32, 32] in [0, 1], y [N] class indices.
func LoadCIFAR10(dir string, train bool) (ds *TensorDataset, source string, err error) {
	orig, jpeg, split := cifarTestFiles, cifarJPEGTestFiles, "test"
	if train {
		orig, jpeg, split = cifarTrainFiles, cifarJPEGTrainFiles, "train"
	}
	if folder := findCIFARFiles(dir, orig); folder != "" {
		ds, err := loadCIFAR10Files(folder, orig)
		return ds, fmt.Sprintf("CIFAR-10 %s: original files %s in %s", split, fileRange(orig), folder), err
	}
	if folder := findCIFARFiles(dir, jpeg); folder != "" {
		ds, err := loadCIFAR10Files(folder, jpeg)
		return ds, fmt.Sprintf("CIFAR-10 %s: JPEG-derived %s in %s (not the original CIFAR-10: quality-75 JPEG error; see its PROVENANCE.md)", split, fileRange(jpeg), folder), err
	}
	return nil, "", fmt.Errorf("data: CIFAR-10 %s: neither %s nor %s in %s (or its subfolders cifar-10-batches-bin, cifar10-jpeg); let EnsureCIFAR10 download the originals",
		split, fileRange(orig), fileRange(jpeg), dir)
}

func fileRange(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return names[0] + " … " + names[len(names)-1]
}

// findCIFARFiles returns the first folder among dir's candidates holding
// every one of names, or "".
func findCIFARFiles(dir string, names []string) string {
	for _, sub := range cifarSubdirs {
		folder := filepath.Join(dir, sub)
		ok := true
		for _, n := range names {
			if fi, err := os.Stat(filepath.Join(folder, n)); err != nil || !fi.Mode().IsRegular() {
				ok = false
				break
			}
		}
		if ok {
			return folder
		}
	}
	return ""
}

// loadCIFAR10Files reads the files into one tensor, sized from the files'
// sizes so that the 600 MB of float32 training pixels are allocated once.
func loadCIFAR10Files(folder string, names []string) (*TensorDataset, error) {
	paths := make([]string, len(names))
	total := 0
	for i, n := range names {
		paths[i] = filepath.Join(folder, n)
		fi, err := os.Stat(paths[i])
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if err := checkCIFAR10Size(paths[i], int(fi.Size())); err != nil {
			return nil, err
		}
		total += int(fi.Size()) / cifarRecord
	}
	xs, ys := make([]float32, total*cifarPixels), make([]float32, total)
	at := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
		if err := checkCIFAR10Size(p, len(b)); err != nil {
			return nil, err
		}
		n := len(b) / cifarRecord
		if at+n > total {
			return nil, fmt.Errorf("data: %s: file grew while reading", p)
		}
		if err := decodeCIFAR10(p, b, xs[at*cifarPixels:(at+n)*cifarPixels], ys[at:at+n]); err != nil {
			return nil, err
		}
		at += n
	}
	if at != total {
		return nil, fmt.Errorf("data: %s: files shrank while reading", folder)
	}
	return NewTensorDataset(tensor.New(xs, total, 3, cifarSide, cifarSide), tensor.New(ys, total)), nil
}

// ReadCIFAR10Classes returns the class names from batches.meta.txt in dir
// (or its subfolders cifar-10-batches-bin, cifar10-jpeg), one name a line,
// blank lines ignored; without such a file it returns CIFAR10Classes.
func ReadCIFAR10Classes(dir string) ([]string, error) {
	folder := findCIFARFiles(dir, []string{"batches.meta.txt"})
	if folder == "" {
		return append([]string(nil), CIFAR10Classes...), nil
	}
	path := filepath.Join(folder, "batches.meta.txt")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	defer f.Close()
	var names []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); s != "" {
			names = append(names, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("data: %s: %w", path, err)
	}
	if len(names) != 10 {
		return nil, fmt.Errorf("data: %s: %d class names, want 10", path, len(names))
	}
	return names, nil
}
