package checkpoint

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"unicode/utf8"
)

// entry is one tensor's header record, its offsets relative to the start of
// the data section.
type entry struct {
	name       string
	dtype      dtype
	shape      []int
	begin, end int64
}

// parseHeader parses and validates the JSON header against a data section of
// dataLen bytes. It returns the entries in file order.
func parseHeader(header []byte, dataLen int64) ([]entry, map[string]string, error) {
	fail := func(format string, args ...any) ([]entry, map[string]string, error) {
		return nil, nil, fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
	}
	if !utf8.Valid(header) {
		return fail("the header is not valid UTF-8")
	}
	if len(header) == 0 || header[0] != '{' {
		return fail("the header does not start with '{'")
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // the '{' checked above
		return fail("header JSON: %v", err)
	}
	meta := map[string]string{}
	var entries []entry
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fail("header JSON: %v", err)
		}
		name := tok.(string) // object keys are always strings
		if seen[name] {
			return fail("header names %q twice", name)
		}
		seen[name] = true
		if name == metadataKey {
			if meta, err = parseMetadata(dec); err != nil {
				return fail("%s: %v", metadataKey, err)
			}
			continue
		}
		e, err := parseEntry(dec, name)
		if err != nil {
			return fail("tensor %q: %v", name, err)
		}
		entries = append(entries, e)
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return fail("header JSON: %v", err)
	}
	rest := header[dec.InputOffset():]
	if len(bytes.Trim(rest, " \t\r\n")) != 0 {
		return fail("header has bytes after its JSON object: %q", truncate(rest, 20))
	}

	// Tensors must tile the data section exactly, in offset order, as the
	// reference requires: no gap a writer forgot, no overlap to alias.
	slices.SortFunc(entries, func(a, b entry) int {
		return cmp.Or(cmp.Compare(a.begin, b.begin), cmp.Compare(a.end, b.end), cmp.Compare(a.name, b.name))
	})
	var pos int64
	prev := ""
	for _, e := range entries {
		switch {
		case e.end > dataLen:
			return fail("tensor %q: data_offsets [%d, %d] run past the end of the data section (%d bytes)", e.name, e.begin, e.end, dataLen)
		case e.begin < pos:
			return fail("tensor %q: data_offsets [%d, %d] overlap tensor %q, which ends at %d", e.name, e.begin, e.end, prev, pos)
		case e.begin > pos:
			return fail("tensor %q: data_offsets [%d, %d] leave a gap after byte %d", e.name, e.begin, e.end, pos)
		}
		pos, prev = e.end, e.name
	}
	if pos != dataLen {
		return fail("the tensors cover %d bytes of data but the file holds %d after the header", pos, dataLen)
	}
	return entries, meta, nil
}

// parseMetadata reads the "__metadata__" object, whose values must be strings.
func parseMetadata(dec *json.Decoder) (map[string]string, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	meta := map[string]string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k := tok.(string)
		if _, dup := meta[k]; dup {
			return nil, fmt.Errorf("key %q appears twice", k)
		}
		tok, err = dec.Token()
		if err != nil {
			return nil, err
		}
		v, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("value of %q is %s, want a string", k, describe(tok))
		}
		meta[k] = v
	}
	return meta, expectDelim(dec, '}')
}

