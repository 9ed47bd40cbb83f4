package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/tensor"
)

// The losses below compare input and target element by element; each is
// one fused op. Input and target must have the same shape (PyTorch would
// broadcast them with a warning, which hides a classic bug: [N, 1] against
// [N] makes an [N, N] loss). Both are differentiated, as in PyTorch; the
// optional weights are not. The mean divides by the number of elements.

// LossOptions are the options of MSE and L1.
type LossOptions struct {
	Reduction Reduction // mean (default), sum or none
}

// MSE is the mean squared error (x − y)² (torch.nn.functional.mse_loss).
//
// # Shapes
//
// input and target of one shape; a scalar result, or that shape with
// ReduceNone.
func MSE(input, target *tensor.Tensor, opt LossOptions) *tensor.Tensor {
	return pointwise("MSE", input, target, opt.Reduction, func(_ int, x, y float64) (l, dx float64) {
		d := x - y
		return d * d, 2 * d
	})
}

// L1 is the mean absolute error |x − y| (torch.nn.functional.l1_loss); its
// gradient at x = y is 0.
//
// # Shapes
//
// As MSE.
func L1(input, target *tensor.Tensor, opt LossOptions) *tensor.Tensor {
	return pointwise("L1", input, target, opt.Reduction, func(_ int, x, y float64) (l, dx float64) {
		d := x - y
		return math.Abs(d), sign(d)
	})
}

// HuberOptions are the options of Huber.
type HuberOptions struct {
	Delta     float32 // where the loss turns from quadratic to linear; 0 means PyTorch's default 1
	Reduction Reduction
}

// Huber is the Huber loss (torch.nn.functional.huber_loss), with d = x − y:
//
//	0.5·d²              for |d| < δ
//	δ·(|d| − 0.5·δ)     otherwise
//
// It equals δ·SmoothL1 with β = δ.
//
// # Shapes
//
// As MSE.
func Huber(input, target *tensor.Tensor, opt HuberOptions) *tensor.Tensor {
	delta := float64(opt.Delta)
	if delta == 0 {
		delta = 1
	}
	if !(delta > 0) {
		panic(fmt.Sprintf("deepgo: Huber: delta %v must be positive", opt.Delta))
	}
	return pointwise("Huber", input, target, opt.Reduction, func(_ int, x, y float64) (l, dx float64) {
		d := x - y
		if math.Abs(d) < delta {
			return 0.5 * d * d, d
		}
		return delta * (math.Abs(d) - 0.5*delta), delta * sign(d)
	})
}

// SmoothL1Options are the options of SmoothL1.
type SmoothL1Options struct {
	// Beta is where the loss turns from quadratic to linear; 0 means
	// PyTorch's default 1 (PyTorch's beta 0 is exactly L1: use L1).
	Beta      float32
	Reduction Reduction
}

// SmoothL1 is the smooth L1 loss (torch.nn.functional.smooth_l1_loss), with
// d = x − y:
//
//	0.5·d²/β       for |d| < β
//	|d| − 0.5·β    otherwise
//
// Its linear part has slope 1 whatever β, where Huber's has slope δ.
//
// # Shapes
//
// As MSE.
func SmoothL1(input, target *tensor.Tensor, opt SmoothL1Options) *tensor.Tensor {
	beta := float64(opt.Beta)
	if beta == 0 {
		beta = 1
	}
	if !(beta > 0) {
		panic(fmt.Sprintf("deepgo: SmoothL1: beta %v must be positive", opt.Beta))
	}
	return pointwise("SmoothL1", input, target, opt.Reduction, func(_ int, x, y float64) (l, dx float64) {
		d := x - y
		if math.Abs(d) < beta {
			return 0.5 * d * d / beta, d / beta
		}
		return math.Abs(d) - 0.5*beta, sign(d)
	})
}

// BCEOptions are the options of BCE.
type BCEOptions struct {
	// Weight rescales each element's loss; it broadcasts to the input's
	// shape (for example [C] against [N, C]). nil weighs all 1.
	Weight    *tensor.Tensor
	Reduction Reduction
}

// BCE is the binary cross-entropy of probabilities p in [0, 1] against
// targets y (torch.nn.functional.binary_cross_entropy):
//
//	−w·(y·log p + (1 − y)·log(1 − p))
//
// Like PyTorch, each log is clamped at −100 so that p = 0 or 1 gives a
// finite loss, and the gradient divides by max(p(1 − p), 1e−12). Applying
// Sigmoid then BCE loses precision for large logits: prefer BCEWithLogits.
//
// # Shapes
//
// As MSE; p outside [0, 1] panics.
func BCE(p, target *tensor.Tensor, opt BCEOptions) *tensor.Tensor {
	const op = "BCE"
	w := broadcastWeight(op, "weight", opt.Weight, p)
	for i, v := range p.Data() {
		if !(v >= 0 && v <= 1) {
			panic(fmt.Sprintf("deepgo: %s: input %v at position %d is not a probability in [0, 1] (use BCEWithLogits on logits)", op, v, i))
		}
	}
	return pointwise2(op, p, target, opt.Reduction, func(i int, x, y float64) (l, dx, dy float64) {
		logP := max(math.Log(x), -100)
		log1mP := max(math.Log1p(-x), -100)
		wi := at(w, i)
		return -wi * (y*logP + (1-y)*log1mP),
			wi * (x - y) / max((1-x)*x, 1e-12),
			-wi * (logP - log1mP)
	})
}

