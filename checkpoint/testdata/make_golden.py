#!/usr/bin/env python3
"""Writes golden.safetensors, the file checkpoint's TestGoldenLayout expects
Save to reproduce byte for byte.

It follows the safetensors format as the reference implementation (the Rust
crate behind the Python `safetensors` package) writes it, without using that
package (not installed here):

- 8 bytes: the header length N, unsigned little-endian;
- N bytes: compact JSON (no spaces, UTF-8 left unescaped) with
  "__metadata__" first, then one entry per tensor sorted by dtype alignment
  (all F32 here) and then by name, each {"dtype", "shape", "data_offsets"} in
  that key order, offsets relative to the data section, tensors back to back;
  padded with spaces to a multiple of 8 bytes;
- the raw little-endian data.

Run from this folder with: python3 make_golden.py
"""
import json
import struct

TENSORS = {
    "0.weight": ([2, 3], [0.0, 1.5, -2.0, 3.25, 1e-8, -0.0]),
    "0.bias": ([2], [0.1, -0.2]),
    "scalar": ([], [7.5]),
    "empty": ([0], []),
    "zero_rows": ([0, 4], []),
    'odd "name"\t\u00fc\u20ac': ([1], [float("inf")]),
}
METADATA = {"format": "pt", "arch": "mlp", "note": "line1\nline2 \u00e9"}


def main():
    header = {"__metadata__": dict(sorted(METADATA.items()))}
    data = b""
    # Python's default str ordering is by code point, which for UTF-8 is the
    # same as byte order (what the reference and Go use).
    for name in sorted(TENSORS):
        shape, values = TENSORS[name]
        raw = struct.pack("<%df" % len(values), *values)
        header[name] = {"dtype": "F32", "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open("golden.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    main()
