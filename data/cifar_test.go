package data

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/internal/datatest"
)

// fakeCIFAR10 builds n records: label i%10, and pixel j of channel c of
// record i holding byte (i + 3j + 7c) % 256, so every value is predictable.
func fakeCIFAR10(n int) []byte {
	b := make([]byte, 0, n*cifarRecord)
	for i := range n {
		b = append(b, byte(i%10))
		for c := range 3 {
			for j := range 1024 {
				b = append(b, byte(i+3*j+7*c))
			}
		}
	}
	return b
}

func TestReadCIFAR10RoundTrip(t *testing.T) {
	x, y, err := ReadCIFAR10(bytes.NewReader(fakeCIFAR10(12)), "fake.bin")
	if err != nil {
		t.Fatal(err)
	}
	if got := x.Shape(); len(got) != 4 || got[0] != 12 || got[1] != 3 || got[2] != 32 || got[3] != 32 {
		t.Fatalf("x shape %v, want [12 3 32 32]", got)
	}
	if y.Dim() != 1 || y.Size(0) != 12 {
		t.Fatalf("y shape %v, want [12]", y.Shape())
	}
	for _, tc := range []struct{ i, c, r, q int }{{0, 0, 0, 0}, {11, 2, 31, 31}, {5, 1, 3, 17}} {
		j := tc.r*32 + tc.q
		want := float32(byte(tc.i+3*j+7*tc.c)) / 255
		if got := x.At(tc.i, tc.c, tc.r, tc.q); got != want {
			t.Errorf("x[%d,%d,%d,%d] = %v, want %v", tc.i, tc.c, tc.r, tc.q, got, want)
		}
		if got := y.At(tc.i); got != float32(tc.i%10) {
			t.Errorf("y[%d] = %v, want %d", tc.i, got, tc.i%10)
		}
	}
}

func TestReadCIFAR10Errors(t *testing.T) {
	bad := fakeCIFAR10(3)
	bad[cifarRecord] = 10 // label of record 1
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"short", fakeCIFAR10(2)[:cifarRecord+5], "not a multiple of the CIFAR-10 record size 3073 (1 records and 5 bytes over)"},
		{"label", bad, "label 10 of record 1 is outside 0..9"},
	} {
		x, y, err := ReadCIFAR10(bytes.NewReader(tc.b), "some/file.bin")
		if err == nil || x != nil || y != nil {
			t.Errorf("%s: got x %v, err %v; want an error", tc.name, x != nil, err)
			continue
		}
		if !strings.Contains(err.Error(), "some/file.bin") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q should name the file and say %q", tc.name, err, tc.want)
		}
	}
}

func TestLoadCIFAR10Originals(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "cifar-10-batches-bin")
	os.MkdirAll(sub, 0o755)
	for k, name := range cifarTrainFiles {
		os.WriteFile(filepath.Join(sub, name), fakeCIFAR10(k+1), 0o644)
	}
	os.WriteFile(filepath.Join(sub, "test_batch.bin"), fakeCIFAR10(4), 0o644)
	// The JPEG-derived files must lose to the originals.
	os.WriteFile(filepath.Join(dir, "train_jpeg_q75_20k.bin"), fakeCIFAR10(1), 0o644)

	ds, src, err := LoadCIFAR10(dir, true)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 1+2+3+4+5 {
		t.Fatalf("train Len %d, want 15", ds.Len())
	}
	if !strings.Contains(src, "original files data_batch_1.bin … data_batch_5.bin in "+sub) {
		t.Errorf("source %q", src)
	}
	// Record 0 of data_batch_2 follows the single record of data_batch_1.
	if x, y := ds.Get(1); y.Item() != 0 || x.At(0, 0, 0) != 0 {
		t.Errorf("sample 1: label %v, x[0,0,0] %v; want the first record of data_batch_2", y.Item(), x.At(0, 0, 0))
	}
	ds, src, err = LoadCIFAR10(dir, false)
	if err != nil || ds.Len() != 4 || !strings.Contains(src, "test_batch.bin") {
		t.Fatalf("test: Len %v, source %q, err %v", ds, src, err)
	}
}

