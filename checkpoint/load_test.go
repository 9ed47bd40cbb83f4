package checkpoint

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// rawFile builds a safetensors file from a header text and data bytes, with
// no checks, so that tests can write broken ones.
func rawFile(header string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(b, header...), data...)
}

func writeRaw(t *testing.T, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadRejectsCorruptFiles(t *testing.T) {
	f32x2 := make([]byte, 8)
	one := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "too short for the 8-byte header length"},
		{"header past end", append(binary.LittleEndian.AppendUint64(nil, 1000), "{}"...), "header length 1000 runs past the end of the file"},
		{"huge header length", binary.LittleEndian.AppendUint64(nil, math.MaxUint64), "runs past the end"},
		{"not json", rawFile("hello!!!", nil), "does not start with '{'"},
		{"truncated json", rawFile(`{"a":{"dtype":"F32"`, nil), "tensor \"a\""},
		{"invalid utf-8", rawFile("{\"\xff\":1}", nil), "not valid UTF-8"},
		{"trailing garbage", rawFile(`{}  x`, nil), "bytes after its JSON object"},
		{"duplicate tensor", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32x2), `names "a" twice`},
		{"unknown field", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}`, f32x2), `unknown field "x"`},
		{"missing shape", rawFile(`{"a":{"dtype":"F32","data_offsets":[0,8]}}`, f32x2), `missing "shape"`},
		{"negative dim", rawFile(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, f32x2), "want non-negative integers"},
		{"fractional offset", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.0]}}`, f32x2), "want non-negative integers"},
		{"three offsets", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}`, f32x2), "has 3 numbers, want 2"},
		{"offsets reversed", rawFile(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, f32x2), "end before they begin"},
		{"shape mismatch", rawFile(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, f32x2), "shape [3] of F32 needs 12 bytes but data_offsets [0, 8] hold 8"},
		{"shape overflow", rawFile(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}}`, nil), "too many elements"},
		{"offsets past end", rawFile(`{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}`, f32x2), "run past the end of the data section (8 bytes)"},
		{"overlap", rawFile(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32x2), `tensor "b": data_offsets [4, 8] overlap tensor "a"`},
		{"gap", rawFile(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, f32x2), "leave a gap after byte 0"},
		{"trailing data", rawFile(one, make([]byte, 12)), "cover 8 bytes of data but the file holds 12"},
		{"unsupported dtype", rawFile(`{"a":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}`, f32x2), `dtype "F8_E4M3" is not supported`},
		{"dtype not a string", rawFile(`{"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}`, f32x2), `"dtype" is the number 4`},
		{"metadata not strings", rawFile(`{"__metadata__":{"epoch":3}}`, nil), `value of "epoch" is the number 3, want a string`},
		{"metadata not an object", rawFile(`{"__metadata__":"x"}`, nil), `__metadata__: found the string "x"`},
		{"tensor not an object", rawFile(`{"a":[1]}`, nil), `tensor "a": found an array`},
		{"inexact int64", rawFile(`{"n":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, binary.LittleEndian.AppendUint64(nil, 1<<24+1)), `tensor "n", element 0: I64 value 16777217 has no exact float32`},
		{"bad bool", rawFile(`{"m":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}`, []byte{1, 2}), `tensor "m", element 1: BOOL byte 2`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeRaw(t, c.file)
			_, _, err := Load(path)
			if err == nil {
				t.Fatalf("Load accepted it")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) || !strings.Contains(msg, path) {
				t.Fatalf("error %q: want it to name %s and say %q", msg, path, c.want)
			}
			if !errors.Is(err, ErrFormat) {
				t.Errorf("error %q does not match ErrFormat", msg)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, _, err := Load(filepath.Join(t.TempDir(), "nope.safetensors"))
	if !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "nope.safetensors") {
		t.Fatalf("got %v, want a not-exist error naming the file", err)
	}
}

// TestLoadConvertsDtypes reads every supported non-F32 dtype from hand-made
// bytes: half and bfloat16 bit patterns with known values, F64 rounding,
// integers and booleans.
func TestLoadConvertsDtypes(t *testing.T) {
	le16 := func(vs ...uint16) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint16(b, v)
		}
		return b
	}
	le64 := func(vs ...uint64) []byte {
		var b []byte
		for _, v := range vs {
			b = binary.LittleEndian.AppendUint64(b, v)
		}
		return b
	}
	negZero := float32(math.Copysign(0, -1))
	inf := float32(math.Inf(1))
	cases := []struct {
		dtype string
		data  []byte
		want  []float32
	}{
		// binary16: 1.0 = 0x3C00, -2 = 0xC000, 65504 (max) = 0x7BFF,
		// 2^-24 (smallest subnormal) = 0x0001, 2^-14·(1023/1024) = 0x03FF,
		// -0 = 0x8000, +Inf = 0x7C00.
		{"F16", le16(0x3C00, 0xC000, 0x7BFF, 0x0001, 0x03FF, 0x8000, 0x7C00),
			[]float32{1, -2, 65504, 1.0 / (1 << 24), 1023.0 / (1 << 24), negZero, inf}},
		// bfloat16: top 16 bits of float32 1.0 (0x3F80), -3.5 (0xC060), pi truncated (0x4049 -> 3.140625).
		{"BF16", le16(0x3F80, 0xC060, 0x4049), []float32{1, -3.5, 3.140625}},
		{"F64", le64(math.Float64bits(0.1), math.Float64bits(-1e300), math.Float64bits(1e-50)),
			[]float32{0.1, float32(math.Inf(-1)), 0}},
		{"I64", le64(uint64(1<<24), uint64(1<<40), math.MaxUint64 /* -1 */), []float32{1 << 24, 1 << 40, -1}},
		{"U64", le64(7, 1<<63), []float32{7, 1 << 63}},
		{"I32", []byte{0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0}, []float32{-1, 5}},
		{"U32", []byte{0, 0, 0, 1}, []float32{1 << 24}},
		{"I16", le16(0x8000, 3), []float32{-32768, 3}},
		{"U16", le16(0xffff), []float32{65535}},
		{"I8", []byte{0x80, 0x7f}, []float32{-128, 127}},
		{"U8", []byte{0, 255}, []float32{0, 255}},
		{"BOOL", []byte{1, 0, 1}, []float32{1, 0, 1}},
	}
	for _, c := range cases {
		t.Run(c.dtype, func(t *testing.T) {
			n := len(c.want)
			header := `{"x":{"dtype":"` + c.dtype + `","shape":[` + strconv.Itoa(n) + `],"data_offsets":[0,` + strconv.Itoa(len(c.data)) + `]}}`
			got, _, err := Load(writeRaw(t, rawFile(header, c.data)))
			if err != nil {
				t.Fatal(err)
			}
			x := got["x"]
			if x.Numel() != n {
				t.Fatalf("shape %v", x.Shape())
			}
			for i, w := range c.want {
				if math.Float32bits(x.Data()[i]) != math.Float32bits(w) {
					t.Errorf("[%d] = %v, want %v", i, x.Data()[i], w)
				}
			}
		})
	}
	// A NaN half keeps being NaN.
	got, _, err := Load(writeRaw(t, rawFile(`{"x":{"dtype":"F16","shape":[],"data_offsets":[0,2]}}`, le16(0x7E00))))
	if err != nil || !math.IsNaN(float64(got["x"].Item())) {
		t.Fatalf("F16 NaN: %v, %v", got, err)
	}
}

// TestLoadAcceptsOtherWriters accepts what other writers may produce: tensors
// listed out of offset order, a header not padded, padding with other JSON
// whitespace, and a 0-d tensor.
func TestLoadAcceptsOtherWriters(t *testing.T) {
	data := binary.LittleEndian.AppendUint32(nil, math.Float32bits(2))
	data = binary.LittleEndian.AppendUint32(data, math.Float32bits(3))
	header := `{"b":{"shape":[],"data_offsets":[4,8],"dtype":"F32"},` + "\n" +
		` "a" : {"dtype":"F32","shape":[1],"data_offsets":[0,4]}, "__metadata__":{"k":"v"}}` + "\t\n"
	got, meta, err := Load(writeRaw(t, rawFile(header, data)))
	if err != nil {
		t.Fatal(err)
	}
	if got["a"].Data()[0] != 2 || got["b"].Item() != 3 || got["b"].Dim() != 0 || meta["k"] != "v" {
		t.Fatalf("got %v %v %v", got["a"], got["b"], meta)
	}
}
