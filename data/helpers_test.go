package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/internal/testutil"
	"github.com/deepgo/deepgo/tensor"
)

// idxBytes builds an IDX file: magic, one uint32 per dimension, payload.
func idxBytes(magic uint32, dims []uint32, payload []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, magic)
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(payload)
	return b.Bytes()
}

func gzipBytes(raw []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw)
	zw.Close()
	return b.Bytes()
}

// fakeMNIST returns n images of rows×cols whose pixel j of image i is
// (i+j)%256, and labels i%10, as IDX files.
func fakeMNIST(n, rows, cols int) (images, labels []byte) {
	pix := make([]byte, n*rows*cols)
	for i := range n {
		for j := range rows * cols {
			pix[i*rows*cols+j] = byte(i + j)
		}
	}
	lbl := make([]byte, n)
	for i := range lbl {
		lbl[i] = byte(i % 10)
	}
	return idxBytes(idxImagesMagic, []uint32{uint32(n), uint32(rows), uint32(cols)}, pix),
		idxBytes(idxLabelsMagic, []uint32{uint32(n)}, lbl)
}

// writeFiles writes name -> content into dir, creating it.
func writeFiles(t testing.TB, dir string, files map[string][]byte) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// writeFakeMNIST writes gzipped fake train (n) and test (m) files into dir.
func writeFakeMNIST(t testing.TB, dir string, n, m int) {
	t.Helper()
	ti, tl := fakeMNIST(n, 28, 28)
	vi, vl := fakeMNIST(m, 28, 28)
	writeFiles(t, dir, map[string][]byte{
		"train-images-idx3-ubyte.gz": gzipBytes(ti),
		"train-labels-idx1-ubyte.gz": gzipBytes(tl),
		"t10k-images-idx3-ubyte.gz":  gzipBytes(vi),
		"t10k-labels-idx1-ubyte.gz":  gzipBytes(vl),
	})
}

// seqDataset returns a TensorDataset of n samples x[i] = [i, i+0.5] (shape
// [2]) and y[i] = i (0-d).
func seqDataset(n int) *TensorDataset {
	x := make([]float32, 2*n)
	y := make([]float32, n)
	for i := range n {
		x[2*i], x[2*i+1] = float32(i), float32(i)+0.5
		y[i] = float32(i)
	}
	return NewTensorDataset(tensor.New(x, n, 2), tensor.New(y, n))
}

// getOnly hides a dataset's Batch method, to test the Get path.
type getOnly struct{ Dataset }

func mustPanic(t *testing.T, want string, f func()) {
	t.Helper()
	testutil.MustPanic(t, f, want)
}

func mustContain(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func equalFloats(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
