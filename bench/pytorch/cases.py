"""PyTorch counterparts of the cases in bench/compare (run by it, not by hand).

Usage: python3 cases.py --case NAME --threads N --reps R --min-time S
Prints one line: the case's figure (in the unit bench/compare reports) from
wall time, then the same figure from process CPU time.

Configure PyTorch as ../shared/PYTORCH-REFERENCE.md says: Debian's python3-torch
with LD_LIBRARY_PATH selecting the OpenMP OpenBLAS; bench/compare does that.
"""
import argparse
import math
import statistics
import sys
import time

import torch


def measure(fn, reps, min_time):
    """Median wall seconds and median process CPU seconds per call of fn over
    reps timed runs, after warm-up."""
    t0 = time.perf_counter()
    calls = 0
    while time.perf_counter() - t0 < max(min_time, 0.2) or calls < 3:
        fn()
        calls += 1
    per = (time.perf_counter() - t0) / calls
    n = max(1, int(min_time / per))
    times, cpus = [], []
    for _ in range(reps):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - t) / n)
        cpus.append((time.process_time() - c) / n)
    return statistics.median(times), statistics.median(cpus)


def gemm(layout, n):
    g = torch.Generator().manual_seed(1)
    a = torch.randn(n, n, generator=g)
    b = torch.randn(n, n, generator=g)
    c = torch.empty(n, n)
    if layout == "nn":
        fn = lambda: torch.mm(a, b, out=c)
    elif layout == "nt":
        bt = b.t()
        fn = lambda: torch.mm(a, bt, out=c)
    else:
        at = a.t()
        fn = lambda: torch.mm(at, b, out=c)
    return fn, lambda sec: 2.0 * n * n * n / sec / 1e9


OP_CHAIN = 20


def op_overhead():
    """A chain of 20 tiny elementwise ops with autograd, forward + backward."""
    x = torch.randn(16, requires_grad=True)
    a = torch.full((16,), 0.9)
    b = torch.full((16,), 0.1)

    def step():
        y = x
        for i in range(OP_CHAIN):
            k = i % 4
            if k == 0:
                y = y * a
            elif k == 1:
                y = y + b
            elif k == 2:
                y = torch.tanh(y)
            else:
                y = y - b
        y.sum().backward()
        x.grad = None

    return step, lambda sec: OP_CHAIN / sec


def mnist_mlp():
    return torch.nn.Sequential(
        torch.nn.Linear(784, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 32), torch.nn.ReLU(),
        torch.nn.Linear(32, 10))


def mnist_train(batch):
    """The lecture's MNIST MLP: forward, cross-entropy, backward, SGD step."""
    model = mnist_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.randn(batch, 784)
    y = torch.randint(0, 10, (batch,))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step, lambda sec: batch / sec


def mnist_infer(batch):
    model = mnist_mlp().eval()
    x = torch.randn(batch, 784)

    def step():
        with torch.no_grad():
            torch.softmax(model(x), 1)

    return step, lambda sec: batch / sec


CIFAR_BATCH = 64


def cifar_model1():
    """The same layer list as models.CIFARModel1."""
    return torch.nn.Sequential(
        torch.nn.Flatten(),
        torch.nn.Linear(3072, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 64), torch.nn.ReLU(),
        torch.nn.Linear(64, 10))


def cifar_model2():
    """The same layer list as models.CIFARModel2."""
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 6, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(6, 16, 5), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(),
        torch.nn.Linear(400, 120), torch.nn.ReLU(),
        torch.nn.Linear(120, 84), torch.nn.ReLU(),
        torch.nn.Linear(84, 10))


