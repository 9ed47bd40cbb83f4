// Package models holds ready-made networks from the course: the three CIFAR-10
// models of the lecture, LeNet for Fashion-MNIST, the MNIST MLP that
// cmd/deepgo trains, and the sequence models (the encoder-decoder
// Seq2SeqTransformer; the sentiment models where present).
//
// The image models are *nn.Sequential values built from the same layer list
// as the PyTorch nn.Sequential of the lecture, so their state-dict names
// ("0.weight", "1.running_mean", ...) and parameter counts are PyTorch's and
// checkpoints cross over through the checkpoint package.
// testdata/param_counts.py builds the PyTorch side; the tests compare both.
// The sequence models are modules with named children whose state-dict names
// follow the PyTorch code they mirror (see each type).
//
// Constructors take the *tensor.RNG that initializes the weights (tensor's
// default generator when nil): the same seed gives the same network.
package models
