package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
)

// dtype is a safetensors element type that Load can turn into float32.
type dtype struct {
	name string
	size int
	// convert decodes len(dst) little-endian elements from src; for an
	// element float32 cannot hold it returns its index and a description.
	convert func(dst []float32, src []byte) (int, error)
}

var dtypes = map[string]dtype{
	"F32": {"F32", 4, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
		return 0, nil
	}},
	"F64": {"F64", 8, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			dst[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(src[8*i:])))
		}
		return 0, nil
	}},
	"F16": {"F16", 2, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			dst[i] = halfToFloat32(binary.LittleEndian.Uint16(src[2*i:]))
		}
		return 0, nil
	}},
	"BF16": {"BF16", 2, func(dst []float32, src []byte) (int, error) {
		// bfloat16 is the top half of a float32.
		for i := range dst {
			dst[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(src[2*i:])) << 16)
		}
		return 0, nil
	}},
	"BOOL": {"BOOL", 1, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			if src[i] > 1 {
				return i, fmt.Errorf("BOOL byte %d is neither 0 nor 1", src[i])
			}
			dst[i] = float32(src[i])
		}
		return 0, nil
	}},
	"U8": {"U8", 1, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			dst[i] = float32(src[i])
		}
		return 0, nil
	}},
	"I8": {"I8", 1, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			dst[i] = float32(int8(src[i]))
		}
		return 0, nil
	}},
	"I16": {"I16", 2, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			dst[i] = float32(int16(binary.LittleEndian.Uint16(src[2*i:])))
		}
		return 0, nil
	}},
	"U16": {"U16", 2, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			dst[i] = float32(binary.LittleEndian.Uint16(src[2*i:]))
		}
		return 0, nil
	}},
	"I32": {"I32", 4, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			v := int32(binary.LittleEndian.Uint32(src[4*i:]))
			if !exactInt(int64(v)) {
				return i, fmt.Errorf("I32 value %d has no exact float32", v)
			}
			dst[i] = float32(v)
		}
		return 0, nil
	}},
	"U32": {"U32", 4, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			v := binary.LittleEndian.Uint32(src[4*i:])
			if !exactUint(uint64(v)) {
				return i, fmt.Errorf("U32 value %d has no exact float32", v)
			}
			dst[i] = float32(v)
		}
		return 0, nil
	}},
	"I64": {"I64", 8, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			v := int64(binary.LittleEndian.Uint64(src[8*i:]))
			if !exactInt(v) {
				return i, fmt.Errorf("I64 value %d has no exact float32", v)
			}
			dst[i] = float32(v)
		}
		return 0, nil
	}},
	"U64": {"U64", 8, func(dst []float32, src []byte) (int, error) {
		for i := range dst {
			v := binary.LittleEndian.Uint64(src[8*i:])
			if !exactUint(v) {
				return i, fmt.Errorf("U64 value %d has no exact float32", v)
			}
			dst[i] = float32(v)
		}
		return 0, nil
	}},
}

// parseDtype looks up a header dtype; the 8-bit and smaller float formats
// (F8_E4M3, F8_E5M2, ...) and complex types have no float32 reading here.
func parseDtype(s string) (dtype, error) {
	if d, ok := dtypes[s]; ok {
		return d, nil
	}
	return dtype{}, fmt.Errorf("dtype %q is not supported (deepgo reads F32, F64, F16, BF16, and integer and BOOL tensors)", truncate([]byte(s), 20))
}

// exactInt reports whether float32 represents v exactly: its significant
// bits, from the highest set bit down to the lowest, fit float32's 24-bit
// significand.
func exactInt(v int64) bool {
	u := uint64(v)
	if v < 0 {
		u = -u
	}
	return exactUint(u)
}

func exactUint(u uint64) bool {
	if u == 0 {
		return true
	}
	return bits.Len64(u)-bits.TrailingZeros64(u) <= 24
}

// halfToFloat32 converts an IEEE 754 binary16 value exactly (every half
// value is a float32 value), subnormals, infinities and NaN included.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN; keep the NaN payload
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign) // ±0
	}
	// Subnormal: frac × 2^-24, exact in float32.
	v := float32(frac) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}
