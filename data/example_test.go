package data_test

import (
	"fmt"
	"log"
	"os"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/tensor"
)

// Ten samples of two features, batched by four, shuffled by seed: the same
// seed and epoch always give the same batches.
func ExampleLoader() {
	x := tensor.Arange(0, 20, 1).Reshape(10, 2)
	y := tensor.Arange(0, 10, 1)
	ds := data.NewTensorDataset(x, y)

	loader := data.NewLoader(ds, data.LoaderConfig{BatchSize: 4, Shuffle: true, Seed: 1})
	fmt.Println("batches per epoch:", loader.Len())
	for xb, yb := range loader.Epoch(0) {
		fmt.Println(xb.Shape(), yb.Shape())
	}
	// Output:
	// batches per epoch: 3
	// [4 2] [4]
	// [4 2] [4]
	// [2 2] [2]
}

func ExampleNormalize() {
	// A one-channel 1x4 image, standardized with mean 0.5 and std 0.25.
	img := tensor.FromSlice([]float32{0, 0.25, 0.5, 1}, 1, 1, 4)
	norm := data.Normalize{Mean: []float32{0.5}, Std: []float32{0.25}}
	fmt.Println(norm.Apply(img, nil).Data())
	// Output: [-2 -1 0 2]
}

func ExampleRandomSplit() {
	ds := data.NewTensorDataset(tensor.Zeros(100, 3), tensor.Zeros(100))
	parts := data.RandomSplit(ds, []int{80, 20}, 42)
	fmt.Println(parts[0].Len(), parts[1].Len())
	// Output: 80 20
}

// Train on MNIST: find or fetch the files, load them, normalize each batch.
func ExampleLoadMNIST() {
	dir, err := data.EnsureMNIST(data.DataDir(""), "mnist", os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	train, err := data.LoadMNIST(dir, true)
	if err != nil {
		log.Fatal(err)
	}
	loader := data.NewLoader(train, data.LoaderConfig{
		BatchSize: 64, Shuffle: true, Seed: 1,
		Transform: data.Normalize{Mean: []float32{data.MNISTMean}, Std: []float32{data.MNISTStd}},
	})
	for epoch := range 12 {
		for x, y := range loader.Epoch(epoch) {
			_, _ = x, y // x [64 1 28 28], y [64]: forward, loss, backward, step
		}
	}
}
