package checkpoint

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/deepgo/deepgo/tensor"
)

// metadataKey is the header entry that holds the free-form string metadata.
const metadataKey = "__metadata__"

// maxHeaderLen is the reference implementation's limit on the JSON header
// (100 MB); a longer header is refused on both sides, so that a file deepgo
// writes is a file every other reader accepts.
const maxHeaderLen = 100_000_000

// Save writes tensors and the string metadata meta (nil for none) to path as
// a safetensors file of F32 tensors, replacing any file there atomically.
//
// The output depends only on the arguments: tensors are laid out in byte
// order of their names, metadata keys are sorted, and the header matches the
// one the Python safetensors package writes for the same float32 tensors
// (its metadata order aside, which is a hash map's there). Tensors of any
// rank are allowed, 0-d and empty ones included. A nil tensor, the reserved
// name "__metadata__", or a name, key or value that is not valid UTF-8 is an
// error, reported before the file is touched. The data goes to a hidden
// temporary file beside path (".NAME.tmp-*"), which is renamed over path only
// once it is complete and synced; only a crash can leave that file behind.
func Save(path string, tensors map[string]*tensor.Tensor, meta map[string]string) error {
	names, header, err := encodeHeader(tensors, meta)
	if err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", path, err)
	}
	err = writeAtomic(path, func(w io.Writer) error {
		return writeFile(w, header, names, tensors)
	})
	if err != nil {
		return fmt.Errorf("checkpoint: save %s: %w", path, err)
	}
	return nil
}

// encodeHeader checks the tensors and metadata and builds the padded JSON
// header: "__metadata__" first (when there is any), then one entry per
// tensor in name order, compact, with the reference's key order
// dtype, shape, data_offsets. It returns the names in file order.
func encodeHeader(tensors map[string]*tensor.Tensor, meta map[string]string) ([]string, []byte, error) {
	names := make([]string, 0, len(tensors))
	for name, t := range tensors {
		switch {
		case t == nil:
			return nil, nil, fmt.Errorf("tensor %q is nil", name)
		case name == metadataKey:
			return nil, nil, fmt.Errorf("a tensor may not be named %q: the format reserves that name", metadataKey)
		case !utf8.ValidString(name):
			return nil, nil, fmt.Errorf("tensor name %q is not valid UTF-8", name)
		}
		names = append(names, name)
	}
	slices.Sort(names)

	b := []byte{'{'}
	if len(meta) > 0 {
		keys := make([]string, 0, len(meta))
		for k, v := range meta {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return nil, nil, fmt.Errorf("metadata %q: %q: not valid UTF-8", k, v)
			}
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = appendJSONString(b, metadataKey)
		b = append(b, ":{"...)
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, meta[k])
		}
		b = append(b, '}')
	}
	var offset uint64
	for i, name := range names {
		if i > 0 || len(meta) > 0 {
			b = append(b, ',')
		}
		t := tensors[name]
		n := uint64(t.Numel()) * 4
		b = appendJSONString(b, name)
		b = append(b, `:{"dtype":"F32","shape":[`...)
		for j, d := range t.Shape() {
			if j > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(d), 10)
		}
		b = append(b, `],"data_offsets":[`...)
		b = strconv.AppendUint(b, offset, 10)
		b = append(b, ',')
		b = strconv.AppendUint(b, offset+n, 10)
		b = append(b, "]}"...)
		offset += n
	}
	b = append(b, '}')
	// Pad with spaces so that the data starts 8-byte aligned, as the
	// reference does, which lets readers map F64 data in place.
	for len(b)%8 != 0 {
		b = append(b, ' ')
	}
	if len(b) > maxHeaderLen {
		return nil, nil, fmt.Errorf("header of %d bytes exceeds the format's limit of %d", len(b), maxHeaderLen)
	}
	return names, b, nil
}

// appendJSONString appends s as a JSON string escaped the way serde_json
// (the reference's encoder) escapes it: quote, backslash and control
// characters only, so that non-ASCII names stay readable UTF-8.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, `\b`...)
		case '\f':
			b = append(b, `\f`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			if c < 0x20 {
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// writeFile writes the length prefix, the header and every tensor's data in
// names order, converting through a small buffer rather than one copy of the
// whole model.
func writeFile(w io.Writer, header []byte, names []string, tensors map[string]*tensor.Tensor) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(header)))
	bw.Write(n[:]) // a bufio.Writer keeps its first error for Write and Flush
	bw.Write(header)
	var buf [4096]byte
	for _, name := range names {
		data := tensors[name].Data()
		for len(data) > 0 {
			k := min(len(data), len(buf)/4)
			for i, v := range data[:k] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := bw.Write(buf[:4*k]); err != nil {
				return err
			}
			data = data[k:]
		}
	}
	return bw.Flush()
}

// ErrFormat is matched (with errors.Is) by every Load error that is about
// the file's content rather than about reading it: a truncated or corrupt
// file, a header that breaks the format, or an unsupported dtype.
var ErrFormat = errors.New("not a valid safetensors file")
