"""Reference values for deepgo's LayerNorm, attention and transformer layers,
computed with PyTorch in float64.

Run from the repository root (Debian's python3-torch, see
../shared/PYTORCH-REFERENCE.md):

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 nn/testdata/attention_golden.py > nn/testdata/attention_golden.json

Every value is a float32 number stored exactly; the arithmetic is float64.
Each case records its inputs, a fixed random tensor u per output, the
outputs, and the gradients of sum(out * u) (+ sum(weights * u_w) where
attention weights are returned) with respect to the inputs and to every
parameter, keyed "param:<state-dict name>". Modules run in evaluation mode
(dropout off) with random parameters copied in by state-dict name; the
parameter list keeps PyTorch's state-dict order. "state_dicts" lists the
names and shapes of freshly built modules. Replayed by
nn/attention_golden_test.go.
"""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(5)
D = torch.float64


def rand(*shape, lo=-1.0, hi=1.0):
    # float32-exact values, computed on in float64
    return (torch.rand(*shape) * (hi - lo) + lo).to(torch.float32).to(D)


def arr(t):
    # 10 significant digits keep float32 inputs exact and outputs far below
    # the tests' 1e-4 tolerance, at half the size of full float64.
    t = torch.as_tensor(t, dtype=D)
    return {"shape": list(t.shape), "data": [float("%.10g" % v) for v in t.detach().reshape(-1).tolist()]}


def mask_rec(kind, t):
    return {"kind": kind, "values": arr(t.to(D))}


def bool_of(rec):
    return rec is None or rec["kind"] == "bool"


def torch_mask(rec):
    """The PyTorch mask for a record: a bool tensor or a float one."""
    if rec is None:
        return None
    t = torch.tensor(rec["values"]["data"], dtype=D).reshape(rec["values"]["shape"])
    return t != 0 if rec["kind"] == "bool" else t


def causal(n):
    return mask_rec("bool", torch.triu(torch.ones(n, n), diagonal=1))


def randomize(m):
    """Random float32-exact parameters; layer-norm weights around 1."""
    with torch.no_grad():
        for mod in m.modules():
            for name, p in mod.named_parameters(recurse=False):
                if isinstance(mod, nn.LayerNorm) and name == "weight":
                    p.copy_(rand(*p.shape, lo=0.7, hi=1.3))
                else:
                    p.copy_(rand(*p.shape, lo=-0.5, hi=0.5))


def param_list(m):
    return [[n, arr(p.detach())] for n, p in m.named_parameters()]


def backward(outs, weights=None):
    """Draws u for each output, back-propagates sum(out*u), returns the us."""
    loss = 0
    us = []
    for o in outs:
        u = rand(*o.shape)
        us.append(u)
        loss = loss + (o * u).sum()
    if weights is not None:
        uw = rand(*weights.shape)
        us.append(uw)
        loss = loss + (weights * uw).sum()
    loss.backward()
    return us


out = {"layernorm": [], "sdpa": [], "modules": [], "state_dicts": []}

# ---------------------------------------------------------------- LayerNorm
for name, shape, norm, eps, affine in [
    ("rows", (4, 6), (6,), 1e-5, True),
    ("seq", (2, 3, 130), (130,), 1e-5, True),
    ("two_dims", (2, 3, 4, 5), (4, 5), 1e-3, True),
    ("no_affine", (5, 7), (7,), 1e-5, False),
    ("large_offset", (3, 16), (16,), 1e-5, True),
]:
    m = nn.LayerNorm(norm, eps=eps, elementwise_affine=affine).to(D)
    if affine:
        randomize(m)
    x = rand(*shape) * 2
    if name == "large_offset":
        x = x + 100  # the mean must be removed before squaring
    x.requires_grad_(True)
    y = m(x)
    (u,) = backward([y])
    rec = {"name": name, "normalized_shape": list(norm), "eps": eps, "affine": affine,
           "x": arr(x.detach()), "u": arr(u), "out": arr(y.detach()), "grad": {"x": arr(x.grad)}}
    if affine:
        rec["weight"], rec["bias"] = arr(m.weight.detach()), arr(m.bias.detach())
        rec["grad"]["weight"], rec["grad"]["bias"] = arr(m.weight.grad), arr(m.bias.grad)
    out["layernorm"].append(rec)

