package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// withConvAlgorithm runs fn with the convolution algorithm set to name.
func withConvAlgorithm(t testing.TB, name string, fn func()) {
	t.Helper()
	old := ConvAlgorithm()
	if err := SetConvAlgorithm(name); err != nil {
		t.Fatal(err)
	}
	defer SetConvAlgorithm(old)
	fn()
}

// convOutputs runs Conv2dFunc forward and backward of sum(y·u), u fixed
// and random, and returns y, dx, dw and db (nil without a bias).
func convOutputs(x, w, b *tensor.Tensor, opt Conv2dOptions) [4][]float32 {
	x.ZeroGrad()
	w.ZeroGrad()
	if b != nil {
		b.ZeroGrad()
	}
	y := Conv2dFunc(x, w, b, opt)
	y.Mul(tensor.Uniform(tensor.NewRNG(99), -1, 1, y.Shape()...)).Sum().Backward()
	out := [4][]float32{y.Data(), x.Grad.Data(), w.Grad.Data()}
	if b != nil {
		out[3] = b.Grad.Data()
	}
	return out
}

// maxRelDiff is max |got − want| / max |want|.
func maxRelDiff(got, want []float32) float64 {
	scale, d := 0.0, 0.0
	for i := range want {
		scale = max(scale, math.Abs(float64(want[i])))
		d = max(d, math.Abs(float64(got[i]-want[i])))
	}
	return d / max(scale, 1e-30)
}

