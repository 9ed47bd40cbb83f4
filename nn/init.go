package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// The initializers below fill a tensor in place and return it, with the
// semantics of torch.nn.init: the same fans, gains, bounds and standard
// deviations. The random values come from rng (tensor's default generator
// when rng is nil), so they are reproducible from a seed but differ from
// PyTorch's own draws. They write the storage directly, outside autograd.

// Fans returns the fan-in and fan-out of a weight of the given shape, as
// torch.nn.init computes them: for [out, in] they are in and out; for a
// convolution weight [out, in, k1, k2, ...] both are multiplied by the
// receptive field k1·k2·…. It panics for fewer than two dimensions.
func Fans(shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panic(fmt.Sprintf("deepgo: Fans: fan-in and fan-out need at least 2 dimensions, got shape %v", shape))
	}
	receptive := 1
	for _, d := range shape[2:] {
		receptive *= d
	}
	return shape[1] * receptive, shape[0] * receptive
}

// Gain returns the recommended scale for weights followed by the given
// nonlinearity (torch.nn.init.calculate_gain): 1 for "linear", "sigmoid"
// and the convolutions ("conv2d", "conv_transpose2d", ...), 5/3 for "tanh",
// √2 for "relu", √(2/(1+slope²)) for "leaky_relu" (param is the slope,
// default 0.01), 3/4 for "selu". It panics on other names.
func Gain(nonlinearity string, param ...float64) float64 {
	switch nonlinearity {
	case "linear", "sigmoid", "conv1d", "conv2d", "conv3d",
		"conv_transpose1d", "conv_transpose2d", "conv_transpose3d":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt2
	case "leaky_relu":
		slope := 0.01
		if len(param) > 0 {
			slope = param[0]
		}
		return math.Sqrt(2 / (1 + slope*slope))
	case "selu":
		return 0.75
	}
	panic(fmt.Sprintf("deepgo: Gain: unsupported nonlinearity %q (want linear, sigmoid, tanh, relu, leaky_relu, selu or a conv name)", nonlinearity))
}

// Uniform fills t with values uniform in [lo, hi) (nn.init.uniform_).
func Uniform(t *tensor.Tensor, lo, hi float64, rng *tensor.RNG) *tensor.Tensor {
	copy(t.Data(), tensor.Uniform(rng, float32(lo), float32(hi), t.Shape()...).Data())
	return t
}

// Normal fills t with values drawn from N(mean, std²) (nn.init.normal_).
func Normal(t *tensor.Tensor, mean, std float64, rng *tensor.RNG) *tensor.Tensor {
	copy(t.Data(), tensor.Normal(rng, float32(mean), float32(std), t.Shape()...).Data())
	return t
}

// Constant fills t with v (nn.init.constant_).
func Constant(t *tensor.Tensor, v float64) *tensor.Tensor {
	d := t.Data()
	for i := range d {
		d[i] = float32(v)
	}
	return t
}

// Zeros fills t with 0 (nn.init.zeros_).
func Zeros(t *tensor.Tensor) *tensor.Tensor { return Constant(t, 0) }

// Ones fills t with 1 (nn.init.ones_).
func Ones(t *tensor.Tensor) *tensor.Tensor { return Constant(t, 1) }

// XavierUniform fills t with Glorot's uniform initialization
// (nn.init.xavier_uniform_): U(−a, a) with
//
//	a = gain·√(6 / (fan_in + fan_out))
//
// which gives the variance 2/(fan_in + fan_out) of the course's Glorot
// initialization, times gain² (PyTorch's default gain is 1; see Gain).
func XavierUniform(t *tensor.Tensor, gain float64, rng *tensor.RNG) *tensor.Tensor {
	a := math.Sqrt(3) * xavierStd(t.Shape(), gain)
	return Uniform(t, -a, a, rng)
}

// XavierNormal fills t with N(0, std²), std = gain·√(2 / (fan_in + fan_out))
// (nn.init.xavier_normal_).
func XavierNormal(t *tensor.Tensor, gain float64, rng *tensor.RNG) *tensor.Tensor {
	return Normal(t, 0, xavierStd(t.Shape(), gain), rng)
}

func xavierStd(shape []int, gain float64) float64 {
	fanIn, fanOut := Fans(shape)
	return gain * math.Sqrt(2/float64(fanIn+fanOut))
}

