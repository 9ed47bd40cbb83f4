package checkpoint

import (
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

func TestTrainingRoundTrip(t *testing.T) {
	g := tensor.NewRNG(7)
	g.Float64() // move the generator off its seed state
	model := map[string]*tensor.Tensor{
		"1.weight":    tensor.Randn(g, 4, 3),
		"1.bias":      tensor.Randn(g, 4),
		"best/1.bias": tensor.Zeros(4), // the trainer's own prefixes pass through
	}
	expAvg := tensor.Randn(g, 4, 3)
	st := TrainState{
		Epoch: 3, Step: 2811,
		RNG: g.State(),
		Optimizer: OptimizerState{
			Kind:    "adam",
			Tensors: map[string]*tensor.Tensor{"0.exp_avg": expAvg, "0.step": tensor.Scalar(12)},
			Scalars: map[string]float64{"lr": 0.001, "beta1": 0.9, "eps": 1e-8, "third": 1.0 / 3, "bad": math.Inf(-1)},
		},
		Extra: map[string]string{"history": `[{"epoch":1,"loss":0.5}]`, "best_acc": "0.97"},
	}
	path := filepath.Join(t.TempDir(), "checkpoint.safetensors")
	if err := SaveTraining(path, model, st); err != nil {
		t.Fatal(err)
	}
	gotModel, got, err := LoadTraining(path)
	if err != nil {
		t.Fatal(err)
	}
	assertSameTensors(t, gotModel, model)
	assertSameTensors(t, got.Optimizer.Tensors, st.Optimizer.Tensors)
	if got.Epoch != 3 || got.Step != 2811 || got.Optimizer.Kind != "adam" {
		t.Errorf("epoch/step/kind: %d %d %q", got.Epoch, got.Step, got.Optimizer.Kind)
	}
	if !reflect.DeepEqual(got.Optimizer.Scalars, st.Optimizer.Scalars) {
		t.Errorf("scalars: got %v, want %v (exactly)", got.Optimizer.Scalars, st.Optimizer.Scalars)
	}
	if !reflect.DeepEqual(got.Extra, st.Extra) {
		t.Errorf("extra: got %v, want %v", got.Extra, st.Extra)
	}
	// The restored generator continues exactly where the saved one was.
	g2 := tensor.NewRNG(0)
	if err := g2.SetState(got.RNG); err != nil {
		t.Fatal(err)
	}
	if a, b := g.Float64(), g2.Float64(); a != b {
		t.Errorf("RNG: restored draws %v, original %v", b, a)
	}

	// The same file is a plain safetensors file: model tensors under their
	// own names, optimizer tensors prefixed.
	plain, meta, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if plain["1.weight"] == nil || plain["optim.0.exp_avg"] == nil || meta["train.epoch"] != "3" {
		t.Errorf("plain view: tensors %v, metadata %v", len(plain), meta)
	}
}

func TestTrainingEmptyState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.safetensors")
	if err := SaveTraining(path, map[string]*tensor.Tensor{"w": tensor.Ones(1)}, TrainState{}); err != nil {
		t.Fatal(err)
	}
	_, st, err := LoadTraining(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.RNG != nil || st.Optimizer.Tensors == nil || st.Optimizer.Scalars == nil || st.Extra == nil || st.Optimizer.Kind != "" {
		t.Errorf("got %+v: want nil RNG and empty, non-nil maps", st)
	}
}

func TestTrainingRejects(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "c.safetensors")
	err := SaveTraining(path, map[string]*tensor.Tensor{"optim.w": tensor.Ones(1)}, TrainState{})
	if err == nil || !strings.Contains(err.Error(), `"optim.w"`) {
		t.Errorf("model tensor with the optimizer prefix: got %v", err)
	}

	weights := filepath.Join(dir, "model.safetensors")
	if err := Save(weights, map[string]*tensor.Tensor{"w": tensor.Ones(1)}, nil); err != nil {
		t.Fatal(err)
	}
	_, _, err = LoadTraining(weights)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "weights file") || !strings.Contains(err.Error(), weights) {
		t.Errorf("plain weights file: got %v", err)
	}

	for _, c := range []struct{ key, value, want string }{
		{"train.step", "many", `"train.step" = "many" is not an integer`},
		{"train.rng", "!!", `"train.rng" is not base64`},
		{"optim.scalar.lr", "fast", `"optim.scalar.lr" = "fast" is not a number`},
		{"train.format", "9", `layout "9"`},
	} {
		meta := map[string]string{"train.format": "1", "train.epoch": "1", "train.step": "1"}
		meta[c.key] = c.value
		if err := Save(path, nil, meta); err != nil {
			t.Fatal(err)
		}
		if _, _, err := LoadTraining(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s=%q: got %v, want %q", c.key, c.value, err, c.want)
		}
	}
}
