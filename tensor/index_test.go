package tensor

import (
	"fmt"
	"testing"
)

func TestNarrowSliceValues(t *testing.T) {
	x := seqOf(3, 4)
	n := x.Narrow(1, 1, 2)
	assertShape(t, "Narrow", n, 3, 2)
	assertClose(t, "Narrow", n.data, []float32{1, 2, 5, 6, 9, 10}, 0)
	assertClose(t, "Narrow negative start", x.Narrow(0, -1, 1).data, []float32{8, 9, 10, 11}, 0)
	assertShape(t, "Narrow empty", x.Narrow(1, 4, 0), 3, 0)

	r := seqOf(10)
	cases := []struct {
		start, end, step int
		want             []float32
	}{
		{1, -1, 3, []float32{1, 4, 7}},   // r[1:-1:3]
		{-3, 100, 1, []float32{7, 8, 9}}, // r[-3:100]
		{5, 2, 1, []float32{}},           // r[5:2]
		{-100, 3, 2, []float32{0, 2}},    // r[-100:3:2]
		{0, 10, 4, []float32{0, 4, 8}},   // r[::4]
		{9, 10, 5, []float32{9}},         // r[9::5]
	}
	for _, c := range cases {
		got := r.Slice(0, c.start, c.end, c.step)
		assertClose(t, "Slice", got.data, c.want, 0)
		assertShape(t, "Slice", got, len(c.want))
	}
	s := seqOf(2, 5).Slice(-1, 0, 5, 2)
	assertShape(t, "Slice 2-D", s, 2, 3)
	assertClose(t, "Slice 2-D", s.data, []float32{0, 2, 4, 5, 7, 9}, 0)

	// Gradient of Σ x[:, ::2]: ones on the taken columns, zeros elsewhere.
	y := seqOf(2, 5).SetRequiresGrad(true)
	y.Slice(1, 0, 5, 2).Sum().Backward()
	assertClose(t, "dL/dy", y.Grad.data, []float32{1, 0, 1, 0, 1, 1, 0, 1, 0, 1}, 0)
}

func TestNarrowSliceGrad(t *testing.T) {
	g := NewRNG(7)
	gradCheck(t, "Narrow", func(in ...*Tensor) *Tensor { return in[0].Narrow(1, 1, 2) }, randInput(g, 3, 4, 2))
	gradCheck(t, "Narrow last", func(in ...*Tensor) *Tensor { return in[0].Narrow(-1, -2, 2) }, randInput(g, 1, 3, 5))
	gradCheck(t, "Slice step", func(in ...*Tensor) *Tensor { return in[0].Slice(1, 1, 100, 2) }, randInput(g, 3, 6, 2))
	gradCheck(t, "Slice last", func(in ...*Tensor) *Tensor { return in[0].Slice(-1, -4, -1, 1) }, randInput(g, 2, 1, 5))
}

func TestIndexSelect(t *testing.T) {
	x := seqOf(3, 2)
	y := x.IndexSelect(0, []int{2, 0, 2})
	assertShape(t, "IndexSelect", y, 3, 2)
	assertClose(t, "IndexSelect", y.data, []float32{4, 5, 0, 1, 4, 5}, 0)
	assertClose(t, "IndexSelect axis -1", x.IndexSelect(-1, []int{1, 1}).data, []float32{1, 1, 3, 3, 5, 5}, 0)
	assertShape(t, "IndexSelect none", x.IndexSelect(1, nil), 3, 0)

	// Repeated indices accumulate: row 2 was taken twice, row 1 never.
	x.SetRequiresGrad(true)
	x.IndexSelect(0, []int{2, 0, 2}).Sum().Backward()
	assertClose(t, "dL/dx", x.Grad.data, []float32{1, 1, 0, 0, 2, 2}, 0)

	idx := []int{3, 0, 3, 1, 3}
	gradCheck(t, "IndexSelect", func(in ...*Tensor) *Tensor { return in[0].IndexSelect(1, idx) }, randInput(NewRNG(8), 2, 4, 3))
}

func TestGatherValues(t *testing.T) {
	// torch.gather docs: gather([[1, 2], [3, 4]], 1, [[0, 0], [1, 0]]) = [[1, 1], [4, 3]].
	x := FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	idx := FromSlice([]float32{0, 0, 1, 0}, 2, 2)
	y := x.Gather(1, idx)
	assertClose(t, "Gather", y.data, []float32{1, 1, 4, 3}, 0)
	// Along axis 0 with an index smaller than the input on axis 1.
	z := seqOf(3, 3).Gather(0, FromSlice([]float32{2, 0}, 1, 2))
	assertShape(t, "Gather axis 0", z, 1, 2)
	assertClose(t, "Gather axis 0", z.data, []float32{6, 1}, 0)

	x.SetRequiresGrad(true)
	x.Gather(-1, idx).Sum().Backward()
	assertClose(t, "dL/dx", x.Grad.data, []float32{2, 0, 1, 1}, 0)
}

