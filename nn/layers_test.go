package nn

import (
	"math"
	"slices"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

func TestLinearForward(t *testing.T) {
	l := NewLinear(3, 2, tensor.NewRNG(1))
	copy(l.Weight.Data(), []float32{1, 2, 3, -1, 0, 1})
	copy(l.Bias.Data(), []float32{0.5, -0.5})
	x := tensor.FromSlice([]float32{1, 1, 1, 2, 0, -1}, 2, 3)
	// [1 1 1]·[1 2 3] + 0.5 = 6.5, [1 1 1]·[-1 0 1] - 0.5 = -0.5, ...
	assertClose(t, "Linear", l.Forward(x).Data(), []float32{6.5, -0.5, -0.5, -3.5}, 0)

	nb := NewLinear(3, 2, tensor.NewRNG(1), WithBias(false))
	if nb.Bias != nil || len(nb.NamedParameters()) != 1 || nb.String() != "Linear(in_features=3, out_features=2, bias=false)" {
		t.Errorf("WithBias(false): bias %v, %d parameters, %s", nb.Bias, len(nb.NamedParameters()), nb)
	}
	if y := l.Forward(tensor.Ones(4, 5, 3)); !tensor.SameShape(y.Shape(), []int{4, 5, 2}) {
		t.Errorf("[4 5 3] -> %v, want [4 5 2]", y.Shape())
	}
	mustPanic(t, func() { NewLinear(0, 3, nil) }, "NewLinear", "in=0")
}

func TestLinearGradCheck(t *testing.T) {
	rng := tensor.NewRNG(5)
	for _, bias := range []bool{true, false} {
		l := NewLinear(4, 3, rng, WithBias(bias))
		x := randInput(rng, -1, 1, 2, 5, 4)
		inputs := append([]*tensor.Tensor{x}, Parameters(l)...)
		gradCheck(t, "Linear", func(in ...*tensor.Tensor) *tensor.Tensor { return l.Forward(in[0]) }, inputs...)
	}
}

// TestLinearInitRange checks that the drawn weights fill PyTorch's bound
// U(±1/√in) (the bound itself is compared with PyTorch in TestGoldenInits).
func TestLinearInitRange(t *testing.T) {
	l := NewLinear(400, 50, tensor.NewRNG(9))
	bound := 1 / math.Sqrt(400)
	for name, p := range map[string]*tensor.Tensor{"weight": l.Weight, "bias": l.Bias} {
		lo, hi := slices.Min(p.Data()), slices.Max(p.Data())
		if float64(lo) < -bound || float64(hi) > bound {
			t.Errorf("%s in [%g, %g], outside ±%g", name, lo, hi, bound)
		}
		if p == l.Weight && (float64(hi) < 0.99*bound || float64(lo) > -0.99*bound) {
			t.Errorf("weight in [%g, %g] does not fill ±%g", lo, hi, bound)
		}
	}
}

func TestActivations(t *testing.T) {
	x := tensor.FromSlice([]float32{-2, -0.5, 0.3, 1.5}, 2, 2)
	cases := []struct {
		m    Module
		want func(v float64) float64
	}{
		{&ReLU{}, func(v float64) float64 { return math.Max(v, 0) }},
		{&LeakyReLU{}, func(v float64) float64 { return ifPositive(v, v, 0.01*v) }},
		{&LeakyReLU{Slope: 0.2}, func(v float64) float64 { return ifPositive(v, v, 0.2*v) }},
		{&ELU{}, func(v float64) float64 { return ifPositive(v, v, math.Expm1(v)) }},
		{&ELU{Alpha: 0.5}, func(v float64) float64 { return ifPositive(v, v, 0.5*math.Expm1(v)) }},
		{&Sigmoid{}, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
		{&Tanh{}, math.Tanh},
		{&SiLU{}, func(v float64) float64 { return v / (1 + math.Exp(-v)) }},
		{&Swish{}, func(v float64) float64 { return v / (1 + math.Exp(-v)) }},
		{&GELU{}, func(v float64) float64 { return v * 0.5 * (1 + math.Erf(v/math.Sqrt2)) }},
		{&GELU{Approximate: "tanh"}, func(v float64) float64 {
			return 0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v)))
		}},
		{&Softplus{}, func(v float64) float64 { return math.Log1p(math.Exp(v)) }},
		{&Softplus{Beta: 2}, func(v float64) float64 { return math.Log1p(math.Exp(2*v)) / 2 }},
		{&Identity{}, func(v float64) float64 { return v }},
	}
	for _, c := range cases {
		name := describe(c.m)
		want := make([]float32, 4)
		for i, v := range x.Data() {
			want[i] = float32(c.want(float64(v)))
		}
		assertClose(t, name, c.m.Forward(x).Data(), want, 1e-6)
		rng := tensor.NewRNG(3)
		gradCheck(t, name, func(in ...*tensor.Tensor) *tensor.Tensor { return c.m.Forward(in[0]) },
			randInput(rng, 0.1, 1, 3, 4), randInput(rng, -1, -0.1, 3, 4))
	}
	mustPanic(t, func() { (&GELU{Approximate: "erf"}).Forward(x) }, "GELU", `"erf"`)
	if s := (&LeakyReLU{}).String(); s != "LeakyReLU(negative_slope=0.01)" {
		t.Errorf("String = %q", s)
	}
}

