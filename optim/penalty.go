package optim

import (
	"math"

	"github.com/deepgo/deepgo/tensor"
)

// L1Penalty returns λ·Σ|w| over every element of params, a differentiable
// scalar to add to the loss (L1 regularisation, which pushes weights to
// exactly zero). Its gradient is λ·sign(w), taken as 0 at w = 0 like the
// gradient of torch.abs. The sum is accumulated in float64.
func L1Penalty(params []*tensor.Tensor, lambda float32) *tensor.Tensor {
	var sum float64
	for _, p := range params {
		for _, v := range p.Data() {
			sum += math.Abs(float64(v))
		}
	}
	out := tensor.Scalar(float32(float64(lambda) * sum))
	return penalty("L1Penalty", out, params, func(dst, w []float32, scale float32) {
		for i, v := range w {
			switch {
			case v > 0:
				dst[i] = scale
			case v < 0:
				dst[i] = -scale
			}
		}
	}, lambda)
}

// L2Penalty returns λ·Σw² over every element of params, a differentiable
// scalar to add to the loss. There is no ½: the gradient is 2λ·w, so
// L2Penalty(params, λ) added to the loss moves SGD exactly like
// SGDConfig.WeightDecay = 2λ (weight decay adds λ_wd·w to the gradient, the
// gradient of (λ_wd/2)·Σw²). With Adam it is also the same as Adam's own
// WeightDecay = 2λ; AdamW's decoupled decay has no loss-term equivalent.
func L2Penalty(params []*tensor.Tensor, lambda float32) *tensor.Tensor {
	var sum float64
	for _, p := range params {
		for _, v := range p.Data() {
			sum += float64(v) * float64(v)
		}
	}
	out := tensor.Scalar(float32(float64(lambda) * sum))
	return penalty("L2Penalty", out, params, func(dst, w []float32, scale float32) {
		two := 2 * scale
		for i, v := range w {
			dst[i] = two * v
		}
	}, lambda)
}

// penalty records a scalar function of every parameter as one autograd op;
// grad fills dst with d(out)/dw scaled by scale = dL/dout·λ.
func penalty(name string, out *tensor.Tensor, params []*tensor.Tensor,
	grad func(dst, w []float32, scale float32), lambda float32) *tensor.Tensor {
	inputs := append([]*tensor.Tensor(nil), params...)
	return tensor.Record(name, out, func(g *tensor.Tensor) []*tensor.Tensor {
		scale := g.Item() * lambda
		grads := make([]*tensor.Tensor, len(inputs))
		for i, p := range inputs {
			if !p.RequiresGrad() {
				continue
			}
			d := tensor.ZerosLike(p)
			grad(d.Data(), p.Data(), scale)
			grads[i] = d
		}
		return grads
	}, inputs...)
}
