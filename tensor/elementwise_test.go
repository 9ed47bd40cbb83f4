package tensor

import (
	"math"
	"testing"
)

// elementwiseGradCases covers elementwise.go and Clone. Binary ops run on
// broadcasting shapes, scalars and size-1 dimensions; Log, Sqrt, Pow and
// PowTensor's base get positive inputs, divisors too (1/u² is steep near 0).
func elementwiseGradCases() []opGradCase {
	add := func(x ...*Tensor) *Tensor { return x[0].Add(x[1]) }
	sub := func(x ...*Tensor) *Tensor { return x[0].Sub(x[1]) }
	mul := func(x ...*Tensor) *Tensor { return x[0].Mul(x[1]) }
	div := func(x ...*Tensor) *Tensor { return x[0].Div(x[1]) }
	pow := func(x ...*Tensor) *Tensor { return x[0].PowTensor(x[1]) }
	maximum := func(x ...*Tensor) *Tensor { return x[0].Maximum(x[1]) }
	minimum := func(x ...*Tensor) *Tensor { return x[0].Minimum(x[1]) }
	// PowTensor: a positive base and an exponent in [-1, 1).
	posRand := func(a, b []int) func(g *RNG) []*Tensor {
		return func(g *RNG) []*Tensor { return []*Tensor{positiveInput(g, a...), randInput(g, b...)} }
	}
	randPos := func(a, b []int) func(g *RNG) []*Tensor {
		return func(g *RNG) []*Tensor { return []*Tensor{randInput(g, a...), positiveInput(g, b...)} }
	}
	unary := func(op string, f func(x *Tensor) *Tensor, in func(g *RNG) []*Tensor, shapes string) opGradCase {
		return opGradCase{op, shapes, func(x ...*Tensor) *Tensor { return f(x[0]) }, in}
	}
	// clampInput keeps values 0.05 away from the clamp bounds ±0.5.
	clampInput := func(g *RNG) []*Tensor {
		x := randInput(g, 3, 4)
		for i, v := range x.data {
			if math.Abs(math.Abs(float64(v))-0.5) < 0.05 {
				x.data[i] = 0.7
			}
		}
		return []*Tensor{x}
	}
	cond := Bernoulli(NewRNG(3), 0.5, 3, 1, 4)
	cond2 := Bernoulli(NewRNG(4), 0.5, 2, 3)
	inf := float32(math.Inf(1))
	return []opGradCase{
		{"Add", "[3 1 4] + [2 1]", add, randoms(sh(3, 1, 4), sh(2, 1))},
		{"Add", "[5] + [2 3 5]", add, randoms(sh(5), sh(2, 3, 5))},
		{"Add", "[] + [2 3]", add, randoms(sh(), sh(2, 3))},
		{"Add", "[2 3] + [2 3]", add, randoms(sh(2, 3), sh(2, 3))},
		{"Add", "[2 1 3] + [1 4 1]", add, randoms(sh(2, 1, 3), sh(1, 4, 1))},
		{"Sub", "[3 1 4] - [2 1]", sub, randoms(sh(3, 1, 4), sh(2, 1))},
		{"Sub", "[5] - [2 3 5]", sub, randoms(sh(5), sh(2, 3, 5))},
		{"Sub", "[2 3] - []", sub, randoms(sh(2, 3), sh())},
		{"Mul", "[3 1 4] * [2 1]", mul, randoms(sh(3, 1, 4), sh(2, 1))},
		{"Mul", "[5] * [2 3 5]", mul, randoms(sh(5), sh(2, 3, 5))},
		{"Mul", "[] * [2 3]", mul, randoms(sh(), sh(2, 3))},
		{"Mul", "[2 1 3] * [1 4 1]", mul, randoms(sh(2, 1, 3), sh(1, 4, 1))},
		{"Div", "[3 1 4] / [2 1]", div, randPos(sh(3, 1, 4), sh(2, 1))},
		{"Div", "[2 3 5] / [5]", div, randPos(sh(2, 3, 5), sh(5))},
		{"Div", "[] / [2 3]", div, randPos(sh(), sh(2, 3))},
		{"Div", "[2 3] / []", div, randPos(sh(2, 3), sh())},
		{"PowTensor", "[3 1 4] ^ [2 1]", pow, posRand(sh(3, 1, 4), sh(2, 1))},
		{"PowTensor", "[2 3] ^ []", pow, posRand(sh(2, 3), sh())},
		{"PowTensor", "[] ^ [2 3]", pow, posRand(sh(), sh(2, 3))},
		{"Maximum", "[3 1 4] vs [2 1]", maximum, interleaved(sh(3, 1, 4), sh(2, 1))},
		{"Maximum", "[5] vs [2 3 5]", maximum, interleaved(sh(5), sh(2, 3, 5))},
		{"Maximum", "[] vs [2 3]", maximum, interleaved(sh(), sh(2, 3))},
		{"Minimum", "[3 1 4] vs [2 1]", minimum, interleaved(sh(3, 1, 4), sh(2, 1))},
		{"Minimum", "[2 3 5] vs [5]", minimum, interleaved(sh(2, 3, 5), sh(5))},
		unary("Neg", (*Tensor).Neg, randoms(sh(2, 3)), "[2 3]"),
		unary("AddScalar", func(x *Tensor) *Tensor { return x.AddScalar(1.5) }, randoms(sh(2, 3)), "[2 3] + 1.5"),
		unary("AddScalar", func(x *Tensor) *Tensor { return x.AddScalar(-2) }, randoms(sh()), "[] - 2"),
		unary("MulScalar", func(x *Tensor) *Tensor { return x.MulScalar(-3) }, randoms(sh(2, 1, 3)), "[2 1 3] * -3"),
		unary("DivScalar", func(x *Tensor) *Tensor { return x.DivScalar(4) }, randoms(sh(2, 3)), "[2 3] / 4"),
		unary("Pow", func(x *Tensor) *Tensor { return x.Pow(3) }, randoms(sh(2, 3)), "[2 3] ^ 3"),
		unary("Pow", func(x *Tensor) *Tensor { return x.Pow(2) }, randoms(sh(2, 3)), "[2 3] ^ 2"),
		unary("Pow", func(x *Tensor) *Tensor { return x.Pow(1) }, randoms(sh(2, 3)), "[2 3] ^ 1"),
		unary("Pow", func(x *Tensor) *Tensor { return x.Pow(0.5) }, positives(sh(2, 3)), "[2 3] ^ 0.5"),
		unary("Pow", func(x *Tensor) *Tensor { return x.Pow(-1.5) }, positives(sh(2, 3)), "[2 3] ^ -1.5"),
		unary("Square", (*Tensor).Square, randoms(sh(2, 1, 3)), "[2 1 3]"),
		unary("Exp", (*Tensor).Exp, randoms(sh(2, 1, 3)), "[2 1 3]"),
		unary("Exp", (*Tensor).Exp, randoms(sh()), "[]"),
		unary("Log", (*Tensor).Log, positives(sh(2, 3)), "[2 3]"),
		unary("Sqrt", (*Tensor).Sqrt, positives(sh(2, 3)), "[2 3]"),
		unary("Abs", (*Tensor).Abs, randoms(sh(3, 4)), "[3 4]"),
		unary("Clamp", func(x *Tensor) *Tensor { return x.Clamp(-0.5, 0.5) }, clampInput, "[3 4] to [-0.5 0.5]"),
		unary("Clamp", func(x *Tensor) *Tensor { return x.Clamp(-inf, 0.5) }, clampInput, "[3 4] to [-Inf 0.5]"),
		unary("Clone", (*Tensor).Clone, randoms(sh(2, 3)), "[2 3]"),
		{"Where", "cond [3 1 4], a [2 1], b [4]", func(x ...*Tensor) *Tensor { return Where(cond, x[0], x[1]) },
			randoms(sh(2, 1), sh(4))},
		{"Where", "cond [2 3], a [], b [2 3]", func(x ...*Tensor) *Tensor { return Where(cond2, x[0], x[1]) },
			randoms(sh(), sh(2, 3))},
	}
}

