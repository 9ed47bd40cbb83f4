package checkpoint

import (
	"encoding/json"
	"math"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// pythonWithNumpy finds a Python 3 that has numpy, or skips the test.
func pythonWithNumpy(t *testing.T) string {
	t.Helper()
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(py, "-c", "import numpy").Run() == nil {
			return py
		}
	}
	t.Skip("no python3 with numpy")
	return ""
}

// TestPythonReader runs tools/load_safetensors.py on a file Save wrote and
// checks that it sees the same names, shapes, sums and metadata.
func TestPythonReader(t *testing.T) {
	py := pythonWithNumpy(t)
	tensors, meta := goldenTensors()
	delete(tensors, "odd \"name\"\t\u00fc\u20ac") // +Inf: JSON has no number for it
	g := tensor.NewRNG(3)
	tensors["1.weight"] = tensor.Randn(g, 64, 784)
	tensors["1.bias"] = tensor.Randn(g, 64)
	path := filepath.Join(t.TempDir(), "py.safetensors")
	if err := Save(path, tensors, meta); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(py, "../tools/load_safetensors.py", "--json", path).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var got struct {
		Tensors []struct {
			Name, Dtype string
			Shape       []int
			Sum         float64
		}
		Metadata map[string]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(got.Tensors) != len(tensors) {
		t.Fatalf("python sees %d tensors, want %d", len(got.Tensors), len(tensors))
	}
	for _, r := range got.Tensors {
		want := tensors[r.Name]
		if want == nil || r.Dtype != "F32" || !tensor.SameShape(r.Shape, want.Shape()) {
			t.Errorf("python: %q %s %v; want shape %v", r.Name, r.Dtype, r.Shape, want.Shape())
			continue
		}
		var sum float64
		for _, v := range want.Data() {
			sum += float64(v)
		}
		if math.Abs(r.Sum-sum) > 1e-9*math.Max(1, math.Abs(sum)) {
			t.Errorf("python: %q sums to %v, want %v", r.Name, r.Sum, sum)
		}
	}
	for k, v := range meta {
		if got.Metadata[k] != v {
			t.Errorf("python: metadata %q = %q, want %q", k, got.Metadata[k], v)
		}
	}
}
