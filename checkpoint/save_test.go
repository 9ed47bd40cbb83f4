package checkpoint

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// goldenTensors are the tensors of testdata/golden.safetensors, written by
// testdata/make_golden.py.
func goldenTensors() (map[string]*tensor.Tensor, map[string]string) {
	return map[string]*tensor.Tensor{
			"0.weight":                   tensor.FromSlice([]float32{0, 1.5, -2, 3.25, 1e-8, float32(math.Copysign(0, -1))}, 2, 3),
			"0.bias":                     tensor.FromSlice([]float32{0.1, -0.2}, 2),
			"scalar":                     tensor.Scalar(7.5),
			"empty":                      tensor.Zeros(0),
			"zero_rows":                  tensor.Zeros(0, 4),
			"odd \"name\"\t\u00fc\u20ac": tensor.FromSlice([]float32{float32(math.Inf(1))}, 1),
		}, map[string]string{
			"format": "pt", "arch": "mlp", "note": "line1\nline2 \u00e9",
		}
}

func TestGoldenLayout(t *testing.T) {
	want, err := os.ReadFile("testdata/golden.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	tensors, meta := goldenTensors()
	path := filepath.Join(t.TempDir(), "g.safetensors")
	if err := Save(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Save differs from make_golden.py's file\ngot  %q\nwant %q", got, want)
	}
}

// TestReferenceVectors checks the header layout against byte sequences that
// the reference implementation's own tests assert (huggingface/safetensors,
// safetensors/src/tensor.rs: test_serialization, test_empty and
// test_serialization_forced_alignement).
func TestReferenceVectors(t *testing.T) {
	f32 := func(vs ...float32) string {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		return string(b)
	}
	cases := []struct {
		name    string
		tensors map[string]*tensor.Tensor
		meta    map[string]string
		want    string
	}{
		{"serialization", map[string]*tensor.Tensor{"attn.0": tensor.FromSlice([]float32{0, 1, 2, 3, 4, 5}, 1, 2, 3)}, nil,
			"@\x00\x00\x00\x00\x00\x00\x00" + `{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}` + f32(0, 1, 2, 3, 4, 5)},
		{"forced alignment", map[string]*tensor.Tensor{"attn0": tensor.FromSlice([]float32{0, 1, 2, 3, 4, 5}, 1, 1, 2, 3)}, nil,
			"H\x00\x00\x00\x00\x00\x00\x00" + `{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}` + "       " + f32(0, 1, 2, 3, 4, 5)},
		{"empty", nil, nil, "\x08\x00\x00\x00\x00\x00\x00\x00{}      "},
		{"empty with metadata", nil, map[string]string{"framework": "pt"},
			"(\x00\x00\x00\x00\x00\x00\x00" + `{"__metadata__":{"framework":"pt"}}` + "     "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.safetensors")
			if err := Save(path, c.tensors, c.meta); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != c.want {
				t.Fatalf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestRoundTrip(t *testing.T) {
	tensors, meta := goldenTensors()
	g := tensor.NewRNG(1)
	tensors["big"] = tensor.Randn(g, 3, 5000) // several read chunks
	tensors["4d"] = tensor.Randn(g, 2, 1, 3, 2)
	path := filepath.Join(t.TempDir(), "rt.safetensors")
	if err := Save(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	got, gotMeta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotMeta, meta) {
		t.Errorf("metadata: got %v, want %v", gotMeta, meta)
	}
	assertSameTensors(t, got, tensors)

	// Loading the Python-written file gives the same tensors too.
	got, gotMeta, err = Load("testdata/golden.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	want, wantMeta := goldenTensors()
	assertSameTensors(t, got, want)
	if !reflect.DeepEqual(gotMeta, wantMeta) {
		t.Errorf("golden metadata: got %v, want %v", gotMeta, wantMeta)
	}
}

func TestSaveDeterministic(t *testing.T) {
	tensors, meta := goldenTensors()
	dir := t.TempDir()
	var files [][]byte
	for i := range 3 {
		p := filepath.Join(dir, "d"+string(rune('0'+i)))
		if err := Save(p, tensors, meta); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		files = append(files, b)
	}
	if !bytes.Equal(files[0], files[1]) || !bytes.Equal(files[0], files[2]) {
		t.Fatal("Save wrote different bytes for the same input")
	}
}

func TestNoMetadata(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := Save(path, map[string]*tensor.Tensor{"w": tensor.Ones(2)}, map[string]string{}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if bytes.Contains(b, []byte(metadataKey)) {
		t.Errorf("empty metadata was written: %q", b)
	}
	_, meta, err := Load(path)
	if err != nil || meta == nil || len(meta) != 0 {
		t.Fatalf("Load: meta %v, err %v; want an empty map", meta, err)
	}
}

func TestSaveRejects(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name    string
		tensors map[string]*tensor.Tensor
		meta    map[string]string
		want    string
	}{
		{"nil tensor", map[string]*tensor.Tensor{"w": nil}, nil, `tensor "w" is nil`},
		{"reserved name", map[string]*tensor.Tensor{"__metadata__": tensor.Ones(1)}, nil, "reserves that name"},
		{"bad utf-8 name", map[string]*tensor.Tensor{"w\xff": tensor.Ones(1)}, nil, "not valid UTF-8"},
		{"bad utf-8 metadata", nil, map[string]string{"k": "\xfe"}, "not valid UTF-8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "x.safetensors")
			err := Save(path, c.tensors, c.meta)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want an error naming %s and saying %q", err, path, c.want)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("a rejected Save created the file")
			}
		})
	}
}

func assertSameTensors(t *testing.T, got, want map[string]*tensor.Tensor) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d tensors, want %d", len(got), len(want))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("tensor %q missing", name)
			continue
		}
		if !tensor.SameShape(g.Shape(), w.Shape()) {
			t.Errorf("tensor %q: shape %v, want %v", name, g.Shape(), w.Shape())
			continue
		}
		for i, v := range w.Data() {
			if math.Float32bits(g.Data()[i]) != math.Float32bits(v) {
				t.Errorf("tensor %q[%d] = %v, want %v (bit for bit)", name, i, g.Data()[i], v)
				break
			}
		}
	}
}
