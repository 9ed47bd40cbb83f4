package data

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math"
	"math/bits"

	"github.com/deepgo/deepgo/tensor"
)

// The IDX format (yann.lecun.com/exdb/mnist): a big-endian header of two zero
// bytes, a type byte (0x08 = unsigned byte), the number of dimensions, then
// one uint32 per dimension, then the values in row-major order. MNIST images
// have magic 0x00000803 (three dimensions: count, rows, cols), labels
// 0x00000801 (one: count).
const (
	idxImagesMagic = 0x00000803
	idxLabelsMagic = 0x00000801
	idxUbyte       = 0x08
)

// IDXError reports a malformed IDX file: wrong magic, a truncated or
// oversized payload, impossible dimensions, corrupt gzip data.
type IDXError struct {
	File string // the file's path, when known
	Msg  string // what is wrong
	Err  error  // the underlying read or gzip error, if any
}

func (e *IDXError) Error() string {
	if e.File == "" {
		return "data: IDX: " + e.Msg
	}
	return "data: " + e.File + ": " + e.Msg
}

func (e *IDXError) Unwrap() error { return e.Err }

// IDXImages is the content of an IDX image file: N images of Rows×Cols bytes
// (0 = background), row-major, one after another in Pixels.
type IDXImages struct {
	N, Rows, Cols int
	Pixels        []byte
}

// Tensor converts the images to a new float32 tensor [N, 1, Rows, Cols] with
// values byte/255 in [0, 1], what torchvision's ToTensor gives.
func (im *IDXImages) Tensor() *tensor.Tensor {
	var scale [256]float32
	for i := range scale {
		scale[i] = float32(i) / 255
	}
	v := make([]float32, len(im.Pixels))
	for i, p := range im.Pixels {
		v[i] = scale[p]
	}
	return tensor.New(v, im.N, 1, im.Rows, im.Cols)
}

// ReadIDXImages reads an IDX image file (magic 0x00000803), gzip-compressed
// or raw: the format is told by the first bytes, not by a file name. It
// reads r to the end, so the gzip checksum is verified and trailing bytes are
// reported. Memory grows with the bytes actually read, never with what the
// header claims. Errors are *IDXError values.
func ReadIDXImages(r io.Reader) (*IDXImages, error) {
	dims, pix, err := readIDX(r, idxImagesMagic, "images")
	if err != nil {
		return nil, err
	}
	return &IDXImages{N: dims[0], Rows: dims[1], Cols: dims[2], Pixels: pix}, nil
}

// ReadIDXLabels reads an IDX label file (magic 0x00000801), gzip-compressed
// or raw, and returns one byte per label. See ReadIDXImages.
func ReadIDXLabels(r io.Reader) ([]byte, error) {
	_, labels, err := readIDX(r, idxLabelsMagic, "labels")
	return labels, err
}

