package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// Dropout zeroes each element with probability P during training and scales
// the survivors by 1/(1−P) (inverted dropout, torch.nn.Dropout), so that
// the expected value is unchanged and evaluation needs no rescaling. In
// evaluation mode it returns its input unchanged.
//
// The masks come from the generator given to NewDropout (tensor's default
// generator when nil): a layer built with tensor.NewRNG(seed) drops the same
// elements on every run, and saving the generator's State with a checkpoint
// makes a resumed run draw the same masks.
//
// # Shapes
//
// Any shape; the output has the input's shape.
type Dropout struct {
	Base
	P   float64
	rng *tensor.RNG
}

// NewDropout makes a Dropout with drop probability p in [0, 1] (PyTorch's
// default is 0.5) drawing its masks from rng.
func NewDropout(p float64, rng *tensor.RNG) *Dropout {
	checkDropP("NewDropout", p)
	return &Dropout{P: p, rng: rng}
}

func (d *Dropout) String() string { return fmt.Sprintf("Dropout(p=%g)", d.P) }

// Forward drops elements of x in training mode and returns x in evaluation
// mode.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if !d.Training() || d.P == 0 {
		return x
	}
	return dropout("Dropout", x, d.P, d.rng, x.Shape())
}

// Dropout2d zeroes whole channels (torch.nn.Dropout2d): each [H, W] plane of
// each sample is dropped with probability P during training, the others
// scaled by 1/(1−P). Neighbouring pixels of a feature map are strongly
// correlated, so dropping single pixels regularizes convolutions little. In
// evaluation mode it returns its input unchanged. The masks come from the
// generator given to NewDropout2d, as for Dropout.
//
// # Shapes
//
//   - input: [N, C, H, W], or [N, C, L] where each length-L channel is
//     dropped (what PyTorch 1.13 does for 3-D inputs);
//   - output: the input's shape.
type Dropout2d struct {
	Base
	P   float64
	rng *tensor.RNG
}

// NewDropout2d makes a Dropout2d with drop probability p in [0, 1] drawing
// its masks from rng (tensor's default generator when nil).
func NewDropout2d(p float64, rng *tensor.RNG) *Dropout2d {
	checkDropP("NewDropout2d", p)
	return &Dropout2d{P: p, rng: rng}
}

func (d *Dropout2d) String() string { return fmt.Sprintf("Dropout2d(p=%g)", d.P) }

// Forward drops channels of x in training mode and returns x in evaluation
// mode.
func (d *Dropout2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	sh := x.Shape()
	if len(sh) != 3 && len(sh) != 4 {
		panic(fmt.Sprintf("deepgo: Dropout2d: input %v: want [N C H W] or [N C L]", sh))
	}
	if !d.Training() || d.P == 0 {
		return x
	}
	return dropout("Dropout2d", x, d.P, d.rng, sh[:2])
}

func checkDropP(op string, p float64) {
	if !(p >= 0 && p <= 1) {
		panic(fmt.Sprintf("deepgo: %s: p=%g must be in [0, 1]", op, p))
	}
}

// dropout multiplies x by a mask of shape maskShape (a prefix of x's shape,
// each mask value covering the trailing block), holding 0 or 1/(1−p). The
// gradient is the same multiplication.
func dropout(op string, x *tensor.Tensor, p float64, rng *tensor.RNG, maskShape []int) *tensor.Tensor {
	mask := tensor.Bernoulli(rng, 1-p, maskShape...).Data()
	scale := float32(0) // p = 1 drops everything, as PyTorch does
	if p < 1 {
		scale = float32(1 / (1 - p))
	}
	block := x.Numel() / max(len(mask), 1)
	apply := func(dst, src []float32) {
		for i, m := range mask {
			k := m * scale
			for j := i * block; j < (i+1)*block; j++ {
				dst[j] = src[j] * k
			}
		}
	}
	out := tensor.ZerosLike(x)
	apply(out.Data(), x.Data())
	return tensor.Record(op, out, func(g *tensor.Tensor) []*tensor.Tensor {
		dx := tensor.ZerosLike(x)
		apply(dx.Data(), g.Data())
		return []*tensor.Tensor{dx}
	}, x)
}