// KaimingOptions are the arguments of the He (Kaiming) initializers; the
// zero value is PyTorch's default (a = 0, mode "fan_in", "leaky_relu"),
// which is He's initialization for ReLU networks, gain √2.
type KaimingOptions struct {
	// A is the negative slope of the leaky ReLU that follows the layer,
	// used when Nonlinearity is "leaky_relu". PyTorch's Linear and Conv
	// layers use √5 for their default initialization.
	A float64
	// Mode is "fan_in" (default: preserves the variance of activations in
	// the forward pass) or "fan_out" (of gradients in the backward pass).
	Mode string
	// Nonlinearity names the activation for Gain (default "leaky_relu";
	// "relu" gives the same gain as the default A of 0).
	Nonlinearity string
}

// KaimingUniform fills t with He's uniform initialization
// (nn.init.kaiming_uniform_): U(−b, b) with b = √3·gain/√fan, fan being
// fan_in or fan_out according to opt.Mode.
func KaimingUniform(t *tensor.Tensor, opt KaimingOptions, rng *tensor.RNG) *tensor.Tensor {
	if t.Numel() == 0 {
		return t // PyTorch: a no-op on zero-element tensors
	}
	b := math.Sqrt(3) * kaimingStd(t.Shape(), opt)
	return Uniform(t, -b, b, rng)
}

// KaimingNormal fills t with N(0, std²), std = gain/√fan
// (nn.init.kaiming_normal_); with the defaults that is the variance 2/n_in
// of the course's He initialization.
func KaimingNormal(t *tensor.Tensor, opt KaimingOptions, rng *tensor.RNG) *tensor.Tensor {
	if t.Numel() == 0 {
		return t
	}
	return Normal(t, 0, kaimingStd(t.Shape(), opt), rng)
}

func kaimingStd(shape []int, opt KaimingOptions) float64 {
	fanIn, fanOut := Fans(shape)
	fan := fanIn
	switch opt.Mode {
	case "", "fan_in":
	case "fan_out":
		fan = fanOut
	default:
		panic(fmt.Sprintf("deepgo: Kaiming: mode %q is neither fan_in nor fan_out", opt.Mode))
	}
	nl := opt.Nonlinearity
	if nl == "" {
		nl = "leaky_relu"
	}
	return Gain(nl, opt.A) / math.Sqrt(float64(fan))
}

// InitSchemes lists the schemes InitWeights knows.
var InitSchemes = []string{"default", "xavier", "kaiming"}

// InitWeights re-initializes every weight matrix and kernel of m (the
// parameters named "weight" or "….weight" with two or more dimensions) with
// one of the course's schemes, and sets their biases to zero:
//
//   - "default": leave PyTorch's default initialization alone;
//   - "xavier": Glorot, XavierUniform with gain 1, variance 2/(fan_in+fan_out);
//   - "kaiming": He, KaimingNormal for ReLU, variance 2/fan_in.
//
// One-dimensional weights (batch-norm and layer-norm scales) keep their
// values. Parameters are visited in NamedParameters order, so a seed gives
// the same weights every time. An unknown scheme is an error that lists the
// known ones.
func InitWeights(m Module, scheme string, rng *tensor.RNG) error {
	var fill func(t *tensor.Tensor)
	switch scheme {
	case "default", "":
		return nil
	case "xavier":
		fill = func(t *tensor.Tensor) { XavierUniform(t, 1, rng) }
	case "kaiming":
		fill = func(t *tensor.Tensor) { KaimingNormal(t, KaimingOptions{Nonlinearity: "relu"}, rng) }
	default:
		return fmt.Errorf("init scheme %q: want one of %s", scheme, strings.Join(InitSchemes, ", "))
	}
	weights := map[string]bool{}
	for _, p := range m.NamedParameters() {
		if isWeight(p.Name) && p.Tensor.Dim() >= 2 {
			fill(p.Tensor)
			weights[strings.TrimSuffix(p.Name, "weight")] = true
		}
	}
	for _, p := range m.NamedParameters() {
		if prefix, ok := strings.CutSuffix(p.Name, "bias"); ok && weights[prefix] {
			Zeros(p.Tensor)
		}
	}
	return nil
}

func isWeight(name string) bool { return name == "weight" || strings.HasSuffix(name, ".weight") }
