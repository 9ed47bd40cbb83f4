package nn

import (
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

func TestUpsampleGradCheck(t *testing.T) {
	g := tensor.NewRNG(5)
	for _, u := range []*Upsample{
		NewUpsample(2, "nearest", false),
		NewUpsampleSize(5, 7, "nearest", false),
		NewUpsample(2, "bilinear", false),
		NewUpsample(1.5, "bilinear", false),
		NewUpsampleSize(5, 7, "bilinear", true),
		NewUpsampleSize(2, 3, "bilinear", false),
	} {
		x := randInput(g, -1, 1, 2, 2, 3, 4)
		gradCheck(t, u.String(), func(in ...*tensor.Tensor) *tensor.Tensor { return u.Forward(in[0]) }, x)
	}
}

// Bilinear with align_corners keeps the corners and interpolates linearly
// between them: a 1×2 ramp [0, 3] becomes [0, 1, 2, 3].
func TestUpsampleBilinearAlignCorners(t *testing.T) {
	x := tensor.FromSlice([]float32{0, 3}, 1, 1, 1, 2)
	assertClose(t, "ramp", NewUpsampleSize(1, 4, "bilinear", true).Forward(x).Data(), []float32{0, 1, 2, 3}, 1e-6)
	// Without it, pixel areas: samples at −0.25, 0.25, 0.75, 1.25, clamped.
	assertClose(t, "areas", NewUpsampleSize(1, 4, "bilinear", false).Forward(x).Data(), []float32{0, 0.75, 2.25, 3}, 1e-6)
}

func TestUpsampleErrors(t *testing.T) {
	mustPanic(t, func() { NewUpsample(2, "bicubic", false) }, "Upsample", `"bicubic"`)
	mustPanic(t, func() { NewUpsample(2, "nearest", true) }, "Upsample", "align_corners")
	mustPanic(t, func() { NewUpsample(2, "nearest", false).Forward(tensor.Zeros(2, 3, 4)) }, "Upsample", "[2 3 4]", "[N C H W]")
}
