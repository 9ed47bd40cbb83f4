package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/tensor"
)

// Linear is a fully connected layer, y = x·Wᵀ + b (torch.nn.Linear).
//
// Arguments: In and Out are the sizes of the input and output features.
// NewLinear adds the bias unless given WithBias(false).
//
// Initialization, as in PyTorch: Weight from kaiming_uniform with a = √5,
// which is U(−1/√In, 1/√In), and Bias from U(−1/√In, 1/√In).
//
// Parameters: "weight" [Out, In] and "bias" [Out].
//
// # Shapes
//
//   - input: [..., In], any number of leading dimensions (usually [N, In]);
//   - output: [..., Out].
type Linear struct {
	Base
	In, Out int
	Weight  *tensor.Tensor // [Out, In]
	Bias    *tensor.Tensor // [Out], or nil without bias
}

// LinearOption changes a default of NewLinear.
type LinearOption func(*linearConfig)

type linearConfig struct{ bias bool }

// WithBias chooses whether a Linear layer has a bias (default true), like
// PyTorch's bias=False.
func WithBias(on bool) LinearOption { return func(c *linearConfig) { c.bias = on } }

// NewLinear makes an In→Out layer initialized from rng (tensor's default
// generator when nil); the same seed gives the same weights.
func NewLinear(in, out int, rng *tensor.RNG, opts ...LinearOption) *Linear {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf("deepgo: NewLinear: sizes in=%d, out=%d must be positive", in, out))
	}
	cfg := linearConfig{bias: true}
	for _, o := range opts {
		o(&cfg)
	}
	l := &Linear{In: in, Out: out, Weight: tensor.Zeros(out, in).SetRequiresGrad(true)}
	if cfg.bias {
		l.Bias = tensor.Zeros(out).SetRequiresGrad(true)
	}
	l.ResetParameters(rng)
	return l
}

// ResetParameters draws new weights and bias with PyTorch's default
// initialization (reset_parameters); the weight is drawn first.
func (l *Linear) ResetParameters(rng *tensor.RNG) {
	wb, bb := l.initBounds()
	Uniform(l.Weight, -wb, wb, rng)
	if l.Bias != nil {
		Uniform(l.Bias, -bb, bb, rng)
	}
}

// initBounds returns the bounds of PyTorch's uniform initialization:
// kaiming_uniform(a = √5) for the weight, which is 1/√In, and 1/√In for the
// bias.
func (l *Linear) initBounds() (weight, bias float64) {
	fanIn, _ := Fans(l.Weight.Shape())
	return math.Sqrt(3) * kaimingStd(l.Weight.Shape(), KaimingOptions{A: math.Sqrt(5)}), 1 / math.Sqrt(float64(fanIn))
}

// Forward applies the layer with the fused tensor.Linear op.
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor { return tensor.Linear(x, l.Weight, l.Bias) }

// NamedParameters lists "weight" and, when present, "bias".
func (l *Linear) NamedParameters() []Named {
	ps := []Named{{"weight", l.Weight}}
	if l.Bias != nil {
		ps = append(ps, Named{"bias", l.Bias})
	}
	return ps
}

func (l *Linear) String() string {
	return fmt.Sprintf("Linear(in_features=%d, out_features=%d, bias=%t)", l.In, l.Out, l.Bias != nil)
}

// Identity returns its input unchanged (torch.nn.Identity), a placeholder
// where a layer is optional.
//
// # Shapes
//
// Any shape; the output is the input itself.
type Identity struct{ Base }

// NewIdentity makes an Identity.
func NewIdentity() *Identity { return &Identity{} }

// Forward returns x.
func (*Identity) Forward(x *tensor.Tensor) *tensor.Tensor { return x }
