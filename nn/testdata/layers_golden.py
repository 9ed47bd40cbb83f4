"""Reference values for deepgo's pooling, normalization, upsampling and
pixel (un)shuffle layers, computed with PyTorch in float64.

Run from the repository root (Debian's python3-torch, see
../shared/PYTORCH-REFERENCE.md):

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 nn/testdata/layers_golden.py > nn/testdata/layers_golden.json

Each case names a layer ("layer" and its "args"), gives the input x and a
fixed random tensor u of the output's shape, and records the output and the
gradient of sum(out * u) with respect to x (and weight and bias for batch
norm). Batch-norm cases run two training forwards, on x then x2, recording
the first one's output and gradients and the running statistics after both;
the "eval" cases then switch to evaluation mode and record a forward on x.
Replayed by nn/pool_golden_test.go.
"""
import json

import torch
import torch.nn as nn

torch.manual_seed(1234)
D = torch.float64


def rand(*shape, lo=-2.0, hi=2.0):
    return torch.empty(tuple(shape), dtype=D).uniform_(lo, hi)


def arr(t):
    t = torch.as_tensor(t, dtype=D)
    return {"shape": list(t.shape), "data": t.flatten().tolist()}


def build(layer, a):
    if layer == "MaxPool2d":
        return nn.MaxPool2d(a["kernel"], a["stride"] or None, a["padding"])
    if layer == "AvgPool2d":
        return nn.AvgPool2d(a["kernel"], a["stride"] or None, a["padding"],
                            count_include_pad=a["count_include_pad"])
    if layer == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(tuple(a["size"]))
    if layer == "PixelUnshuffle":
        return nn.PixelUnshuffle(a["factor"])
    if layer == "PixelShuffle":
        return nn.PixelShuffle(a["factor"])
    if layer == "Upsample":
        kw = {"mode": a["mode"]}
        if a["mode"] == "bilinear":
            kw["align_corners"] = a["align_corners"]
        if a.get("scale"):
            return nn.Upsample(scale_factor=a["scale"], **kw)
        return nn.Upsample(size=tuple(a["size"]), **kw)
    if layer == "BatchNorm1d":
        return nn.BatchNorm1d(a["c"], momentum=a["momentum"])
    if layer == "BatchNorm2d":
        return nn.BatchNorm2d(a["c"], momentum=a["momentum"])
    raise ValueError(layer)


def run(m, x, params=()):
    x = x.clone().requires_grad_(True)
    out = m(x)
    u = rand(*out.shape)
    (out * u).sum().backward()
    rec = {"x": arr(x.detach()), "u": arr(u), "out": arr(out.detach()), "grad": arr(x.grad)}
    for name, p in params:
        rec["grad_" + name] = arr(p.grad)
        p.grad = None
    return rec


cases = []


def case(name, layer, x, **args):
    m = build(layer, args).double()
    rec = {"name": name, "layer": layer, "args": args}
    if layer.startswith("BatchNorm"):
        with torch.no_grad():
            m.weight.copy_(rand(args["c"], lo=0.5, hi=1.5))
            m.bias.copy_(rand(args["c"]))
        rec["weight"], rec["bias"] = arr(m.weight.detach()), arr(m.bias.detach())
        ps = [("weight", m.weight), ("bias", m.bias)]
        rec["train"] = run(m, x, ps)
        x2 = rand(*x.shape) * 1.5 + 0.3
        rec["x2"] = arr(x2)
        with torch.no_grad():
            m(x2)
        rec["running_mean"] = arr(m.running_mean)
        rec["running_var"] = arr(m.running_var)
        rec["num_batches_tracked"] = int(m.num_batches_tracked)
        m.eval()
        rec["eval"] = run(m, x, ps)
    else:
        rec.update(run(m, x))
    cases.append(rec)


ties = torch.randint(0, 3, (2, 2, 5, 6)).to(D)  # small integers: many ties
case("maxpool k2", "MaxPool2d", rand(2, 3, 6, 7), kernel=2, stride=0, padding=0)
case("maxpool k3 s2 p1", "MaxPool2d", rand(2, 3, 7, 6), kernel=3, stride=2, padding=1)
case("maxpool ties k2 s1", "MaxPool2d", ties, kernel=2, stride=1, padding=0)
case("maxpool ties k3 s2 p1", "MaxPool2d", ties, kernel=3, stride=2, padding=1)
case("avgpool k2", "AvgPool2d", rand(2, 3, 6, 7), kernel=2, stride=0, padding=0, count_include_pad=True)
case("avgpool k3 s2 p1", "AvgPool2d", rand(2, 3, 7, 6), kernel=3, stride=2, padding=1, count_include_pad=True)
case("avgpool k3 s2 p1 exclude pad", "AvgPool2d", rand(2, 3, 7, 6), kernel=3, stride=2, padding=1, count_include_pad=False)
case("avgpool k3 s3 p1 overrun", "AvgPool2d", rand(1, 2, 7, 8), kernel=3, stride=3, padding=1, count_include_pad=True)
case("adaptive 3x2 from 7x5", "AdaptiveAvgPool2d", rand(2, 3, 7, 5), size=[3, 2])
case("adaptive 4x4 from 8x8", "AdaptiveAvgPool2d", rand(2, 2, 8, 8), size=[4, 4])
case("adaptive 1x1", "AdaptiveAvgPool2d", rand(2, 3, 5, 4), size=[1, 1])
case("pixel unshuffle 2", "PixelUnshuffle", rand(2, 3, 4, 6), factor=2)
case("pixel unshuffle 3", "PixelUnshuffle", rand(1, 2, 6, 3), factor=3)
case("pixel shuffle 2", "PixelShuffle", rand(2, 8, 3, 2), factor=2)
case("nearest x2", "Upsample", rand(2, 2, 3, 4), mode="nearest", scale=2.0)
case("nearest x1.5", "Upsample", rand(1, 2, 5, 3), mode="nearest", scale=1.5)
case("nearest size 7x5", "Upsample", rand(1, 2, 3, 4), mode="nearest", size=[7, 5])
case("nearest size 2x3 down", "Upsample", rand(1, 2, 5, 7), mode="nearest", size=[2, 3])
case("bilinear x2", "Upsample", rand(2, 2, 3, 4), mode="bilinear", scale=2.0, align_corners=False)
case("bilinear x2 align", "Upsample", rand(2, 2, 3, 4), mode="bilinear", scale=2.0, align_corners=True)
case("bilinear x1.5", "Upsample", rand(1, 2, 5, 3), mode="bilinear", scale=1.5, align_corners=False)
case("bilinear size 5x7", "Upsample", rand(1, 2, 3, 4), mode="bilinear", size=[5, 7], align_corners=False)
case("bilinear size 5x7 align", "Upsample", rand(1, 2, 3, 4), mode="bilinear", size=[5, 7], align_corners=True)
case("bilinear size 2x3 down", "Upsample", rand(1, 2, 5, 7), mode="bilinear", size=[2, 3], align_corners=False)
case("batchnorm1d NC", "BatchNorm1d", rand(8, 4) * 2 + 1, c=4, momentum=0.1)
case("batchnorm1d NCL", "BatchNorm1d", rand(4, 3, 5), c=3, momentum=0.1)
case("batchnorm2d", "BatchNorm2d", rand(3, 4, 5, 6) - 0.5, c=4, momentum=0.1)
case("batchnorm2d momentum 0.3", "BatchNorm2d", rand(2, 3, 4, 4) * 3, c=3, momentum=0.3)

json.dump({"cases": cases}, __import__("sys").stdout)
