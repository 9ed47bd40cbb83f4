package checkpoint

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/deepgo/deepgo/tensor"
)

// Load reads a safetensors file and returns its tensors as float32 and its
// metadata (an empty map when it has none).
//
// The whole header is checked before any tensor memory is allocated: its
// length against the file size, its JSON (strictly: no duplicate names, no
// unknown fields, no trailing bytes other than spaces), every tensor's
// dtype, and every byte range, which must match the shape, lie within the
// file, and tile the data section with no gap or overlap. F64, F16 and BF16
// tensors are rounded to float32; integer and BOOL tensors are converted when
// float32 holds each value exactly and are an error otherwise. Errors name
// the file and what is wrong with it; those about the content match
// ErrFormat, and a missing file matches fs.ErrNotExist.
func Load(path string) (map[string]*tensor.Tensor, map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: load: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: load: %w", err)
	}
	tensors, meta, err := decode(f, fi.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint: load %s: %w", path, err)
	}
	return tensors, meta, nil
}

// decode reads a whole safetensors file of size bytes from r. It reads the
// header, validates it against size, and only then reads and converts the
// data, so what it allocates is bounded by size.
func decode(r io.ReaderAt, size int64) (map[string]*tensor.Tensor, map[string]string, error) {
	if size < 8 {
		return nil, nil, fmt.Errorf("%w: the file is %d bytes long, too short for the 8-byte header length", ErrFormat, size)
	}
	var nb [8]byte
	if _, err := r.ReadAt(nb[:], 0); err != nil {
		return nil, nil, err
	}
	n := binary.LittleEndian.Uint64(nb[:])
	if n > uint64(size-8) {
		return nil, nil, fmt.Errorf("%w: header length %d runs past the end of the file (%d bytes): truncated, or not safetensors", ErrFormat, n, size)
	}
	if n > maxHeaderLen {
		return nil, nil, fmt.Errorf("%w: header length %d exceeds the format's limit of %d bytes", ErrFormat, n, maxHeaderLen)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, nil, err
	}
	dataStart := 8 + int64(n)
	entries, meta, err := parseHeader(header, size-dataStart)
	if err != nil {
		return nil, nil, err
	}

	tensors := make(map[string]*tensor.Tensor, len(entries))
	var buf []byte
	for _, e := range entries {
		nbytes := e.end - e.begin
		if int64(cap(buf)) < min(nbytes, readChunk) {
			buf = make([]byte, min(nbytes, readChunk))
		}
		out := make([]float32, nbytes/int64(e.dtype.size))
		if err := readConvert(r, dataStart+e.begin, nbytes, e, out, buf); err != nil {
			return nil, nil, err
		}
		tensors[e.name] = tensor.New(out, e.shape...)
	}
	return tensors, meta, nil
}

// readChunk is how many bytes of tensor data are read and converted at a
// time: the data is never held twice in full.
const readChunk = 1 << 16

// readConvert reads the nbytes of e's data at off and converts them into out.
func readConvert(r io.ReaderAt, off, nbytes int64, e entry, out []float32, buf []byte) error {
	size := int64(e.dtype.size)
	chunk := int64(cap(buf)) / size * size
	for done := int64(0); done < nbytes; {
		k := min(chunk, nbytes-done)
		b := buf[:k]
		if _, err := r.ReadAt(b, off+done); err != nil {
			return fmt.Errorf("tensor %q: %w", e.name, err)
		}
		first := int(done / size)
		if i, err := e.dtype.convert(out[first:first+int(k/size)], b); err != nil {
			return fmt.Errorf("%w: tensor %q, element %d: %v", ErrFormat, e.name, first+i, err)
		}
		done += k
	}
	return nil
}
