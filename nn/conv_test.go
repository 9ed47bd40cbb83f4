package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// convNaive is the reference convolution, straight from the definition in
// float64, with zero padding (top/left pt, pl; the bottom and right follow
// from oh, ow):
//
//	y[n, o, i, j] = b[o] + Σ_{c, p, q} w[o, c, p, q] · x[n, g·cg + c, i·sh − pt + p·dh, j·sw − pl + q·dw]
func convNaive(x, w, b *tensor.Tensor, sh, sw, pt, pl, dh, dw, groups, oh, ow int) []float64 {
	xs, ws := x.Shape(), w.Shape()
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	out, cg, kh, kw := ws[0], ws[1], ws[2], ws[3]
	og := out / groups
	xd, wdat := x.Data(), w.Data()
	y := make([]float64, n*out*oh*ow)
	for in := 0; in < n; in++ {
		for o := 0; o < out; o++ {
			gr := o / og
			for i := 0; i < oh; i++ {
				for j := 0; j < ow; j++ {
					s := 0.0
					if b != nil {
						s = float64(b.Data()[o])
					}
					for ci := 0; ci < cg; ci++ {
						for p := 0; p < kh; p++ {
							for q := 0; q < kw; q++ {
								r, col := i*sh-pt+p*dh, j*sw-pl+q*dw
								if r < 0 || r >= h || col < 0 || col >= wd {
									continue
								}
								s += float64(wdat[((o*cg+ci)*kh+p)*kw+q]) * float64(xd[((in*c+gr*cg+ci)*h+r)*wd+col])
							}
						}
					}
					y[((in*out+o)*oh+i)*ow+j] = s
				}
			}
		}
	}
	return y
}

func TestConv2dMatchesNaive(t *testing.T) {
	rng := tensor.NewRNG(7)
	for _, tc := range []struct {
		n, c, h, w, out, kh, kw int
		opt                     Conv2dOptions
	}{
		{1, 1, 1, 1, 1, 1, 1, Conv2dOptions{}},
		{2, 3, 7, 5, 4, 3, 3, Conv2dOptions{Padding: [2]int{1, 1}}},
		{3, 4, 13, 11, 6, 3, 2, Conv2dOptions{Stride: [2]int{2, 3}, Padding: [2]int{2, 1}, Dilation: [2]int{1, 2}, Groups: 2}},
		{2, 6, 9, 31, 9, 1, 1, Conv2dOptions{Groups: 3}},
		{5, 8, 17, 7, 16, 5, 5, Conv2dOptions{Padding: [2]int{2, 2}, Stride: [2]int{2, 2}}},
		{1, 2, 8, 8, 3, 4, 4, Conv2dOptions{Same: true}},
	} {
		t.Run(fmt.Sprintf("%+v", tc), func(t *testing.T) {
			x := tensor.Uniform(rng, -1, 1, tc.n, tc.c, tc.h, tc.w)
			w := tensor.Uniform(rng, -1, 1, tc.out, tc.c/max(tc.opt.Groups, 1), tc.kh, tc.kw)
			b := tensor.Uniform(rng, -1, 1, tc.out)
			y := Conv2dFunc(x, w, b, tc.opt)
			o := tc.opt.withDefaults()
			pt, pl := o.Padding[0], o.Padding[1]
			if o.Same {
				pt, pl = o.Dilation[0]*(tc.kh-1)/2, o.Dilation[1]*(tc.kw-1)/2
			}
			want := convNaive(x, w, b, o.Stride[0], o.Stride[1], pt, pl, o.Dilation[0], o.Dilation[1], o.Groups, y.Size(2), y.Size(3))
			for i, v := range y.Data() {
				if math.Abs(float64(v)-want[i]) > 1e-4*(1+math.Abs(want[i])) {
					t.Fatalf("y[%d] = %g, want %g (shape %v)", i, v, want[i], y.Shape())
				}
			}
		})
	}
}

