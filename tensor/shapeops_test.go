package tensor

import (
	"fmt"
	"slices"
	"testing"
)

func TestExpandValues(t *testing.T) {
	x := FromSlice([]float32{1, 2}, 2, 1)
	y := x.Expand(2, 3)
	assertShape(t, "Expand", y, 2, 3)
	assertClose(t, "Expand", y.data, []float32{1, 1, 1, 2, 2, 2}, 0)
	z := x.Expand(3, -1, 2)
	assertShape(t, "Expand lead", z, 3, 2, 2)
	assertClose(t, "Expand lead", z.data, []float32{1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 2, 2}, 0)

	same := x.Expand(-1, -1)
	same.data[0] = 100
	if x.data[0] != 1 {
		t.Fatal("Expand to the same shape shares storage with its input")
	}

	// Σ of x expanded to [2 3]: each element is used 3 times.
	x.SetRequiresGrad(true)
	x.Expand(4, 2, 3).Sum().Backward()
	assertClose(t, "dL/dx", x.Grad.data, []float32{12, 12}, 0)
}

func TestExpandGrad(t *testing.T) {
	g := NewRNG(2)
	gradCheck(t, "Expand middle", func(in ...*Tensor) *Tensor { return in[0].Expand(2, 3, 4) }, randInput(g, 3, 1))
	gradCheck(t, "Expand scalar-like", func(in ...*Tensor) *Tensor { return in[0].Expand(5) }, randInput(g, 1))
	gradCheck(t, "Expand keep", func(in ...*Tensor) *Tensor { return in[0].Expand(-1, 1, -1) }, randInput(g, 2, 1, 3))
	gradCheck(t, "Expand both", func(in ...*Tensor) *Tensor { return in[0].Expand(2, 3, 4) }, randInput(g, 2, 1, 1))
	// An expand to zero elements must give a zero gradient, not panic.
	x := randInput(g, 1, 3)
	y := x.Expand(0, 3)
	Concat([]*Tensor{y, x}, 0).Sum().Backward()
	assertClose(t, "empty expand", x.Grad.data, []float32{1, 1, 1}, 0)
}

func TestRepeatValues(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	assertClose(t, "Repeat(1, 2)", x.Repeat(1, 2).data, []float32{1, 2, 1, 2, 3, 4, 3, 4}, 0)
	assertClose(t, "Repeat(2, 1)", x.Repeat(2, 1).data, []float32{1, 2, 3, 4, 1, 2, 3, 4}, 0)
	v := FromSlice([]float32{1, 2})
	r := v.Repeat(2, 2)
	assertShape(t, "Repeat lead", r, 2, 4)
	assertClose(t, "Repeat lead", r.data, []float32{1, 2, 1, 2, 1, 2, 1, 2}, 0)
	assertShape(t, "Repeat 0", x.Repeat(0, 3), 0, 6)
	if e := x.Repeat(1, 0); !SameShape(e.shape, []int{2, 0}) || len(e.data) != 0 {
		t.Fatalf("Repeat(1, 0): %v, want an empty [2 0]", e)
	}

	one := x.Repeat(1, 1)
	one.data[0] = 100
	if x.data[0] != 1 {
		t.Fatal("Repeat(1, 1) shares storage with its input")
	}

	v.SetRequiresGrad(true)
	v.Repeat(3, 2).Sum().Backward()
	assertClose(t, "dL/dv", v.Grad.data, []float32{6, 6}, 0)
}

func TestRepeatGrad(t *testing.T) {
	g := NewRNG(3)
	gradCheck(t, "Repeat", func(in ...*Tensor) *Tensor { return in[0].Repeat(2, 1, 3) }, randInput(g, 2, 1, 3))
	gradCheck(t, "Repeat lead", func(in ...*Tensor) *Tensor { return in[0].Repeat(2, 1, 1, 2) }, randInput(g, 1, 3, 2))
	gradCheck(t, "Repeat ones", func(in ...*Tensor) *Tensor { return in[0].Repeat(1, 1) }, randInput(g, 2, 3))
}