func TestElementwiseGradients(t *testing.T) { runOpGradCases(t, elementwiseGradCases()) }

func TestBroadcastValues(t *testing.T) {
	col := FromSlice([]float32{1, 2, 3}, 3, 1)
	row := FromSlice([]float32{10, 20, 30, 40}, 1, 4)
	sum := col.Add(row)
	if !SameShape(sum.Shape(), []int{3, 4}) {
		t.Fatalf("[3 1] + [1 4] has shape %v, want [3 4]", sum.Shape())
	}
	assertClose(t, "[3 1] + [1 4]", sum.Data(), []float32{
		11, 21, 31, 41,
		12, 22, 32, 42,
		13, 23, 33, 43,
	}, 0)
	assertClose(t, "[3 1] - [1 4]", col.Sub(row).Data(), []float32{
		-9, -19, -29, -39,
		-8, -18, -28, -38,
		-7, -17, -27, -37,
	}, 0)
	assertClose(t, "[1 4] * [3 1]", row.Mul(col).Data(), []float32{
		10, 20, 30, 40,
		20, 40, 60, 80,
		30, 60, 90, 120,
	}, 0)
	assertClose(t, "[1 4] / [3 1]", row.Div(col).Data(), []float32{
		10, 20, 30, 40,
		5, 10, 15, 20,
		10.0 / 3, 20.0 / 3, 10, 40.0 / 3,
	}, 1e-6)

	// A scalar and a trailing-dimension vector against a matrix.
	m := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	assertClose(t, "[2 3] * []", m.Mul(Scalar(2)).Data(), []float32{2, 4, 6, 8, 10, 12}, 0)
	assertClose(t, "[] - [2 3]", Scalar(1).Sub(m).Data(), []float32{0, -1, -2, -3, -4, -5}, 0)
	assertClose(t, "[2 3] + [3]", m.Add(FromSlice([]float32{10, 20, 30})).Data(), []float32{11, 22, 33, 14, 25, 36}, 0)
	assertClose(t, "[2 3] ^ [3]", m.PowTensor(FromSlice([]float32{0, 1, 2})).Data(), []float32{1, 2, 9, 1, 5, 36}, 1e-6)

	// Gradients sum over the broadcast dimensions: d Σ(col+row)/dcol = 4.
	c := col.Clone().Detach().SetRequiresGrad(true)
	r := row.Clone().Detach().SetRequiresGrad(true)
	c.Mul(r).Sum().Backward() // d/dc = Σ_j r_j = 100, d/dr = Σ_i c_i = 6
	assertClose(t, "d/dcol", c.Grad.Data(), []float32{100, 100, 100}, 0)
	assertClose(t, "d/drow", r.Grad.Data(), []float32{6, 6, 6, 6}, 0)
}

