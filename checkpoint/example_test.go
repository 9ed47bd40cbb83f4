package checkpoint_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/deepgo/deepgo/checkpoint"
	"github.com/deepgo/deepgo/tensor"
)

func Example() {
	dir, err := os.MkdirTemp("", "checkpoint-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.safetensors")

	// PyTorch state-dict names, so that torch's load_state_dict accepts them.
	weights := map[string]*tensor.Tensor{
		"1.weight": tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3),
		"1.bias":   tensor.FromSlice([]float32{0.5, -0.5}, 2),
	}
	if err := checkpoint.Save(path, weights, map[string]string{"arch": "mlp"}); err != nil {
		log.Fatal(err)
	}
	loaded, meta, err := checkpoint.Load(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(loaded["1.weight"].Shape(), loaded["1.weight"].Data(), loaded["1.bias"].Data(), meta["arch"])
	// Output: [2 3] [1 2 3 4 5 6] [0.5 -0.5] mlp
}

func ExampleSaveTraining() {
	dir, err := os.MkdirTemp("", "checkpoint-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "checkpoint.safetensors")

	model := map[string]*tensor.Tensor{"0.weight": tensor.Ones(2, 2)}
	st := checkpoint.TrainState{
		Epoch: 4, Step: 3752,
		Optimizer: checkpoint.OptimizerState{
			Kind:    "sgd",
			Tensors: map[string]*tensor.Tensor{"0.momentum_buffer": tensor.Zeros(2, 2)},
			Scalars: map[string]float64{"lr": 0.01},
		},
		Extra: map[string]string{"best_acc": "0.9712"},
	}
	if err := checkpoint.SaveTraining(path, model, st); err != nil {
		log.Fatal(err)
	}
	_, resumed, err := checkpoint.LoadTraining(path)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resumed.Epoch, resumed.Step, resumed.Optimizer.Kind, resumed.Optimizer.Scalars["lr"], resumed.Extra["best_acc"])
	// Output: 4 3752 sgd 0.01 0.9712
}