// randIndex makes an index tensor of the given shape with values in [0, n).
func randIndex(g *RNG, n int, shape ...int) *Tensor {
	t := Zeros(shape...)
	for i := range t.data {
		t.data[i] = float32(g.IntN(n))
	}
	return t
}

func TestGatherScatterGrad(t *testing.T) {
	g := NewRNG(9)
	// The index is longer than the input along the axis: collisions are certain.
	idx := randIndex(g, 4, 3, 6, 2)
	gradCheck(t, "Gather", func(in ...*Tensor) *Tensor { return in[0].Gather(1, idx) }, randInput(g, 3, 4, 2))
	idx0 := randIndex(g, 3, 2, 2, 1)
	gradCheck(t, "Gather axis 0", func(in ...*Tensor) *Tensor { return in[0].Gather(0, idx0) }, randInput(g, 3, 3, 1))

	sidx := randIndex(g, 3, 2, 4, 6)
	scatter := func(in ...*Tensor) *Tensor { return in[0].ScatterAdd(-1, sidx, in[1]) }
	gradCheck(t, "ScatterAdd", scatter, randInput(g, 2, 4, 3), randInput(g, 3, 5, 6))
}

func TestScatterAddValues(t *testing.T) {
	// torch.scatter_add_ docs, on a base of 10s instead of zeros.
	base := Full(10, 3, 5)
	src := Ones(2, 5)
	idx := FromSlice([]float32{0, 1, 2, 0, 0, 0, 1, 2, 2, 2}, 2, 5)
	y := base.ScatterAdd(0, idx, src)
	assertClose(t, "ScatterAdd", y.data, []float32{
		12, 10, 10, 11, 11,
		10, 12, 10, 10, 10,
		10, 10, 12, 11, 11,
	}, 0)
	if base.data[0] != 10 {
		t.Fatal("ScatterAdd modified its input")
	}

	// dL/dsrc = dL/dout gathered through index; src entries outside index get 0.
	b := Zeros(2, 3).SetRequiresGrad(true)
	s := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3).SetRequiresGrad(true)
	w := FromSlice([]float32{1, 10, 100, 1000, 10000, 100000}, 2, 3)
	i := FromSlice([]float32{2, 0}, 2, 1)
	b.ScatterAdd(1, i, s).Mul(w).Sum().Backward()
	assertClose(t, "dL/dbase", b.Grad.data, w.data, 0)
	assertClose(t, "dL/dsrc", s.Grad.data, []float32{100, 0, 0, 1000, 0, 0}, 0)
}

func TestOneHot(t *testing.T) {
	y := OneHot([]int{2, 0, 1}, 3)
	assertShape(t, "OneHot", y, 3, 3)
	assertClose(t, "OneHot", y.data, []float32{0, 0, 1, 1, 0, 0, 0, 1, 0}, 0)
	if y.RequiresGrad() {
		t.Fatal("OneHot requires grad")
	}
}

func TestIndexPanics(t *testing.T) {
	x := Zeros(3, 4)
	mustPanic(t, func() { x.Narrow(1, 3, 2) }, "Narrow", "start 3", "length 2", "[3 4]")
	mustPanic(t, func() { x.Narrow(2, 0, 1) }, "Narrow", "axis 2", "[3 4]")
	mustPanic(t, func() { x.Slice(0, 0, 2, 0) }, "Slice", "step 0", "[3 4]")
	mustPanic(t, func() { x.IndexSelect(0, []int{1, 3}) }, "IndexSelect", "index 3", "[3 4]")
	mustPanic(t, func() { x.IndexSelect(0, []int{-1}) }, "IndexSelect", "index -1", "[3 4]")
	mustPanic(t, func() { x.Gather(1, FromSlice([]float32{0, 4}, 1, 2)) }, "Gather", "index 4", "[1 2]", "[3 4]")
	mustPanic(t, func() { x.Gather(1, FromSlice([]float32{0.5}, 1, 1)) }, "Gather", "0.5", "not an integer")
	mustPanic(t, func() { x.Gather(1, Zeros(4, 1)) }, "Gather", "[4 1]", "[3 4]")
	mustPanic(t, func() { x.Gather(1, Zeros(3)) }, "Gather", "rank", "[3]", "[3 4]")
	mustPanic(t, func() { x.ScatterAdd(0, FromSlice([]float32{3}, 1, 1), Zeros(1, 1)) }, "ScatterAdd", "index 3", "[1 1]", "[3 4]")
	mustPanic(t, func() { x.ScatterAdd(0, Zeros(2, 2), Zeros(1, 2)) }, "ScatterAdd", "src", "[2 2]", "[1 2]", "[3 4]")
	mustPanic(t, func() { OneHot([]int{0, 3}, 3) }, "OneHot", "label 3", "3 classes")
}

func ExampleTensor_Gather() {
	// Pick each row's score of its label: out[i][0] = scores[i][labels[i][0]].
	scores := FromSlice([]float32{0.1, 0.7, 0.2, 0.5, 0.3, 0.2}, 2, 3)
	labels := FromSlice([]float32{1, 0}, 2, 1)
	fmt.Println(scores.Gather(1, labels))
	// Output:
	// Tensor[2 1] [0.7 0.5]
}