func TestConcatStackValues(t *testing.T) {
	a := FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := FromSlice([]float32{5, 6}, 2, 1)
	c := FromSlice([]float32{7, 8}, 1, 2)
	y := Concat([]*Tensor{a, b}, 1)
	assertShape(t, "Concat 1", y, 2, 3)
	assertClose(t, "Concat 1", y.data, []float32{1, 2, 5, 3, 4, 6}, 0)
	assertClose(t, "Concat -1", Concat([]*Tensor{a, b}, -1).data, y.data, 0)
	assertClose(t, "Concat 0", Concat([]*Tensor{a, c}, 0).data, []float32{1, 2, 3, 4, 7, 8}, 0)

	u, v := FromSlice([]float32{1, 2}), FromSlice([]float32{3, 4})
	s0 := Stack([]*Tensor{u, v}, 0)
	assertShape(t, "Stack 0", s0, 2, 2)
	assertClose(t, "Stack 0", s0.data, []float32{1, 2, 3, 4}, 0)
	s1 := Stack([]*Tensor{u, v}, -1)
	assertShape(t, "Stack -1", s1, 2, 2)
	assertClose(t, "Stack -1", s1.data, []float32{1, 3, 2, 4}, 0)
	assertShape(t, "Stack scalars", Stack([]*Tensor{Scalar(1), Scalar(2), Scalar(3)}, 0), 3)
}

func TestSplitChunkValues(t *testing.T) {
	x := seqOf(5, 2)
	p := x.Split([]int{2, 3}, 0)
	assertShape(t, "Split 0", p[0], 2, 2)
	assertShape(t, "Split 1", p[1], 3, 2)
	assertClose(t, "Split 0", p[0].data, []float32{0, 1, 2, 3}, 0)
	assertClose(t, "Split 1", p[1].data, []float32{4, 5, 6, 7, 8, 9}, 0)

	sizes := func(ts []*Tensor, axis int) []int {
		var s []int
		for _, c := range ts {
			s = append(s, c.shape[axis])
		}
		return s
	}
	// torch.chunk: ceil(5/4) = 2 per chunk, so only 3 chunks.
	if got := sizes(x.Chunk(4, 0), 0); !slices.Equal(got, []int{2, 2, 1}) {
		t.Fatalf("Chunk(4) of 5: sizes %v, want [2 2 1]", got)
	}
	if got := sizes(seqOf(2, 7).Chunk(3, -1), 1); !slices.Equal(got, []int{3, 3, 1}) {
		t.Fatalf("Chunk(3) of 7: sizes %v, want [3 3 1]", got)
	}
	if got := sizes(Zeros(0, 2).Chunk(3, 0), 0); !slices.Equal(got, []int{0, 0, 0}) {
		t.Fatalf("Chunk(3) of 0: sizes %v, want [0 0 0]", got)
	}
	c := seqOf(2, 7).Chunk(3, 1)
	assertClose(t, "Chunk last", c[2].data, []float32{6, 13}, 0)
	assertClose(t, "Chunk first", c[0].data, []float32{0, 1, 2, 7, 8, 9}, 0)
}

// Concat ∘ Split is the identity, on every axis and with an empty piece.
func TestConcatSplitRoundTrip(t *testing.T) {
	x := Uniform(NewRNG(4), -1, 1, 4, 7, 3)
	for axis, sizes := range [][]int{{1, 0, 3}, {2, 0, 5}, {3, 0}} {
		back := Concat(x.Split(sizes, axis), axis)
		if !SameShape(back.shape, x.shape) || !slices.Equal(back.data, x.data) {
			t.Fatalf("axis %d sizes %v: Concat(Split) is not the identity", axis, sizes)
		}
	}
	back := Concat(x.Chunk(3, 1), 1)
	if !slices.Equal(back.data, x.data) {
		t.Fatal("Concat(Chunk) is not the identity")
	}
}

