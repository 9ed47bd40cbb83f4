package nn

import (
	"math"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// distinctInput makes a leaf of the given shape holding a random
// permutation of 0.1·(0, 1, …) shifted to be centred: no two values within
// 0.1, so GradCheck's ±1e-2 steps never change which element is the
// maximum.
func distinctInput(g *tensor.RNG, shape ...int) *tensor.Tensor {
	x := tensor.Zeros(shape...)
	d := x.Data()
	for i, p := range g.Perm(len(d)) {
		d[i] = 0.1*float32(p) - 0.05*float32(len(d))
	}
	return x.SetRequiresGrad(true)
}

func TestPoolGradCheck(t *testing.T) {
	g := tensor.NewRNG(7)
	rect := &MaxPool2d{Kernel: [2]int{2, 3}, Stride: [2]int{1, 2}, Padding: [2]int{1, 1}}
	for _, m := range []Module{
		NewMaxPool2d(2, 0, 0),
		NewMaxPool2d(3, 2, 1),
		rect,
		NewAvgPool2d(2, 0, 0),
		NewAvgPool2d(3, 2, 1),
		&AvgPool2d{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}},
		NewAdaptiveAvgPool2d(3, 2),
		NewAdaptiveAvgPool2d(1, 1),
	} {
		x := distinctInput(g, 2, 3, 7, 6)
		gradCheck(t, m.(interface{ String() string }).String(), func(in ...*tensor.Tensor) *tensor.Tensor { return m.Forward(in[0]) }, x)
	}
}

// A 2×2 max pool over a plane with known maxima: the output is the maxima
// and the gradient lands on them alone; on a tie the first element in
// row-major order wins (PyTorch's rule).
func TestMaxPool2dArgmaxAndTies(t *testing.T) {
	x := tensor.FromSlice([]float32{
		1, 5, 2, 2,
		3, 4, 2, 1,
	}, 1, 1, 2, 4).SetRequiresGrad(true)
	out := NewMaxPool2d(2, 0, 0).Forward(x)
	assertClose(t, "out", out.Data(), []float32{5, 2}, 0)
	out.Sum().Backward()
	assertClose(t, "grad", x.Grad.Data(), []float32{0, 1, 1, 0, 0, 0, 0, 0}, 0)
}

// With count_include_pad the corner window of a 3×3, padding-1 pool over a
// plane of ones covers 4 real cells of 9: 4/9; without it, 1.
func TestAvgPool2dCountIncludePad(t *testing.T) {
	x := tensor.Ones(1, 1, 4, 4)
	p := NewAvgPool2d(3, 2, 1)
	assertClose(t, "include", p.Forward(x).Data(), []float32{4.0 / 9, 6.0 / 9, 6.0 / 9, 1}, 1e-6)
	p.CountIncludePad = false
	assertClose(t, "exclude", p.Forward(x).Data(), []float32{1, 1, 1, 1}, 1e-6)
}

func TestPoolShapeErrors(t *testing.T) {
	mustPanic(t, func() { NewMaxPool2d(2, 0, 0).Forward(tensor.Zeros(3, 4, 4)) }, "MaxPool2d", "[3 4 4]", "[N C H W]")
	mustPanic(t, func() { NewAvgPool2d(3, 1, 2).Forward(tensor.Zeros(1, 1, 4, 4)) }, "AvgPool2d", "[1 1 4 4]", "padding [2 2]", "half the kernel [3 3]")
	mustPanic(t, func() { NewMaxPool2d(5, 0, 0).Forward(tensor.Zeros(1, 1, 4, 4)) }, "MaxPool2d", "[1 1 4 4]", "smaller than the kernel [5 5]")
	mustPanic(t, func() { NewAdaptiveAvgPool2d(2, 2).Forward(tensor.Zeros(4, 4)) }, "AdaptiveAvgPool2d", "[4 4]")
}

// The 2×2 fast path picks the same values and gradient positions as a
// naive scan, with ties (first wins) and NaNs (first NaN wins).
func TestMaxPool2x2FastPath(t *testing.T) {
	g := tensor.NewRNG(5)
	// Widths below, at and past the 8-output groups of the assembly (with
	// an odd last column that no window reads), many NaNs or a few.
	for _, tc := range []struct{ h, w, nanEvery int }{{6, 7, 10}, {4, 16, 10}, {6, 37, 10}, {5, 53, 200}, {2, 80, 0}} {
		x := tensor.Randn(g, 2, 3, tc.h, tc.w)
		xd := x.Data()
		for i := range xd {
			switch {
			case g.IntN(10) == 0:
				xd[i] = 0.5 // ties
			case tc.nanEvery > 0 && g.IntN(tc.nanEvery) == 0:
				xd[i] = float32(math.NaN())
			}
		}
		x.SetRequiresGrad(true)
		y := NewMaxPool2d(2, 2, 0).Forward(x)
		y.Sum().Backward()
		yd, dx := y.Data(), x.Grad.Data()
		want := make([]float32, len(dx))
		oh, ow, plane := tc.h/2, tc.w/2, tc.h*tc.w
		for pl := 0; pl < 6; pl++ {
			for oy := 0; oy < oh; oy++ {
				for ox := 0; ox < ow; ox++ {
					best, bi := float32(math.Inf(-1)), -1
					for _, d := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
						i := pl*plane + (2*oy+d[0])*tc.w + 2*ox + d[1]
						if v := xd[i]; bi < 0 || v > best || v != v {
							best, bi = v, i
						}
					}
					got := yd[(pl*oh+oy)*ow+ox]
					if got != best && !(got != got && best != best) {
						t.Fatalf("%+v plane %d (%d,%d): max %v, want %v", tc, pl, oy, ox, got, best)
					}
					want[bi]++
				}
			}
		}
		for i := range want {
			if dx[i] != want[i] {
				t.Fatalf("%+v: dx[%d] = %v, want %v", tc, i, dx[i], want[i])
			}
		}
	}
}
