"""Reference values for models.Seq2SeqTransformer, computed with PyTorch in
float64.

Run from the repository root (Debian's python3-torch, see
../shared/PYTORCH-REFERENCE.md):

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp \
        /usr/bin/python3 models/testdata/seq2seq_golden.py > models/testdata/seq2seq_golden.json

The model is the Seq2SeqTransformer of PyTorch's translation tutorial with
deepgo's choices: token embeddings scaled by sqrt(d_model), sinusoidal
positions, a batch-first nn.Transformer, a causal target mask, key padding
masks from the pad id 0 on the source (encoder and cross-attention) and the
target, and a Linear generator. It runs with dropout 0 (training mode, so
that PyTorch takes its ordinary path, not the inference fast path).

"small" records random float32-exact parameters in state-dict order, the
inputs, the logits, the mean cross-entropy against the targets with
ignore_index=0, and the gradient of that loss with respect to every
parameter. "default" lists the state-dict names, shapes and parameter count
of the default-sized model (d_model 128, 4 heads, 2+2 layers, ff 256).
Replayed by models/seq2seq_golden_test.go.
"""
import json
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)
D = torch.float64


def rand(*shape, lo=-1.0, hi=1.0):
    return (torch.rand(*shape) * (hi - lo) + lo).to(torch.float32).to(D)


def arr(t):
    t = torch.as_tensor(t, dtype=D)
    return {"shape": list(t.shape), "data": [float("%.10g" % v) for v in t.detach().reshape(-1).tolist()]}


class Seq2SeqTransformer(nn.Module):
    def __init__(self, src_vocab, tgt_vocab, d, nhead, n_enc, n_dec, ff, max_len=128):
        super().__init__()
        self.d = d
        self.src_tok_emb = nn.Embedding(src_vocab, d)
        self.tgt_tok_emb = nn.Embedding(tgt_vocab, d)
        self.transformer = nn.Transformer(d, nhead, n_enc, n_dec, ff, dropout=0.0, batch_first=True)
        self.generator = nn.Linear(d, tgt_vocab)
        pos = torch.arange(max_len, dtype=D).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2, dtype=D) * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d, dtype=D)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe.to(torch.float32).to(D), persistent=False)

    def embed(self, emb, ids):
        return emb(ids) * math.sqrt(self.d) + self.pe[: ids.shape[1]]

    def forward(self, src, tgt):
        src_pad, tgt_pad = src == 0, tgt == 0
        causal = torch.triu(torch.ones(tgt.shape[1], tgt.shape[1], dtype=torch.bool), diagonal=1)
        out = self.transformer(self.embed(self.src_tok_emb, src), self.embed(self.tgt_tok_emb, tgt),
                               tgt_mask=causal, src_key_padding_mask=src_pad,
                               tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad)
        return self.generator(out)


out = {}

m = Seq2SeqTransformer(11, 9, 16, 2, 2, 2, 32).to(D)
with torch.no_grad():
    for n, p in m.named_parameters():
        if n.endswith("norm1.weight") or n.endswith("norm2.weight") or n.endswith("norm3.weight") or n.endswith("norm.weight"):
            p.copy_(rand(*p.shape, lo=0.7, hi=1.3))
        elif "emb" in n:
            p.copy_(rand(*p.shape, lo=-0.3, hi=0.3))
        else:
            p.copy_(rand(*p.shape, lo=-0.4, hi=0.4))
m.train()
src = torch.tensor([[1, 5, 7, 3, 9, 2, 0],
                    [1, 4, 10, 2, 0, 0, 0],
                    [1, 8, 6, 6, 3, 4, 2]])
tgt_in = torch.tensor([[1, 3, 4, 5, 6],
                       [1, 7, 8, 0, 0],
                       [1, 3, 3, 6, 8]])
tgt_out = torch.tensor([[3, 4, 5, 6, 2],
                        [7, 8, 2, 0, 0],
                        [3, 3, 6, 8, 5]])
logits = m(src, tgt_in)
loss = F.cross_entropy(logits.reshape(-1, 9), tgt_out.reshape(-1), ignore_index=0)
loss.backward()
out["small"] = {
    "config": {"src_vocab": 11, "tgt_vocab": 9, "d_model": 16, "nhead": 2, "encoder_layers": 2,
               "decoder_layers": 2, "dim_feedforward": 32},
    "params": [[n, arr(p.detach())] for n, p in m.named_parameters()],
    "src": arr(src), "tgt_in": arr(tgt_in), "tgt_out": arr(tgt_out),
    "logits": arr(logits.detach()), "loss": loss.item(),
    "grad": {n: arr(p.grad) for n, p in m.named_parameters()},
}

big = Seq2SeqTransformer(40, 14, 128, 4, 2, 2, 256)
out["default"] = {
    "src_vocab": 40, "tgt_vocab": 14,
    "names": [n for n, _ in big.named_parameters()],
    "shapes": [list(p.shape) for _, p in big.named_parameters()],
    "params": sum(p.numel() for p in big.parameters()),
}
print(json.dumps(out))