// BCEWithLogitsOptions are the options of BCEWithLogits.
type BCEWithLogitsOptions struct {
	// Weight rescales each element's loss; it broadcasts to the input's
	// shape. nil weighs all 1.
	Weight *tensor.Tensor
	// PosWeight multiplies the loss of positive targets, one value per
	// class, broadcast along the last axis (shape [C] for input [N, C]);
	// use #negatives/#positives to balance a rare class. nil means 1.
	PosWeight *tensor.Tensor
	Reduction Reduction
}

// BCEWithLogits is BCE applied to sigmoid(x), computed stably from the
// logits x (torch.nn.functional.binary_cross_entropy_with_logits): with
// pos_weight q and log σ(x) = −softplus(−x),
//
//	w·((1 − y)·x + (1 + (q − 1)·y)·softplus(−x))
//	d/dx = w·((1 + (q − 1)·y)·σ(x) − q·y)
//
// # Shapes
//
// As MSE.
func BCEWithLogits(logits, target *tensor.Tensor, opt BCEWithLogitsOptions) *tensor.Tensor {
	const op = "BCEWithLogits"
	w := broadcastWeight(op, "weight", opt.Weight, logits)
	q := broadcastWeight(op, "pos_weight", opt.PosWeight, logits)
	return pointwise2(op, logits, target, opt.Reduction, func(i int, x, y float64) (l, dx, dy float64) {
		sp := max(-x, 0) + math.Log1p(math.Exp(-math.Abs(x))) // softplus(−x) = −log σ(x)
		wi, qi := at(w, i), at(q, i)
		lw := 1 + (qi-1)*y
		sig := 1 / (1 + math.Exp(-x))
		return wi * ((1-y)*x + lw*sp),
			wi * (lw*sig - qi*y),
			wi * (-x + (qi-1)*sp)
	})
}

// pointwise is pointwise2 for losses of x − y, whose target gradient is
// minus the input gradient.
func pointwise(op string, input, target *tensor.Tensor, r Reduction, f func(i int, x, y float64) (l, dx float64)) *tensor.Tensor {
	return pointwise2(op, input, target, r, func(i int, x, y float64) (l, dx, dy float64) {
		l, dx = f(i, x, y)
		return l, dx, -dx
	})
}

// pointwise2 makes the loss whose i-th element f computes from input[i]
// and target[i], with its derivatives with respect to both. The derivatives
// are kept from the forward pass only when a gradient will be needed.
func pointwise2(op string, input, target *tensor.Tensor, r Reduction, f func(i int, x, y float64) (l, dx, dy float64)) *tensor.Tensor {
	red := r.check(op)
	if !tensor.SameShape(input.Shape(), target.Shape()) {
		panic(fmt.Sprintf("deepgo: %s: input %v and target %v differ in shape", op, input.Shape(), target.Shape()))
	}
	n := input.Numel()
	xd, yd := input.Data(), target.Data()
	grad := tensor.GradEnabled() && (input.RequiresGrad() || target.RequiresGrad())
	var losses []float64
	if red == ReduceNone {
		losses = make([]float64, n)
	}
	var dxs, dys []float32
	if grad {
		dxs, dys = make([]float32, n), make([]float32, n)
	}
	var sum float64
	for i := range n {
		l, dx, dy := f(i, float64(xd[i]), float64(yd[i]))
		sum += l
		if losses != nil {
			losses[i] = l
		}
		if grad {
			dxs[i], dys[i] = float32(dx), float32(dy)
		}
	}
	var out *tensor.Tensor
	switch red {
	case ReduceNone:
		out = tensor.FromFloat64(losses, input.Shape()...)
	case ReduceSum:
		out = tensor.Scalar(float32(sum))
	default:
		out = tensor.Scalar(float32(sum / float64(n)))
	}
	if !grad {
		return out
	}
	return tensor.Record(op, out, func(g *tensor.Tensor) []*tensor.Tensor {
		scale := upstream(g, red, float64(n))
		var gx, gy *tensor.Tensor
		if input.RequiresGrad() {
			gx = tensor.New(scaled(dxs, scale), input.Shape()...)
		}
		if target.RequiresGrad() {
			gy = tensor.New(scaled(dys, scale), target.Shape()...)
		}
		return []*tensor.Tensor{gx, gy}
	}, input, target)
}

// scaled returns d[i]·scale(i), in place: each derivative buffer is used
// by one backward only.
func scaled(d []float32, scale func(int) float64) []float32 {
	for i, v := range d {
		d[i] = float32(float64(v) * scale(i))
	}
	return d
}

// broadcastWeight returns the values of w broadcast to x's shape, or nil
// for a nil w.
func broadcastWeight(op, name string, w, x *tensor.Tensor) []float32 {
	if w == nil {
		return nil
	}
	if tensor.SameShape(w.Shape(), x.Shape()) {
		return w.Data()
	}
	defer func() {
		if r := recover(); r != nil {
			panic(fmt.Sprintf("deepgo: %s: %s %v does not broadcast to input %v", op, name, w.Shape(), x.Shape()))
		}
	}()
	return w.Detach().Expand(x.Shape()...).Data()
}

func at(w []float32, i int) float64 {
	if w == nil {
		return 1
	}
	return float64(w[i])
}

func sign(d float64) float64 {
	switch {
	case d > 0:
		return 1
	case d < 0:
		return -1
	}
	return 0
}
