"""Reference values for deepgo's Embedding, RNN, LSTM, GRU and their cells,
computed with PyTorch in float64.

Run from the repository root (Debian's python3-torch, see
../shared/PYTORCH-REFERENCE.md):

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 nn/testdata/rnn_golden.py > nn/testdata/rnn_golden.json

Every case gives the layer's options, its parameters by state-dict name,
the inputs (x, and h0, c0 and lengths where given), fixed random tensors u
of the outputs' shapes, the outputs, and the gradients of
sum(out * u_out) + sum(h_n * u_h) + sum(c_n * u_c) with respect to x, h0,
c0 and every parameter. Sequences with lengths run as
pack_padded_sequence(..., enforce_sorted=False) and come back through
pad_packed_sequence(..., total_length=T). Inputs and parameters are
float32 values stored exactly; the arithmetic is float64. Replayed by
nn/rnn_golden_test.go.
"""
import json

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

torch.manual_seed(5)
D = torch.float64


def rand(*shape, lo=-1.0, hi=1.0):
    # float32-exact values, computed on in float64
    return (torch.rand(*shape) * (hi - lo) + lo).to(torch.float32).to(D)


def arr(t):
    t = torch.as_tensor(t, dtype=D)
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def params_of(m):
    # float32-exact parameters
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(p.to(torch.float32).to(D))
    return {name: arr(p) for name, p in m.named_parameters()}


def grads_of(m):
    return {name: arr(p.grad) for name, p in m.named_parameters()}


def seq_case(name, layer, inp, hidden, T, B, layers=1, bidirectional=False, batch_first=False,
             bias=True, nonlinearity="tanh", h0=False, c0=False, lengths=None):
    kw = dict(num_layers=layers, bidirectional=bidirectional, batch_first=batch_first, bias=bias)
    if layer == "RNN":
        kw["nonlinearity"] = nonlinearity
    m = getattr(nn, layer)(inp, hidden, **kw).to(D)
    rec = {"name": name, "layer": layer, "input_size": inp, "hidden_size": hidden,
           "num_layers": layers, "bidirectional": bidirectional, "batch_first": batch_first,
           "bias": bias, "nonlinearity": nonlinearity, "params": params_of(m),
           "param_names": [n for n, _ in m.named_parameters()]}
    x = rand(*((B, T, inp) if batch_first else (T, B, inp))).requires_grad_()
    rec["x"] = arr(x)
    nd = layers * (2 if bidirectional else 1)
    state = []
    if h0:
        hx = rand(nd, B, hidden).requires_grad_()
        rec["h0"] = arr(hx)
        state.append(hx)
    if c0:
        cx = rand(nd, B, hidden).requires_grad_()
        rec["c0"] = arr(cx)
        state.append(cx)
    if layer == "LSTM":
        hx = tuple(state) if state else None
    else:
        hx = state[0] if state else None
    if lengths is not None:
        rec["lengths"] = lengths
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first, enforce_sorted=False)
        out_p, hn = m(packed, hx)
        out, _ = pad_packed_sequence(out_p, batch_first=batch_first, total_length=T)
    else:
        out, hn = m(x, hx)
    hs = list(hn) if layer == "LSTM" else [hn]
    loss = 0
    u = rand(*out.shape)
    rec["u_out"], rec["out"] = arr(u), arr(out)
    loss = (out * u).sum()
    for key, s in zip(["h", "c"], hs):
        us = rand(*s.shape)
        rec["u_" + key], rec[key + "_n"] = arr(us), arr(s)
        loss = loss + (s * us).sum()
    loss.backward()
    rec["grad_x"] = arr(x.grad)
    for key, s in zip(["h0", "c0"], state):
        rec["grad_" + key] = arr(s.grad)
    rec["grad_params"] = grads_of(m)
    return rec


