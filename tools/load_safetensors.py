#!/usr/bin/env python3
"""Read a safetensors file (as deepgo writes it) into PyTorch, without the
`safetensors` package: only numpy, and torch for the model part.

    python3 tools/load_safetensors.py runs/mnist-X/model.safetensors
    python3 tools/load_safetensors.py runs/mnist-X/model.safetensors --mnist-dir ../shared/datasets/mnist

The first form prints every tensor (name, dtype, shape, sum) and the
metadata; --json prints the same as JSON. The second builds the model named by
--model, loads the weights with load_state_dict(strict=True) and prints the
MNIST test accuracy as `test_acc=<x>%`. See tools/README.md.
"""
import argparse
import gzip
import json
import math
import os
import struct
import sys

import numpy as np

# safetensors dtype -> numpy dtype (little-endian). BF16 has no numpy type and
# is widened to float32 by hand.
NUMPY_DTYPES = {
    "F64": "<f8", "F32": "<f4", "F16": "<f2",
    "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
    "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1",
    "BOOL": "?",
}
ITEM_SIZE = {name: np.dtype(t).itemsize for name, t in NUMPY_DTYPES.items()}
ITEM_SIZE["BF16"] = 2


def read_safetensors(path):
    """Return ({name: numpy array}, {metadata key: value}, {name: dtype}).

    Checks what the format promises (header length, byte ranges, shapes)
    and raises ValueError naming the file and the problem otherwise.
    """
    with open(path, "rb") as f:
        buf = f.read()

    def bad(msg):
        return ValueError(f"{path}: not a valid safetensors file: {msg}")

    if len(buf) < 8:
        raise bad(f"{len(buf)} bytes, too short for the 8-byte header length")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > len(buf) - 8:
        raise bad(f"header length {n} runs past the end of the file ({len(buf)} bytes)")
    try:
        header = json.loads(buf[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise bad(f"header is not JSON: {e}") from None
    if not isinstance(header, dict):
        raise bad("header is not a JSON object")
    metadata = header.pop("__metadata__", None) or {}
    data = memoryview(buf)[8 + n:]

    arrays, dtypes = {}, {}
    for name, info in header.items():
        dtype, shape = info.get("dtype"), info.get("shape")
        begin, end = info.get("data_offsets", (None, None))
        if dtype not in ITEM_SIZE:
            raise bad(f"tensor {name!r}: dtype {dtype!r} is not supported")
        if not (isinstance(begin, int) and isinstance(end, int) and 0 <= begin <= end <= len(data)):
            raise bad(f"tensor {name!r}: data_offsets {info.get('data_offsets')} outside the "
                      f"{len(data)}-byte data section")
        if math.prod(shape) * ITEM_SIZE[dtype] != end - begin:
            raise bad(f"tensor {name!r}: shape {shape} of {dtype} does not fill "
                      f"data_offsets [{begin}, {end}]")
        raw = data[begin:end]
        if dtype == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=NUMPY_DTYPES[dtype]).copy()  # own, writable memory
        arrays[name] = arr.reshape(shape)
        dtypes[name] = dtype
    return arrays, metadata, dtypes


def load_safetensors(path):
    """Return ({name: torch.Tensor}, metadata)."""
    import torch

    arrays, metadata, _ = read_safetensors(path)
    # torch.from_numpy wants native byte order; "<f4" is native on every
    # machine torch runs on, but astype(native) makes that certain.
    tensors = {k: torch.from_numpy(np.ascontiguousarray(v.astype(v.dtype.newbyteorder("="))))
               for k, v in arrays.items()}
    return tensors, metadata


def model_state(tensors, metadata):
    """Keep the model's own tensors. A deepgo training checkpoint (metadata
    "train.format") also holds the optimizer's tensors under "optim." and the
    trainer's extras under names with a "/" ("best/...", "sched/..."); a
    PyTorch state_dict name never has a slash."""
    if "train.format" not in metadata:
        return tensors
    kept = {k: v for k, v in tensors.items() if not k.startswith("optim.") and "/" not in k}
    dropped = len(tensors) - len(kept)
    if dropped:
        print(f"training checkpoint: ignoring {dropped} optimizer/trainer tensors", file=sys.stderr)
    return kept


def build_mnist_mlp(metadata, hidden_flag):
    """The lecture's MLP. deepgo's nn.Sequential names its children by index
    like PyTorch's, so with Flatten at index 0 the Linear layers are 1, 3, 5:
    state-dict names "1.weight", "1.bias", "3.weight", "3.bias", "5.weight",
    "5.bias". Hidden sizes come from --hidden, else the file's "hidden"
    metadata (deepgo mnist writes it), else 64,32."""
    import torch.nn as nn

    spec = hidden_flag or metadata.get("hidden") or "64,32"
    sizes = [int(s) for s in spec.split(",")]
    layers = [nn.Flatten()]
    prev = 28 * 28
    for h in sizes:
        layers += [nn.Linear(prev, h), nn.ReLU()]
        prev = h
    layers.append(nn.Linear(prev, 10))
    return nn.Sequential(*layers)


# --model name -> builder(metadata, hidden flag). Add other layouts here; a
# builder may also rename keys before load_state_dict if a layout differs.
MODELS = {"mnist-mlp": build_mnist_mlp}


def read_idx(path):
    """Read a gzipped IDX file (the MNIST format) of unsigned bytes."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    if magic >> 8 != 0x08:  # 0x00 0x00 0x08 (ubyte) <ndim>
        raise ValueError(f"{path}: not an IDX file of unsigned bytes (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = struct.unpack(f">{ndim}I", raw[4:4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist_test_accuracy(model, mnist_dir, mean_std=None):
    import torch

    images = read_idx(os.path.join(mnist_dir, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(mnist_dir, "t10k-labels-idx1-ubyte.gz"))
    # deepgo's MNIST reader scales pixels to [0, 1] (torchvision's ToTensor).
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    if mean_std:
        x = (x - mean_std[0]) / mean_std[1]
    y = torch.from_numpy(labels.astype(np.int64))
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(x), 1000):
            correct += (model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
    return 100.0 * correct / len(x)


def summary(path, as_json):
    arrays, metadata, dtypes = read_safetensors(path)
    rows = [{"name": k, "dtype": dtypes[k], "shape": list(v.shape),
             "sum": float(v.astype(np.float64).sum())} for k, v in sorted(arrays.items())]
    if as_json:
        print(json.dumps({"tensors": rows, "metadata": metadata}, sort_keys=True))
        return
    for r in rows:
        print(f"{r['name']:40s} {r['dtype']:5s} {str(r['shape']):16s} sum={r['sum']:.6g}")
    for k, v in sorted(metadata.items()):
        print(f"metadata {k} = {v if len(v) < 80 else v[:77] + '...'}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("file", help="a .safetensors file")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON")
    ap.add_argument("--mnist-dir", help="folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz")
    ap.add_argument("--model", default="mnist-mlp", choices=sorted(MODELS), help="architecture to build")
    ap.add_argument("--hidden", help="hidden sizes, e.g. 64,32 (default: the file's metadata)")
    ap.add_argument("--normalize", help="MEAN,STD applied to [0,1] pixels (default: none, as deepgo mnist)")
    args = ap.parse_args()
    try:
        if not args.mnist_dir:
            summary(args.file, args.json)
            return 0
        tensors, metadata = load_safetensors(args.file)
        model = MODELS[args.model](metadata, args.hidden)
        model.load_state_dict(model_state(tensors, metadata), strict=True)
        mean_std = [float(s) for s in args.normalize.split(",")] if args.normalize else None
        print(f"test_acc={mnist_test_accuracy(model, args.mnist_dir, mean_std):.2f}%")
    except (OSError, ValueError, RuntimeError) as e:  # RuntimeError: load_state_dict mismatches
        print(f"load_safetensors: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
