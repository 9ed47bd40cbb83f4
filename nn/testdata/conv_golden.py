"""Reference values for deepgo's Conv2d and ConvTranspose2d, computed with PyTorch.

Run from the repository root (Debian's python3-torch):

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 nn/testdata/conv_golden.py > nn/testdata/conv_golden.json

For each case: the options, input x, weight, bias (absent for bias=False),
the output, a fixed random u of the output's shape, and the gradients of
sum(out * u) with respect to x, weight and bias. Inputs are float32 values
stored exactly; the arithmetic is float64. Replayed by nn/conv_test.go.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(2024)
D = torch.float64


def rand(*shape):
    # float32-exact values, computed on in float64
    return (torch.rand(*shape) * 2 - 1).to(torch.float32).to(D)


def arr(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


CASES = [
    # name, kind, N, C, H, W, out, kernel, options
    ("basic", "conv", 2, 3, 6, 5, 4, (3, 3), {}),
    ("stride2_pad1", "conv", 2, 3, 7, 8, 4, (3, 3), {"stride": (2, 2), "padding": (1, 1)}),
    ("rect_stride_pad", "conv", 1, 2, 9, 7, 3, (3, 2), {"stride": (2, 3), "padding": (2, 1)}),
    ("dilation2", "conv", 2, 2, 8, 9, 3, (3, 3), {"dilation": (2, 2), "padding": (1, 2)}),
    ("groups2", "conv", 2, 4, 6, 6, 6, (3, 3), {"groups": 2, "padding": (1, 1)}),
    ("nobias", "conv", 2, 3, 5, 5, 2, (2, 2), {"bias": False}),
    ("same_even", "conv", 1, 2, 6, 7, 3, (4, 2), {"padding": "same"}),
    ("same_dilated", "conv", 1, 2, 7, 6, 2, (3, 3), {"padding": "same", "dilation": (2, 1)}),
    ("pointwise", "conv", 2, 5, 4, 3, 3, (1, 1), {}),
    ("reflect", "conv", 2, 2, 5, 6, 3, (3, 3), {"padding": (1, 2), "padding_mode": "reflect"}),
    ("replicate", "conv", 2, 2, 5, 6, 3, (3, 3), {"padding": (2, 1), "padding_mode": "replicate", "stride": (2, 1)}),
    ("circular", "conv", 2, 2, 5, 6, 3, (3, 3), {"padding": (1, 1), "padding_mode": "circular"}),
    ("reflect_same", "conv", 1, 2, 6, 6, 2, (4, 3), {"padding": "same", "padding_mode": "reflect"}),
    ("transpose_basic", "transpose", 2, 3, 4, 5, 2, (3, 3), {}),
    ("transpose_stride2", "transpose", 2, 3, 4, 3, 2, (3, 3), {"stride": (2, 2), "padding": (1, 1), "output_padding": (1, 1)}),
    ("transpose_rect", "transpose", 1, 2, 3, 4, 3, (4, 2), {"stride": (3, 2), "padding": (1, 0), "output_padding": (2, 1), "bias": False}),
    ("transpose_dilated", "transpose", 1, 2, 4, 4, 2, (3, 2), {"dilation": (2, 1), "padding": (1, 1)}),
    ("transpose_pointwise", "transpose", 2, 3, 3, 4, 2, (1, 1), {}),
]


def run(kind, x, w, b, o):
    if kind == "conv":
        mode = o.get("padding_mode", "zeros")
        pad = o.get("padding", (0, 0))
        if mode != "zeros":
            # nn.Conv2d._conv_forward: pad with the mode, then convolve unpadded
            m = torch.nn.Conv2d(x.shape[1], w.shape[0], w.shape[2:], stride=o.get("stride", 1), padding=pad,
                                dilation=o.get("dilation", 1), groups=o.get("groups", 1), bias=b is not None,
                                padding_mode=mode).to(D)
            x = F.pad(x, m._reversed_padding_repeated_twice, mode=mode)
            pad = 0
        return F.conv2d(x, w, b, stride=o.get("stride", 1), padding=pad,
                        dilation=o.get("dilation", 1), groups=o.get("groups", 1))
    return F.conv_transpose2d(x, w, b, stride=o.get("stride", 1), padding=o.get("padding", 0),
                              output_padding=o.get("output_padding", 0), dilation=o.get("dilation", 1))


cases = []
for name, kind, n, c, h, wd, out, k, o in CASES:
    x = rand(n, c, h, wd).requires_grad_()
    if kind == "conv":
        w = rand(out, c // o.get("groups", 1), *k).requires_grad_()
    else:
        w = rand(c, out, *k).requires_grad_()
    b = rand(out).requires_grad_() if o.get("bias", True) else None
    y = run(kind, x, w, b, o)
    u = rand(*y.shape)
    (y * u).sum().backward()
    opts = {key: (list(v) if isinstance(v, tuple) else v) for key, v in o.items()}
    case = {"name": name, "kind": kind, "kernel": list(k), "options": opts,
            "x": arr(x), "weight": arr(w), "output": arr(y), "u": arr(u),
            "grad_x": arr(x.grad), "grad_weight": arr(w.grad)}
    if b is not None:
        case["bias"] = arr(b)
        case["grad_bias"] = arr(b.grad)
    cases.append(case)

print(json.dumps({"torch": torch.__version__, "cases": cases}))