// TestConv2dGradCheck checks every option by finite differences, through
// the layer's op with x, weight and bias all as inputs.
func TestConv2dGradCheck(t *testing.T) {
	rng := tensor.NewRNG(3)
	for _, tc := range []struct {
		name        string
		n, c, h, w  int
		out, kh, kw int
		opt         Conv2dOptions
	}{
		{"basic", 2, 2, 5, 4, 3, 3, 3, Conv2dOptions{}},
		{"stride2", 1, 2, 7, 6, 2, 3, 3, Conv2dOptions{Stride: [2]int{2, 2}}},
		{"padding1", 2, 2, 4, 5, 2, 3, 3, Conv2dOptions{Padding: [2]int{1, 1}}},
		{"dilation2", 1, 2, 7, 7, 2, 3, 3, Conv2dOptions{Dilation: [2]int{2, 2}, Padding: [2]int{1, 2}}},
		{"groups2", 2, 4, 5, 5, 4, 3, 3, Conv2dOptions{Groups: 2, Padding: [2]int{1, 1}}},
		{"nobias", 1, 2, 5, 5, 3, 2, 2, Conv2dOptions{NoBias: true}},
		{"reflect", 1, 2, 5, 4, 2, 3, 3, Conv2dOptions{Padding: [2]int{1, 2}, PaddingMode: "reflect"}},
		{"replicate", 1, 2, 5, 4, 2, 3, 3, Conv2dOptions{Padding: [2]int{2, 1}, PaddingMode: "replicate"}},
		{"circular", 1, 2, 5, 4, 2, 3, 3, Conv2dOptions{Padding: [2]int{1, 1}, PaddingMode: "circular", Stride: [2]int{2, 1}}},
		{"same", 1, 2, 5, 6, 2, 4, 3, Conv2dOptions{Same: true}},
		{"pointwise", 2, 3, 4, 3, 4, 1, 1, Conv2dOptions{}},
		{"pointwise_groups", 2, 4, 3, 3, 2, 1, 1, Conv2dOptions{Groups: 2}},
	} {
		x := randInput(rng, -1, 1, tc.n, tc.c, tc.h, tc.w)
		w := randInput(rng, -1, 1, tc.out, tc.c/max(tc.opt.Groups, 1), tc.kh, tc.kw)
		inputs := []*tensor.Tensor{x, w}
		if !tc.opt.NoBias {
			inputs = append(inputs, randInput(rng, -1, 1, tc.out))
		}
		opt := tc.opt
		gradCheck(t, "Conv2d/"+tc.name, func(in ...*tensor.Tensor) *tensor.Tensor {
			var b *tensor.Tensor
			if len(in) == 3 {
				b = in[2]
			}
			return Conv2dFunc(in[0], in[1], b, opt)
		}, inputs...)
	}
}

func TestConvTranspose2dGradCheck(t *testing.T) {
	rng := tensor.NewRNG(5)
	for _, tc := range []struct {
		name        string
		n, c, h, w  int
		out, kh, kw int
		opt         ConvTranspose2dOptions
	}{
		{"basic", 2, 2, 3, 4, 3, 3, 3, ConvTranspose2dOptions{}},
		{"stride2_outpad", 1, 3, 3, 3, 2, 3, 3, ConvTranspose2dOptions{Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, OutputPadding: [2]int{1, 1}}},
		{"rect_nobias", 1, 2, 3, 2, 2, 2, 3, ConvTranspose2dOptions{Stride: [2]int{3, 2}, OutputPadding: [2]int{2, 0}, NoBias: true}},
		{"pointwise", 2, 3, 3, 3, 2, 1, 1, ConvTranspose2dOptions{}},
	} {
		x := randInput(rng, -1, 1, tc.n, tc.c, tc.h, tc.w)
		w := randInput(rng, -1, 1, tc.c, tc.out, tc.kh, tc.kw)
		inputs := []*tensor.Tensor{x, w}
		if !tc.opt.NoBias {
			inputs = append(inputs, randInput(rng, -1, 1, tc.out))
		}
		opt := tc.opt
		gradCheck(t, "ConvTranspose2d/"+tc.name, func(in ...*tensor.Tensor) *tensor.Tensor {
			var b *tensor.Tensor
			if len(in) == 3 {
				b = in[2]
			}
			return ConvTranspose2dFunc(in[0], in[1], b, opt)
		}, inputs...)
	}
}

// convGolden is testdata/conv_golden.json, written by testdata/conv_golden.py.
type convGolden struct {
	Torch string `json:"torch"`
	Cases []struct {
		Name       string         `json:"name"`
		Kind       string         `json:"kind"`
		Kernel     [2]int         `json:"kernel"`
		Options    map[string]any `json:"options"`
		X          gArray         `json:"x"`
		Weight     gArray         `json:"weight"`
		Bias       *gArray        `json:"bias"`
		Output     gArray         `json:"output"`
		U          gArray         `json:"u"`
		GradX      gArray         `json:"grad_x"`
		GradWeight gArray         `json:"grad_weight"`
		GradBias   *gArray        `json:"grad_bias"`
	} `json:"cases"`
}

// pair reads a (h, w) option written as a list by the script.
func convPair(opts map[string]any, key string) [2]int {
	v, ok := opts[key].([]any)
	if !ok {
		return [2]int{}
	}
	return [2]int{int(v[0].(float64)), int(v[1].(float64))}
}