# --------------------------------------------- scaled dot-product attention
for name, qs, ks, vs, mask in [
    ("plain", (2, 3, 4), (2, 5, 4), (2, 5, 3), None),
    ("causal_bool", (2, 2, 4, 8), (2, 2, 4, 8), (2, 2, 4, 8), causal(4)),
    ("padding_bool", (3, 2, 4), (3, 6, 4), (3, 6, 5),
     mask_rec("bool", torch.tensor([[0, 0, 0, 0, 1, 1], [0, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]], dtype=D).reshape(3, 1, 6))),
    ("additive", (2, 3, 4), (2, 5, 4), (2, 5, 2), mask_rec("float", rand(3, 5) * 2)),
]:
    q, k, v = rand(*qs).requires_grad_(), rand(*ks).requires_grad_(), rand(*vs).requires_grad_()
    s = q @ k.transpose(-2, -1) / math.sqrt(qs[-1])
    tm = torch_mask(mask)
    if tm is not None:
        s = s.masked_fill(tm, float("-inf")) if tm.dtype == torch.bool else s + tm
    w = torch.softmax(s, -1)
    o = w @ v
    u, uw = backward([o], w)
    out["sdpa"].append({"name": name, "q": arr(q.detach()), "k": arr(k.detach()), "v": arr(v.detach()),
                        "mask": mask, "u": arr(u), "u_w": arr(uw), "out": arr(o.detach()), "weights": arr(w.detach()),
                        "grad": {"q": arr(q.grad), "k": arr(k.grad), "v": arr(v.grad)}})


# ------------------------------------------------------------------ modules
def module_case(name, kind, cfg, m, inputs, identity, masks, run, weights_mode="none"):
    randomize(m)
    m.eval()
    params = param_list(m)
    res = run(m, inputs, masks)
    o, w = res if isinstance(res, tuple) else (res, None)
    us = backward([o], w)
    rec = {"name": name, "kind": kind, "config": cfg, "params": params, "identity": identity,
           "inputs": {k: arr(v.detach()) for k, v in inputs.items()}, "masks": masks, "weights_mode": weights_mode,
           "u": arr(us[0]), "out": arr(o.detach()), "grad": {}}
    if w is not None:
        rec["u_w"], rec["weights"] = arr(us[1]), arr(w.detach())
    for k, v in inputs.items():
        rec["grad"][k] = arr(v.grad)
    for n, p in m.named_parameters():
        rec["grad"]["param:" + n] = arr(p.grad)
    out["modules"].append(rec)


def mha_run(weights_mode):
    def run(m, inputs, masks):
        q = inputs["query"]
        k = inputs.get("key", q)
        v = inputs.get("value", k)
        need = weights_mode != "none"
        return m(q, k, v, key_padding_mask=torch_mask(masks.get("key_padding")),
                 attn_mask=torch_mask(masks.get("attn_mask")), need_weights=need,
                 average_attn_weights=weights_mode == "avg")
    return run


def mha(name, cfg, inputs, identity, masks, weights_mode):
    m = nn.MultiheadAttention(cfg["embed_dim"], cfg["num_heads"], bias=cfg.get("bias", True),
                              batch_first=cfg.get("batch_first", False), kdim=cfg.get("kdim"),
                              vdim=cfg.get("vdim")).to(D)
    for t in inputs.values():
        t.requires_grad_(True)
    module_case(name, "mha", cfg, m, inputs, identity, masks, mha_run(weights_mode), weights_mode)


E = 8
mha("self_kpm_causal_avg", {"embed_dim": E, "num_heads": 2}, {"query": rand(5, 3, E)}, "self",
    {"key_padding": mask_rec("bool", torch.tensor([[0, 0, 0, 0, 1], [0, 0, 0, 0, 0], [0, 0, 1, 1, 1]])),
     "attn_mask": causal(5)}, "avg")
