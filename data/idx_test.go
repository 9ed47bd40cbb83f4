package data

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestReadIDXImages(t *testing.T) {
	raw, _ := fakeMNIST(3, 2, 4)
	for name, b := range map[string][]byte{"raw": raw, "gzip": gzipBytes(raw)} {
		im, err := ReadIDXImages(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if im.N != 3 || im.Rows != 2 || im.Cols != 4 || len(im.Pixels) != 24 {
			t.Fatalf("%s: got %d images of %dx%d with %d pixels", name, im.N, im.Rows, im.Cols, len(im.Pixels))
		}
		if !bytes.Equal(im.Pixels, raw[16:]) {
			t.Fatalf("%s: pixels differ", name)
		}
		x := im.Tensor()
		if !slices.Equal(x.Shape(), []int{3, 1, 2, 4}) {
			t.Fatalf("Tensor shape %v", x.Shape())
		}
		// Pixel j of image i is (i+j)%256; as a float it is that / 255.
		if x.At(2, 0, 1, 3) != float32(2+7)/255 || x.At(0, 0, 0, 0) != 0 {
			t.Fatalf("Tensor values %v", x.Data()[:8])
		}
	}
	full := (&IDXImages{N: 1, Rows: 1, Cols: 2, Pixels: []byte{0, 255}}).Tensor().Data()
	if full[0] != 0 || full[1] != 1 {
		t.Fatalf("0 and 255 scale to %v, want [0 1]", full)
	}
}

func TestReadIDXLabels(t *testing.T) {
	_, raw := fakeMNIST(25, 1, 1)
	for _, b := range [][]byte{raw, gzipBytes(raw)} {
		got, err := ReadIDXLabels(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, raw[8:]) {
			t.Fatalf("labels %v", got)
		}
	}
	empty := idxBytes(idxLabelsMagic, []uint32{0}, nil)
	if got, err := ReadIDXLabels(bytes.NewReader(empty)); err != nil || len(got) != 0 {
		t.Fatalf("zero labels: %v, %v", got, err)
	}
}

func TestReadIDXErrors(t *testing.T) {
	images, labels := fakeMNIST(5, 28, 28)
	corruptGz := gzipBytes(images)
	corruptGz[len(corruptGz)-6] ^= 0xff // inside the CRC-32 of the trailer
	cases := []struct {
		name   string
		b      []byte
		labels bool
		want   string
	}{
		{"empty", nil, false, "data: IDX: empty file, want IDX images"},
		{"short header", images[:3], false, "truncated: 3 bytes, too short for an IDX header"},
		{"labels as images", labels, false, "wrong magic 0x00000801, want 0x00000803 (IDX images of unsigned bytes); this is an IDX label file"},
		{"images as labels", images, true, "wrong magic 0x00000803, want 0x00000801 (IDX labels of unsigned bytes); this is an IDX image file"},
		{"not IDX", []byte("PK\x03\x04 a zip file"), false, "this is not an IDX file"},
		{"float IDX", idxBytes(0x00000D03, []uint32{1, 1, 1}, make([]byte, 4)), false, "values of type 0x0D are not supported"},
		{"truncated dims", images[:10], false, "truncated: the header ends after 10 of 16 bytes"},
		{"truncated pixels", images[:16+1234], false, "truncated: header says 5 images of 28x28, file holds 1234 bytes of pixels"},
		{"truncated gz pixels", gzipBytes(images[:16+1234]), false, "truncated: header says 5 images of 28x28, file holds 1234 bytes of pixels"},
		{"truncated labels", labels[:10], true, "truncated: header says 5 labels, file holds 2 bytes"},
		{"trailing", append(slices.Clone(labels), 1, 2, 3), true, "trailing data: 3 bytes after 5 labels"},
		{"zero rows", idxBytes(idxImagesMagic, []uint32{5, 0, 28}, nil), false, "dimensions: header says 5 images of 0x28"},
		{"overflow", idxBytes(idxImagesMagic, []uint32{0xffffffff, 0xffffffff, 0xffffffff}, nil), false, "too large"},
		{"bad gzip header", []byte{0x1f, 0x8b, 9, 9, 9}, false, "corrupt gzip data"},
		{"gzip checksum", corruptGz, false, "corrupt gzip data: gzip: invalid checksum"},
		{"gzip cut in trailer", gzipBytes(images)[:len(gzipBytes(images))-4], false, "truncated: the gzip stream ends early, after 5 images of 28x28"},
	}
	for _, c := range cases {
		var err error
		if c.labels {
			_, err = ReadIDXLabels(bytes.NewReader(c.b))
		} else {
			_, err = ReadIDXImages(bytes.NewReader(c.b))
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
			continue
		}
		var ie *IDXError
		if !errors.As(err, &ie) {
			t.Errorf("%s: %T is not an *IDXError", c.name, err)
		}
	}
}

// A 16-byte header claiming 2^32-1 images of 28x28 (3.4 TB) must cost
// memory in proportion to the bytes present, not to the claim.
func TestReadIDXLyingHeaderAllocatesLittle(t *testing.T) {
	lie := idxBytes(idxImagesMagic, []uint32{0xffffffff, 28, 28}, make([]byte, 100))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadIDXImages(bytes.NewReader(lie))
	runtime.ReadMemStats(&after)
	mustContain(t, err, "truncated: header says 4294967295 images of 28x28, file holds 100 bytes of pixels")
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Fatalf("reading a lying header allocated %d bytes", alloc)
	}
}

