"""Reference values for deepgo's optimizers, LR schedulers and gradient clipping,
computed with PyTorch (torch.optim, torch.optim.lr_scheduler, torch.nn.utils).

Run from the repository root (Debian's python3-torch 1.13, see ../shared/PYTORCH-REFERENCE.md):

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 optim/testdata/golden.py > optim/testdata/golden.json

The problem is fixed: parameters W [3 4], b [3] and an unused u [2] (its grad
stays None, so every optimizer must skip it), data X [8 4], Y [8 3], and

    loss = mean((X Wᵀ + b − Y)²)

Each optimizer case runs 10 steps (zero_grad, loss, backward, step) and
records W, b, u. Each scheduler case drives an optimizer for 30 steps
(optimizer.step() then scheduler.step()), recording the LR after construction
and after every step, the momentum (or beta1) when OneCycleLR cycles it, and
the parameters after 10 steps. ReduceLROnPlateau is fed the fixed METRICS
sequence instead of a loss. optim/golden_test.go replays every case by name.

All arithmetic is float64; the starting values are float32 numbers, so deepgo
(float32) starts from exactly the same point.
"""
import json
import warnings

import torch
from torch.optim import lr_scheduler as S

warnings.filterwarnings("ignore")
torch.manual_seed(20240611)
D = torch.float64


def f32rand(*shape, lo=-1.0, hi=1.0):
    return torch.empty(*shape, dtype=torch.float32).uniform_(lo, hi).to(D)


W0 = f32rand(3, 4)
B0 = f32rand(3)
U0 = f32rand(2)
X = f32rand(8, 4, lo=-2.0, hi=2.0)
Y = f32rand(8, 3)


def fresh():
    return [t.clone().requires_grad_(True) for t in (W0, B0, U0)]


def loss_of(params):
    W, b, _ = params
    return ((X @ W.T + b - Y) ** 2).mean()


def train_step(opt, params):
    opt.zero_grad()
    loss_of(params).backward()
    opt.step()


def flat(t):
    return t.detach().flatten().tolist()


def snapshot(params):
    return {"W": flat(params[0]), "b": flat(params[1]), "u": flat(params[2])}


SGD = torch.optim.SGD
Adam = torch.optim.Adam
AdamW = torch.optim.AdamW
RMSprop = torch.optim.RMSprop

OPTIMIZERS = [
    ("sgd", lambda p: SGD(p, lr=0.1)),
    ("sgd_momentum", lambda p: SGD(p, lr=0.05, momentum=0.9)),
    ("sgd_nesterov", lambda p: SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    ("sgd_dampening", lambda p: SGD(p, lr=0.05, momentum=0.9, dampening=0.3)),
    ("sgd_weight_decay", lambda p: SGD(p, lr=0.1, weight_decay=0.05)),
    ("sgd_momentum_weight_decay", lambda p: SGD(p, lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("sgd_nesterov_weight_decay", lambda p: SGD(p, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("adam", lambda p: Adam(p, lr=0.05)),
    ("adam_weight_decay", lambda p: Adam(p, lr=0.05, weight_decay=0.1)),
    ("adam_amsgrad", lambda p: Adam(p, lr=0.05, betas=(0.8, 0.99), amsgrad=True)),
    ("adam_beta1_zero", lambda p: Adam(p, lr=0.02, betas=(0.0, 0.9), eps=1e-6)),
    ("adamw", lambda p: AdamW(p, lr=0.05)),
    ("adamw_amsgrad", lambda p: AdamW(p, lr=0.05, weight_decay=0.1, amsgrad=True)),
    ("adamw_no_decay", lambda p: AdamW(p, lr=0.05, weight_decay=0.0)),
    ("rmsprop", lambda p: RMSprop(p, lr=0.01)),
    ("rmsprop_momentum", lambda p: RMSprop(p, lr=0.01, momentum=0.9)),
    ("rmsprop_centered", lambda p: RMSprop(p, lr=0.01, alpha=0.9, centered=True)),
    ("rmsprop_weight_decay", lambda p: RMSprop(p, lr=0.01, weight_decay=0.1)),
    ("rmsprop_all", lambda p: RMSprop(p, lr=0.005, alpha=0.95, eps=1e-6, weight_decay=0.1,
                                      momentum=0.5, centered=True)),
]


def run_optimizer(make):
    params = fresh()
    opt = make(params)
    for _ in range(10):
        train_step(opt, params)
    return snapshot(params)


# Scheduler cases: (name, optimizer factory, list of scheduler factories).
# Several schedulers on one optimizer are chained, as torch allows.
SCHEDULERS = [
    ("step_lr", lambda p: SGD(p, lr=0.1, momentum=0.9),
     [lambda o: S.StepLR(o, step_size=4, gamma=0.5)]),
    ("multistep_lr", lambda p: SGD(p, lr=0.1, momentum=0.9),
     [lambda o: S.MultiStepLR(o, milestones=[3, 7, 7, 12], gamma=0.5)]),
    ("exponential_lr", lambda p: SGD(p, lr=0.1),
     [lambda o: S.ExponentialLR(o, gamma=0.9)]),
    ("cosine_lr", lambda p: SGD(p, lr=0.1, momentum=0.9),
     [lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001)]),
    ("linear_warmup", lambda p: SGD(p, lr=0.1, momentum=0.9),
     [lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5)]),
    ("linear_lr", lambda p: SGD(p, lr=0.1),
     [lambda o: S.LinearLR(o, start_factor=0.5, end_factor=0.2, total_iters=7)]),
    ("onecycle_cos", lambda p: SGD(p, lr=0.1, momentum=0.9),
     [lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=30)]),
    ("onecycle_linear_three_phase", lambda p: SGD(p, lr=0.1, momentum=0.9),
     [lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=30, pct_start=0.25, anneal_strategy="linear",
                             div_factor=10.0, final_div_factor=100.0, three_phase=True)]),
    ("onecycle_adam", lambda p: Adam(p, lr=0.01),
     [lambda o: S.OneCycleLR(o, max_lr=0.05, total_steps=30, base_momentum=0.8, max_momentum=0.9)]),
    ("onecycle_rmsprop", lambda p: RMSprop(p, lr=0.01, momentum=0.5),
     [lambda o: S.OneCycleLR(o, max_lr=0.02, total_steps=30)]),
    ("onecycle_no_momentum", lambda p: SGD(p, lr=0.1),
     [lambda o: S.OneCycleLR(o, max_lr=0.3, total_steps=30, cycle_momentum=False)]),
    ("chained_warmup_exponential", lambda p: SGD(p, lr=0.1, momentum=0.9),
     [lambda o: S.LinearLR(o, start_factor=0.2, total_iters=4),
      lambda o: S.ExponentialLR(o, gamma=0.9)]),
    ("chained_linear_cosine", lambda p: SGD(p, lr=0.1),
     [lambda o: S.LinearLR(o, start_factor=0.5, total_iters=3),
      lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01)]),
    ("chained_step_multistep", lambda p: SGD(p, lr=0.1),
     [lambda o: S.StepLR(o, step_size=5, gamma=0.8),
      lambda o: S.MultiStepLR(o, milestones=[10, 20], gamma=0.5)]),
]

