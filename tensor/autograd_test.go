package tensor

import (
	"math"
	"testing"
)

// micrograd's example: with a = -4, b = 2,
// c = a + b; d = a*b + b³; c += c + 1; c += 1 + c + (-a); d += d*2 + relu(b+a);
// d += 3*d + relu(b-a); e = c - d; f = e²; g = f/2; g += 10/f
// PyTorch reference: g = 24.7041, dg/da = 138.8338, dg/db = 645.5773.
func TestMicrogradExpression(t *testing.T) {
	a := Scalar(-4).SetRequiresGrad(true)
	b := Scalar(2).SetRequiresGrad(true)
	one, two, three, ten := Scalar(1), Scalar(2), Scalar(3), Scalar(10)
	c := a.Add(b)
	d := a.Mul(b).Add(b.Pow(3))
	c = c.Add(c.Add(one))
	c = c.Add(one.Add(c).Add(a.Neg()))
	d = d.Add(d.Mul(two).Add(b.Add(a).ReLU()))
	d = d.Add(three.Mul(d).Add(b.Sub(a).ReLU()))
	e := c.Sub(d)
	f := e.Pow(2)
	g := f.DivScalar(2)
	g = g.Add(ten.Div(f))
	g.Backward()
	assertClose(t, "g", g.data, []float32{24.7041}, 1e-4)
	assertClose(t, "dg/da", a.Grad.data, []float32{138.8338}, 1e-4)
	assertClose(t, "dg/db", b.Grad.data, []float32{645.5773}, 1e-4)
}

func TestBackwardAccumulatesAndZeroGrad(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	for i := 0; i < 2; i++ {
		x.Mul(x).Sum().Backward() // d(Σx²)/dx = 2x
	}
	assertClose(t, "accumulated", x.Grad.data, []float32{4, 8, 12}, 0)
	x.ZeroGrad()
	if x.Grad != nil {
		t.Fatal("ZeroGrad left a gradient")
	}
	x.Sum().Backward()
	assertClose(t, "after zero", x.Grad.data, []float32{1, 1, 1}, 0)
}

// y = x + x and z = y*1 + y: shared gradients must not be added into in place.
func TestSharedGradientsAreNotAliased(t *testing.T) {
	a := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	b := FromSlice([]float32{3, 4}).SetRequiresGrad(true)
	s := a.Add(b)
	s.Sum().Backward()
	a.Grad.data[0] = 100 // an optimizer scaling a's gradient in place
	if b.Grad.data[0] != 1 {
		t.Fatalf("b.Grad shares storage with a.Grad: %v", b.Grad.data)
	}
	x := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	y := x.Add(x)
	z := y.Add(y).Add(y.Clone())
	z.Sum().Backward()
	assertClose(t, "dz/dx", x.Grad.data, []float32{6, 6}, 0)
}

func TestNoGradAndDetach(t *testing.T) {
	x := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	var y *Tensor
	NoGrad(func() { y = x.Mul(x) })
	if y.RequiresGrad() {
		t.Fatal("op under NoGrad requires grad")
	}
	if !GradEnabled() {
		t.Fatal("NoGrad did not restore recording")
	}
	d := x.Mul(x).Detach()
	if d.RequiresGrad() || !d.IsLeaf() {
		t.Fatal("Detach kept the graph")
	}
	z := x.Mul(d) // d is a constant: dz/dx = d = x²
	z.Sum().Backward()
	assertClose(t, "through detached", x.Grad.data, []float32{1, 4}, 0)
}

func TestGraphReleasedAfterBackward(t *testing.T) {
	x := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	y := x.Exp()
	l := y.Sum()
	l.Backward()
	mustPanic(t, func() { y.Sum().Backward() }, "already released", "Exp")
	mustPanic(t, func() { Ones(2).Sum().Backward() }, "does not require grad")
	mustPanic(t, func() { x.Mul(x).Backward() }, "not a scalar", "[2]")
}

// A diamond: both paths reach x, and an op whose backward returns nil.
func TestDiamondAndUnreachedBranch(t *testing.T) {
	x := FromSlice([]float32{0.5, -1.5}).SetRequiresGrad(true)
	h := x.Tanh()
	l := h.Mul(h).Add(h.MulScalar(3)).Sum() // l = h² + 3h, dl/dx = (2h+3)(1-h²)
	l.Backward()
	want := make([]float32, 2)
	for i, v := range []float64{0.5, -1.5} {
		hv := math.Tanh(v)
		want[i] = float32((2*hv + 3) * (1 - hv*hv))
	}
	assertClose(t, "diamond", x.Grad.data, want, 1e-6)
}

// Record is the public op API: a custom cube op checked by GradCheck.
func TestRecordCustomOp(t *testing.T) {
	cube := func(in ...*Tensor) *Tensor {
		x := in[0]
		out := empty(x.shape)
		for i, v := range x.data {
			out.data[i] = v * v * v
		}
		return Record("Cube", out, func(g *Tensor) []*Tensor {
			dx := ZerosLike(x) // d(x³)/dx = 3x²
			for i, v := range x.data {
				dx.data[i] = 3 * v * v * g.data[i]
			}
			return []*Tensor{dx}
		}, x)
	}
	g := NewRNG(1)
	gradCheck(t, "Cube", cube, randInput(g, 3, 4))

	// A wrong backward must be caught.
	bad := func(in ...*Tensor) *Tensor {
		x := in[0]
		out := x.Detach().Mul(x.Detach())
		return Record("BadSquare", out, func(g *Tensor) []*Tensor { return []*Tensor{g} }, x)
	}
	if err := GradCheck(bad, []*Tensor{randInput(g, 5)}, nil); err == nil {
		t.Fatal("GradCheck accepted a wrong gradient")
	}
}

func TestRecordMulti(t *testing.T) {
	// Split into halves: a two-output op.
	halves := func(x *Tensor) []*Tensor {
		n := len(x.data) / 2
		lo := FromSlice(x.data[:n])
		hi := FromSlice(x.data[n:])
		return RecordMulti("Halves", []*Tensor{lo, hi}, func(gs []*Tensor) []*Tensor {
			return []*Tensor{FromSlice(append(append([]float32{}, gs[0].data...), gs[1].data...))}
		}, x)
	}
	x := FromSlice([]float32{1, 2, 3, 4}).SetRequiresGrad(true)
	parts := halves(x)
	parts[1].MulScalar(2).Sum().Backward() // only the second output is used
	assertClose(t, "multi", x.Grad.data, []float32{0, 0, 2, 2}, 0)
}

func TestBackwardBadGradientShape(t *testing.T) {
	x := Ones(2, 3).SetRequiresGrad(true)
	bad := Record("Bad", x.Detach().Sum(), func(g *Tensor) []*Tensor { return []*Tensor{Ones(3)} }, x)
	mustPanic(t, func() { bad.Backward() }, "Bad", "[3]", "[2 3]")
}
