package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// Conv2dOptions holds the arguments of a 2-D convolution after the channel
// counts, with torch.nn.Conv2d's defaults for zero values:
//
//   - Kernel (kh, kw): the kernel size; required by NewConv2d, ignored by
//     Conv2dFunc, which reads it from the weight.
//   - Stride (sh, sw): step between windows; default (1, 1).
//   - Padding (ph, pw): rows added above and below, columns left and right;
//     default (0, 0).
//   - Same: padding="same", so that the output is as large as the input; it
//     needs stride 1. When the total padding d·(k−1) is odd the extra row or
//     column goes at the bottom or right, as in PyTorch. Padding is ignored.
//   - Dilation (dh, dw): spacing between kernel taps; default (1, 1).
//   - Groups: input and output channels are split into this many groups,
//     each convolved separately; both channel counts must be multiples of it.
//     Default 1.
//   - NoBias: leave out the bias (bias=False).
//   - PaddingMode: what the padding holds: "zeros" (default), "reflect",
//     "replicate" or "circular". The non-zero modes pad the input with
//     tensor.PadMode and then convolve without padding, as PyTorch does.
type Conv2dOptions struct {
	Kernel      [2]int
	Stride      [2]int
	Padding     [2]int
	Same        bool
	Dilation    [2]int
	Groups      int
	NoBias      bool
	PaddingMode string
}

// withDefaults fills zero values with PyTorch's defaults.
func (o Conv2dOptions) withDefaults() Conv2dOptions {
	for _, v := range []*[2]int{&o.Stride, &o.Dilation} {
		if *v == [2]int{} {
			*v = [2]int{1, 1}
		}
	}
	if o.Groups == 0 {
		o.Groups = 1
	}
	if o.PaddingMode == "" {
		o.PaddingMode = "zeros"
	}
	return o
}

// Conv2d is a 2-D convolution over a batch of images (torch.nn.Conv2d):
//
//	out[n, o] = bias[o] + Σ_c weight[o, c] ⋆ input[n, g·In/Groups + c]
//
// where ⋆ is cross-correlation and g the group of output channel o.
//
// Arguments: In and Out channels and Conv2dOptions (kernel, stride,
// padding, dilation, groups, bias, padding mode).
//
// Initialization, as in PyTorch: weight from kaiming_uniform with a = √5,
// which is U(−1/√fanIn, 1/√fanIn), and bias from U(−1/√fanIn, 1/√fanIn),
// with fanIn = In/Groups·kh·kw.
//
// Parameters: "weight" [Out, In/Groups, kh, kw] and "bias" [Out].
//
// # Shapes
//
//   - input: [N, In, H, W];
//   - output: [N, Out, Ho, Wo] with
//     Ho = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1, and Wo likewise
//     (Ho = H and Wo = W with Same).
type Conv2d struct {
	Base
	In, Out int
	Options Conv2dOptions  // with defaults filled in
	Weight  *tensor.Tensor // [Out, In/Groups, kh, kw]
	Bias    *tensor.Tensor // [Out], or nil with NoBias
}

// NewConv2d makes an In→Out convolution initialized from rng (tensor's
// default generator when nil); the same seed gives the same weights.
func NewConv2d(in, out int, opt Conv2dOptions, rng *tensor.RNG) *Conv2d {
	opt = opt.withDefaults()
	if in <= 0 || out <= 0 || opt.Kernel[0] <= 0 || opt.Kernel[1] <= 0 {
		panic(fmt.Sprintf("deepgo: NewConv2d: channels in=%d, out=%d and kernel %v must be positive", in, out, opt.Kernel))
	}
	if in%opt.Groups != 0 || out%opt.Groups != 0 {
		panic(fmt.Sprintf("deepgo: NewConv2d: channels in=%d, out=%d must be multiples of groups=%d", in, out, opt.Groups))
	}
	c := &Conv2d{In: in, Out: out, Options: opt,
		Weight: tensor.Zeros(out, in/opt.Groups, opt.Kernel[0], opt.Kernel[1]).SetRequiresGrad(true)}
	if !opt.NoBias {
		c.Bias = tensor.Zeros(out).SetRequiresGrad(true)
	}
	c.ResetParameters(rng)
	return c
}

// ResetParameters draws new weights and bias with PyTorch's default
// initialization (reset_parameters); the weight is drawn first.
func (c *Conv2d) ResetParameters(rng *tensor.RNG) { resetConv(c.Weight, c.Bias, rng) }

// resetConv is _ConvNd.reset_parameters: kaiming_uniform(a = √5) for the
// weight, U(±1/√fanIn) for the bias, fanIn taken from the weight's shape.
func resetConv(w, b *tensor.Tensor, rng *tensor.RNG) {
	KaimingUniform(w, KaimingOptions{A: math.Sqrt(5)}, rng)
	if b != nil {
		fanIn, _ := Fans(w.Shape())
		bound := 1 / math.Sqrt(float64(fanIn))
		Uniform(b, -bound, bound, rng)
	}
}