func TestLoadCIFAR10Fallback(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "test_jpeg_q75.bin"), fakeCIFAR10(3), 0o644)
	ds, src, err := LoadCIFAR10(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Len() != 3 || !strings.Contains(src, "JPEG-derived test_jpeg_q75.bin") || !strings.Contains(src, "not the original") {
		t.Errorf("Len %d, source %q", ds.Len(), src)
	}
	_, _, err = LoadCIFAR10(dir, true)
	if err == nil || !strings.Contains(err.Error(), "data_batch_1.bin") || !strings.Contains(err.Error(), "train_jpeg_q75_20k.bin") {
		t.Errorf("missing train files: error %v should name what to provide", err)
	}
	os.WriteFile(filepath.Join(dir, "train_jpeg_q75_20k.bin"), []byte("short"), 0o644)
	if _, _, err = LoadCIFAR10(dir, true); err == nil || !strings.Contains(err.Error(), "train_jpeg_q75_20k.bin") {
		t.Errorf("corrupt file: error %v should name it", err)
	}
}

func TestReadCIFAR10Classes(t *testing.T) {
	dir := t.TempDir()
	got, err := ReadCIFAR10Classes(dir)
	if err != nil || strings.Join(got, ",") != strings.Join(CIFAR10Classes, ",") {
		t.Fatalf("without meta file: %v, %v", got, err)
	}
	names := "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n"
	os.WriteFile(filepath.Join(dir, "batches.meta.txt"), []byte(names), 0o644)
	got, err = ReadCIFAR10Classes(dir)
	if err != nil || strings.Join(got, "") != "abcdefghij" {
		t.Fatalf("with meta file: %v, %v", got, err)
	}
}

// TestCIFAR10JPEG checks the shared JPEG-derived files against their
// PROVENANCE.md: counts, per-class counts, class-interleaved labels, pixel
// range, and the class names file.
func TestCIFAR10JPEG(t *testing.T) {
	dir := datatest.Dataset(t, "cifar10-jpeg")
	for _, tc := range []struct {
		train    bool
		n, per   int
		fileName string
	}{{true, 20000, 2000, "train_jpeg_q75_20k.bin"}, {false, 10000, 1000, "test_jpeg_q75.bin"}} {
		ds, src, err := LoadCIFAR10(dir, tc.train)
		if err != nil {
			t.Fatal(err)
		}
		t.Log(src)
		if !strings.Contains(src, tc.fileName) || !strings.Contains(src, "JPEG-derived") {
			t.Errorf("source %q should name %s as JPEG-derived", src, tc.fileName)
		}
		if ds.Len() != tc.n {
			t.Fatalf("%s: %d samples, want %d", tc.fileName, ds.Len(), tc.n)
		}
		x, y := ds.x, ds.y
		counts := make([]int, 10)
		for i, l := range y.Data() {
			if int(l) != i%10 {
				t.Fatalf("%s: label of record %d is %v, want %d (class-interleaved)", tc.fileName, i, l, i%10)
			}
			counts[int(l)]++
		}
		for c, k := range counts {
			if k != tc.per {
				t.Errorf("%s: class %d has %d images, want %d", tc.fileName, c, k, tc.per)
			}
		}
		lo, hi := float32(1), float32(0)
		var sum [3]float64
		d := x.Data()
		for i, v := range d {
			lo, hi = min(lo, v), max(hi, v)
			sum[i/1024%3] += float64(v)
		}
		if lo != 0 || hi != 1 {
			t.Errorf("%s: pixel range [%v, %v], want exactly [0, 1]", tc.fileName, lo, hi)
		}
		// The means of the real images are close to the published ones.
		for c := range 3 {
			if m := sum[c] / float64(tc.n*1024); m < float64(CIFAR10Mean[c])-0.02 || m > float64(CIFAR10Mean[c])+0.02 {
				t.Errorf("%s: channel %d mean %.4f, want about %.4f", tc.fileName, c, m, CIFAR10Mean[c])
			}
		}
	}
	classes, err := ReadCIFAR10Classes(dir)
	if err != nil || strings.Join(classes, ",") != strings.Join(CIFAR10Classes, ",") {
		t.Errorf("classes %v, %v; want %v", classes, err, CIFAR10Classes)
	}
}

