package tensor

import (
	"testing"

	"github.com/deepgo/deepgo/internal/testutil"
)

// randInput makes a leaf requiring grad with values in [-1, 1) away from 0.
func randInput(g *RNG, shape ...int) *Tensor {
	t := Uniform(g, -1, 1, shape...)
	for i, v := range t.data {
		if v > -0.05 && v < 0.05 {
			t.data[i] = 0.3
		}
	}
	return t.SetRequiresGrad(true)
}

// positiveInput makes a leaf requiring grad with values in [0.5, 2).
func positiveInput(g *RNG, shape ...int) *Tensor {
	return Uniform(g, 0.5, 2, shape...).SetRequiresGrad(true)
}

func gradCheck(t *testing.T, name string, f func(in ...*Tensor) *Tensor, inputs ...*Tensor) {
	t.Helper()
	if err := GradCheck(f, inputs, nil); err != nil {
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
		d := float64(got[i] - want[i])
		if d < 0 {
			d = -d
		}
		w := float64(want[i])
		if w < 0 {
			w = -w
		}
		if d > tol*(1+w) || got[i] != got[i] {
			t.Fatalf("%s: element %d = %v, want %v (all: got %v want %v)", name, i, got[i], want[i], got, want)
		}
	}
}

func TestAxisErrorsNameTheShape(t *testing.T) {
	x := Ones(2, 3)
	mustPanic(t, func() { x.Sum(2) }, "Sum", "axis 2", "[2 3]")
	mustPanic(t, func() { x.Softmax(-3) }, "Softmax", "axis -3", "[2 3]")
	mustPanic(t, func() { x.Max(0, 0) }, "Max", "repeated")
}