func TestUnaryValues(t *testing.T) {
	x := FromSlice([]float32{-2, -0.5, 0, 0.5, 4})
	assertClose(t, "Neg", x.Neg().Data(), []float32{2, 0.5, 0, -0.5, -4}, 0)
	assertClose(t, "AddScalar", x.AddScalar(1).Data(), []float32{-1, 0.5, 1, 1.5, 5}, 0)
	assertClose(t, "DivScalar", x.DivScalar(2).Data(), []float32{-1, -0.25, 0, 0.25, 2}, 0)
	assertClose(t, "Square", x.Square().Data(), []float32{4, 0.25, 0, 0.25, 16}, 0)
	assertClose(t, "Pow 3", x.Pow(3).Data(), []float32{-8, -0.125, 0, 0.125, 64}, 1e-6)
	assertClose(t, "Abs", x.Abs().Data(), []float32{2, 0.5, 0, 0.5, 4}, 0)
	assertClose(t, "Clamp", x.Clamp(-1, 1).Data(), []float32{-1, -0.5, 0, 0.5, 1}, 0)
	assertClose(t, "Exp", x.Exp().Data(), []float32{0.13533528, 0.60653066, 1, 1.6487213, 54.59815}, 1e-6)
	p := FromSlice([]float32{0.25, 1, 4})
	assertClose(t, "Sqrt", p.Sqrt().Data(), []float32{0.5, 1, 2}, 0)
	assertClose(t, "Log", p.Log().Data(), []float32{-1.3862944, 0, 1.3862944}, 1e-6)
	assertClose(t, "Pow -0.5", p.Pow(-0.5).Data(), []float32{2, 1, 0.5}, 1e-6)

	// Abs and Clamp at their kinks: Abs'(0) = 0; Clamp passes the gradient
	// on its bounds, as PyTorch does.
	k := FromSlice([]float32{-1, 0, 1, 2}).SetRequiresGrad(true)
	k.Abs().Sum().Backward()
	assertClose(t, "d|x|/dx", k.Grad.Data(), []float32{-1, 0, 1, 1}, 0)
	k.ZeroGrad()
	k.Clamp(0, 1).Sum().Backward()
	assertClose(t, "d clamp(x, 0, 1)/dx", k.Grad.Data(), []float32{0, 1, 1, 0}, 0)
}