// cifarArchive builds a tar.gz shaped like the official one: a folder
// cifar-10-batches-bin holding the six batches and batches.meta.txt, plus a
// hostile entry that must not escape the destination.
func cifarArchive(t *testing.T) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	add := func(name string, b []byte) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(b)
	}
	tw.WriteHeader(&tar.Header{Name: "cifar-10-batches-bin/", Mode: 0o755, Typeflag: tar.TypeDir})
	for _, n := range append(append([]string(nil), cifarTrainFiles...), cifarTestFiles...) {
		add("cifar-10-batches-bin/"+n, fakeCIFAR10(2))
	}
	add("cifar-10-batches-bin/batches.meta.txt", []byte(strings.Join(CIFAR10Classes, "\n")+"\n"))
	add("../escape.txt", []byte("x"))
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func withCIFARServer(t *testing.T, body []byte, sum string) {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(body) }))
	t.Cleanup(srv.Close)
	oldURL, oldSum := CIFAR10URL, CIFAR10SHA256
	CIFAR10URL, CIFAR10SHA256 = srv.URL+"/cifar-10-binary.tar.gz", sum
	t.Cleanup(func() { CIFAR10URL, CIFAR10SHA256 = oldURL, oldSum })
}

func TestEnsureCIFAR10Download(t *testing.T) {
	archive := cifarArchive(t)
	h := sha256.Sum256(archive)
	withCIFARServer(t, archive, hex.EncodeToString(h[:]))
	root := t.TempDir()
	dir := filepath.Join(root, "data")
	var log bytes.Buffer
	folder, err := EnsureCIFAR10(dir, &log)
	if err != nil {
		t.Fatal(err)
	}
	if folder != filepath.Join(dir, "cifar-10-batches-bin") {
		t.Errorf("folder %s", folder)
	}
	if !strings.Contains(log.String(), "downloading "+CIFAR10URL) {
		t.Errorf("progress %q should say what it downloads", log.String())
	}
	if _, err := os.Stat(filepath.Join(root, "escape.txt")); err == nil {
		t.Error("a ../ entry escaped the destination")
	}
	ds, src, err := LoadCIFAR10(dir, true)
	if err != nil || ds.Len() != 10 || !strings.Contains(src, "original") {
		t.Fatalf("after download: %v, %q, %v", ds, src, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*part*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// A second call finds the files and does not download.
	CIFAR10URL = "http://127.0.0.1:1/unreachable"
	if again, err := EnsureCIFAR10(dir, nil); err != nil || again != folder {
		t.Errorf("second call: %s, %v", again, err)
	}
}

func TestEnsureCIFAR10Checksum(t *testing.T) {
	withCIFARServer(t, cifarArchive(t), strings.Repeat("0", 64))
	dir := t.TempDir()
	_, err := EnsureCIFAR10(dir, nil)
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("error %v, want a checksum mismatch", err)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left behind after a bad checksum: %v", left)
	}
}

func FuzzReadCIFAR10(f *testing.F) {
	f.Add(fakeCIFAR10(1))
	f.Add(fakeCIFAR10(2)[:cifarRecord+1])
	f.Add([]byte{})
	bad := fakeCIFAR10(1)
	bad[0] = 200
	f.Add(bad)
	f.Fuzz(func(t *testing.T, b []byte) {
		x, y, err := ReadCIFAR10(bytes.NewReader(b), "fuzz.bin")
		valid := len(b) > 0 && len(b)%cifarRecord == 0
		for i := 0; valid && i < len(b); i += cifarRecord {
			valid = b[i] <= 9
		}
		if err != nil {
			if valid {
				t.Fatalf("rejected a valid input of %d bytes: %v", len(b), err)
			}
			if x != nil || y != nil || !strings.Contains(err.Error(), "fuzz.bin") {
				t.Fatalf("error %v with tensors, or not naming the file", err)
			}
			return
		}
		if !valid {
			t.Fatalf("accepted an invalid input of %d bytes", len(b))
		}
		n := len(b) / cifarRecord
		if x.Numel() != n*cifarPixels || y.Numel() != n {
			t.Fatalf("%d records gave x %v, y %v", n, x.Shape(), y.Shape())
		}
		for i, v := range x.Data() {
			if v < 0 || v > 1 || v != float32(b[i/cifarPixels*cifarRecord+1+i%cifarPixels])/255 {
				t.Fatalf("pixel %d = %v", i, v)
			}
		}
	})
}
