"""Reference values for deepgo's tensor ops, computed with PyTorch.

Run from the repository root (Debian's python3-torch, see ../shared/PYTORCH-REFERENCE.md):

    /usr/bin/python3 tensor/testdata/golden.py > tensor/testdata/golden.json

For each case: the inputs, the forward output, and the gradient of
sum(output * w) with respect to every input, w being a fixed random tensor of
the output's shape. tensor/golden_test.go replays each case in deepgo and
compares values and gradients. All arithmetic is float64 here, so the
reference is exact to float32 precision.
"""
import json

import torch
import torch.nn.functional as F

torch.manual_seed(1234)
D = torch.float64


def rand(*shape, lo=-1.0, hi=1.0):
    return torch.empty(*shape, dtype=D).uniform_(lo, hi)


def pos(*shape):
    return rand(*shape, lo=0.5, hi=2.0)


CASES = [
    # name, inputs, function of the inputs
    ("add_broadcast", [rand(3, 1, 4), rand(2, 1)], lambda a, b: a + b),
    ("sub_broadcast", [rand(5), rand(2, 3, 5)], lambda a, b: a - b),
    ("mul_broadcast", [rand(2, 3), rand(3)], lambda a, b: a * b),
    ("div_broadcast", [rand(4, 3), pos(4, 1)], lambda a, b: a / b),
    ("pow_tensor", [pos(3, 4), rand(4)], lambda a, b: a ** b),
    ("maximum", [rand(3, 4), rand(4)], torch.maximum),
    ("minimum", [rand(3, 4), rand(3, 1)], torch.minimum),
    ("pow_scalar", [pos(3, 4)], lambda a: a ** 2.5),
    ("exp", [rand(3, 4)], torch.exp),
    ("log", [pos(3, 4)], torch.log),
    ("sqrt", [pos(3, 4)], torch.sqrt),
    ("abs", [rand(3, 4)], torch.abs),
    ("clamp", [rand(3, 4)], lambda a: torch.clamp(a, -0.5, 0.5)),
    ("relu", [rand(3, 4)], F.relu),
    ("leaky_relu", [rand(3, 4)], lambda a: F.leaky_relu(a, 0.1)),
    ("elu", [rand(3, 4)], lambda a: F.elu(a, 1.0)),
    ("sigmoid", [rand(3, 4)], torch.sigmoid),
    ("tanh", [rand(3, 4)], torch.tanh),
    ("silu", [rand(3, 4)], F.silu),
    ("softplus", [rand(3, 4)], F.softplus),
    ("gelu", [rand(3, 4)], F.gelu),
    ("gelu_tanh", [rand(3, 4)], lambda a: F.gelu(a, approximate="tanh")),
    ("softmax_last", [rand(2, 3, 5)], lambda a: torch.softmax(a, -1)),
    ("softmax_mid", [rand(2, 3, 5)], lambda a: torch.softmax(a, 1)),
    ("log_softmax_first", [rand(2, 3, 5)], lambda a: torch.log_softmax(a, 0)),
    ("sum_axes", [rand(2, 3, 4)], lambda a: a.sum(dim=(0, 2))),
    ("mean_keep", [rand(2, 3, 4)], lambda a: a.mean(dim=1, keepdim=True)),
    ("var", [rand(2, 3, 4)], lambda a: a.var(dim=-1)),
    ("std_keep", [rand(2, 3, 4)], lambda a: a.std(dim=(0, 1), keepdim=True)),
    ("logsumexp", [rand(2, 3, 4)], lambda a: torch.logsumexp(a, dim=1)),
    ("amax", [rand(2, 3, 4)], lambda a: torch.amax(a, dim=2)),
    ("amin_keep", [rand(2, 3, 4)], lambda a: torch.amin(a, dim=0, keepdim=True)),
    ("matmul_2d", [rand(3, 4), rand(4, 5)], torch.matmul),
    ("matmul_batched", [rand(2, 3, 4, 5), rand(2, 3, 5, 2)], torch.matmul),
    ("matmul_broadcast", [rand(2, 1, 4, 5), rand(3, 5, 2)], torch.matmul),
    ("matmul_3d_2d", [rand(2, 3, 4), rand(4, 5)], torch.matmul),
    ("matmul_vec", [rand(4), rand(4, 3)], torch.matmul),
    ("linear", [rand(2, 3, 4), rand(5, 4), rand(5)], F.linear),
    ("transpose", [rand(2, 3, 4)], lambda a: a.transpose(0, 2)),
    ("permute", [rand(2, 3, 4)], lambda a: a.permute(1, 2, 0)),
    ("expand", [rand(3, 1)], lambda a: a.expand(2, 3, 4)),
    ("concat", [rand(2, 3), rand(2, 2)], lambda a, b: torch.cat([a, b], 1)),
    ("stack", [rand(2, 3), rand(2, 3)], lambda a, b: torch.stack([a, b], 1)),
    ("narrow", [rand(4, 5)], lambda a: a.narrow(1, 1, 3)),
    ("pad_constant", [rand(2, 3)], lambda a: F.pad(a, (1, 2, 0, 1), value=0.5)),
    ("pad_reflect", [rand(1, 2, 5)], lambda a: F.pad(a, (2, 1), mode="reflect")),
    ("pad_replicate", [rand(1, 2, 3, 3)], lambda a: F.pad(a, (1, 2, 2, 1), mode="replicate")),
    ("pad_circular", [rand(1, 2, 4)], lambda a: F.pad(a, (2, 3), mode="circular")),
    ("index_select", [rand(4, 3)], lambda a: a.index_select(0, torch.tensor([2, 0, 2]))),
    ("gather", [rand(3, 4)], lambda a: a.gather(1, torch.tensor([[0, 3], [1, 1], [2, 0]]))),
    ("scatter_add", [rand(3, 4), rand(3, 2)],
     lambda a, s: a.scatter_add(1, torch.tensor([[0, 0], [1, 3], [2, 2]]), s)),
    ("repeat", [rand(2, 3)], lambda a: a.repeat(2, 1, 2)),
]


def main():
    out = []
    for name, inputs, fn in CASES:
        xs = [x.clone().requires_grad_(True) for x in inputs]
        y = fn(*xs)
        w = rand(*y.shape)
        (y * w).sum().backward()
        out.append({
            "name": name,
            "inputs": [{"shape": list(x.shape), "data": x.detach().flatten().tolist()} for x in xs],
            "output": {"shape": list(y.shape), "data": y.detach().flatten().tolist()},
            "weight": w.flatten().tolist(),
            "grads": [x.grad.flatten().tolist() for x in xs],
        })
    print(json.dumps({"torch": torch.__version__, "cases": out}))


if __name__ == "__main__":
    main()
