package tensor

import (
	"fmt"
	"math"
	"testing"
)

// activationGradCases covers activation.go. Inputs span [-3, 3) so that the
// curved parts are exercised, and stay 0.15 away from 0, the kink of ReLU,
// LeakyReLU and ELU. Softmax and LogSoftmax run on every axis of a 3-D input.
func activationGradCases() []opGradCase {
	in := wides(sh(2, 3, 4))
	unary := func(op string, f func(x *Tensor) *Tensor) opGradCase {
		return opGradCase{op, "[2 3 4]", func(x ...*Tensor) *Tensor { return f(x[0]) }, in}
	}
	cases := []opGradCase{
		unary("ReLU", (*Tensor).ReLU),
		unary("LeakyReLU", func(x *Tensor) *Tensor { return x.LeakyReLU(0.01) }),
		unary("LeakyReLU", func(x *Tensor) *Tensor { return x.LeakyReLU(0.2) }),
		unary("ELU", func(x *Tensor) *Tensor { return x.ELU(1) }),
		unary("ELU", func(x *Tensor) *Tensor { return x.ELU(0.5) }),
		unary("Sigmoid", (*Tensor).Sigmoid),
		unary("Tanh", (*Tensor).Tanh),
		unary("SiLU", (*Tensor).SiLU),
		unary("Softplus", (*Tensor).Softplus),
		unary("GELU", (*Tensor).GELU),
		unary("GELUTanh", (*Tensor).GELUTanh),
		{"ReLU", "[]", func(x ...*Tensor) *Tensor { return x[0].ReLU() }, wides(sh())},
		{"Softmax", "[5]", func(x ...*Tensor) *Tensor { return x[0].Softmax(0) }, wides(sh(5))},
		{"Softmax", "[3 1] axis 1", func(x ...*Tensor) *Tensor { return x[0].Softmax(1) }, wides(sh(3, 1))},
		{"LogSoftmax", "[1 5] axis -1", func(x ...*Tensor) *Tensor { return x[0].LogSoftmax(-1) }, wides(sh(1, 5))},
	}
	for _, axis := range []int{0, 1, 2, -1} {
		cases = append(cases,
			opGradCase{"Softmax", fmt.Sprintf("[2 3 4] axis %d", axis),
				func(x ...*Tensor) *Tensor { return x[0].Softmax(axis) }, in},
			opGradCase{"LogSoftmax", fmt.Sprintf("[2 3 4] axis %d", axis),
				func(x ...*Tensor) *Tensor { return x[0].LogSoftmax(axis) }, in})
	}
	return cases
}

func TestActivationGradients(t *testing.T) { runOpGradCases(t, activationGradCases()) }

// Reference values: softmax([1 2 3]) = e^x / Σe^x; the rest are closed
// forms evaluated in float64 (PyTorch agrees to float32 precision).
func TestActivationValues(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3})
	assertClose(t, "Softmax [1 2 3]", x.Softmax(0).Data(), []float32{0.09003057, 0.24472847, 0.66524096}, 1e-6)
	assertClose(t, "LogSoftmax [1 2 3]", x.LogSoftmax(0).Data(), []float32{-2.4076059, -1.4076059, -0.40760596}, 1e-6)

	// Large logits must not overflow: softmax only sees differences.
	big := FromSlice([]float32{1000, 1001, 1002})
	assertClose(t, "Softmax large", big.Softmax(0).Data(), []float32{0.09003057, 0.24472847, 0.66524096}, 1e-6)
	assertClose(t, "LogSoftmax large", big.LogSoftmax(0).Data(), []float32{-2.4076059, -1.4076059, -0.40760596}, 1e-5)

	// Softmax along axis 0 of a [2 2]: each column sums to 1.
	m := FromSlice([]float32{0, 1, 0, 3}, 2, 2)
	assertClose(t, "Softmax axis 0", m.Softmax(0).Data(), []float32{0.5, 0.11920292, 0.5, 0.8807971}, 1e-6)

	v := FromSlice([]float32{-1, 0, 1})
	e1 := float32(math.Exp(-1))
	for _, c := range []struct {
		name      string
		got, want []float32
	}{
		{"ReLU", v.ReLU().Data(), []float32{0, 0, 1}},
		{"LeakyReLU 0.1", v.LeakyReLU(0.1).Data(), []float32{-0.1, 0, 1}},
		{"ELU 1", v.ELU(1).Data(), []float32{e1 - 1, 0, 1}},
		{"Sigmoid", v.Sigmoid().Data(), []float32{0.26894142, 0.5, 0.7310586}},
		{"Tanh", v.Tanh().Data(), []float32{-0.7615942, 0, 0.7615942}},
		{"SiLU", v.SiLU().Data(), []float32{-0.26894142, 0, 0.7310586}},
		{"Softplus", v.Softplus().Data(), []float32{0.31326169, 0.69314718, 1.3132617}},
		{"GELU", v.GELU().Data(), []float32{-0.15865525, 0, 0.8413447}},
		{"GELUTanh", v.GELUTanh().Data(), []float32{-0.15880801, 0, 0.841192}},
	} {
		assertClose(t, c.name, c.got, c.want, 1e-6)
	}

	// Softplus and Sigmoid stay finite far out.
	far := FromSlice([]float32{-100, 100})
	assertClose(t, "Softplus far", far.Softplus().Data(), []float32{0, 100}, 1e-6)
	assertClose(t, "Sigmoid far", far.Sigmoid().Data(), []float32{0, 1}, 1e-6)
}

func TestActivationAxisPanics(t *testing.T) {
	x := Ones(2, 3)
	mustPanic(t, func() { x.Softmax(2) }, "Softmax", "axis 2")
	mustPanic(t, func() { x.LogSoftmax(-3) }, "LogSoftmax", "axis -3")
}
