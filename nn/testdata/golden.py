"""Reference values for deepgo's nn package, computed with PyTorch.

Run from the repository root (Debian's python3-torch, see ../shared/PYTORCH-REFERENCE.md):

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 nn/testdata/golden.py > nn/testdata/golden.json

Three sections, replayed by nn/golden_test.go:

- "losses": for each case the input, target and options, the loss, and the
  gradients of sum(loss * u) with respect to input and target (u a fixed
  random tensor of the loss's shape; a scalar for the reduced losses). The
  arithmetic is float64, exact to float32 precision.
- "inits": for each initializer and weight shape, the distribution torch.nn.init
  draws from (the bounds of uniform_, the mean and std of normal_), recorded
  by intercepting Tensor.uniform_ and Tensor.normal_: deepgo draws other random
  values, so the parameters are compared, not the samples. nn.Linear's default
  initialization is recorded the same way.
- "gains": torch.nn.init.calculate_gain.
"""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(4321)
D = torch.float64


def rand(*shape, lo=-2.0, hi=2.0):
    return torch.empty(tuple(shape), dtype=D).uniform_(lo, hi)


def classes(c, *shape):
    return torch.randint(0, c, shape).to(D)


def arr(t):
    if t is None:
        return None
    t = torch.as_tensor(t, dtype=D)
    return {"shape": list(t.shape), "data": t.flatten().tolist()}


def class_target(c, shape, ignore=None, positions=()):
    t = classes(c, *shape).flatten()
    for p in positions:
        t[p] = ignore
    return t.view(*shape)


LOSS_CASES = []


def f32(t):
    """Rounds to float32 values, so that deepgo's float32 inputs are these exactly."""
    return None if t is None else t.float().double()


def case(name, loss, x, y, diff_target=False, **opt):
    opt = {k: f32(v) if torch.is_tensor(v) else v for k, v in opt.items()}
    LOSS_CASES.append((name, loss, f32(x), f32(y), diff_target, opt))


# Cross-entropy: every option, alone and combined, and the class-axis-1 layouts.
W4 = torch.tensor([0.5, 2.0, 1.0, 0.25], dtype=D)
W3 = torch.tensor([1.5, 0.3, 1.0], dtype=D)
for red in ["mean", "sum", "none"]:
    case("ce_" + red, "cross_entropy", rand(5, 4), classes(4, 5), reduction=red)
    case("ce_weight_" + red, "cross_entropy", rand(5, 4), classes(4, 5), weight=W4, reduction=red)
    case("ce_smooth_" + red, "cross_entropy", rand(5, 4), classes(4, 5), label_smoothing=0.1, reduction=red)
    case("ce_smooth_weight_" + red, "cross_entropy", rand(6, 4), class_target(4, (6,), 2, [1, 4]),
         weight=W4, label_smoothing=0.2, ignore_index=2, reduction=red)
    case("ce_4d_all_" + red, "cross_entropy", rand(2, 3, 4, 5), class_target(3, (2, 4, 5), 0, [0, 7, 13, 31]),
         weight=W3, label_smoothing=0.15, ignore_index=0, reduction=red)
case("ce_ignore_default", "cross_entropy", rand(6, 4), class_target(4, (6,), -100, [0, 3]))
case("ce_ignore_zero", "cross_entropy", rand(6, 4), class_target(4, (6,), 0, [2]), ignore_index=0)
case("ce_weight_ignore", "cross_entropy", rand(6, 4), class_target(4, (6,), 3, [1, 5]), weight=W4, ignore_index=3)
case("ce_smooth_ignore", "cross_entropy", rand(6, 4), class_target(4, (6,), -100, [2]), label_smoothing=0.3)
case("ce_smooth_one", "cross_entropy", rand(3, 4), classes(4, 3), label_smoothing=1.0)
case("ce_3d", "cross_entropy", rand(2, 4, 3), classes(4, 2, 3))
case("ce_4d", "cross_entropy", rand(2, 3, 4, 5), classes(3, 2, 4, 5))
case("ce_4d_weight_none", "cross_entropy", rand(2, 3, 2, 2), classes(3, 2, 2, 2), weight=W3, reduction="none")
case("ce_unbatched", "cross_entropy", rand(4), torch.tensor(2.0, dtype=D))
case("ce_large_logits", "cross_entropy", rand(3, 4) * 100, classes(4, 3))

# NLL on log-probabilities.
case("nll_mean", "nll", torch.log_softmax(rand(5, 4), 1), classes(4, 5))
case("nll_sum", "nll", torch.log_softmax(rand(5, 4), 1), classes(4, 5), reduction="sum")
case("nll_weight_ignore", "nll", torch.log_softmax(rand(6, 4), 1), class_target(4, (6,), 1, [0, 2]),
     weight=W4, ignore_index=1)
