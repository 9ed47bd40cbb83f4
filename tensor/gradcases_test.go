package tensor

import (
	"hash/fnv"
	"slices"
	"strings"
	"testing"
)

// The gradient checks of this package are tables of opGradCase, one table
// per op family (elementwise_test.go, activation_test.go, reduce_test.go,
// matmul_test.go, and the view ops below). TestGradCheckCoverage audits
// that every differentiable op has at least one row.

// opGradCase is one gradient check: op is the op's name as the audit
// lists it, shapes says what the case exercises, f is the function under
// test and inputs makes its leaves.
type opGradCase struct {
	op     string
	shapes string
	f      func(in ...*Tensor) *Tensor
	inputs func(g *RNG) []*Tensor
}

// runOpGradCases runs GradCheck on every case with the default
// tolerances, seeding each case's inputs from its name.
func runOpGradCases(t *testing.T, cases []opGradCase) {
	t.Helper()
	for _, c := range cases {
		name := c.op + " " + c.shapes
		t.Run(name, func(t *testing.T) {
			h := fnv.New64a()
			h.Write([]byte(name))
			if err := GradCheck(c.f, c.inputs(NewRNG(h.Sum64())), nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// sh spells a shape in a case table.
func sh(d ...int) []int { return d }

// randoms makes inputs of the given shapes with values in [-1, 1), away
// from 0 (see randInput).
func randoms(shapes ...[]int) func(g *RNG) []*Tensor {
	return func(g *RNG) []*Tensor {
		in := make([]*Tensor, len(shapes))
		for i, s := range shapes {
			in[i] = randInput(g, s...)
		}
		return in
	}
}

// positives makes inputs of the given shapes with values in [0.5, 2).
func positives(shapes ...[]int) func(g *RNG) []*Tensor {
	return func(g *RNG) []*Tensor {
		in := make([]*Tensor, len(shapes))
		for i, s := range shapes {
			in[i] = positiveInput(g, s...)
		}
		return in
	}
}

// wides makes inputs with values in [-3, 3), away from 0, to reach the
// curved parts of the activations.
func wides(shapes ...[]int) func(g *RNG) []*Tensor {
	return func(g *RNG) []*Tensor {
		in := randoms(shapes...)(g)
		for _, x := range in {
			scaleVec(x.data, x.data, 3)
		}
		return in
	}
}

// distinct makes inputs whose values are 0.1 apart in random order, so that
// no finite-difference step (0.01) changes which element is the extreme.
func distinct(shapes ...[]int) func(g *RNG) []*Tensor {
	return func(g *RNG) []*Tensor {
		in := make([]*Tensor, len(shapes))
		for i, s := range shapes {
			n := prod(s)
			x := Zeros(s...)
			for j, p := range g.Perm(n) {
				x.data[j] = 0.1 * (float32(p) - float32(n)/2)
			}
			in[i] = x.SetRequiresGrad(true)
		}
		return in
	}
}

// interleaved makes two inputs for Maximum and Minimum: the first on the
// grid 0.1k + 0.05, the second on the grid 0.1k, k in [-10, 10], so that
// any pair of elements differs by at least 0.05.
func interleaved(a, b []int) func(g *RNG) []*Tensor {
	return func(g *RNG) []*Tensor {
		grid := func(s []int, off float32) *Tensor {
			x := Zeros(s...)
			for i := range x.data {
				x.data[i] = 0.1*float32(g.IntN(21)-10) + off
			}
			return x.SetRequiresGrad(true)
		}
		return []*Tensor{grid(a, 0.05), grid(b, 0)}
	}
}

// viewGradCases covers the view ops of view.go.
func viewGradCases() []opGradCase {
	in := randoms(sh(2, 3, 4))
	return []opGradCase{
		{"Reshape", "[2 3 4] to [6 4]", func(x ...*Tensor) *Tensor { return x[0].Reshape(6, 4).Square() }, in},
		{"Reshape", "[2 3 4] to [-1]", func(x ...*Tensor) *Tensor { return x[0].Reshape(-1).Square() }, in},
		{"Reshape", "[1] to []", func(x ...*Tensor) *Tensor { return x[0].Reshape().Square() }, randoms(sh(1))},
		{"Flatten", "[2 3 4] axes 1..2", func(x ...*Tensor) *Tensor { return x[0].Flatten(1, 2).Square() }, in},
		{"Flatten", "[2 3 4] axes 0..-1", func(x ...*Tensor) *Tensor { return x[0].Flatten(0, -1).Square() }, in},
		{"Squeeze", "[2 1 3 1] all", func(x ...*Tensor) *Tensor { return x[0].Squeeze().Square() }, randoms(sh(2, 1, 3, 1))},
		{"Squeeze", "[2 1 3 1] axis -1", func(x ...*Tensor) *Tensor { return x[0].Squeeze(-1).Square() }, randoms(sh(2, 1, 3, 1))},
		{"Unsqueeze", "[2 3] axis 0", func(x ...*Tensor) *Tensor { return x[0].Unsqueeze(0).Square() }, randoms(sh(2, 3))},
		{"Unsqueeze", "[2 3] axis -1", func(x ...*Tensor) *Tensor { return x[0].Unsqueeze(-1).Square() }, randoms(sh(2, 3))},
		{"Unsqueeze", "[] axis 0", func(x ...*Tensor) *Tensor { return x[0].Unsqueeze(0).Square() }, randoms(sh())},
	}
}

func TestViewGradients(t *testing.T) { runOpGradCases(t, viewGradCases()) }

func TestViewShapePanics(t *testing.T) {
	x := Ones(2, 3)
	mustPanic(t, func() { x.Reshape(4) }, "deepgo: Reshape:", "[2 3]", "[4]", "6 elements", "4 elements")
	mustPanic(t, func() { x.Reshape(-1, 4) }, "deepgo: Reshape:", "[2 3]", "[-1 4]")
	mustPanic(t, func() { x.Reshape(-1, -1) }, "deepgo: Reshape:", "[2 3]", "[-1 -1]")
	mustPanic(t, func() { x.Squeeze(0) }, "deepgo: Squeeze:", "[2 3]")
	mustPanic(t, func() { Ones(2, 3, 4).Flatten(2, 1) }, "deepgo: Flatten:", "[2 3 4]")
	mustPanic(t, func() { x.Unsqueeze(3) }, "deepgo: Unsqueeze:", "axis 3")
}

// TestGradCheckCoverage is the audit: every differentiable op outside the
// shape and index ops must appear in some gradient-check table.
func TestGradCheckCoverage(t *testing.T) {
	want := []string{
		// elementwise.go and tensor.go
		"Add", "Sub", "Mul", "Div", "PowTensor", "Maximum", "Minimum",
		"Neg", "AddScalar", "MulScalar", "DivScalar", "Pow", "Square", "Exp", "Log", "Sqrt", "Abs", "Clamp",
		"Where", "Clone",
		// activation.go
		"ReLU", "LeakyReLU", "ELU", "Sigmoid", "Tanh", "SiLU", "Softplus", "GELU", "GELUTanh",
		"Softmax", "LogSoftmax",
		// reduce.go and reduce_more.go
		"Sum", "SumKeep", "Mean", "MeanKeep", "Var", "VarKeep", "VarCorrection",
		"Std", "StdKeep", "StdCorrection", "LogSumExp", "LogSumExpKeep", "Max", "MaxKeep", "Min", "MinKeep",
		// matmul.go
		"MatMul", "Linear",
		// view.go
		"Reshape", "Flatten", "Squeeze", "Unsqueeze",
	}
	var have []string
	for _, table := range [][]opGradCase{
		elementwiseGradCases(), activationGradCases(), reduceGradCases(), matmulGradCases(), viewGradCases(),
	} {
		for _, c := range table {
			have = append(have, c.op)
		}
	}
	var missing []string
	for _, op := range want {
		if !slices.Contains(have, op) {
			missing = append(missing, op)
		}
	}
	if len(missing) > 0 {
		t.Errorf("ops without a gradient check: %s", strings.Join(missing, ", "))
	}
	for _, op := range have {
		if !slices.Contains(want, op) {
			t.Errorf("gradient case for %q, which the audit list does not name", op)
		}
	}
}
