"""Builds the models of package models in PyTorch and writes param_counts.json.

Run from the repository root with Debian's torch:

    /usr/bin/python3 models/testdata/param_counts.py

For each model it records the parameter count and the ordered state-dict
names (batch-norm buffers included); models_test.go compares them with
deepgo's. The layer lists must stay the same as in models/*.go.
"""
import json
import os

import torch
from torch import nn


def cifar_model1():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(3072, 1024), nn.ReLU(),
        nn.Linear(1024, 256), nn.ReLU(),
        nn.Linear(256, 64), nn.ReLU(),
        nn.Linear(64, 10))


def cifar_model2():
    return nn.Sequential(
        nn.Conv2d(3, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def cifar_model3():
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


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def mnist_mlp_64_32():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 64), nn.ReLU(),
        nn.Linear(64, 32), nn.ReLU(),
        nn.Linear(32, 10))


MODELS = {
    "CIFARModel1": cifar_model1,
    "CIFARModel2": cifar_model2,
    "CIFARModel3": cifar_model3,
    "LeNet": lenet,
    "MNISTMLP-64-32": mnist_mlp_64_32,
}


def main():
    out = {}
    for name, build in MODELS.items():
        m = build()
        out[name] = {
            "params": sum(p.numel() for p in m.parameters()),
            "state_dict": list(m.state_dict().keys()),
        }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "param_counts.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("wrote", path, "with torch", torch.__version__)


if __name__ == "__main__":
    main()
