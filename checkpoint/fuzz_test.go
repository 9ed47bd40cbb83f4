package checkpoint

import (
	"bytes"
	"os"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Load's parser. It must never panic,
// and whatever it accepts must survive a Save/Load round trip; the memory it
// may allocate is bounded by the input's length because every byte range is
// checked against it before tensors are allocated.
func FuzzParse(f *testing.F) {
	golden, err := os.ReadFile("testdata/golden.safetensors")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(golden)
	f.Add(rawFile(`{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"__metadata__":{"k":"v"}}`, []byte{0, 60, 0, 192}))
	f.Add(rawFile(`{"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(rawFile(`{"c":{"dtype":"BOOL","shape":[2,1],"data_offsets":[0,2]}}`, []byte{0, 1}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		tensors, meta, err := decode(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		total := 0
		for _, x := range tensors {
			total += x.Numel()
		}
		if total > len(b) {
			t.Fatalf("%d elements from a %d-byte input", total, len(b))
		}
		names, header, err := encodeHeader(tensors, meta)
		if err != nil {
			t.Fatalf("accepted input does not encode: %v", err)
		}
		var buf bytes.Buffer
		if err := writeFile(&buf, header, names, tensors); err != nil {
			t.Fatal(err)
		}
		again, _, err := decode(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("re-encoded copy does not decode: %v", err)
		}
		if len(again) != len(tensors) {
			t.Fatalf("round trip: %d tensors, want %d", len(again), len(tensors))
		}
	})
}
