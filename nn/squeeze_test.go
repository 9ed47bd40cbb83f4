package nn

import (
	"fmt"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// Squeeze then unsqueeze is the identity (the flow's invertibility), and
// the layout is PyTorch's: channel c·4 + i·2 + j holds offset (i, j).
func TestPixelShuffleRoundTrip(t *testing.T) {
	g := tensor.NewRNG(3)
	x := tensor.Randn(g, 2, 3, 4, 6)
	y := NewPixelUnshuffle(2).Forward(x)
	if !tensor.SameShape(y.Shape(), []int{2, 12, 2, 3}) {
		t.Fatalf("squeeze shape %v, want [2 12 2 3]", y.Shape())
	}
	// out[0, 1·4 + 1·2 + 0, 1, 2] = in[0, 1, 1·2+1, 2·2+0]
	if got, want := y.At(0, 6, 1, 2), x.At(0, 1, 3, 4); got != want {
		t.Errorf("channel order: got %v, want %v", got, want)
	}
	assertClose(t, "round trip", NewPixelShuffle(2).Forward(y).Data(), x.Data(), 0)
}

func TestPixelShuffleGradCheck(t *testing.T) {
	g := tensor.NewRNG(4)
	x := randInput(g, -1, 1, 2, 3, 6, 3)
	gradCheck(t, "PixelUnshuffle(3)", func(in ...*tensor.Tensor) *tensor.Tensor { return NewPixelUnshuffle(3).Forward(in[0]) }, x)
	z := randInput(g, -1, 1, 1, 8, 2, 3)
	gradCheck(t, "PixelShuffle(2)", func(in ...*tensor.Tensor) *tensor.Tensor { return NewPixelShuffle(2).Forward(in[0]) }, z)
}

func TestPixelShuffleShapeErrors(t *testing.T) {
	mustPanic(t, func() { NewPixelUnshuffle(2).Forward(tensor.Zeros(1, 1, 3, 4)) }, "PixelUnshuffle", "[1 1 3 4]", "factor 2")
	mustPanic(t, func() { NewPixelShuffle(2).Forward(tensor.Zeros(1, 6, 2, 2)) }, "PixelShuffle", "[1 6 2 2]", "factor² = 4")
}

// The lecture's squeeze: a 1×1×2×2 image becomes 4 channels of one pixel,
// and PixelShuffle puts it back.
func ExamplePixelUnshuffle() {
	x := tensor.FromSlice([]float32{1, 2, 3, 4}, 1, 1, 2, 2)
	y := NewPixelUnshuffle(2).Forward(x)
	fmt.Println(y.Shape(), y.Data())
	fmt.Println(NewPixelShuffle(2).Forward(y).Data())
	// Output:
	// [1 4 1 1] [1 2 3 4]
	// [1 2 3 4]
}