case("nll_4d_none", "nll", torch.log_softmax(rand(2, 3, 2, 3), 1), class_target(3, (2, 2, 3), -100, [4]),
     weight=W3, reduction="none")

# Binary cross-entropy on probabilities (soft targets, so that target gradients mean something).
for red in ["mean", "sum", "none"]:
    case("bce_" + red, "bce", rand(4, 3, lo=0.02, hi=0.98), rand(4, 3, lo=0, hi=1), True, reduction=red)
case("bce_weight", "bce", rand(4, 3, lo=0.02, hi=0.98), rand(4, 3, lo=0, hi=1), True,
     weight=torch.tensor([0.5, 1.0, 2.0], dtype=D))
case("bce_weight_full_none", "bce", rand(2, 3, lo=0.02, hi=0.98), rand(2, 3, lo=0, hi=1), True,
     weight=rand(2, 3, lo=0.1, hi=2), reduction="none")
case("bce_edges", "bce", torch.tensor([0.0, 1.0, 0.0, 1.0, 1e-7, 0.5], dtype=D),
     torch.tensor([0.0, 1.0, 1.0, 0.0, 0.0, 0.5], dtype=D), reduction="none")

# Binary cross-entropy on logits, with pos_weight, and far out for stability.
for red in ["mean", "sum", "none"]:
    case("bcel_" + red, "bce_logits", rand(4, 3, lo=-4, hi=4), rand(4, 3, lo=0, hi=1), True, reduction=red)
case("bcel_pos_weight", "bce_logits", rand(5, 3, lo=-4, hi=4), classes(2, 5, 3), True,
     pos_weight=torch.tensor([3.0, 0.5, 1.0], dtype=D))
case("bcel_weight_pos_none", "bce_logits", rand(4, 3, lo=-4, hi=4), rand(4, 3, lo=0, hi=1), True,
     weight=rand(4, 1, lo=0.1, hi=2), pos_weight=torch.tensor([2.0, 0.25, 4.0], dtype=D), reduction="none")
case("bcel_large", "bce_logits", torch.tensor([-100.0, -30.0, 30.0, 100.0, 0.0, 17.0], dtype=D),
     torch.tensor([0.0, 1.0, 0.0, 1.0, 0.5, 0.2], dtype=D), True, reduction="none")

# Regression losses; differences cross the Huber and smooth-L1 thresholds.
for red in ["mean", "sum", "none"]:
    case("mse_" + red, "mse", rand(3, 4), rand(3, 4), True, reduction=red)
    case("l1_" + red, "l1", rand(3, 4), rand(3, 4), True, reduction=red)
case("huber_default", "huber", rand(4, 5), rand(4, 5), True)
case("huber_delta", "huber", rand(4, 5), rand(4, 5), True, delta=0.7, reduction="sum")
case("huber_delta_none", "huber", rand(2, 5), rand(2, 5), True, delta=2.5, reduction="none")
case("smooth_l1_default", "smooth_l1", rand(4, 5), rand(4, 5), True)
case("smooth_l1_beta", "smooth_l1", rand(4, 5), rand(4, 5), True, beta=0.7, reduction="sum")
case("smooth_l1_beta_none", "smooth_l1", rand(2, 5), rand(2, 5), True, beta=2.5, reduction="none")


def run_loss(loss, x, y, opt):
    red = opt.get("reduction", "mean")
    if loss == "cross_entropy":
        return F.cross_entropy(x, y.long(), weight=opt.get("weight"), ignore_index=opt.get("ignore_index", -100),
                               label_smoothing=opt.get("label_smoothing", 0.0), reduction=red)
    if loss == "nll":
        return F.nll_loss(x, y.long(), weight=opt.get("weight"), ignore_index=opt.get("ignore_index", -100),
                          reduction=red)
    if loss == "bce":
        w = opt.get("weight")
        if w is not None:
            w = w.expand_as(x)
        return F.binary_cross_entropy(x, y, weight=w, reduction=red)
    if loss == "bce_logits":
        return F.binary_cross_entropy_with_logits(x, y, weight=opt.get("weight"), pos_weight=opt.get("pos_weight"),
                                                  reduction=red)
    if loss == "mse":
        return F.mse_loss(x, y, reduction=red)
    if loss == "l1":
        return F.l1_loss(x, y, reduction=red)
    if loss == "huber":
        return F.huber_loss(x, y, delta=opt.get("delta", 1.0), reduction=red)
    if loss == "smooth_l1":
        return F.smooth_l1_loss(x, y, beta=opt.get("beta", 1.0), reduction=red)
    raise ValueError(loss)