// TestConvWinogradMatchesIm2col compares the two algorithms' output and
// gradients on awkward shapes: odd sizes, padding 0, 1, 2 and "same",
// a 1×1 image, one image, many channels, under every schedule (batch split
// across goroutines or not, chunks of a tile row or two, larger ones that
// span images, or all the tiles in one chunk).
func TestConvWinogradMatchesIm2col(t *testing.T) {
	rng := tensor.NewRNG(11)
	for _, tc := range []struct {
		n, c, h, w, out int
		opt             Conv2dOptions
	}{
		{2, 3, 7, 5, 4, Conv2dOptions{Padding: [2]int{1, 1}}},
		{1, 2, 1, 1, 3, Conv2dOptions{Padding: [2]int{1, 1}}},
		{3, 4, 9, 6, 2, Conv2dOptions{}},
		{2, 5, 8, 11, 3, Conv2dOptions{Padding: [2]int{2, 0}}},
		{1, 6, 5, 5, 5, Conv2dOptions{Padding: [2]int{2, 2}, NoBias: true}},
		{4, 3, 6, 7, 4, Conv2dOptions{Same: true}},
		{2, 2, 6, 5, 2, Conv2dOptions{Padding: [2]int{1, 2}, PaddingMode: "reflect"}},
		{1, 64, 12, 10, 48, Conv2dOptions{Padding: [2]int{1, 1}}},
		{5, 40, 9, 8, 70, Conv2dOptions{Padding: [2]int{1, 1}}},
	} {
		x := randInput(rng, -1, 1, tc.n, tc.c, tc.h, tc.w)
		w := randInput(rng, -1, 1, tc.out, tc.c, 3, 3)
		b := randInput(rng, -1, 1, tc.out)
		if tc.opt.NoBias {
			b = nil
		}
		var want [4][]float32
		withConvAlgorithm(t, "im2col", func() { want = convOutputs(x, w, b, tc.opt) })
		for _, sched := range []struct {
			batch bool
			chunk int
		}{{true, 7}, {false, 7}, {true, 128}, {false, 1 << 20}} {
			t.Run(fmt.Sprintf("%+v/%+v", tc, sched), func(t *testing.T) {
				defer func(b bool, c int) { convBatchParallel, winogradChunkTiles = b, c }(convBatchParallel, winogradChunkTiles)
				convBatchParallel, winogradChunkTiles = sched.batch, sched.chunk
				var got [4][]float32
				withConvAlgorithm(t, "winograd", func() { got = convOutputs(x, w, b, tc.opt) })
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

// TestConvWinogradGradCheck checks the Winograd op's gradients by finite
// differences: padding 0, 1, 2, odd sizes, and chunks that split images.
func TestConvWinogradGradCheck(t *testing.T) {
	defer func(c int) { winogradChunkTiles = c }(winogradChunkTiles)
	winogradChunkTiles = 3
	rng := tensor.NewRNG(13)
	for _, tc := range []struct {
		name       string
		n, c, h, w int
		out        int
		opt        Conv2dOptions
	}{
		{"pad0", 2, 2, 5, 6, 3, Conv2dOptions{}},
		{"pad1", 2, 3, 5, 4, 2, Conv2dOptions{Padding: [2]int{1, 1}}},
		{"pad2_nobias", 1, 2, 4, 3, 2, Conv2dOptions{Padding: [2]int{2, 1}, NoBias: true}},
	} {
		x := randInput(rng, -1, 1, tc.n, tc.c, tc.h, tc.w)
		w := randInput(rng, -1, 1, tc.out, tc.c, 3, 3)
		inputs := []*tensor.Tensor{x, w}
		if !tc.opt.NoBias {
			inputs = append(inputs, randInput(rng, -1, 1, tc.out))
		}
		opt := tc.opt
		withConvAlgorithm(t, "winograd", func() {
			if !winogradOK(convPlanOf(x, w, opt)) {
				t.Fatalf("%s: not on the Winograd path", tc.name)
			}
			gradCheck(t, "Conv2d/winograd/"+tc.name, func(in ...*tensor.Tensor) *tensor.Tensor {
				var b *tensor.Tensor
				if len(in) == 3 {
					b = in[2]
				}
				return Conv2dFunc(in[0], in[1], b, opt)
			}, inputs...)
		})
	}
}

// convPlanOf builds the plan Conv2dFunc makes for zero padding.
func convPlanOf(x, w *tensor.Tensor, opt Conv2dOptions) convPlan {
	opt = opt.withDefaults()
	xs, ws := x.Shape(), w.Shape()
	pt, pb, pl, pr := opt.Padding[0], opt.Padding[0], opt.Padding[1], opt.Padding[1]
	if opt.Same {
		th, tw := opt.Dilation[0]*(ws[2]-1), opt.Dilation[1]*(ws[3]-1)
		pt, pb, pl, pr = th/2, th-th/2, tw/2, tw-tw/2
	}
	g := kernels.ConvGeom{C: xs[1], H: xs[2], W: xs[3], KH: ws[2], KW: ws[3], SH: opt.Stride[0], SW: opt.Stride[1],
		PH: pt, PW: pl, DH: opt.Dilation[0], DW: opt.Dilation[1]}
	g.OH = (g.H+pt+pb-g.DH*(g.KH-1)-1)/g.SH + 1
	g.OW = (g.W+pl+pr-g.DW*(g.KW-1)-1)/g.SW + 1
	return convPlan{n: xs[0], out: ws[0], groups: opt.Groups, geom: g}
}

// TestConvWinogradGolden replays PyTorch's conv goldens with Winograd
// wherever it applies (the 3×3, stride-1 cases: basic, and reflect and
// circular, which pad first and convolve unpadded).
func TestConvWinogradGolden(t *testing.T) {
	g := loadConvGolden(t)
	if n := goldenCasesOn(t, g, "winograd", convWinograd); n != 3 { // basic, reflect, circular
		t.Fatalf("%d golden cases take the Winograd path, want 3", n)
	}
	withConvAlgorithm(t, "winograd", func() { replayConvGolden(t, g) })
}

func loadConvGolden(t *testing.T) *convGolden {
	t.Helper()
	raw, err := os.ReadFile("testdata/conv_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g convGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	return &g
}

// goldenCasesOn counts the golden convolutions that algorithm algo, when
// set, computes with want (convWinograd or convDirect), so that a replay
// is known to exercise it.
func goldenCasesOn(t *testing.T, g *convGolden, algo string, want int32) int {
	n := 0
	for _, c := range g.Cases {
		if c.Kind != "conv" || c.Options["padding"] == "same" || c.Options["groups"] != nil {
			continue
		}
		x, w := c.X.tensor(), c.Weight.tensor()
		opt := Conv2dOptions{Stride: convPair(c.Options, "stride"), Padding: convPair(c.Options, "padding"),
			Dilation: convPair(c.Options, "dilation")}
		if c.Options["padding_mode"] != nil { // padded first, then convolved unpadded
			xs := x.Shape()
			x = tensor.Zeros(xs[0], xs[1], xs[2]+2*opt.Padding[0], xs[3]+2*opt.Padding[1])
			opt.Padding = [2]int{}
		}
		withConvAlgorithm(t, algo, func() {
			if pickConv(convPlanOf(x, w, opt)) == want {
				n++
			}
		})
	}
	return n
}

func TestSetConvAlgorithm(t *testing.T) {
	if got := ConvAlgorithm(); got != "auto" {
		t.Fatalf("default algorithm %q, want auto", got)
	}
	if err := SetConvAlgorithm("fft"); err == nil || !strings.Contains(err.Error(), `"fft"`) {
		t.Errorf("SetConvAlgorithm(fft) = %v, want an error naming it", err)
	}
	if got := ConvAlgorithm(); got != "auto" {
		t.Errorf("after a bad name the algorithm is %q, want auto", got)
	}
	x := func(c int) *tensor.Tensor { return tensor.Zeros(2, c, 8, 8) }
	w := func(o, c, k int) *tensor.Tensor { return tensor.Zeros(o, c, k, k) }
	pad1 := Conv2dOptions{Padding: [2]int{1, 1}}
	for _, tc := range []struct {
		algo string
		x, w *tensor.Tensor
		opt  Conv2dOptions
		want int32
	}{
		{"auto", x(64), w(64, 64, 3), pad1, convWinograd},
		{"auto", x(32), w(4, 32, 3), pad1, convWinograd},
		{"auto", x(3), w(32, 3, 3), pad1, convDirect}, // too few input channels for Winograd to pay
		{"auto", x(16), w(4, 16, 3), pad1, convDirect},
		{"auto", x(6), w(16, 6, 5), Conv2dOptions{}, convDirect},
		{"auto", x(64), w(16, 64, 5), Conv2dOptions{}, convIm2col},                  // reduction 1600: too long
		{"auto", x(64), w(64, 64, 1), Conv2dOptions{}, convIm2col},                  // 1×1: im2col is free
		{"auto", x(4), w(4, 4, 3), Conv2dOptions{Stride: [2]int{2, 2}}, convIm2col}, // stride 2
		{"im2col", x(64), w(64, 64, 3), pad1, convIm2col},
		{"im2col", x(3), w(6, 3, 5), Conv2dOptions{}, convIm2col},
		{"winograd", x(3), w(32, 3, 3), pad1, convWinograd},
		{"winograd", x(4), w(4, 4, 5), pad1, convIm2col},                                            // 5×5
		{"winograd", x(4), w(4, 4, 3), Conv2dOptions{Stride: [2]int{2, 2}}, convIm2col},             // stride 2
		{"winograd", x(4), w(4, 4, 3), Conv2dOptions{Dilation: [2]int{2, 2}}, convIm2col},           // dilated
		{"winograd", x(4), w(4, 4, 3), Conv2dOptions{Padding: [2]int{3, 3}}, convIm2col},            // padding 3
		{"winograd", x(4), w(4, 2, 3), Conv2dOptions{Groups: 2, Padding: [2]int{1, 1}}, convIm2col}, // grouped
		{"winograd", x(4), w(4, 4, 3), Conv2dOptions{Same: true}, convWinograd},                     // same = 1, 1
		{"direct", x(64), w(64, 64, 3), pad1, convDirect},
		{"direct", x(64), w(64, 64, 1), Conv2dOptions{}, convDirect},
		{"direct", x(4), w(4, 4, 4), Conv2dOptions{Same: true}, convDirect},            // pads 1 and 2
		{"direct", x(4), w(4, 4, 3), Conv2dOptions{Padding: [2]int{3, 3}}, convIm2col}, // padding 3
		{"direct", x(4), w(4, 4, 3), Conv2dOptions{Dilation: [2]int{2, 2}}, convIm2col},
		{"direct", x(4), w(4, 2, 3), Conv2dOptions{Groups: 2}, convIm2col},
	} {
		if tc.algo == "auto" && tc.want == convDirect && !kernels.DirectVectorized() {
			tc.want = convIm2col // the portable direct kernels lose to im2col
		}
		withConvAlgorithm(t, tc.algo, func() {
			if got := pickConv(convPlanOf(tc.x, tc.w, tc.opt)); got != tc.want {
				t.Errorf("%s: x %v, w %v, %+v: %s, want %s", tc.algo, tc.x.Shape(), tc.w.Shape(), tc.opt,
					convAlgorithmNames[got], convAlgorithmNames[tc.want])
			}
		})
	}
}

// TestWinogradSchedule checks that the chunks tile the batch exactly, in
// whole tile rows, each piece holding whole images, and that chunks
// other than a piece's last are multiples of 16 tiles where the rows allow.
func TestWinogradSchedule(t *testing.T) {
	defer func(b bool) { convBatchParallel = b }(convBatchParallel)
	for _, batch := range []bool{true, false} {
		convBatchParallel = batch
		for _, tc := range []struct{ n, c, out, hw int }{
			{64, 32, 64, 32}, {64, 64, 128, 16}, {64, 256, 256, 8}, {3, 16, 16, 7}, {1, 64, 64, 31}, {5, 300, 300, 2},
		} {
			x, w := tensor.Zeros(tc.n, tc.c, tc.hw, tc.hw), tensor.Zeros(tc.out, tc.c, 3, 3)
			s := newWinogradSchedule(convPlanOf(x, w, Conv2dOptions{Padding: [2]int{1, 1}}))
			tw, per := s.geom.TileCols(), s.geom.TileRows()*s.geom.TileCols()
			next := 0
			for _, piece := range s.pieces {
				if piece[0].t0%per != 0 || piece[len(piece)-1].t1%per != 0 {
					t.Errorf("%+v: piece %v does not hold whole images", tc, piece)
				}
				for i, ch := range piece {
					if ch.t0 != next || ch.t1 <= ch.t0 || ch.t0%tw != 0 || ch.t1%tw != 0 || ch.t1-ch.t0 > s.maxTiles {
						t.Errorf("%+v: chunk %v after tile %d (tile rows of %d, largest chunk %d)", tc, ch, next, tw, s.maxTiles)
					}
					if tw%16 == 0 || 16%tw == 0 {
						if i < len(piece)-1 && (ch.t1-ch.t0)%16 != 0 {
							t.Errorf("%+v: chunk %v not a multiple of 16 tiles", tc, ch)
						}
					}
					next = ch.t1
				}
			}
			if next != s.geom.Tiles() {
				t.Errorf("%+v: chunks end at tile %d of %d", tc, next, s.geom.Tiles())
			}
		}
	}
}