func readIDX(r io.Reader, magic uint32, what string) (dims []int, payload []byte, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = br
	gz := false
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, &IDXError{Msg: "corrupt gzip data: " + err.Error(), Err: err}
		}
		src, gz = zr, true
	}
	// fail wraps an error from reading: a premature end is a truncated
	// file, anything else from a gzip stream is corruption.
	fail := func(context string, err error) error {
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return &IDXError{Msg: context, Err: err}
		case gz:
			return &IDXError{Msg: context + ": corrupt gzip data: " + err.Error(), Err: err}
		}
		return &IDXError{Msg: context + ": " + err.Error(), Err: err}
	}

	var hdr [4]byte
	if n, err := io.ReadFull(src, hdr[:]); err != nil {
		if n == 0 && err == io.EOF {
			return nil, nil, &IDXError{Msg: fmt.Sprintf("empty file, want IDX %s", what)}
		}
		return nil, nil, fail(fmt.Sprintf("truncated: %d bytes, too short for an IDX header", n), err)
	}
	got := uint32(hdr[0])<<24 | uint32(hdr[1])<<16 | uint32(hdr[2])<<8 | uint32(hdr[3])
	if got != magic {
		msg := fmt.Sprintf("wrong magic 0x%08X, want 0x%08X (IDX %s of unsigned bytes)", got, magic, what)
		switch {
		case got == idxImagesMagic:
			msg += "; this is an IDX image file"
		case got == idxLabelsMagic:
			msg += "; this is an IDX label file"
		case hdr[0] != 0 || hdr[1] != 0:
			msg += "; this is not an IDX file"
		case hdr[2] != idxUbyte:
			msg += fmt.Sprintf("; values of type 0x%02X are not supported", hdr[2])
		}
		return nil, nil, &IDXError{Msg: msg}
	}

	ndim := int(magic & 0xff)
	raw := make([]byte, 4*ndim)
	if n, err := io.ReadFull(src, raw); err != nil {
		return nil, nil, fail(fmt.Sprintf("truncated: the header ends after %d of %d bytes", 4+n, 4+len(raw)), err)
	}
	dims = make([]int, ndim)
	size := uint64(1)
	overflow := false
	for i := range dims {
		d := uint64(raw[4*i])<<24 | uint64(raw[4*i+1])<<16 | uint64(raw[4*i+2])<<8 | uint64(raw[4*i+3])
		dims[i] = int(d)
		hi, lo := bits.Mul64(size, d)
		overflow = overflow || hi != 0
		size = lo
	}
	desc := describe(dims, what)
	if ndim == 3 && (dims[1] == 0 || dims[2] == 0) {
		return nil, nil, &IDXError{Msg: fmt.Sprintf("dimensions: header says %s", desc)}
	}
	if overflow || size > math.MaxInt {
		return nil, nil, &IDXError{Msg: fmt.Sprintf("dimensions: header says %s, too large", desc)}
	}

	payload, err = readUpTo(src, int(size))
	if err != nil {
		return nil, nil, fail("reading "+desc, err)
	}
	if len(payload) < int(size) {
		unit := ""
		if what == "images" {
			unit = " of pixels"
		}
		return nil, nil, &IDXError{Msg: fmt.Sprintf("truncated: header says %s, file holds %d bytes%s", desc, len(payload), unit)}
	}
	// Read on to the end: this is where gzip verifies its checksum, and
	// where bytes after the payload show up.
	var extra [512]byte
	n, err := io.ReadFull(src, extra[:])
	if n > 0 {
		more := ""
		if n == len(extra) {
			more = " or more"
		}
		return nil, nil, &IDXError{Msg: fmt.Sprintf("trailing data: %d%s bytes after %s", n, more, desc)}
	}
	if err == io.ErrUnexpectedEOF {
		return nil, nil, &IDXError{Msg: "truncated: the gzip stream ends early, after " + desc, Err: err}
	}
	if err != io.EOF {
		return nil, nil, fail("after "+desc, err)
	}
	return dims, payload, nil
}

func describe(dims []int, what string) string {
	if len(dims) == 3 {
		return fmt.Sprintf("%d images of %dx%d", dims[0], dims[1], dims[2])
	}
	return fmt.Sprintf("%d %s", dims[0], what)
}

// readUpTo reads n bytes, or fewer if r ends first. The buffer starts small
// (64 KiB) and doubles as bytes arrive, capped at n, so a header that lies
// about the size costs about twice the bytes really present, not n.
func readUpTo(r io.Reader, n int) ([]byte, error) {
	buf := make([]byte, min(n, 64<<10))
	got := 0
	for {
		k, err := io.ReadFull(r, buf[got:])
		got += k
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return buf[:got], nil
		}
		if err != nil {
			return buf[:got], err
		}
		if got == n {
			return buf, nil
		}
		grown := make([]byte, min(2*len(buf), n))
		copy(grown, buf[:got])
		buf = grown
	}
}