// TestConvGolden replays PyTorch's outputs and the gradients of sum(out·u).
func TestConvGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/conv_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g convGolden
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 18 {
		t.Fatalf("only %d golden cases", len(g.Cases))
	}
	defer func(old bool) { convBatchParallel = old }(convBatchParallel)
	for _, batch := range []bool{true, false} {
		convBatchParallel = batch
		t.Run(fmt.Sprintf("batchParallel=%t", batch), func(t *testing.T) { replayConvGolden(t, &g) })
	}
}

func replayConvGolden(t *testing.T, g *convGolden) {
	for _, c := range g.Cases {
		t.Run(c.Name, func(t *testing.T) {
			x := c.X.tensor().SetRequiresGrad(true)
			w := c.Weight.tensor().SetRequiresGrad(true)
			var b *tensor.Tensor
			if c.Bias != nil {
				b = c.Bias.tensor().SetRequiresGrad(true)
			}
			var y *tensor.Tensor
			if c.Kind == "conv" {
				opt := Conv2dOptions{Stride: convPair(c.Options, "stride"), Padding: convPair(c.Options, "padding"),
					Dilation: convPair(c.Options, "dilation"), Same: c.Options["padding"] == "same"}
				if gr, ok := c.Options["groups"].(float64); ok {
					opt.Groups = int(gr)
				}
				if m, ok := c.Options["padding_mode"].(string); ok {
					opt.PaddingMode = m
				}
				y = Conv2dFunc(x, w, b, opt)
			} else {
				y = ConvTranspose2dFunc(x, w, b, ConvTranspose2dOptions{Stride: convPair(c.Options, "stride"),
					Padding: convPair(c.Options, "padding"), OutputPadding: convPair(c.Options, "output_padding"),
					Dilation: convPair(c.Options, "dilation")})
			}
			y.Mul(c.U.tensor()).Sum().Backward()
			checkConvGolden(t, "output", y, c.Output)
			checkConvGolden(t, "grad x", x.Grad, c.GradX)
			checkConvGolden(t, "grad weight", w.Grad, c.GradWeight)
			if b != nil {
				checkConvGolden(t, "grad bias", b.Grad, *c.GradBias)
			}
		})
	}
}

// checkConvGolden compares to 1e-4 relative, with an absolute floor of 1e-4
// times the largest reference value for entries that cancel to near zero.
func checkConvGolden(t *testing.T, what string, got *tensor.Tensor, want gArray) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: nil", what)
	}
	if !tensor.SameShape(got.Shape(), want.Shape) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
	}
	scale := 0.0
	for _, v := range want.Data {
		scale = max(scale, math.Abs(v))
	}
	for i, v := range got.Data() {
		if d := math.Abs(float64(v) - want.Data[i]); d > 1e-4*math.Abs(want.Data[i])+1e-5*scale {
			t.Fatalf("%s[%d] = %g, want %g", what, i, v, want.Data[i])
		}
	}
}

func TestConvShapeErrors(t *testing.T) {
	x := tensor.Zeros(2, 3, 8, 8)
	mustPanic(t, func() { Conv2dFunc(x, tensor.Zeros(4, 2, 3, 3), nil, Conv2dOptions{}) },
		"Conv2d", "[2 3 8 8]", "[4 2 3 3]", "input channels 3 != weight channels 2")
	mustPanic(t, func() { Conv2dFunc(x, tensor.Zeros(4, 3, 9, 9), nil, Conv2dOptions{}) },
		"Conv2d", "[4 3 9 9]", "smaller than the dilated kernel")
	mustPanic(t, func() { Conv2dFunc(x, tensor.Zeros(4, 3, 3, 3), tensor.Zeros(5), Conv2dOptions{}) },
		"Conv2d", "bias [5]")
	mustPanic(t, func() { Conv2dFunc(x, tensor.Zeros(4, 3, 3, 3), nil, Conv2dOptions{Same: true, Stride: [2]int{2, 2}}) },
		"Conv2d", "same", "stride 1")
	mustPanic(t, func() { Conv2dFunc(x, tensor.Zeros(4, 3, 3, 3), nil, Conv2dOptions{PaddingMode: "mirror"}) },
		"Conv2d", "mirror")
	mustPanic(t, func() { Conv2dFunc(tensor.Zeros(3, 8, 8), tensor.Zeros(4, 3, 3, 3), nil, Conv2dOptions{}) },
		"Conv2d", "[3 8 8]", "4-D")
	mustPanic(t, func() {
		ConvTranspose2dFunc(x, tensor.Zeros(4, 2, 3, 3), nil, ConvTranspose2dOptions{})
	}, "ConvTranspose2d", "[2 3 8 8]", "[4 2 3 3]", "input channels 3")
	mustPanic(t, func() {
		ConvTranspose2dFunc(x, tensor.Zeros(3, 2, 3, 3), nil, ConvTranspose2dOptions{OutputPadding: [2]int{1, 1}})
	}, "ConvTranspose2d", "output padding")
	mustPanic(t, func() { NewConv2d(3, 4, Conv2dOptions{Kernel: [2]int{3, 3}, Groups: 2}, nil) }, "NewConv2d", "groups=2")
}