// Maximum and Minimum split the gradient evenly on ties, like PyTorch.
func TestMaximumMinimumTies(t *testing.T) {
	a := FromSlice([]float32{1, 5, 3}).SetRequiresGrad(true)
	b := FromSlice([]float32{2, 5, 1}).SetRequiresGrad(true)
	m := a.Maximum(b)
	assertClose(t, "Maximum", m.Data(), []float32{2, 5, 3}, 0)
	m.Sum().Backward()
	assertClose(t, "dMaximum/da", a.Grad.Data(), []float32{0, 0.5, 1}, 0)
	assertClose(t, "dMaximum/db", b.Grad.Data(), []float32{1, 0.5, 0}, 0)
	a.ZeroGrad()
	b.ZeroGrad()
	n := a.Minimum(b)
	assertClose(t, "Minimum", n.Data(), []float32{1, 5, 1}, 0)
	n.Sum().Backward()
	assertClose(t, "dMinimum/da", a.Grad.Data(), []float32{1, 0.5, 0}, 0)
	assertClose(t, "dMinimum/db", b.Grad.Data(), []float32{0, 0.5, 1}, 0)
}

func TestComparisonsAndWhere(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	y := FromSlice([]float32{2, 2, 4}) // broadcast over the rows
	for _, c := range []struct {
		name string
		got  *Tensor
		want []float32
	}{
		{"Eq", x.Eq(y), []float32{0, 1, 0, 0, 0, 0}},
		{"Ne", x.Ne(y), []float32{1, 0, 1, 1, 1, 1}},
		{"Lt", x.Lt(y), []float32{1, 0, 1, 0, 0, 0}},
		{"Le", x.Le(y), []float32{1, 1, 1, 0, 0, 0}},
		{"Gt", x.Gt(y), []float32{0, 0, 0, 1, 1, 1}},
		{"Ge", x.Ge(y), []float32{0, 1, 0, 1, 1, 1}},
		{"Gt scalar", x.Gt(Scalar(3)), []float32{0, 0, 0, 1, 1, 1}},
	} {
		if !SameShape(c.got.Shape(), []int{2, 3}) {
			t.Errorf("%s: shape %v, want [2 3]", c.name, c.got.Shape())
		}
		assertClose(t, c.name, c.got.Data(), c.want, 0)
	}
	a := x.Clone().Detach().SetRequiresGrad(true)
	if a.Gt(y).RequiresGrad() {
		t.Error("a comparison requires grad")
	}

	// Where(x > 3, x, -y): cond [2 3], a [2 3], b [3].
	b := FromSlice([]float32{-1, -2, -3}).SetRequiresGrad(true)
	w := Where(a.Gt(Scalar(3)), a, b)
	assertClose(t, "Where", w.Data(), []float32{-1, -2, -3, 4, 5, 6}, 0)
	w.Sum().Backward()
	assertClose(t, "dWhere/da", a.Grad.Data(), []float32{0, 0, 0, 1, 1, 1}, 0)
	assertClose(t, "dWhere/db", b.Grad.Data(), []float32{1, 1, 1}, 0) // summed over the broadcast rows

	// A broadcast condition picks whole columns.
	cond := FromSlice([]float32{1, 0, 1})
	assertClose(t, "Where column", Where(cond, x, Scalar(0)).Data(), []float32{1, 0, 3, 4, 0, 6}, 0)
}

// Every broadcasting op names itself and both shapes when they clash.
func TestElementwiseShapePanics(t *testing.T) {
	a, b := Ones(2, 3), Ones(4)
	for name, f := range map[string]func(){
		"Add":       func() { a.Add(b) },
		"Sub":       func() { a.Sub(b) },
		"Mul":       func() { a.Mul(b) },
		"Div":       func() { a.Div(b) },
		"PowTensor": func() { a.PowTensor(b) },
		"Maximum":   func() { a.Maximum(b) },
		"Minimum":   func() { a.Minimum(b) },
		"Eq":        func() { a.Eq(b) },
		"Ne":        func() { a.Ne(b) },
		"Lt":        func() { a.Lt(b) },
		"Le":        func() { a.Le(b) },
		"Gt":        func() { a.Gt(b) },
		"Ge":        func() { a.Ge(b) },
		"Where":     func() { Where(Ones(2, 3), a, b) },
	} {
		t.Run(name, func(t *testing.T) { mustPanic(t, f, "deepgo: "+name+":", "[2 3]", "[4]") })
	}
}