def cifar_model3():
    """The same layer list as models.CIFARModel3."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(128, 256, 3, padding=1), nn.BatchNorm2d(256), nn.ReLU(),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Dropout(0.05), nn.Flatten(),
        nn.Linear(4096, 1024), nn.ReLU(),
        nn.Linear(1024, 512), nn.ReLU(), nn.Dropout(0.05),
        nn.Linear(512, 10))


def cifar_train(build):
    """Forward, cross-entropy, backward, SGD step on a synthetic batch of 64."""
    model = build().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    x = torch.randn(CIFAR_BATCH, 3, 32, 32)
    y = torch.randint(0, 10, (CIFAR_BATCH,))

    def step():
        loss = loss_fn(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step, lambda sec: CIFAR_BATCH / sec


def cifar_infer(build):
    model = build().eval()
    x = torch.randn(CIFAR_BATCH, 3, 32, 32)

    def step():
        with torch.no_grad():
            model(x)

    return step, lambda sec: CIFAR_BATCH / sec


def conv3x3_fwdbwd():
    """Conv2d 64->64 3x3 pad 1 on [64,64,32,32]: forward + backward of the sum.

    Counted as 3x the forward's 2*N*Cout*Cin*9*H*W flops.
    """
    n, c, hw = 64, 64, 32
    conv = torch.nn.Conv2d(c, c, 3, padding=1)
    x = torch.randn(n, c, hw, hw, requires_grad=True)

    def step():
        conv.zero_grad(set_to_none=True)
        x.grad = None
        conv(x).sum().backward()

    flops = 3.0 * 2 * n * c * c * 9 * hw * hw
    return step, lambda sec: flops / sec / 1e9


RNN_VOCAB, RNN_EMBED, RNN_HIDDEN, RNN_SEQ, RNN_BATCH = 10000, 128, 128, 64, 64


class RNNClassifier(torch.nn.Module):
    """Embedding -> one batch-first GRU or LSTM layer -> Linear on h_n[-1],
    as bench/compare/rnn.go builds it."""

    def __init__(self, layer):
        super().__init__()
        self.emb = torch.nn.Embedding(RNN_VOCAB, RNN_EMBED)
        self.rnn = layer(RNN_EMBED, RNN_HIDDEN, batch_first=True)
        self.fc = torch.nn.Linear(RNN_HIDDEN, 2)

    def forward(self, ids):
        _, h = self.rnn(self.emb(ids))
        if isinstance(h, tuple):  # the LSTM's (h_n, c_n)
            h = h[0]
        return self.fc(h[-1])


def rnn_train(layer):
    """Forward, cross-entropy, backward, SGD step on 64 random sequences of 64 ids."""
    model = RNNClassifier(layer).train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    ids = torch.randint(0, RNN_VOCAB, (RNN_BATCH, RNN_SEQ))
    y = torch.randint(0, 2, (RNN_BATCH,))

    def step():
        loss = loss_fn(model(ids), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step, lambda sec: RNN_BATCH / sec


def gru_train():
    return rnn_train(torch.nn.GRU)


def lstm_train():
    return rnn_train(torch.nn.LSTM)


TF_VOCAB, TF_D, TF_HEADS, TF_FF, TF_LAYERS = 10000, 128, 4, 512, 2
TF_SEQ, TF_BATCH, TF_CLASSES = 64, 64, 2


class TransformerClassifier(torch.nn.Module):
    """The same model as bench/compare/transformer.go: token embedding plus
    learned positions, two post-norm encoder layers, mean pooling, Linear."""

    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(TF_VOCAB, TF_D)
        self.pos = torch.nn.Parameter(torch.randn(TF_SEQ, TF_D))
        layer = torch.nn.TransformerEncoderLayer(TF_D, TF_HEADS, TF_FF, 0.1, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, TF_LAYERS)
        self.head = torch.nn.Linear(TF_D, TF_CLASSES)

    def forward(self, tokens):
        x = self.embedding(tokens) + self.pos
        return self.head(self.encoder(x).mean(1))


def transformer_train():
    """Forward, cross-entropy, backward, SGD step on 64 sequences of 64 tokens."""
    model = TransformerClassifier().train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    tokens = torch.randint(0, TF_VOCAB, (TF_BATCH, TF_SEQ))
    y = torch.randint(0, TF_CLASSES, (TF_BATCH,))

    def step():
        loss = loss_fn(model(tokens), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step, lambda sec: TF_BATCH / sec


S2S_SRC_VOCAB, S2S_TGT_VOCAB, S2S_SRC_LEN, S2S_TGT_LEN, S2S_BATCH = 43, 14, 31, 11, 128


class Seq2SeqTransformer(torch.nn.Module):
    """The same model as bench/compare/seq2seq.go (models.Seq2SeqTransformer,
    PyTorch's translation tutorial): embeddings scaled by sqrt(d), sinusoidal
    positions, nn.Transformer, Linear generator."""

    def __init__(self, d=64, heads=4, layers=2, ff=256, max_len=128):
        super().__init__()
        self.d = d
        self.src_tok_emb = torch.nn.Embedding(S2S_SRC_VOCAB, d)
        self.tgt_tok_emb = torch.nn.Embedding(S2S_TGT_VOCAB, d)
        self.transformer = torch.nn.Transformer(d, heads, layers, layers, ff, 0.1, batch_first=True)
        self.generator = torch.nn.Linear(d, S2S_TGT_VOCAB)
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d)
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe)
        self.dropout = torch.nn.Dropout(0.1)

    def embed(self, emb, ids):
        return self.dropout(emb(ids) * math.sqrt(self.d) + self.pe[: ids.shape[1]])

    def forward(self, src, tgt):
        src_pad, tgt_pad = src == 0, tgt == 0
        causal = torch.triu(torch.ones(tgt.shape[1], tgt.shape[1], dtype=torch.bool), diagonal=1)
        out = self.transformer(self.embed(self.src_tok_emb, src), self.embed(self.tgt_tok_emb, tgt),
                               tgt_mask=causal, src_key_padding_mask=src_pad,
                               tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad)
        return self.generator(out)


def seq2seq_train():
    """Teacher-forced forward, cross-entropy, backward, Adam step on 128 pairs."""
    model = Seq2SeqTransformer().train()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=0)
    src = torch.randint(3, S2S_SRC_VOCAB, (S2S_BATCH, S2S_SRC_LEN))
    tgt_in = torch.randint(3, S2S_TGT_VOCAB, (S2S_BATCH, S2S_TGT_LEN))
    tgt_out = torch.randint(3, S2S_TGT_VOCAB, (S2S_BATCH * S2S_TGT_LEN,))

    def step():
        loss = loss_fn(model(src, tgt_in).reshape(-1, S2S_TGT_VOCAB), tgt_out)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    return step, lambda sec: S2S_BATCH / sec


CASES = {
    "gemm-nn-1024": lambda: gemm("nn", 1024),
    "gemm-nt-1024": lambda: gemm("nt", 1024),
    "gemm-tn-1024": lambda: gemm("tn", 1024),
    "gemm-nn-256": lambda: gemm("nn", 256),
    "op-overhead": op_overhead,
    "mnist-mlp-train-b64": lambda: mnist_train(64),
    "mnist-mlp-train-b256": lambda: mnist_train(256),
    "mnist-mlp-infer": lambda: mnist_infer(1000),
    "cifar-model1-train": lambda: cifar_train(cifar_model1),
    "cifar-model2-train": lambda: cifar_train(cifar_model2),
    "cifar-model3-train": lambda: cifar_train(cifar_model3),
    "cifar-model3-infer": lambda: cifar_infer(cifar_model3),
    "conv3x3-64-fwdbwd": conv3x3_fwdbwd,
    "gru-train": gru_train,
    "lstm-train": lstm_train,
    "transformer-train": transformer_train,
    "seq2seq-train": seq2seq_train,
}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--case", required=True)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--min-time", type=float, default=0.5)
    args = p.parse_args()
    if args.case not in CASES:
        print("unknown case " + args.case, file=sys.stderr)
        sys.exit(2)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    fn, figure = CASES[args.case]()
    wall, cpu = measure(fn, args.reps, args.min_time)
    # the figure from wall time, then the figure from CPU time (the same
    # unit, as if the CPU seconds had been wall seconds)
    print("%.6g %.6g" % (figure(wall), figure(cpu)))


if __name__ == "__main__":
    main()