def losses():
    out = []
    for name, loss, x, y, diff_target, opt in LOSS_CASES:
        x = x.clone().requires_grad_(True)
        y = y.clone().requires_grad_(diff_target)
        val = run_loss(loss, x, y, opt)
        u = rand(*val.shape, lo=0.5, hi=1.5)
        (val * u).sum().backward()
        out.append({
            "name": name,
            "loss": loss,
            "input": arr(x.detach()),
            "target": arr(y.detach()),
            "weight": arr(opt.get("weight")),
            "pos_weight": arr(opt.get("pos_weight")),
            "ignore_index": opt.get("ignore_index"),
            "label_smoothing": opt.get("label_smoothing", 0.0),
            "reduction": opt.get("reduction", "mean"),
            "delta": opt.get("delta", 0.0),
            "beta": opt.get("beta", 0.0),
            "output": arr(val.detach()),
            "upstream": arr(u),
            "grad_input": x.grad.flatten().tolist(),
            "grad_target": y.grad.flatten().tolist() if diff_target else None,
        })
    return out


class Recorder:
    """Intercepts Tensor.uniform_ and Tensor.normal_ to record their arguments."""

    def __enter__(self):
        self.calls = []
        self.saved = torch.Tensor.uniform_, torch.Tensor.normal_
        rec = self

        def uniform_(t, a=0.0, b=1.0, generator=None):
            rec.calls.append({"dist": "uniform", "a": float(a), "b": float(b), "shape": list(t.shape)})
            return t

        def normal_(t, mean=0.0, std=1.0, generator=None):
            rec.calls.append({"dist": "normal", "a": float(mean), "b": float(std), "shape": list(t.shape)})
            return t

        torch.Tensor.uniform_, torch.Tensor.normal_ = uniform_, normal_
        return self

    def __exit__(self, *exc):
        torch.Tensor.uniform_, torch.Tensor.normal_ = self.saved


INIT_CASES = [
    # name, torch.nn.init function, keyword arguments
    ("xavier_uniform", nn.init.xavier_uniform_, {}),
    ("xavier_uniform", nn.init.xavier_uniform_, {"gain": nn.init.calculate_gain("tanh")}),
    ("xavier_normal", nn.init.xavier_normal_, {}),
    ("xavier_normal", nn.init.xavier_normal_, {"gain": 2.0}),
    ("kaiming_uniform", nn.init.kaiming_uniform_, {}),
    ("kaiming_uniform", nn.init.kaiming_uniform_, {"a": math.sqrt(5)}),
    ("kaiming_uniform", nn.init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_uniform", nn.init.kaiming_uniform_, {"a": 0.2, "mode": "fan_out"}),
    ("kaiming_normal", nn.init.kaiming_normal_, {}),
    ("kaiming_normal", nn.init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}),
    ("kaiming_normal", nn.init.kaiming_normal_, {"nonlinearity": "tanh"}),
    ("kaiming_normal", nn.init.kaiming_normal_, {"nonlinearity": "sigmoid", "mode": "fan_out"}),
    ("uniform", nn.init.uniform_, {"a": -0.3, "b": 0.7}),
    ("normal", nn.init.normal_, {"mean": 0.5, "std": 0.02}),
]
SHAPES = [[64, 784], [10, 32], [1, 7], [16, 3, 5, 5], [8, 4, 3], [6, 2, 3, 3, 3]]


def inits():
    out = []
    for name, fn, kwargs in INIT_CASES:
        for shape in SHAPES:
            t = torch.empty(*shape)
            fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(t)
            with Recorder() as r:
                fn(t, **kwargs)
            (call,) = r.calls
            out.append({"init": name, "shape": shape, "kwargs": kwargs, "fan_in": fan_in, "fan_out": fan_out,
                        "dist": call["dist"], "a": call["a"], "b": call["b"]})
    for fin, fout in [(784, 64), (64, 32), (32, 10), (3, 1)]:
        with Recorder() as r:
            nn.Linear(fin, fout)
        w, b = r.calls
        out.append({"init": "linear", "shape": [fout, fin], "kwargs": {}, "fan_in": fin, "fan_out": fout,
                    "dist": w["dist"], "a": w["a"], "b": w["b"], "bias_a": b["a"], "bias_b": b["b"]})
    return out


def gains():
    out = []
    for nl, param in [("linear", None), ("conv2d", None), ("conv_transpose2d", None), ("sigmoid", None),
                      ("tanh", None), ("relu", None), ("leaky_relu", None), ("leaky_relu", 0.2),
                      ("leaky_relu", math.sqrt(5)), ("selu", None)]:
        out.append({"nonlinearity": nl, "param": param, "gain": nn.init.calculate_gain(nl, param)})
    return out


def main():
    print(json.dumps({"torch": torch.__version__, "losses": losses(), "inits": inits(), "gains": gains()}))


if __name__ == "__main__":
    main()