METRICS = [1.0, 0.9, 0.9, 0.95, 0.91, 0.899, 0.8999, 0.9, 0.85, 0.86, 0.87, 0.88, 0.84, 0.84, 0.84,
           0.84, 0.83, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86]

PLATEAUS = [
    ("plateau_min_rel", lambda p: SGD(p, lr=0.1, momentum=0.9),
     lambda o: S.ReduceLROnPlateau(o, mode="min", factor=0.5, patience=2, threshold=0.01,
                                   cooldown=1, min_lr=0.01)),
    ("plateau_max_abs", lambda p: SGD(p, lr=0.1),
     lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=1, threshold=0.02,
                                   threshold_mode="abs")),
    ("plateau_defaults", lambda p: SGD(p, lr=0.1),
     lambda o: S.ReduceLROnPlateau(o)),
    ("plateau_patience_zero", lambda p: SGD(p, lr=0.1),
     lambda o: S.ReduceLROnPlateau(o, patience=0, threshold=0.0, min_lr=0.002, eps=1e-3)),
]


def momentum_of(opt):
    g = opt.param_groups[0]
    return g["betas"][0] if "betas" in g else g["momentum"]


def run_scheduler(make_opt, make_scheds, metric=False):
    params = fresh()
    opt = make_opt(params)
    scheds = [m(opt) for m in make_scheds]
    lrs = [opt.param_groups[0]["lr"]]
    moms = [momentum_of(opt)]
    after10 = None
    for i in range(30):
        train_step(opt, params)
        for s in scheds:
            if metric:
                s.step(METRICS[i])
            else:
                s.step()
        lrs.append(opt.param_groups[0]["lr"])
        moms.append(momentum_of(opt))
        if i == 9:
            after10 = snapshot(params)
    return {"lrs": lrs, "momentum": moms, "params": after10}


def clip_cases():
    params = fresh()
    loss_of(params).backward()
    grads = [p.grad.clone() if p.grad is not None else None for p in params]
    out = {"grad_W": flat(grads[0]), "grad_b": flat(grads[1])}
    for name, max_norm in [("clip_norm_small", 0.5), ("clip_norm_large", 100.0)]:
        for p, g in zip(params, grads):
            p.grad = None if g is None else g.clone()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        out[name] = {"max_norm": max_norm, "norm": norm.item(),
                     "W": flat(params[0].grad), "b": flat(params[1].grad)}
    for p, g in zip(params, grads):
        p.grad = None if g is None else g.clone()
    torch.nn.utils.clip_grad_value_(params, 0.1)
    out["clip_value"] = {"clip": 0.1, "W": flat(params[0].grad), "b": flat(params[1].grad)}
    return out


def main():
    out = {
        "torch": torch.__version__,
        "init": {"W": flat(W0), "b": flat(B0), "u": flat(U0), "X": flat(X), "Y": flat(Y)},
        "optimizers": {name: run_optimizer(make) for name, make in OPTIMIZERS},
        "schedulers": {name: run_scheduler(o, s) for name, o, s in SCHEDULERS},
        "metrics": METRICS,
        "clip": clip_cases(),
    }
    for name, o, s in PLATEAUS:
        out["schedulers"][name] = run_scheduler(o, [s], metric=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