// Forward applies the convolution.
func (c *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return Conv2dFunc(x, c.Weight, c.Bias, c.Options)
}

// NamedParameters lists "weight" and, when present, "bias".
func (c *Conv2d) NamedParameters() []Named {
	ps := []Named{{"weight", c.Weight}}
	if c.Bias != nil {
		ps = append(ps, Named{"bias", c.Bias})
	}
	return ps
}

func (c *Conv2d) String() string {
	o := c.Options
	pad := fmt.Sprintf("(%d, %d)", o.Padding[0], o.Padding[1])
	if o.Same {
		pad = "same"
	}
	return fmt.Sprintf("Conv2d(%d, %d, kernel_size=(%d, %d), stride=(%d, %d), padding=%s, dilation=(%d, %d), groups=%d, bias=%t, padding_mode=%s)",
		c.In, c.Out, o.Kernel[0], o.Kernel[1], o.Stride[0], o.Stride[1], pad, o.Dilation[0], o.Dilation[1], o.Groups, c.Bias != nil, o.PaddingMode)
}

// Conv2dFunc is the functional convolution (torch.nn.functional.conv2d,
// plus the padding modes of the layer): x [N, C, H, W], weight
// [Out, C/Groups, kh, kw], bias [Out] or nil; opt.Kernel and opt.NoBias are
// ignored. It is one differentiable op in x, weight and bias.
//
// # Shapes
//
// [N, C, H, W] → [N, Out, Ho, Wo], Ho = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1.
func Conv2dFunc(x, weight, bias *tensor.Tensor, opt Conv2dOptions) *tensor.Tensor {
	opt = opt.withDefaults()
	xs, ws := x.Shape(), weight.Shape()
	fail := func(why string, args ...any) {
		panic(fmt.Sprintf("deepgo: Conv2d: input %v, weight %v: %s", xs, ws, fmt.Sprintf(why, args...)))
	}
	if len(xs) != 4 || len(ws) != 4 {
		fail("want a 4-D input [N C H W] and a 4-D weight [out in/groups kh kw]")
	}
	if opt.Groups < 1 || ws[0]%opt.Groups != 0 {
		fail("out channels %d not a multiple of groups %d", ws[0], opt.Groups)
	}
	if xs[1] != ws[1]*opt.Groups {
		fail("input channels %d != weight channels %d × groups %d", xs[1], ws[1], opt.Groups)
	}
	if bias != nil && (bias.Dim() != 1 || bias.Size(0) != ws[0]) {
		fail("bias %v, want [%d]", bias.Shape(), ws[0])
	}
	if min(opt.Stride[0], opt.Stride[1], opt.Dilation[0], opt.Dilation[1]) < 1 || min(opt.Padding[0], opt.Padding[1]) < 0 {
		fail("stride %v and dilation %v must be positive, padding %v non-negative", opt.Stride, opt.Dilation, opt.Padding)
	}
	kh, kw := ws[2], ws[3]
	// pads is (left, right, top, bottom), tensor.Pad's order.
	pads := [4]int{opt.Padding[1], opt.Padding[1], opt.Padding[0], opt.Padding[0]}
	if opt.Same {
		if opt.Stride != [2]int{1, 1} {
			fail("padding \"same\" needs stride 1, got %v", opt.Stride)
		}
		th, tw := opt.Dilation[0]*(kh-1), opt.Dilation[1]*(kw-1)
		pads = [4]int{tw / 2, tw - tw/2, th / 2, th - th/2}
	}
	switch opt.PaddingMode {
	case "zeros":
	case "reflect", "replicate", "circular":
		if pads != [4]int{} {
			x = x.PadMode(pads[:], opt.PaddingMode)
			xs = x.Shape()
		}
		pads = [4]int{}
	default:
		fail("unknown padding mode %q (want zeros, reflect, replicate or circular)", opt.PaddingMode)
	}
	g := kernels.ConvGeom{C: xs[1], H: xs[2], W: xs[3], KH: kh, KW: kw,
		SH: opt.Stride[0], SW: opt.Stride[1], PH: pads[2], PW: pads[0], DH: opt.Dilation[0], DW: opt.Dilation[1]}
	g.OH = (g.H+pads[2]+pads[3]-g.DH*(kh-1)-1)/g.SH + 1
	g.OW = (g.W+pads[0]+pads[1]-g.DW*(kw-1)-1)/g.SW + 1
	if g.H+pads[2]+pads[3] < g.DH*(kh-1)+1 || g.W+pads[0]+pads[1] < g.DW*(kw-1)+1 {
		fail("padded input %dx%d smaller than the dilated kernel %dx%d",
			g.H+pads[2]+pads[3], g.W+pads[0]+pads[1], g.DH*(kh-1)+1, g.DW*(kw-1)+1)
	}
	p := convPlan{n: xs[0], out: ws[0], groups: opt.Groups, geom: g}
	switch pickConv(p) {
	case convWinograd:
		return conv2dWinograd(x, weight, bias, p)
	case convDirect:
		return conv2dDirect(x, weight, bias, p)
	}
	return conv2d(x, weight, bias, p)
}