func TestLoadMNISTSynthetic(t *testing.T) {
	dir := t.TempDir()
	writeFakeMNIST(t, dir, 12, 5)
	train, err := LoadMNIST(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	x, y := train.Tensors()
	if !slices.Equal(x.Shape(), []int{12, 1, 28, 28}) || !slices.Equal(y.Shape(), []int{12}) {
		t.Fatalf("shapes %v %v", x.Shape(), y.Shape())
	}
	if y.At(11) != 1 || x.At(3, 0, 0, 2) != float32(5)/255 {
		t.Fatalf("values: label %v, pixel %v", y.At(11), x.At(3, 0, 0, 2))
	}
	test, err := LoadFashionMNIST(dir, false)
	if err != nil || test.Len() != 5 {
		t.Fatalf("test set: %v, %v", test, err)
	}

	// Uncompressed files, as torchvision leaves them, load the same.
	rawDir := t.TempDir()
	ri, rl := fakeMNIST(12, 28, 28)
	writeFiles(t, rawDir, map[string][]byte{"train-images-idx3-ubyte": ri, "train-labels-idx1-ubyte": rl})
	raw, err := LoadMNIST(rawDir, true)
	if err != nil {
		t.Fatal(err)
	}
	if rx, _ := raw.Tensors(); !equalFloats(rx.Data(), x.Data()) {
		t.Fatal("raw and gzipped files differ")
	}
}

func TestLoadMNISTErrors(t *testing.T) {
	// Each case starts from a good folder and breaks one thing.
	img, lbl := fakeMNIST(6, 28, 28)
	small, _ := fakeMNIST(6, 27, 28)
	badLabels := slices.Clone(lbl)
	badLabels[8+4] = 12
	_, fewer := fakeMNIST(5, 28, 28)
	cases := []struct {
		name  string
		files map[string][]byte
		want  []string
	}{
		{"count mismatch", map[string][]byte{"train-labels-idx1-ubyte.gz": gzipBytes(fewer)},
			[]string{"count mismatch: train-images-idx3-ubyte.gz holds 6 images but train-labels-idx1-ubyte.gz holds 5 labels"}},
		{"dimensions", map[string][]byte{"train-images-idx3-ubyte.gz": gzipBytes(small)},
			[]string{"train-images-idx3-ubyte.gz: dimensions: header says 6 images of 27x28, MNIST images are 28x28"}},
		{"label range", map[string][]byte{"train-labels-idx1-ubyte.gz": gzipBytes(badLabels)},
			[]string{"train-labels-idx1-ubyte.gz: label 12 at index 4 is outside 0..9"}},
		{"truncated file", map[string][]byte{"train-images-idx3-ubyte.gz": gzipBytes(img[:16+1234])},
			[]string{"train-images-idx3-ubyte.gz: truncated: header says 6 images of 28x28, file holds 1234 bytes of pixels"}},
		{"swapped", map[string][]byte{"train-images-idx3-ubyte.gz": gzipBytes(lbl)},
			[]string{"train-images-idx3-ubyte.gz: wrong magic 0x00000801"}},
	}
	for _, c := range cases {
		dir := t.TempDir()
		writeFiles(t, dir, map[string][]byte{"train-images-idx3-ubyte.gz": gzipBytes(img), "train-labels-idx1-ubyte.gz": gzipBytes(lbl)})
		writeFiles(t, dir, c.files)
		_, err := LoadMNIST(dir, true)
		mustContain(t, err, append(c.want, "data: "+dir)...)
	}

	// Missing files: the error says which, where, and what to do; pointing
	// at the data root instead of its mnist folder gets a hint.
	root := t.TempDir()
	writeFakeMNIST(t, filepath.Join(root, "mnist"), 2, 2)
	_, err := LoadMNIST(root, false)
	mustContain(t, err, "no t10k-images-idx3-ubyte.gz (or t10k-images-idx3-ubyte) in "+root,
		"it is in "+filepath.Join(root, "mnist"), "EnsureMNIST")
	if err := os.Remove(filepath.Join(root, "mnist", "t10k-labels-idx1-ubyte.gz")); err != nil {
		t.Fatal(err)
	}
	_, err = LoadMNIST(filepath.Join(root, "mnist"), false)
	mustContain(t, err, "no t10k-labels-idx1-ubyte.gz")
}
