"""The lecture's MNIST MLP trained the same way as `deepgo mnist`, in PyTorch.

    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3 \
        tools/mnist_pytorch.py --data ../shared/datasets/mnist [--optimizer adam --lr 0.001] [--seed 1]

784-64-32-10 with ReLU, cross-entropy on the logits (the softmax output of the
lecture folded into the loss), batch 64, 12 epochs, shuffled, pixels scaled to
[0, 1], 2 threads. Prints one line per epoch and `test_acc=<x>% train_seconds=<t>`.
"""
import argparse
import gzip
import time

import numpy as np
import torch


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", required=True)
    p.add_argument("--optimizer", default="sgd")
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    xtr = torch.tensor(idx(a.data + "/train-images-idx3-ubyte.gz"), dtype=torch.float32).reshape(-1, 784) / 255
    ytr = torch.tensor(idx(a.data + "/train-labels-idx1-ubyte.gz"), dtype=torch.int64)
    xte = torch.tensor(idx(a.data + "/t10k-images-idx3-ubyte.gz"), dtype=torch.float32).reshape(-1, 784) / 255
    yte = torch.tensor(idx(a.data + "/t10k-labels-idx1-ubyte.gz"), dtype=torch.int64)
    model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 32),
                                torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = (torch.optim.Adam(model.parameters(), lr=a.lr) if a.optimizer == "adam"
           else torch.optim.SGD(model.parameters(), lr=a.lr))
    loss_fn = torch.nn.CrossEntropyLoss()
    spent = 0.0
    for epoch in range(1, a.epochs + 1):
        t0 = time.perf_counter()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), a.batch):
            b = perm[i:i + a.batch]
            loss = loss_fn(model(xtr[b]), ytr[b])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        spent += time.perf_counter() - t0
        with torch.no_grad():
            acc = (model(xte).argmax(1) == yte).float().mean().item()
        print("epoch %d test_acc=%.2f%%" % (epoch, 100 * acc))
    print("test_acc=%.2f%% train_seconds=%.1f" % (100 * acc, spent))


if __name__ == "__main__":
    main()