// TestConvLayers checks the layers' parameter names, shapes, PyTorch's
// default init bounds (1/√fanIn) and output shapes.
func TestConvLayers(t *testing.T) {
	rng := tensor.NewRNG(1)
	c := NewConv2d(4, 6, Conv2dOptions{Kernel: [2]int{3, 5}, Groups: 2, Stride: [2]int{2, 1}, Padding: [2]int{1, 2}}, rng)
	ps := c.NamedParameters()
	if len(ps) != 2 || ps[0].Name != "weight" || ps[1].Name != "bias" ||
		!tensor.SameShape(c.Weight.Shape(), []int{6, 2, 3, 5}) || !tensor.SameShape(c.Bias.Shape(), []int{6}) {
		t.Fatalf("Conv2d parameters %v, weight %v", ps, c.Weight.Shape())
	}
	checkBound(t, "Conv2d", c.Weight, c.Bias, 1/math.Sqrt(2*3*5))
	if y := c.Forward(tensor.Zeros(2, 4, 9, 8)); !tensor.SameShape(y.Shape(), []int{2, 6, 5, 8}) {
		t.Errorf("Conv2d output %v, want [2 6 5 8]", y.Shape())
	}
	want := "Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 1), groups=2, bias=true, padding_mode=zeros)"
	if c.String() != want {
		t.Errorf("String() = %q, want %q", c.String(), want)
	}

	ct := NewConvTranspose2d(4, 3, ConvTranspose2dOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, OutputPadding: [2]int{1, 1}}, rng)
	if !tensor.SameShape(ct.Weight.Shape(), []int{4, 3, 3, 3}) || len(ct.NamedParameters()) != 2 {
		t.Fatalf("ConvTranspose2d weight %v", ct.Weight.Shape())
	}
	checkBound(t, "ConvTranspose2d", ct.Weight, ct.Bias, 1/math.Sqrt(3*3*3))
	if y := ct.Forward(tensor.Zeros(2, 4, 5, 6)); !tensor.SameShape(y.Shape(), []int{2, 3, 10, 12}) {
		t.Errorf("ConvTranspose2d output %v, want [2 3 10 12] (stride 2 doubles)", y.Shape())
	}
	if nb := NewConv2d(1, 1, Conv2dOptions{Kernel: [2]int{1, 1}, NoBias: true}, rng); nb.Bias != nil || len(nb.NamedParameters()) != 1 {
		t.Error("NoBias Conv2d has a bias")
	}
}

// checkBound asserts that weight and bias lie in ±bound and spread over
// most of it, as U(−bound, bound) draws do.
func checkBound(t *testing.T, name string, w, b *tensor.Tensor, bound float64) {
	t.Helper()
	for _, p := range []*tensor.Tensor{w, b} {
		lo, hi := 0.0, 0.0
		for _, v := range p.Data() {
			lo, hi = min(lo, float64(v)), max(hi, float64(v))
		}
		if lo < -bound || hi > bound || hi-lo < bound {
			t.Errorf("%s: values in [%g, %g], want U(±%g)", name, lo, hi, bound)
		}
	}
}

// BenchmarkConv2d times forward + backward of a 3×3, pad 1 convolution
// from [64 32 32 32] to 64 channels (a CIFAR ResNet stage), splitting the
// batch across cores (batch) or parallelising each GEMM (gemm):
//
//	go test -bench Conv2d -run '^$' ./nn
//
// It reports GFLOP/s counting 2·MACs for the forward and twice that for
// the backward (data and weight gradients).
func BenchmarkConv2d(b *testing.B) {
	rng := tensor.NewRNG(1)
	x := randInput(rng, -1, 1, 64, 32, 32, 32)
	c := NewConv2d(32, 64, Conv2dOptions{Kernel: [2]int{3, 3}, Padding: [2]int{1, 1}}, rng)
	flops := 3 * 2 * float64(64*64*32*32*32*9)
	for _, mode := range []struct {
		name  string
		batch bool
	}{{"batch", true}, {"gemm", false}} {
		b.Run(mode.name, func(b *testing.B) {
			defer func(old bool) { convBatchParallel = old }(convBatchParallel)
			convBatchParallel = mode.batch
			for b.Loop() {
				x.ZeroGrad()
				c.Weight.ZeroGrad()
				c.Bias.ZeroGrad()
				c.Forward(x).Sum().Backward()
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
