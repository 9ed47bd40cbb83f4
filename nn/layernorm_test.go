package nn

import (
	"math"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// Each row comes out with mean 0 and (biased) variance 1/(1 + eps/var)
// before the affine map, which starts as the identity.
func TestLayerNormNormalizes(t *testing.T) {
	g := tensor.NewRNG(1)
	x := tensor.Uniform(g, -3, 5, 4, 6, 10)
	y := NewLayerNorm([]int{10}).Forward(x)
	for r := 0; r < 24; r++ {
		row := y.Data()[r*10 : (r+1)*10]
		var s, sq float64
		for _, v := range row {
			s += float64(v)
		}
		for _, v := range row {
			d := float64(v) - s/10
			sq += d * d
		}
		if math.Abs(s/10) > 1e-5 || math.Abs(sq/10-1) > 1e-3 {
			t.Fatalf("row %d: mean %g, var %g; want 0 and 1", r, s/10, sq/10)
		}
	}
}

// Normalizing over two trailing dimensions is normalizing over their
// flattening; the affine weight and bias multiply and shift per element.
func TestLayerNormTwoDims(t *testing.T) {
	g := tensor.NewRNG(2)
	x := tensor.Uniform(g, -2, 2, 3, 4, 5)
	ln2 := NewLayerNorm([]int{4, 5})
	ln1 := NewLayerNorm([]int{20})
	copy(ln2.Weight.Data(), tensor.Uniform(g, 0.5, 1.5, 20).Data())
	copy(ln2.Bias.Data(), tensor.Uniform(g, -1, 1, 20).Data())
	copy(ln1.Weight.Data(), ln2.Weight.Data())
	copy(ln1.Bias.Data(), ln2.Bias.Data())
	assertClose(t, "two dims", ln2.Forward(x).Data(), ln1.Forward(x.Reshape(3, 20)).Data(), 1e-6)
}

func TestLayerNormGradCheck(t *testing.T) {
	g := tensor.NewRNG(3)
	for _, c := range []struct {
		name   string
		shape  []int
		norm   []int
		affine bool
	}{
		{"rows", []int{3, 5}, []int{5}, true},
		{"seq", []int{2, 3, 4}, []int{4}, true},
		{"two dims", []int{2, 3, 4}, []int{3, 4}, true},
		{"no affine", []int{4, 6}, []int{6}, false},
	} {
		ln := NewLayerNorm(c.norm, LayerNormAffine(c.affine), LayerNormEps(1e-3))
		x := randInput(g, -2, 2, c.shape...)
		inputs := []*tensor.Tensor{x}
		if c.affine {
			copy(ln.Weight.Data(), tensor.Uniform(g, 0.5, 1.5, ln.Weight.Numel()).Data())
			copy(ln.Bias.Data(), tensor.Uniform(g, -1, 1, ln.Bias.Numel()).Data())
			inputs = append(inputs, ln.Weight, ln.Bias)
		}
		gradCheck(t, "LayerNorm "+c.name, func(in ...*tensor.Tensor) *tensor.Tensor { return ln.Forward(in[0]) }, inputs...)
	}
}

// The gradient must not depend on how rows are split across goroutines:
// a batch large enough to be split gives the same dw as row-by-row sums.
func TestLayerNormParallelBackward(t *testing.T) {
	g := tensor.NewRNG(4)
	rows, n := 3000, 16
	x := randInput(g, -2, 2, rows, n)
	ln := NewLayerNorm([]int{n})
	u := tensor.Uniform(g, -1, 1, rows, n)
	ln.Forward(x).Mul(u).Sum().Backward()
	want := make([]float64, n)
	for r := 0; r < rows; r++ {
		row := x.Data()[r*n : (r+1)*n]
		var s, sq float64
		for _, v := range row {
			s += float64(v)
		}
		mu := s / float64(n)
		for _, v := range row {
			sq += (float64(v) - mu) * (float64(v) - mu)
		}
		rs := 1 / math.Sqrt(sq/float64(n)+1e-5)
		for j, v := range row {
			want[j] += float64(u.Data()[r*n+j]) * (float64(v) - mu) * rs
		}
	}
	for j := range want {
		if d := math.Abs(float64(ln.Weight.Grad.Data()[j]) - want[j]); d > 1e-3*(1+math.Abs(want[j])) {
			t.Fatalf("dw[%d] = %g, want %g", j, ln.Weight.Grad.Data()[j], want[j])
		}
	}
}

func TestLayerNormErrors(t *testing.T) {
	ln := NewLayerNorm([]int{5})
	mustPanic(t, func() { ln.Forward(tensor.Zeros(4, 7, 3)) }, "LayerNorm", "[4 7 3]", "[5]")
	mustPanic(t, func() { NewLayerNorm(nil) }, "NewLayerNorm", "empty")
	mustPanic(t, func() { NewLayerNorm([]int{0}) }, "NewLayerNorm", "positive")
	if got, want := ln.String(), "LayerNorm((5,), eps=1e-05, elementwise_affine=true)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if names := StateDictNames(ln); len(names) != 2 || names[0] != "weight" || names[1] != "bias" {
		t.Errorf("state dict names %v", names)
	}
	if names := StateDictNames(NewLayerNorm([]int{5}, LayerNormAffine(false))); len(names) != 0 {
		t.Errorf("no affine: state dict names %v", names)
	}
}