func TestConcatStackGrad(t *testing.T) {
	g := NewRNG(5)
	a, b, c := randInput(g, 2, 1, 3), randInput(g, 2, 4, 3), randInput(g, 2, 2, 3)
	concat := func(in ...*Tensor) *Tensor { return Concat(in, 1) }
	gradCheck(t, "Concat", concat, a, b, c)
	stack := func(in ...*Tensor) *Tensor { return Stack(in, 1) }
	gradCheck(t, "Stack", stack, randInput(g, 2, 3), randInput(g, 2, 3), randInput(g, 2, 3))
	gradCheck(t, "Stack -1", func(in ...*Tensor) *Tensor { return Stack(in, -1) }, randInput(g, 1, 3), randInput(g, 1, 3))

	// An input that needs no gradient is skipped; one used twice gets both.
	x := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	k := FromSlice([]float32{5})
	w := FromSlice([]float32{1, 10, 100, 1000, 10000})
	Concat([]*Tensor{x, k, x}, 0).Mul(w).Sum().Backward()
	assertClose(t, "dL/dx twice", x.Grad.data, []float32{1 + 1000, 10 + 10000}, 0)
	if k.Grad != nil {
		t.Fatal("constant input received a gradient")
	}
}

func TestSplitChunkGrad(t *testing.T) {
	g := NewRNG(6)
	// Reassembling in another order leaves piece 1 unused: its gradient is zero.
	split := func(in ...*Tensor) *Tensor {
		p := in[0].Split([]int{1, 2, 2}, 1)
		return Concat([]*Tensor{p[2], p[0]}, 1)
	}
	gradCheck(t, "Split", split, randInput(g, 3, 5, 2))
	chunk := func(in ...*Tensor) *Tensor {
		p := in[0].Chunk(3, -1)
		return p[2].Mul(p[2]).Add(p[0].Narrow(-1, 0, 1))
	}
	gradCheck(t, "Chunk", chunk, randInput(g, 2, 1, 7))

	x := seqOf(4).SetRequiresGrad(true)
	x.Split([]int{1, 3}, 0)[1].Sum().Backward()
	assertClose(t, "dL/dx", x.Grad.data, []float32{0, 1, 1, 1}, 0)
}

func TestShapeOpsPanics(t *testing.T) {
	mustPanic(t, func() { Zeros(2, 3).Expand(4, 3) }, "Expand", "[2 3]", "[4 3]")
	mustPanic(t, func() { Zeros(2, 3).Expand(3) }, "Expand", "[2 3]", "[3]")
	mustPanic(t, func() { Zeros(2, 1).Expand(-1, 2, 1) }, "Expand", "[2 1]", "[-1 2 1]")
	mustPanic(t, func() { Zeros(2, 3).Repeat(2) }, "Repeat", "[2 3]", "[2]")
	mustPanic(t, func() { Zeros(2, 3).Repeat(1, -1) }, "Repeat", "[2 3]", "-1")
	mustPanic(t, func() { Concat([]*Tensor{Zeros(2, 3), Zeros(2, 4)}, 0) }, "Concat", "[2 3]", "[2 4]")
	mustPanic(t, func() { Concat([]*Tensor{Zeros(2, 3), Zeros(2, 3, 1)}, 0) }, "Concat", "[2 3]", "[2 3 1]")
	mustPanic(t, func() { Concat([]*Tensor{Zeros(2, 3)}, 2) }, "Concat", "axis 2", "[2 3]")
	mustPanic(t, func() { Concat(nil, 0) }, "Concat", "no tensors")
	mustPanic(t, func() { Concat([]*Tensor{Scalar(1)}, 0) }, "Concat", "0-dimensional")
	mustPanic(t, func() { Stack([]*Tensor{Zeros(2, 3), Zeros(3, 2)}, 0) }, "Stack", "[2 3]", "[3 2]")
	mustPanic(t, func() { Stack([]*Tensor{Zeros(2, 3)}, 3) }, "Stack", "axis 3", "[2 3]")
	mustPanic(t, func() { Zeros(5, 2).Split([]int{2, 2}, 0) }, "Split", "[2 2]", "[5 2]")
	mustPanic(t, func() { Zeros(5, 2).Split([]int{6, -1}, 0) }, "Split", "[6 -1]", "[5 2]")
	mustPanic(t, func() { Zeros(5, 2).Chunk(0, 0) }, "Chunk", "[5 2]")
}

func ExampleConcat() {
	a := FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := FromSlice([]float32{5, 6}, 2, 1)
	c := Concat([]*Tensor{a, b}, 1)
	fmt.Println(c)
	for _, p := range c.Split([]int{1, 2}, 1) {
		fmt.Println(p)
	}
	// Output:
	// Tensor[2 3] [1 2 5 3 4 6]
	// Tensor[2 1] [1 3]
	// Tensor[2 2] [2 5 4 6]
}
