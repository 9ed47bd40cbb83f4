package models

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// testModels builds every model of the package under the name that
// testdata/param_counts.py gives its PyTorch twin, with the input shape it
// takes.
func testModels() []struct {
	name   string
	model  *nn.Sequential
	params int
	input  []int
} {
	g := tensor.NewRNG(1)
	return []struct {
		name   string
		model  *nn.Sequential
		params int
		input  []int
	}{
		{"CIFARModel1", CIFARModel1(g), 3_426_250, []int{2, 3, 32, 32}},
		{"CIFARModel2", CIFARModel2(g), 62_006, []int{2, 3, 32, 32}},
		{"CIFARModel3", CIFARModel3(g, tensor.NewRNG(2)), 5_852_170, []int{2, 3, 32, 32}},
		{"LeNet", LeNet(g), 61_706, []int{2, 1, 28, 28}},
		{"MNISTMLP-64-32", MNISTMLP(g, []int{64, 32}), 52_650, []int{2, 1, 28, 28}},
	}
}

// The counts are the lecture's (../shared/PYTORCH-REFERENCE.md).
func TestParameterCounts(t *testing.T) {
	for _, m := range testModels() {
		if got := nn.NumParameters(m.model); got != m.params {
			t.Errorf("%s: %d parameters, want %d", m.name, got, m.params)
		}
	}
}

// TestMatchesPyTorch compares with the same layer lists built in PyTorch by
// testdata/param_counts.py. deepgo lists all parameters before the buffers
// while PyTorch interleaves them per module, so the names compare as sets.
func TestMatchesPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/param_counts.json")
	if err != nil {
		t.Fatal(err)
	}
	var ref map[string]struct {
		Params    int      `json:"params"`
		StateDict []string `json:"state_dict"`
	}
	if err := json.Unmarshal(raw, &ref); err != nil {
		t.Fatal(err)
	}
	for _, m := range testModels() {
		want, ok := ref[m.name]
		if !ok {
			t.Errorf("%s: missing from testdata/param_counts.json; rerun param_counts.py", m.name)
			continue
		}
		if got := nn.NumParameters(m.model); got != want.Params {
			t.Errorf("%s: %d parameters, PyTorch has %d", m.name, got, want.Params)
		}
		got := slices.Sorted(slices.Values(nn.StateDictNames(m.model)))
		wantNames := slices.Sorted(slices.Values(want.StateDict))
		if !slices.Equal(got, wantNames) {
			t.Errorf("%s: state-dict names\n got %v\nwant %v", m.name, got, wantNames)
		}
	}
}

func TestForwardShape(t *testing.T) {
	for _, m := range testModels() {
		for _, train := range []bool{true, false} {
			if train {
				nn.Train(m.model)
			} else {
				nn.Eval(m.model)
			}
			x := tensor.Randn(tensor.NewRNG(3), m.input...)
			var y *tensor.Tensor
			tensor.NoGrad(func() { y = m.model.Forward(x) })
			if !slices.Equal(y.Shape(), []int{2, 10}) {
				t.Errorf("%s (train=%v): output shape %v for input %v, want [2 10]", m.name, train, y.Shape(), m.input)
			}
		}
	}
}