func TestSoftmaxModules(t *testing.T) {
	rng := tensor.NewRNG(4)
	x := randInput(rng, -2, 2, 3, 4)
	for _, axis := range []int{0, 1, -1} {
		sm := (&Softmax{Axis: axis}).Forward(x)
		assertClose(t, "Softmax", sm.Data(), x.Softmax(axis).Data(), 0)
		lsm := (&LogSoftmax{Axis: axis}).Forward(x)
		assertClose(t, "LogSoftmax", lsm.Data(), x.LogSoftmax(axis).Data(), 0)
	}
	rows := (&Softmax{Axis: 1}).Forward(x).Sum(1).Data()
	assertClose(t, "softmax rows sum to 1", rows, []float32{1, 1, 1}, 1e-6)
	gradCheck(t, "Softmax", func(in ...*tensor.Tensor) *tensor.Tensor { return (&Softmax{Axis: 1}).Forward(in[0]) }, x)
	gradCheck(t, "LogSoftmax", func(in ...*tensor.Tensor) *tensor.Tensor { return (&LogSoftmax{Axis: 0}).Forward(in[0]) }, x)
}

func TestFlatten(t *testing.T) {
	x := randInput(tensor.NewRNG(1), -1, 1, 2, 1, 3, 4)
	if y := NewFlatten().Forward(x); !tensor.SameShape(y.Shape(), []int{2, 12}) {
		t.Errorf("NewFlatten: [2 1 3 4] -> %v, want [2 12]", y.Shape())
	}
	if y := (&Flatten{Start: 2, End: 3}).Forward(x); !tensor.SameShape(y.Shape(), []int{2, 1, 12}) {
		t.Errorf("Flatten{2, 3}: -> %v, want [2 1 12]", y.Shape())
	}
	if y := (&Flatten{}).Forward(x); !tensor.SameShape(y.Shape(), x.Shape()) {
		t.Errorf("Flatten{}: -> %v, want unchanged", y.Shape())
	}
	gradCheck(t, "Flatten", func(in ...*tensor.Tensor) *tensor.Tensor { return NewFlatten().Forward(in[0]) }, x)
	// MNIST: images straight into the MLP.
	net := NewSequential(NewFlatten(), mnistMLP(tensor.NewRNG(1)))
	if y := net.Forward(tensor.Zeros(3, 1, 28, 28)); !tensor.SameShape(y.Shape(), []int{3, 10}) {
		t.Errorf("Flatten + MLP on [3 1 28 28]: %v", y.Shape())
	}
	if got := StateDictNames(net); got[0] != "1.0.weight" {
		t.Errorf("nested Sequential names start with %q, want 1.0.weight", got[0])
	}
}

// TestSequentialGradCheck checks a whole MLP's gradients with respect to
// its input and every parameter.
func TestSequentialGradCheck(t *testing.T) {
	rng := tensor.NewRNG(11)
	net := NewSequential(NewLinear(5, 4, rng), &Tanh{}, NewLinear(4, 3, rng), &SiLU{})
	x := randInput(rng, -1, 1, 2, 5)
	gradCheck(t, "Sequential", func(in ...*tensor.Tensor) *tensor.Tensor { return net.Forward(in[0]) },
		append([]*tensor.Tensor{x}, Parameters(net)...)...)
	if empty := NewSequential(); empty.Forward(x) != x {
		t.Error("an empty Sequential should return its input")
	}
}

// ifPositive returns pos for v > 0 and neg otherwise.
func ifPositive(v, pos, neg float64) float64 {
	if v > 0 {
		return pos
	}
	return neg
}

func TestActivationConstructors(t *testing.T) {
	x := tensor.FromSlice([]float32{-1, 2})
	for _, c := range []struct {
		m    Module
		want []float32
	}{
		{NewReLU(), []float32{0, 2}},
		{NewLeakyReLU(0), []float32{-0.01, 2}},
		{NewLeakyReLU(0.5), []float32{-0.5, 2}},
		{NewELU(0), []float32{float32(math.Expm1(-1)), 2}},
		{NewSigmoid(), []float32{float32(1 / (1 + math.E)), float32(1 / (1 + math.Exp(-2)))}},
		{NewTanh(), []float32{float32(math.Tanh(-1)), float32(math.Tanh(2))}},
		{NewSwish(), []float32{float32(-1 / (1 + math.E)), float32(2 / (1 + math.Exp(-2)))}},
		{NewSoftmax(0), []float32{float32(1 / (1 + math.Exp(3))), float32(1 / (1 + math.Exp(-3)))}},
		{NewIdentity(), []float32{-1, 2}},
	} {
		assertClose(t, describe(c.m), c.m.Forward(x).Data(), c.want, 1e-6)
	}
	for _, m := range []Module{NewSiLU(), NewGELU(), NewSoftplus(), NewLogSoftmax(-1)} {
		if y := m.Forward(x); !tensor.SameShape(y.Shape(), x.Shape()) || !m.Training() {
			t.Errorf("%s: shape %v, training %v", describe(m), y.Shape(), m.Training())
		}
	}
}
