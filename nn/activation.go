package nn

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// The activations of the course as modules, for Sequential. Each wraps the
// tensor op of the same name (where the gradient is documented and
// checked); none has parameters.

// ReLU is max(0, x), the usual intermediate activation (torch.nn.ReLU).
//
// # Shapes
//
// Any shape; the output has the input's shape.
type ReLU struct{ Base }

// Forward applies ReLU elementwise.
func (*ReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.ReLU() }

// NewReLU makes a ReLU.
func NewReLU() *ReLU { return &ReLU{} }

// LeakyReLU is x for x > 0 and Slope·x otherwise (torch.nn.LeakyReLU).
// Slope is the negative slope; zero means PyTorch's default 0.01 (for a
// slope of 0 use ReLU).
//
// # Shapes
//
// Any shape; the output has the input's shape.
type LeakyReLU struct {
	Base
	Slope float32
}

func (l *LeakyReLU) slope() float32 {
	if l.Slope == 0 {
		return 0.01
	}
	return l.Slope
}

// Forward applies LeakyReLU elementwise.
func (l *LeakyReLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(l.slope()) }

// NewLeakyReLU makes a LeakyReLU with the given negative slope (0 for
// the default 0.01).
func NewLeakyReLU(slope float32) *LeakyReLU { return &LeakyReLU{Slope: slope} }

func (l *LeakyReLU) String() string { return fmt.Sprintf("LeakyReLU(negative_slope=%g)", l.slope()) }

// ELU is x for x > 0 and Alpha·(eˣ − 1) otherwise (torch.nn.ELU). Zero
// Alpha means PyTorch's default 1.
//
// # Shapes
//
// Any shape; the output has the input's shape.
type ELU struct {
	Base
	Alpha float32
}

func (e *ELU) alpha() float32 {
	if e.Alpha == 0 {
		return 1
	}
	return e.Alpha
}

// Forward applies ELU elementwise.
func (e *ELU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.ELU(e.alpha()) }

// NewELU makes an ELU with the given alpha (0 for the default 1).
func NewELU(alpha float32) *ELU { return &ELU{Alpha: alpha} }

func (e *ELU) String() string { return fmt.Sprintf("ELU(alpha=%g)", e.alpha()) }

// Sigmoid is 1/(1 + e⁻ˣ), the final activation of binary classifiers
// (torch.nn.Sigmoid). For training, prefer BCEWithLogits on the raw scores.
//
// # Shapes
//
// Any shape; the output has the input's shape.
type Sigmoid struct{ Base }

// Forward applies the sigmoid elementwise.
func (*Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// NewSigmoid makes a Sigmoid.
func NewSigmoid() *Sigmoid { return &Sigmoid{} }

// Tanh is the hyperbolic tangent (torch.nn.Tanh), the course's final
// activation for generators producing values in [−1, 1].
//
// # Shapes
//
// Any shape; the output has the input's shape.
type Tanh struct{ Base }

// Forward applies tanh elementwise.
func (*Tanh) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// NewTanh makes a Tanh.
func NewTanh() *Tanh { return &Tanh{} }

// SiLU is x·σ(x), the sigmoid-weighted linear unit (torch.nn.SiLU), which
// the course calls Swish.
//
// # Shapes
//
// Any shape; the output has the input's shape.
type SiLU struct{ Base }

// Swish is the course's name for SiLU.
type Swish = SiLU

// Forward applies SiLU elementwise.
func (*SiLU) Forward(x *tensor.Tensor) *tensor.Tensor { return x.SiLU() }

// NewSiLU makes a SiLU (Swish).
func NewSiLU() *SiLU { return &SiLU{} }

// NewSwish is NewSiLU under the course's name.
func NewSwish() *Swish { return &SiLU{} }

// GELU is x·Φ(x), Φ the standard normal CDF (torch.nn.GELU). Approximate is
// "none" (or empty: the exact form, PyTorch's default) or "tanh" (the
// approximation of the original BERT).
//
// # Shapes
//
// Any shape; the output has the input's shape.
type GELU struct {
	Base
	Approximate string
}

// NewGELU makes an exact GELU.
func NewGELU() *GELU { return &GELU{} }

// Forward applies GELU elementwise.
func (g *GELU) Forward(x *tensor.Tensor) *tensor.Tensor {
	switch g.Approximate {
	case "", "none":
		return x.GELU()
	case "tanh":
		return x.GELUTanh()
	}
	panic(fmt.Sprintf("deepgo: GELU: approximate %q is neither \"none\" nor \"tanh\"", g.Approximate))
}

// Softplus is log(1 + e^(Beta·x)) / Beta, a smooth ReLU
// (torch.nn.Softplus). Zero Beta means PyTorch's default 1. It is computed
// stably for large inputs, where it equals x (PyTorch's threshold).
//
// # Shapes
//
// Any shape; the output has the input's shape.
type Softplus struct {
	Base
	Beta float32
}

// NewSoftplus makes a Softplus with beta 1.
func NewSoftplus() *Softplus { return &Softplus{} }

// Forward applies Softplus elementwise.
func (s *Softplus) Forward(x *tensor.Tensor) *tensor.Tensor {
	if s.Beta == 0 || s.Beta == 1 {
		return x.Softplus()
	}
	return x.MulScalar(s.Beta).Softplus().DivScalar(s.Beta)
}

// Softmax normalizes exp(x) along Axis so that it sums to 1
// (torch.nn.Softmax(dim)), the course's final activation for multi-class
// classification. Axis counts from the end when negative; for logits
// [N, C] use 1 or −1. The zero value normalizes axis 0, so set Axis. For
// training, give the raw logits to CrossEntropy instead, which is more
// accurate and faster.
//
// # Shapes
//
// Any shape; the output has the input's shape.
type Softmax struct {
	Base
	Axis int
}

// Forward applies softmax along Axis.
func (s *Softmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(s.Axis) }

// NewSoftmax makes a Softmax over axis.
func NewSoftmax(axis int) *Softmax { return &Softmax{Axis: axis} }

func (s *Softmax) String() string { return fmt.Sprintf("Softmax(dim=%d)", s.Axis) }

// LogSoftmax is log(softmax(x)) along Axis, computed stably
// (torch.nn.LogSoftmax(dim)); its output is what NLLLoss expects. Axis as
// for Softmax.
//
// # Shapes
//
// Any shape; the output has the input's shape.
type LogSoftmax struct {
	Base
	Axis int
}

// Forward applies log-softmax along Axis.
func (s *LogSoftmax) Forward(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(s.Axis) }

// NewLogSoftmax makes a LogSoftmax over axis.
func NewLogSoftmax(axis int) *LogSoftmax { return &LogSoftmax{Axis: axis} }

func (s *LogSoftmax) String() string { return fmt.Sprintf("LogSoftmax(dim=%d)", s.Axis) }