mha("self_batch_first_per_head", {"embed_dim": E, "num_heads": 4, "batch_first": True}, {"query": rand(2, 4, E)}, "self",
    {"key_padding": mask_rec("bool", torch.tensor([[0, 0, 1, 1], [0, 0, 0, 0]]))}, "per_head")
mha("cross_kv_float_mask", {"embed_dim": E, "num_heads": 2}, {"query": rand(3, 2, E), "key": rand(6, 2, E)}, "kv",
    {"attn_mask": mask_rec("float", rand(3, 6))}, "avg")
mha("separate_3d_mask_no_weights", {"embed_dim": E, "num_heads": 2, "batch_first": True},
    {"query": rand(2, 3, E), "key": rand(2, 4, E), "value": rand(2, 4, E)}, "none",
    {"attn_mask": mask_rec("float", rand(4, 3, 4))}, "none")
mha("kdim_vdim", {"embed_dim": E, "num_heads": 2, "kdim": 5, "vdim": 3},
    {"query": rand(3, 2, E), "key": rand(4, 2, 5), "value": rand(4, 2, 3)}, "none", {}, "per_head")
mha("unbatched_no_bias", {"embed_dim": E, "num_heads": 2, "bias": False}, {"query": rand(4, E), "key": rand(5, E)}, "kv",
    {"key_padding": mask_rec("bool", torch.tensor([0, 1, 0, 0, 0]))}, "avg")


def layer_cfg(d, h, ff, act, batch_first, norm_first):
    return {"d_model": d, "nhead": h, "dim_feedforward": ff, "activation": act,
            "batch_first": batch_first, "norm_first": norm_first, "layer_norm_eps": 1e-5}


def enc_run(m, inputs, masks):
    return m(inputs["src"], torch_mask(masks.get("src_mask")), torch_mask(masks.get("src_key_padding")))


for name, act, bf, nf in [("post_relu", "relu", False, False), ("post_gelu_batch_first", "gelu", True, False),
                          ("pre_relu_batch_first", "relu", True, True), ("pre_gelu", "gelu", False, True)]:
    cfg = layer_cfg(E, 2, 16, act, bf, nf)
    m = nn.TransformerEncoderLayer(E, 2, 16, 0.1, act, batch_first=bf, norm_first=nf).to(D)
    src = rand(*((2, 5, E) if bf else (5, 2, E))).requires_grad_(True)
    masks = {"src_key_padding": mask_rec("bool", torch.tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 0]]))}
    if name == "post_relu":
        masks["src_mask"] = mask_rec("float", rand(5, 5))
    module_case("encoder_layer_" + name, "encoder_layer", cfg, m, {"src": src}, "none", masks, enc_run)


def dec_run(m, inputs, masks):
    return m(inputs["tgt"], inputs["memory"], tgt_mask=torch_mask(masks.get("tgt_mask")),
             memory_mask=torch_mask(masks.get("memory_mask")),
             tgt_key_padding_mask=torch_mask(masks.get("tgt_key_padding")),
             memory_key_padding_mask=torch_mask(masks.get("memory_key_padding")))


for name, act, bf, nf in [("post_relu", "relu", False, False), ("pre_gelu_batch_first", "gelu", True, True)]:
    cfg = layer_cfg(E, 2, 16, act, bf, nf)
    m = nn.TransformerDecoderLayer(E, 2, 16, 0.1, act, batch_first=bf, norm_first=nf).to(D)
    tgt = rand(*((2, 4, E) if bf else (4, 2, E))).requires_grad_(True)
    mem = rand(*((2, 6, E) if bf else (6, 2, E))).requires_grad_(True)
    masks = {"tgt_mask": causal(4),
             "memory_key_padding": mask_rec("bool", torch.tensor([[0, 0, 0, 0, 0, 1], [0, 0, 0, 1, 1, 1]])),
             "tgt_key_padding": mask_rec("bool", torch.tensor([[0, 0, 0, 1], [0, 0, 0, 0]]))}
    if name == "post_relu":
        masks["memory_mask"] = mask_rec("float", rand(4, 6))
    module_case("decoder_layer_" + name, "decoder_layer", cfg, m, {"tgt": tgt, "memory": mem}, "none", masks, dec_run)

