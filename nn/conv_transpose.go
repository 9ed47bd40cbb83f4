package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// ConvTranspose2dOptions holds the arguments of a transposed convolution
// after the channel counts, with torch.nn.ConvTranspose2d's defaults for
// zero values:
//
//   - Kernel (kh, kw): the kernel size; required by NewConvTranspose2d,
//     ignored by ConvTranspose2dFunc, which reads it from the weight.
//   - Stride (sh, sw): default (1, 1); the output is about stride times
//     larger than the input.
//   - Padding (ph, pw): rows and columns removed from each side of the
//     output (the padding of the convolution this one transposes); default 0.
//   - OutputPadding (oph, opw): rows and columns added at the bottom and
//     right, to pick one of the output sizes a strided convolution maps to
//     the same input size; each must be below the stride or the dilation.
//   - Dilation (dh, dw): default (1, 1).
//   - NoBias: leave out the bias (bias=False).
//
// Groups other than 1 are not supported.
type ConvTranspose2dOptions struct {
	Kernel        [2]int
	Stride        [2]int
	Padding       [2]int
	OutputPadding [2]int
	Dilation      [2]int
	NoBias        bool
}

// ConvTranspose2d is the transposed ("fractionally strided") convolution
// (torch.nn.ConvTranspose2d): the gradient of a Conv2d with respect to its
// input, used to upsample. Each input pixel scatters a weighted copy of the
// kernel into the output.
//
// Initialization, as in PyTorch: weight from kaiming_uniform with a = √5 and
// bias from U(±1/√fanIn), where PyTorch's fanIn for this layer is
// Out·kh·kw (the weight's second axis times the kernel).
//
// Parameters: "weight" [In, Out, kh, kw] and "bias" [Out].
//
// # Shapes
//
//   - input: [N, In, H, W];
//   - output: [N, Out, Ho, Wo] with
//     Ho = (H − 1)·sh − 2·ph + dh·(kh − 1) + oph + 1, and Wo likewise.
type ConvTranspose2d struct {
	Base
	In, Out int
	Options ConvTranspose2dOptions // with defaults filled in
	Weight  *tensor.Tensor         // [In, Out, kh, kw]
	Bias    *tensor.Tensor         // [Out], or nil with NoBias
}

func (o ConvTranspose2dOptions) withDefaults() ConvTranspose2dOptions {
	for _, v := range []*[2]int{&o.Stride, &o.Dilation} {
		if *v == [2]int{} {
			*v = [2]int{1, 1}
		}
	}
	return o
}

// NewConvTranspose2d makes an In→Out transposed convolution initialized
// from rng (tensor's default generator when nil).
func NewConvTranspose2d(in, out int, opt ConvTranspose2dOptions, rng *tensor.RNG) *ConvTranspose2d {
	opt = opt.withDefaults()
	if in <= 0 || out <= 0 || opt.Kernel[0] <= 0 || opt.Kernel[1] <= 0 {
		panic(fmt.Sprintf("deepgo: NewConvTranspose2d: channels in=%d, out=%d and kernel %v must be positive", in, out, opt.Kernel))
	}
	c := &ConvTranspose2d{In: in, Out: out, Options: opt,
		Weight: tensor.Zeros(in, out, opt.Kernel[0], opt.Kernel[1]).SetRequiresGrad(true)}
	if !opt.NoBias {
		c.Bias = tensor.Zeros(out).SetRequiresGrad(true)
	}
	c.ResetParameters(rng)
	return c
}

// ResetParameters draws new weights and bias with PyTorch's default
// initialization; the weight is drawn first.
func (c *ConvTranspose2d) ResetParameters(rng *tensor.RNG) { resetConv(c.Weight, c.Bias, rng) }

// Forward applies the transposed convolution.
func (c *ConvTranspose2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	return ConvTranspose2dFunc(x, c.Weight, c.Bias, c.Options)
}

// NamedParameters lists "weight" and, when present, "bias".
func (c *ConvTranspose2d) NamedParameters() []Named {
	ps := []Named{{"weight", c.Weight}}
	if c.Bias != nil {
		ps = append(ps, Named{"bias", c.Bias})
	}
	return ps
}

func (c *ConvTranspose2d) String() string {
	o := c.Options
	return fmt.Sprintf("ConvTranspose2d(%d, %d, kernel_size=(%d, %d), stride=(%d, %d), padding=(%d, %d), output_padding=(%d, %d), dilation=(%d, %d), bias=%t)",
		c.In, c.Out, o.Kernel[0], o.Kernel[1], o.Stride[0], o.Stride[1], o.Padding[0], o.Padding[1],
		o.OutputPadding[0], o.OutputPadding[1], o.Dilation[0], o.Dilation[1], c.Bias != nil)
}

// ConvTranspose2dFunc is the functional transposed convolution
// (torch.nn.functional.conv_transpose2d with groups 1): x [N, In, H, W],
// weight [In, Out, kh, kw], bias [Out] or nil; opt.Kernel and opt.NoBias are
// ignored. It is one differentiable op in x, weight and bias.
//
// # Shapes
//
// [N, In, H, W] → [N, Out, Ho, Wo], Ho = (H − 1)·sh − 2·ph + dh·(kh − 1) + oph + 1.
func ConvTranspose2dFunc(x, weight, bias *tensor.Tensor, opt ConvTranspose2dOptions) *tensor.Tensor {
	opt = opt.withDefaults()
	xs, ws := x.Shape(), weight.Shape()
	fail := func(why string, args ...any) {
		panic(fmt.Sprintf("deepgo: ConvTranspose2d: input %v, weight %v: %s", xs, ws, fmt.Sprintf(why, args...)))
	}
	if len(xs) != 4 || len(ws) != 4 {
		fail("want a 4-D input [N C H W] and a 4-D weight [in out kh kw]")
	}
	if xs[1] != ws[0] {
		fail("input channels %d != weight in-channels %d", xs[1], ws[0])
	}
	if bias != nil && (bias.Dim() != 1 || bias.Size(0) != ws[1]) {
		fail("bias %v, want [%d]", bias.Shape(), ws[1])
	}
	s, p, op, d := opt.Stride, opt.Padding, opt.OutputPadding, opt.Dilation
	for a := range 2 {
		if s[a] < 1 || d[a] < 1 || p[a] < 0 || op[a] < 0 {
			fail("stride %v and dilation %v must be positive, padding %v and output padding %v non-negative", s, d, p, op)
		}
		if op[a] >= max(s[a], d[a]) {
			fail("output padding %v must be smaller than stride %v or dilation %v", op, s, d)
		}
	}
	// g is the forward convolution this op transposes: from the output
	// [Out, Ho, Wo] to the input [In, H, W].
	g := kernels.ConvGeom{C: ws[1], KH: ws[2], KW: ws[3], SH: s[0], SW: s[1], PH: p[0], PW: p[1],
		DH: d[0], DW: d[1], OH: xs[2], OW: xs[3]}
	g.H = (xs[2]-1)*s[0] - 2*p[0] + d[0]*(g.KH-1) + op[0] + 1
	g.W = (xs[3]-1)*s[1] - 2*p[1] + d[1]*(g.KW-1) + op[1] + 1
	if g.H <= 0 || g.W <= 0 {
		fail("output size %dx%d is not positive", g.H, g.W)
	}
	return convTranspose2d(x, weight, bias, convPlan{n: xs[0], out: xs[1], groups: 1, geom: g})
}
