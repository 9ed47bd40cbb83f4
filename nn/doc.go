// Package nn holds deepgo's neural-network building blocks, shaped like
// torch.nn: the Module interface and the Base that custom networks embed,
// layers (Linear, Sequential, Flatten, activations), initializers with
// torch.nn.init's semantics, and the loss functions of the course
// (cross-entropy, NLL, binary cross-entropy, MSE, L1, Huber, smooth L1).
//
// Parameters carry PyTorch's state-dict names ("0.weight", "fc1.bias"), so
// that StateDict and LoadStateDict exchange checkpoints with PyTorch through
// the checkpoint package. Layers draw their initial weights from a
// *tensor.RNG: the same seed gives the same network. A nil RNG draws from
// tensor's default generator (seeded by tensor.ManualSeed).
//
// A network is a Module: a Forward method plus its named parameters. The
// usual way to write one is a struct that embeds Base and registers its
// layers (see the Module example); Sequential covers plain stacks of layers.
//
// Like tensor's ops, layers and losses panic on programming errors (wrong
// shapes, class indices out of range) with a message naming the operation
// and the shapes; LoadStateDict, whose input comes from a file, returns an
// error instead.
package nn
