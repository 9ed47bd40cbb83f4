// Package data feeds training loops: datasets, a batching loader with
// background prefetch, transforms and seeded augmentations (flips, rotation,
// affine, random crop, colour jitter), the MNIST, Fashion-MNIST and CIFAR-10
// readers, an ImageFolder dataset for a tree of class folders of images,
// and verified downloads.
//
// A Dataset hands out one sample at a time, (x, y), like torch.utils.data.Dataset.
// Datasets held in memory, such as TensorDataset, also implement Batcher and
// gather a whole batch with one copy per sample. A Loader turns any Dataset
// into batches [B, ...], shuffled in an order that depends only on the seed
// and the epoch number, so that a run resumed at epoch k sees exactly the
// batches the uninterrupted run would have seen. Batches are prepared ahead
// on a background goroutine while the caller computes.
//
// Readers convert stored bytes to float32 themselves: LoadMNIST and
// LoadFashionMNIST return pixels already scaled to [0, 1] (what torchvision's
// ToTensor does), so transforms start from float tensors. Normalize and
// Compose follow torchvision; every Transform receives a per-sample
// *tensor.RNG so that random augmentations are reproducible from the seed.
//
// Where the data lives: DataDir picks the data directory (flag, then
// $DEEPGO_DATA, then the user cache directory), FindMNIST and EnsureMNIST
// locate or fetch the files, and Download saves a file atomically after
// checking its SHA-256. Everything that comes from outside the program
// (files, the network) returns an error naming the file and the problem;
// misuse of the API (a bad index, a negative batch size) panics.
package data