# A stack of two encoder layers with a final norm.
cfg = layer_cfg(E, 2, 16, "relu", True, False)
cfg["num_layers"] = 2
m = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, 2, 16, 0.1, batch_first=True), 2, nn.LayerNorm(E)).to(D)
module_case("encoder_stack", "encoder", cfg, m, {"src": rand(3, 4, E).requires_grad_(True)}, "none",
            {"src_key_padding": mask_rec("bool", torch.tensor([[0, 0, 0, 0], [0, 0, 1, 1], [0, 0, 0, 1]]))}, enc_run)


def tr_run(m, inputs, masks):
    return m(inputs["src"], inputs["tgt"], src_mask=torch_mask(masks.get("src_mask")),
             tgt_mask=torch_mask(masks.get("tgt_mask")), memory_mask=torch_mask(masks.get("memory_mask")),
             src_key_padding_mask=torch_mask(masks.get("src_key_padding")),
             tgt_key_padding_mask=torch_mask(masks.get("tgt_key_padding")),
             memory_key_padding_mask=torch_mask(masks.get("memory_key_padding")))


for name, act, bf, nf in [("post_relu", "relu", False, False), ("pre_gelu_batch_first", "gelu", True, True)]:
    cfg = layer_cfg(E, 2, 16, act, bf, nf)
    cfg["num_encoder_layers"] = cfg["num_decoder_layers"] = 2
    m = nn.Transformer(E, 2, 2, 2, 16, 0.1, act, batch_first=bf, norm_first=nf).to(D)
    src = rand(*((2, 5, E) if bf else (5, 2, E))).requires_grad_(True)
    tgt = rand(*((2, 4, E) if bf else (4, 2, E))).requires_grad_(True)
    masks = {"tgt_mask": causal(4),
             "src_key_padding": mask_rec("bool", torch.tensor([[0, 0, 0, 0, 1], [0, 0, 0, 0, 0]])),
             "memory_key_padding": mask_rec("bool", torch.tensor([[0, 0, 0, 0, 1], [0, 0, 0, 0, 0]]))}
    module_case("transformer_" + name, "transformer", cfg, m, {"src": src, "tgt": tgt}, "none", masks, tr_run)

# ------------------------------------------------------------- state dicts
for name, m in [
    ("mha", nn.MultiheadAttention(16, 4)),
    ("mha_kdim_nobias", nn.MultiheadAttention(16, 4, bias=False, kdim=6, vdim=10)),
    ("encoder_layer", nn.TransformerEncoderLayer(16, 4, 32)),
    ("decoder_layer", nn.TransformerDecoderLayer(16, 4, 32)),
    ("encoder", nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, 32), 2, nn.LayerNorm(16))),
    ("transformer", nn.Transformer(16, 4, 2, 1, 32)),
]:
    sd = m.state_dict()
    out["state_dicts"].append({"name": name, "names": list(sd.keys()), "shapes": [list(t.shape) for t in sd.values()]})

# ------------------------------------------ sinusoidal positional encoding
d_model, max_len = 10, 20
position = torch.arange(max_len, dtype=D).unsqueeze(1)
div_term = torch.exp(torch.arange(0, d_model, 2, dtype=D) * (-math.log(10000.0) / d_model))
pe = torch.zeros(max_len, d_model, dtype=D)
pe[:, 0::2] = torch.sin(position * div_term)
pe[:, 1::2] = torch.cos(position * div_term)
out["sinusoidal"] = {"d": d_model, "max_len": max_len, "table": arr(pe)}

json.dump(out, __import__("sys").stdout)