// parseEntry reads {"dtype": ..., "shape": [...], "data_offsets": [b, e]}
// and checks that the shape and dtype need exactly e-b bytes.
func parseEntry(dec *json.Decoder, name string) (entry, error) {
	e := entry{name: name}
	if err := expectDelim(dec, '{'); err != nil {
		return e, err
	}
	var haveDtype, haveShape, haveOffsets bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return e, err
		}
		switch key := tok.(string); key {
		case "dtype":
			if haveDtype {
				return e, errors.New(`"dtype" appears twice`)
			}
			haveDtype = true
			tok, err := dec.Token()
			if err != nil {
				return e, err
			}
			s, ok := tok.(string)
			if !ok {
				return e, fmt.Errorf(`"dtype" is %s, want a string such as "F32"`, describe(tok))
			}
			if e.dtype, err = parseDtype(s); err != nil {
				return e, err
			}
		case "shape":
			if haveShape {
				return e, errors.New(`"shape" appears twice`)
			}
			haveShape = true
			dims, err := readUints(dec, "shape", -1)
			if err != nil {
				return e, err
			}
			e.shape = make([]int, len(dims))
			for i, d := range dims {
				if d > math.MaxInt {
					return e, fmt.Errorf("shape %v: dimension %d is too large", dims, d)
				}
				e.shape[i] = int(d)
			}
		case "data_offsets":
			if haveOffsets {
				return e, errors.New(`"data_offsets" appears twice`)
			}
			haveOffsets = true
			offs, err := readUints(dec, "data_offsets", 2)
			if err != nil {
				return e, err
			}
			if offs[0] > offs[1] {
				return e, fmt.Errorf("data_offsets [%d, %d] end before they begin", offs[0], offs[1])
			}
			if offs[1] > math.MaxInt64 {
				return e, fmt.Errorf("data_offsets [%d, %d] are too large", offs[0], offs[1])
			}
			e.begin, e.end = int64(offs[0]), int64(offs[1])
		default:
			return e, fmt.Errorf("unknown field %q (want dtype, shape and data_offsets)", key)
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return e, err
	}
	switch {
	case !haveDtype:
		return e, errors.New(`missing "dtype"`)
	case !haveShape:
		return e, errors.New(`missing "shape"`)
	case !haveOffsets:
		return e, errors.New(`missing "data_offsets"`)
	}
	// Multiply left to right and fail on overflow, as the reference does,
	// even where a later zero dimension would bring the product back to 0.
	count := uint64(1)
	for _, d := range e.shape {
		hi, lo := bits.Mul64(count, uint64(d))
		if hi != 0 || lo > math.MaxInt64 {
			return e, fmt.Errorf("shape %v has too many elements", e.shape)
		}
		count = lo
	}
	hi, need := bits.Mul64(count, uint64(e.dtype.size))
	if have := uint64(e.end - e.begin); hi != 0 || need != have {
		return e, fmt.Errorf("shape %v of %s needs %s bytes but data_offsets [%d, %d] hold %d",
			e.shape, e.dtype.name, productString(count, e.dtype.size, hi), e.begin, e.end, have)
	}
	return e, nil
}

// readUints reads a JSON array of non-negative integers; want >= 0 demands
// that many.
func readUints(dec *json.Decoder, field string, want int) ([]uint64, error) {
	if err := expectDelim(dec, '['); err != nil {
		return nil, fmt.Errorf("%q: %v", field, err)
	}
	var out []uint64
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("%q holds %s, want non-negative integers", field, describe(tok))
		}
		v, err := strconv.ParseUint(string(num), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q holds %s, want non-negative integers", field, num)
		}
		out = append(out, v)
	}
	if err := expectDelim(dec, ']'); err != nil {
		return nil, err
	}
	if want >= 0 && len(out) != want {
		return nil, fmt.Errorf("%q has %d numbers, want %d", field, len(out), want)
	}
	return out, nil
}

// expectDelim reads one token and checks that it is the delimiter d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err == io.EOF {
		return fmt.Errorf("header JSON ends early, expected %q", string(d))
	}
	if err != nil {
		return err
	}
	if tok != d {
		return fmt.Errorf("found %s, expected %q", describe(tok), string(d))
	}
	return nil
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return fmt.Sprintf("%q", string(v))
	case string:
		return fmt.Sprintf("the string %q", truncate([]byte(v), 40))
	case json.Number:
		return "the number " + string(v)
	case bool:
		return strconv.FormatBool(v)
	case nil:
		return "null"
	}
	return fmt.Sprint(tok)
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// productString prints count*size for an error, which may overflow 64 bits.
func productString(count uint64, size int, hi uint64) string {
	if hi != 0 {
		return fmt.Sprintf("%d×%d", count, size)
	}
	return strconv.FormatUint(count*uint64(size), 10)
}
