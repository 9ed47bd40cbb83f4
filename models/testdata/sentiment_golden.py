"""Reference values for deepgo's MiniBERT and GRUClassifier, computed with
PyTorch in float64.

Run from the repository root (Debian's python3-torch, see
../shared/PYTORCH-REFERENCE.md):

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 models/testdata/sentiment_golden.py > models/testdata/sentiment_golden.json

Each model is built here from torch.nn layers under deepgo's state-dict
names, with random float32-exact parameters and no dropout. A case gives
the parameters, the inputs (ids with [PAD] = 0 after each sentence, and for
the BERT the segment ids and the flat positions of the MLM head), fixed
random tensors u of the outputs' shapes, the outputs, and the gradients of
sum(logits * u) (+ sum(mlm_logits * u_mlm)) with respect to every
parameter. Replayed by models/golden_test.go.
"""
import json

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence

torch.manual_seed(11)
D = torch.float64
PAD = 0


def rand(*shape, lo=-1.0, hi=1.0):
    return (torch.rand(*shape) * (hi - lo) + lo).to(torch.float32).to(D)


def arr(t):
    t = torch.as_tensor(t, dtype=D)
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def randomize(m):
    # float32-exact parameters; LayerNorm weights near 1
    with torch.no_grad():
        for name, p in m.named_parameters():
            if "LayerNorm.weight" in name or ".norm" in name and name.endswith("weight"):
                p.copy_(rand(*p.shape, lo=0.5, hi=1.5))
            else:
                p.copy_(rand(*p.shape, lo=-0.5, hi=0.5))
        if hasattr(m, "embeddings"):
            m.embeddings.word_embeddings.weight[PAD].zero_()
        if hasattr(m, "embedding"):
            m.embedding.weight[PAD].zero_()
    return {name: arr(p) for name, p in m.named_parameters()}


class Embeddings(nn.Module):
    def __init__(self, vocab, hidden, max_len, types, eps):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, hidden, padding_idx=PAD)
        self.position_embeddings = nn.Embedding(max_len, hidden)
        self.token_type_embeddings = nn.Embedding(types, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, ids, seg):
        pos = torch.arange(ids.shape[1])
        x = self.word_embeddings(ids) + self.position_embeddings(pos)[None] + self.token_type_embeddings(seg)
        return self.LayerNorm(x)


class MLMHead(nn.Module):
    def __init__(self, hidden, vocab, eps):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.LayerNorm = nn.LayerNorm(hidden, eps=eps)
        self.bias = nn.Parameter(torch.zeros(vocab))

    def forward(self, h, decoder):
        return F.linear(self.LayerNorm(F.gelu(self.dense(h))), decoder, self.bias)


class MiniBERT(nn.Module):
    def __init__(self, vocab, hidden, layers, heads, ff, max_len, types, eps):
        super().__init__()
        self.embeddings = Embeddings(vocab, hidden, max_len, types, eps)
        layer = nn.TransformerEncoderLayer(hidden, heads, ff, dropout=0.0, activation="gelu",
                                           layer_norm_eps=eps, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.mlm = MLMHead(hidden, vocab, eps)
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, 2)

    def encode(self, ids, seg):
        return self.encoder(self.embeddings(ids, seg), src_key_padding_mask=(ids == PAD))

    def classify(self, h):
        return self.classifier(torch.tanh(self.pooler(h[:, 0])))

    def masked_logits(self, h, positions):
        flat = h.reshape(-1, h.shape[-1])[positions]
        return self.mlm(flat, self.embeddings.word_embeddings.weight)


def bert_case(name, vocab, hidden, layers, heads, ff, max_len, eps, lengths, segments):
    m = MiniBERT(vocab, hidden, layers, heads, ff, max_len, 2, eps).to(D)
    m.train()  # dropout is 0; training mode keeps PyTorch off its inference fast path
    params = randomize(m)
    B, L = len(lengths), max(lengths)
    ids = torch.zeros(B, L, dtype=torch.long)
    for i, n in enumerate(lengths):
        ids[i, :n] = torch.randint(1, vocab, (n,))
    seg = torch.zeros(B, L, dtype=torch.long)
    if segments:
        for i, n in enumerate(lengths):
            seg[i, n // 2:n] = 1
    positions = [p for p in range(B * L) if ids.reshape(-1)[p] != PAD and p % 3 == 1]
    h = m.encode(ids, seg)
    logits = m.classify(h)
    mlm = m.masked_logits(h, torch.tensor(positions))
    u, u_mlm = rand(*logits.shape), rand(*mlm.shape)
    ((logits * u).sum() + (mlm * u_mlm).sum()).backward()
    return {"name": name, "config": {"vocab_size": vocab, "hidden": hidden, "layers": layers, "heads": heads,
                                     "ff": ff, "max_len": max_len, "type_vocab": 2, "layer_norm_eps": eps, "pad_id": PAD},
            "param_names": [n for n, _ in m.named_parameters()], "params": params,
            "ids": arr(ids), "segments": arr(seg) if segments else None, "positions": positions,
            "u": arr(u), "u_mlm": arr(u_mlm), "logits": arr(logits), "mlm_logits": arr(mlm),
            "grads": {n: arr(p.grad) for n, p in m.named_parameters()}}


class GRUClassifier(nn.Module):
    def __init__(self, vocab, embed, hidden, layers):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed, padding_idx=PAD)
        self.gru = nn.GRU(embed, hidden, num_layers=layers, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, 2)

    def forward(self, ids, lengths):
        packed = pack_padded_sequence(self.embedding(ids), torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        _, h = self.gru(packed)
        return self.fc(torch.cat([h[-2], h[-1]], dim=1))


def gru_case(name, vocab, embed, hidden, layers, lengths):
    m = GRUClassifier(vocab, embed, hidden, layers).to(D)
    params = randomize(m)
    B, L = len(lengths), max(lengths)
    ids = torch.zeros(B, L, dtype=torch.long)
    for i, n in enumerate(lengths):
        ids[i, :n] = torch.randint(1, vocab, (n,))
    logits = m(ids, lengths)
    u = rand(*logits.shape)
    (logits * u).sum().backward()
    return {"name": name, "config": {"vocab_size": vocab, "embed_dim": embed, "hidden": hidden, "layers": layers, "pad_id": PAD},
            "param_names": [n for n, _ in m.named_parameters()], "params": params,
            "ids": arr(ids), "u": arr(u), "logits": arr(logits),
            "grads": {n: arr(p.grad) for n, p in m.named_parameters()}}


cases = {
    "bert": [
        bert_case("bert-2x2-padded", vocab=40, hidden=8, layers=2, heads=2, ff=16, max_len=8, eps=1e-12,
                  lengths=[6, 3, 5], segments=False),
        bert_case("bert-1x4-segments", vocab=30, hidden=8, layers=1, heads=4, ff=12, max_len=7, eps=1e-5,
                  lengths=[7, 7, 2, 4], segments=True),
    ],
    "gru": [
        gru_case("gru-1-layer", vocab=25, embed=6, hidden=5, layers=1, lengths=[5, 2, 4]),
        gru_case("gru-2-layers", vocab=25, embed=4, hidden=3, layers=2, lengths=[1, 6, 3, 6]),
    ],
}
print(json.dumps(cases))
