package tensor

import (
	"fmt"
	"slices"
	"testing"
)

func TestPadConstant(t *testing.T) {
	v := FromSlice([]float32{1, 2, 3})
	assertClose(t, "1-D", v.Pad([]int{2, 1}, 9).data, []float32{9, 9, 1, 2, 3, 9}, 0)

	// (left 1, right 0, top 0, bottom 1) on [[1 2] [3 4]].
	m := FromSlice([]float32{1, 2, 3, 4}, 2, 2).Pad([]int{1, 0, 0, 1}, 0)
	assertShape(t, "2-D", m, 3, 3)
	assertClose(t, "2-D", m.data, []float32{0, 1, 2, 0, 3, 4, 0, 0, 0}, 0)

	x := seqOf(2, 3)
	assertClose(t, "crop left", x.Pad([]int{-1, 1}, 0).data, []float32{1, 2, 0, 4, 5, 0}, 0)
	assertClose(t, "crop top", x.Pad([]int{0, 0, -1, 0}, 0).data, []float32{3, 4, 5}, 0)
	assertClose(t, "no pads", x.Pad(nil, 7).data, x.data, 0)

	// Padding then cropping the same amounts is the identity.
	y := seqOf(2, 3, 4)
	back := y.Pad([]int{1, 2, 3, 0, 0, 1}, 5).Pad([]int{-1, -2, -3, 0, 0, -1}, 0)
	if !SameShape(back.shape, y.shape) || !slices.Equal(back.data, y.data) {
		t.Fatalf("Pad then crop: %v, want %v", back, y)
	}

	// The padding gets no gradient.
	z := FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	z.Pad([]int{1, 1}, 3).Sum().Backward()
	assertClose(t, "dL/dz", z.Grad.data, []float32{1, 1}, 0)
}

func TestPadModeValues(t *testing.T) {
	v := FromSlice([]float32{1, 2, 3})
	cases := []struct {
		mode string
		pads []int
		want []float32
	}{
		{"reflect", []int{2, 2}, []float32{3, 2, 1, 2, 3, 2, 1}},
		{"replicate", []int{2, 1}, []float32{1, 1, 1, 2, 3, 3}},
		{"circular", []int{2, 2}, []float32{2, 3, 1, 2, 3, 1, 2}},
		{"circular", []int{3, 0}, []float32{1, 2, 3, 1, 2, 3}},
		{"constant", []int{1, 0}, []float32{0, 1, 2, 3}},
		{"reflect", []int{-1, 1}, []float32{2, 3, 2}},
	}
	for _, c := range cases {
		assertClose(t, c.mode, v.PadMode(c.pads, c.mode).data, c.want, 0)
	}

	// 2-D reflect, top 1 and left/right 1, on [[1 2 3] [4 5 6]].
	m := FromSlice([]float32{1, 2, 3, 4, 5, 6}, 1, 2, 3).PadMode([]int{1, 1, 1, 0}, "reflect")
	assertShape(t, "2-D reflect", m, 1, 3, 5)
	assertClose(t, "2-D reflect", m.data, []float32{
		5, 4, 5, 6, 5,
		2, 1, 2, 3, 2,
		5, 4, 5, 6, 5,
	}, 0)

	// 3-D replicate on a single voxel fills everything with it.
	r := FromSlice([]float32{7}, 1, 1, 1).PadMode([]int{1, 0, 0, 2, 1, 1}, "replicate")
	assertShape(t, "3-D replicate", r, 3, 3, 2)
	for _, x := range r.data {
		if x != 7 {
			t.Fatalf("3-D replicate: %v", r)
		}
	}
}

// The backward is the adjoint of the index map: every input position gets
// as many units of Σ's gradient as there are outputs copying it.
func TestPadModeBackwardCounts(t *testing.T) {
	cases := []struct {
		mode string
		pads []int
		want []float32
	}{
		{"reflect", []int{2, 2}, []float32{2, 3, 2}},   // reads 2 1 0 1 2 1 0
		{"replicate", []int{2, 1}, []float32{3, 1, 2}}, // reads 0 0 0 1 2 2
		{"circular", []int{2, 2}, []float32{2, 3, 2}},  // reads 1 2 0 1 2 0 1
	}
	for _, c := range cases {
		v := FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
		v.PadMode(c.pads, c.mode).Sum().Backward()
		assertClose(t, c.mode, v.Grad.data, c.want, 0)
	}
}

func TestPadGrad(t *testing.T) {
	g := NewRNG(10)
	gradCheck(t, "Pad", func(in ...*Tensor) *Tensor { return in[0].Pad([]int{1, 2, -1, 1}, 0.5) }, randInput(g, 2, 3, 4))
	gradCheck(t, "Pad all axes", func(in ...*Tensor) *Tensor { return in[0].Pad([]int{0, 1, 2, 0, 1, 1}, 0) }, randInput(g, 1, 2, 3))
	for _, mode := range []string{"reflect", "replicate", "circular", "constant"} {
		gradCheck(t, mode+" 1-D", func(in ...*Tensor) *Tensor { return in[0].PadMode([]int{2, 1}, mode) }, randInput(g, 2, 1, 4))
		gradCheck(t, mode+" 2-D", func(in ...*Tensor) *Tensor { return in[0].PadMode([]int{1, 2, 2, 1}, mode) }, randInput(g, 1, 2, 3, 4))
		gradCheck(t, mode+" 3-D", func(in ...*Tensor) *Tensor { return in[0].PadMode([]int{1, 1, 0, 2, 1, 0}, mode) }, randInput(g, 2, 2, 3, 3))
		gradCheck(t, mode+" crop", func(in ...*Tensor) *Tensor { return in[0].PadMode([]int{-1, 2, 1, -1}, mode) }, randInput(g, 3, 4))
	}
}

func TestPadPanics(t *testing.T) {
	x := Zeros(2, 3)
	mustPanic(t, func() { x.Pad([]int{1, 2, 3}, 0) }, "Pad", "[1 2 3]", "[2 3]")
	mustPanic(t, func() { x.Pad([]int{1, 1, 1, 1, 1, 1}, 0) }, "Pad", "[1 1 1 1 1 1]", "[2 3]")
	mustPanic(t, func() { x.Pad([]int{-2, -2}, 0) }, "Pad", "[-2 -2]", "[2 3]", "negative size")
	mustPanic(t, func() { x.PadMode([]int{3, 0}, "reflect") }, "PadMode", "reflect", "[3 0]", "[2 3]")
	mustPanic(t, func() { x.PadMode([]int{0, 4}, "circular") }, "PadMode", "circular", "[0 4]", "[2 3]")
	mustPanic(t, func() { Zeros(2, 0).PadMode([]int{1, 0}, "replicate") }, "PadMode", "replicate", "[2 0]")
	mustPanic(t, func() { x.PadMode([]int{1, 1}, "zeros") }, "PadMode", "zeros", "[2 3]")
	mustPanic(t, func() { Zeros(1, 1, 1, 1).PadMode(make([]int, 8), "reflect") }, "PadMode", "[1 1 1 1]")
}

func ExampleTensor_PadMode() {
	x := FromSlice([]float32{1, 2, 3})
	for _, mode := range []string{"constant", "reflect", "replicate", "circular"} {
		fmt.Println(mode, x.PadMode([]int{2, 1}, mode).Data())
	}
	// Output:
	// constant [0 0 1 2 3 0]
	// reflect [3 2 1 2 3 2]
	// replicate [1 1 1 2 3 3]
	// circular [2 3 1 2 3 1]
}