def cell_case(name, layer, inp, hidden, B, bias=True, nonlinearity="tanh", state=True, unbatched=False):
    kw = {"bias": bias}
    if layer == "RNNCell":
        kw["nonlinearity"] = nonlinearity
    m = getattr(nn, layer)(inp, hidden, **kw).to(D)
    rec = {"name": name, "layer": layer, "input_size": inp, "hidden_size": hidden, "bias": bias,
           "nonlinearity": nonlinearity, "params": params_of(m),
           "param_names": [n for n, _ in m.named_parameters()]}
    lead = () if unbatched else (B,)
    x = rand(*lead, inp).requires_grad_()
    rec["x"] = arr(x)
    st = []
    if state:
        st.append(rand(*lead, hidden).requires_grad_())
        rec["h0"] = arr(st[0])
        if layer == "LSTMCell":
            st.append(rand(*lead, hidden).requires_grad_())
            rec["c0"] = arr(st[1])
    if layer == "LSTMCell":
        outs = m(x, tuple(st) if st else None)
    else:
        outs = (m(x, st[0] if st else None),)
    loss = 0
    for key, s in zip(["h", "c"], outs):
        us = rand(*s.shape)
        rec["u_" + key], rec[key + "_n"] = arr(us), arr(s)
        loss = loss + (s * us).sum()
    loss.backward()
    rec["grad_x"] = arr(x.grad)
    for key, s in zip(["h0", "c0"], st):
        rec["grad_" + key] = arr(s.grad)
    rec["grad_params"] = grads_of(m)
    return rec


def embedding_case(name, num, dim, ids, padding_idx=None):
    m = nn.Embedding(num, dim, padding_idx=padding_idx).to(D)
    with torch.no_grad():
        m.weight.copy_(rand(num, dim, lo=-2, hi=2))
        if padding_idx is not None:
            m.weight[padding_idx].zero_()
    ids_t = torch.tensor(ids)
    out = m(ids_t)
    u = rand(*out.shape)
    (out * u).sum().backward()
    return {"name": name, "layer": "Embedding", "num": num, "dim": dim, "padding_idx": padding_idx,
            "ids": arr(ids_t), "params": {"weight": arr(m.weight)}, "u_out": arr(u), "out": arr(out),
            "grad_params": {"weight": arr(m.weight.grad)}}


cases = [
    embedding_case("embedding", 6, 3, [[0, 5, 2, 2], [1, 0, 5, 3]]),
    embedding_case("embedding_padding", 7, 4, [[2, 3, 2, 6], [0, 2, 1, 1], [6, 6, 5, 2]], padding_idx=2),
    embedding_case("embedding_padding_negative", 5, 2, [1, 4, 4, 0, 3], padding_idx=-1),
    seq_case("rnn_tanh_2layer_bi_batchfirst_h0_lengths", "RNN", 3, 4, T=5, B=3, layers=2,
             bidirectional=True, batch_first=True, h0=True, lengths=[5, 2, 4]),
    seq_case("rnn_relu_timemajor", "RNN", 3, 5, T=4, B=2, nonlinearity="relu"),
    seq_case("rnn_tanh_nobias_h0", "RNN", 2, 3, T=3, B=4, bias=False, h0=True),
    seq_case("lstm_2layer_bi_batchfirst_h0c0_lengths", "LSTM", 3, 4, T=5, B=3, layers=2,
             bidirectional=True, batch_first=True, h0=True, c0=True, lengths=[5, 2, 4]),
    seq_case("lstm_timemajor", "LSTM", 4, 3, T=6, B=2),
    seq_case("lstm_nobias_bi_lengths", "LSTM", 2, 3, T=4, B=4, bidirectional=True, bias=False,
             h0=True, c0=True, lengths=[1, 4, 3, 2]),
    seq_case("gru_2layer_bi_batchfirst_h0_lengths", "GRU", 3, 4, T=5, B=3, layers=2,
             bidirectional=True, batch_first=True, h0=True, lengths=[5, 2, 4]),
    seq_case("gru_timemajor", "GRU", 4, 3, T=6, B=2),
    seq_case("gru_3layer_nobias_h0", "GRU", 2, 3, T=4, B=3, layers=3, bias=False, h0=True),
    cell_case("rnncell_tanh", "RNNCell", 3, 4, B=3),
    cell_case("rnncell_relu_nobias", "RNNCell", 3, 4, B=2, bias=False, nonlinearity="relu"),
    cell_case("lstmcell", "LSTMCell", 3, 4, B=3),
    cell_case("lstmcell_zero_state", "LSTMCell", 3, 2, B=2, state=False),
    cell_case("grucell", "GRUCell", 3, 4, B=3),
    cell_case("grucell_unbatched", "GRUCell", 2, 3, B=1, unbatched=True),
]

print(json.dumps({"torch": torch.__version__, "cases": cases}))
