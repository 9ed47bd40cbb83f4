package nn

import (
	"math"
	"testing"

	"github.com/deepgo/deepgo/internal/testutil"
	"github.com/deepgo/deepgo/tensor"
)

// randInput makes a leaf requiring grad with values uniform in [lo, hi).
func randInput(g *tensor.RNG, lo, hi float32, shape ...int) *tensor.Tensor {
	return tensor.Uniform(g, lo, hi, shape...).SetRequiresGrad(true)
}

// randClasses makes a target of class indices in [0, c), with ignore
// written at the given positions.
func randClasses(g *tensor.RNG, c int, ignore int, ignored []int, shape ...int) *tensor.Tensor {
	t := tensor.Zeros(shape...)
	d := t.Data()
	for i := range d {
		d[i] = float32(g.IntN(c))
	}
	for _, p := range ignored {
		d[p] = float32(ignore)
	}
	return t
}

func gradCheck(t *testing.T, name string, f func(in ...*tensor.Tensor) *tensor.Tensor, inputs ...*tensor.Tensor) {
	t.Helper()
	if err := tensor.GradCheck(f, inputs, nil); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

// mustPanic asserts that fn panics with a message containing every part.
func mustPanic(t *testing.T, fn func(), parts ...string) {
	t.Helper()
	testutil.MustPanic(t, fn, parts...)
}

func assertClose(t *testing.T, name string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if d := math.Abs(float64(got[i] - want[i])); !(d <= tol*(1+math.Abs(float64(want[i])))) {
			t.Fatalf("%s: element %d = %v, want %v", name, i, got[i], want[i])
		}
	}
}
