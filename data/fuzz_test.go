package data

import (
	"bytes"
	"testing"
)

// The seed corpus lives in testdata/fuzz/Fuzz*: good files raw and gzipped,
// each kind of truncation, wrong magic, lying and overflowing headers.
// The properties: no panic, and a nil error only with a payload that has
// exactly the size the header states and fits in the input.

func FuzzReadIDXImages(f *testing.F) {
	raw, _ := fakeMNIST(2, 3, 3)
	f.Add(raw)
	f.Add(gzipBytes(raw))
	f.Fuzz(func(t *testing.T, b []byte) {
		im, err := ReadIDXImages(bytes.NewReader(b))
		if err != nil {
			if im != nil {
				t.Fatal("images returned with an error")
			}
			return
		}
		if im.Rows <= 0 || im.Cols <= 0 || im.N < 0 {
			t.Fatalf("accepted %d images of %dx%d", im.N, im.Rows, im.Cols)
		}
		if len(im.Pixels) != im.N*im.Rows*im.Cols {
			t.Fatalf("%d pixels for %d images of %dx%d", len(im.Pixels), im.N, im.Rows, im.Cols)
		}
		if !isGzip(b) && len(b) != 16+len(im.Pixels) {
			t.Fatalf("accepted %d raw bytes for a payload of %d", len(b), len(im.Pixels))
		}
		if x := im.Tensor(); x.Numel() != len(im.Pixels) {
			t.Fatalf("tensor of %d elements for %d pixels", x.Numel(), len(im.Pixels))
		}
	})
}

func FuzzReadIDXLabels(f *testing.F) {
	_, raw := fakeMNIST(10, 1, 1)
	f.Add(raw)
	f.Add(gzipBytes(raw))
	f.Fuzz(func(t *testing.T, b []byte) {
		labels, err := ReadIDXLabels(bytes.NewReader(b))
		if err != nil {
			if labels != nil {
				t.Fatal("labels returned with an error")
			}
			return
		}
		if !isGzip(b) {
			if len(b) != 8+len(labels) {
				t.Fatalf("accepted %d raw bytes for %d labels", len(b), len(labels))
			}
			if !bytes.Equal(labels, b[8:]) {
				t.Fatal("labels differ from the payload")
			}
		}
	})
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }
