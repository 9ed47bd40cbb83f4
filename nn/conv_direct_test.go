package nn

import (
	"fmt"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// TestConvDirectMatchesIm2col compares the direct convolution's output and
// gradients with im2col's on awkward shapes: kernels 1×1 to 5×5 and
// non-square, padding 0 up to the kernel size minus one, "same" with an
// even kernel (uneven padding), reflect padding, channel counts that leave
// partial tiles on both sides of the weight-gradient grid, one image and
// a 1×1 output, with the batch split across goroutines or not.
func TestConvDirectMatchesIm2col(t *testing.T) {
	rng := tensor.NewRNG(21)
	for _, tc := range []struct {
		n, c, h, w, out, kh, kw int
		opt                     Conv2dOptions
	}{
		{4, 3, 32, 32, 6, 5, 5, Conv2dOptions{}},                      // CIFAR model 2's first layer
		{3, 6, 14, 14, 16, 5, 5, Conv2dOptions{}},                     // and its second
		{2, 1, 28, 28, 6, 5, 5, Conv2dOptions{Padding: [2]int{2, 2}}}, // LeNet's first
		{2, 3, 9, 7, 5, 3, 3, Conv2dOptions{Padding: [2]int{1, 1}}},
		{1, 2, 5, 6, 7, 3, 2, Conv2dOptions{Padding: [2]int{2, 1}, NoBias: true}},
		{3, 4, 6, 7, 4, 4, 4, Conv2dOptions{Same: true}},
		{2, 2, 6, 5, 2, 3, 3, Conv2dOptions{Padding: [2]int{1, 2}, PaddingMode: "reflect"}},
		{2, 5, 4, 4, 9, 1, 1, Conv2dOptions{}},
		{1, 2, 3, 3, 1, 3, 3, Conv2dOptions{}},
		{5, 7, 11, 13, 13, 5, 3, Conv2dOptions{Padding: [2]int{4, 0}}},
		{2, 17, 8, 9, 20, 3, 3, Conv2dOptions{Padding: [2]int{1, 1}}},
	} {
		x := randInput(rng, -1, 1, tc.n, tc.c, tc.h, tc.w)
		w := randInput(rng, -1, 1, tc.out, tc.c, tc.kh, tc.kw)
		b := randInput(rng, -1, 1, tc.out)
		if tc.opt.NoBias {
			b = nil
		}
		var want [4][]float32
		withConvAlgorithm(t, "im2col", func() { want = convOutputs(x, w, b, tc.opt) })
		for _, batch := range []bool{true, false} {
			t.Run(fmt.Sprintf("%+v/batch=%v", tc, batch), func(t *testing.T) {
				defer func(b bool) { convBatchParallel = b }(convBatchParallel)
				convBatchParallel = batch
				var got [4][]float32
				withConvAlgorithm(t, "direct", func() {
					opt := tc.opt
					if opt.PaddingMode == "" && !directOK(convPlanOf(x, w, opt)) {
						t.Fatal("not on the direct path")
					}
					got = convOutputs(x, w, b, tc.opt)
				})
				for i, what := range []string{"y", "dx", "dw", "db"} {
					if b == nil && i == 3 {
						continue
					}
					if d := maxRelDiff(got[i], want[i]); d > 1e-5 {
						t.Errorf("%s differs from im2col by %.3g relative", what, d)
					}
				}
			})
		}
	}
}

// TestConvDirectGradCheck checks the direct op's gradients by finite
// differences.
func TestConvDirectGradCheck(t *testing.T) {
	rng := tensor.NewRNG(23)
	for _, tc := range []struct {
		name        string
		n, c, h, w  int
		out, kh, kw int
		opt         Conv2dOptions
	}{
		{"5x5", 2, 2, 7, 6, 3, 5, 5, Conv2dOptions{}},
		{"pad", 2, 3, 5, 4, 2, 3, 3, Conv2dOptions{Padding: [2]int{2, 1}}},
		{"same_even_nobias", 1, 2, 4, 5, 2, 2, 4, Conv2dOptions{Same: true, NoBias: true}},
	} {
		x := randInput(rng, -1, 1, tc.n, tc.c, tc.h, tc.w)
		w := randInput(rng, -1, 1, tc.out, tc.c, tc.kh, tc.kw)
		inputs := []*tensor.Tensor{x, w}
		if !tc.opt.NoBias {
			inputs = append(inputs, randInput(rng, -1, 1, tc.out))
		}
		opt := tc.opt
		withConvAlgorithm(t, "direct", func() {
			if !directOK(convPlanOf(x, w, opt)) {
				t.Fatalf("%s: not on the direct path", tc.name)
			}
			gradCheck(t, "Conv2d/direct/"+tc.name, func(in ...*tensor.Tensor) *tensor.Tensor {
				var b *tensor.Tensor
				if len(in) == 3 {
					b = in[2]
				}
				return Conv2dFunc(in[0], in[1], b, opt)
			}, inputs...)
		})
	}
}

// TestConvDirectGolden replays PyTorch's conv goldens with the direct
// algorithm wherever it applies.
func TestConvDirectGolden(t *testing.T) {
	g := loadConvGolden(t)
	n := goldenCasesOn(t, g, "direct", convDirect)
	if n < 3 {
		t.Fatalf("%d golden cases take the direct path, want at least 3", n)
	}
	t.Logf("%d golden cases on the direct path", n)
	withConvAlgorithm(t, "direct", func() { replayConvGolden(t, g) })
}

// BenchmarkConvDirect times forward + backward (input, weight and bias
// gradients) at batch 64 with each algorithm that applies (im2col, direct,
// and Winograd for 3×3 kernels), like BenchmarkConvAlgorithms:
//
//	go test -bench ConvDirect -run '^$' -benchtime 20x ./nn
//
// The layers: CIFAR model 2's two convolutions, LeNet's two (the first
// with a 1-channel input that needs no gradient), model 3's first, and
// wider ones around where "auto" switches between the algorithms.
func BenchmarkConvDirect(b *testing.B) {
	for _, s := range []convBenchLayer{
		{3, 6, 32, 5, 0, false}, {6, 16, 14, 5, 0, true}, {1, 6, 28, 5, 2, false}, {3, 64, 32, 3, 1, false},
		{8, 32, 32, 3, 1, true}, {16, 32, 32, 3, 1, true}, {32, 64, 32, 3, 1, true}, {64, 64, 32, 3, 1, true},
		{128, 128, 16, 3, 1, true}, {256, 256, 8, 3, 1, true},
		{16, 32, 16, 5, 2, true}, {64, 128, 16, 5, 2, true}, {64, 128, 16, 1, 0, true}, {256, 256, 8, 1, 0, true},
	} {
		algos := []string{"im2col", "direct"}
		if s.k == 3 {
			algos = append(algos, "winograd")
		}
		b.Run(fmt.Sprintf("%d-%d-%dx%d-k%d", s.in, s.out, s.hw, s.hw, s.k), func(b *testing.B) { benchConvLayer(b, s, algos) })
	}
}
