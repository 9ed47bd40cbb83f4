package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// Reduction says how a loss combines its per-element values.
type Reduction string

// The reductions of PyTorch's losses. The empty Reduction means ReduceMean.
const (
	ReduceMean Reduction = "mean" // the average (for class losses with weights: weighted, see CrossEntropy)
	ReduceSum  Reduction = "sum"  // the sum
	ReduceNone Reduction = "none" // no reduction: one loss per element, in the target's shape
)

func (r Reduction) check(op string) Reduction {
	switch r {
	case "":
		return ReduceMean
	case ReduceMean, ReduceSum, ReduceNone:
		return r
	}
	panic(fmt.Sprintf("deepgo: %s: reduction %q is not mean, sum or none", op, string(r)))
}

// CrossEntropyOptions are the options of CrossEntropy; the zero value is
// PyTorch's default.
type CrossEntropyOptions struct {
	// Weight rescales each class's loss, shape [C]; nil weighs all 1. It is
	// not differentiated.
	Weight *tensor.Tensor
	// IgnoreIndex is the target value whose positions add nothing to the
	// loss nor to the mean's denominator, nor get a gradient; nil means
	// PyTorch's −100. Any class can be ignored: IgnoreIndex: new(0).
	IgnoreIndex *int
	// LabelSmoothing ε in [0, 1] mixes the one-hot target with the uniform
	// distribution: the target becomes (1 − ε)·onehot + ε/C.
	LabelSmoothing float32
	// Reduction is mean (default), sum or none.
	Reduction Reduction
}

// CrossEntropy is the classification loss of logits against class indices
// (torch.nn.functional.cross_entropy): log-softmax over the class axis 1
// followed by the negative log-likelihood of the target class,
//
//	loss_i = −w[y_i]·log softmax(x_i)[y_i]
//
// computed as one fused op whose gradient is softmax(x) − onehot(y) (scaled
// by the weights, with the smoothed target when LabelSmoothing is set).
//
// With weights, the mean divides by the sum of the weights of the targets
// that are not ignored (not by their count), like PyTorch. With label
// smoothing ε the loss is (1 − ε)·nll_i + (ε/C)·Σ_c −w[c]·log softmax(x_i)[c],
// and the mean uses that same denominator. If every target is ignored, the
// mean is NaN, as in PyTorch.
//
// # Shapes
//
//   - logits: [N, C], or [N, C, d1, ..., dk] for per-position classes (for
//     example segmentation masks, [N, C, H, W]), or [C] for one sample;
//   - target: [N] (or [N, d1, ..., dk], or [] for one sample), class indices
//     as integral float32 values in [0, C) or the ignore index. It is not
//     differentiated;
//   - result: a scalar, or with ReduceNone the target's shape.
func CrossEntropy(logits, target *tensor.Tensor, opt CrossEntropyOptions) *tensor.Tensor {
	const op = "CrossEntropy"
	red := opt.Reduction.check(op)
	eps := float64(opt.LabelSmoothing)
	if !(eps >= 0 && eps <= 1) {
		panic(fmt.Sprintf("deepgo: %s: label smoothing %v is outside [0, 1]", op, opt.LabelSmoothing))
	}
	lay := classLayout(op, logits, target, opt.Weight, opt.IgnoreIndex)
	n, c, s := lay.n, lay.c, lay.s
	weight := lay.weight
	var wsum float64 // Σ_c w[c]
	for cc := range c {
		wsum += weight(cc)
	}

	logp := logSoftmaxClasses(logits, lay)
	lp := logp.Data()
	// smooth[pos] = Σ_c −w[c]·logp[c], summed plane by plane (class by class).
	var smooth []float64
	if eps > 0 {
		smooth = make([]float64, n*s)
		for i := range n {
			for cc := range c {
				wc := weight(cc)
				for j, v := range lp[(i*c+cc)*s : (i*c+cc+1)*s] {
					smooth[i*s+j] -= wc * float64(v)
				}
			}
		}
	}
	losses := make([]float64, n*s)
	var denom float64
	for pos, k := range lay.cls {
		if k < 0 {
			continue
		}
		i, j := pos/s, pos%s
		wy := weight(k)
		losses[pos] = (1 - eps) * wy * -float64(lp[(i*c+k)*s+j])
		if eps > 0 {
			losses[pos] += eps / float64(c) * smooth[pos]
		}
		denom += wy
	}
	out := reduceClassLoss(losses, denom, red, lay.lossShape)

	return tensor.Record(op, out, func(g *tensor.Tensor) []*tensor.Tensor {
		// For the upstream gradient k of loss_pos and p = softmax(x),
		//
		//	d loss / d x_c = k·(A·p_c − (ε/C)·w_c) − k·(1−ε)·w_y·[c = y]
		//
		// with A = (1−ε)·w_y + (ε/C)·Σw: softmax − smoothed weighted onehot.
		// The per-position factors ka = k·A, kb = k·ε/C, kt = k·(1−ε)·w_y are
		// computed first, then applied plane by plane; ignored positions
		// keep 0 and get no gradient.
		scale := upstream(g, red, denom)
		ka, kb, kt := make([]float32, n*s), make([]float32, n*s), make([]float32, n*s)
		for pos, k := range lay.cls {
			if k < 0 {
				continue
			}
			kk, wy := scale(pos), weight(k)
			ka[pos] = float32(kk * ((1-eps)*wy + eps/float64(c)*wsum))
			kb[pos] = float32(kk * eps / float64(c))
			kt[pos] = float32(kk * (1 - eps) * wy)
		}
		dx := logp.Exp() // p, overwritten with the gradient
		d := dx.Data()
		for i := range n {
			a, b := ka[i*s:(i+1)*s], kb[i*s:(i+1)*s]
			for cc := range c {
				wc := float32(weight(cc))
				row := d[(i*c+cc)*s : (i*c+cc+1)*s]
				for j, p := range row {
					row[j] = a[j]*p - b[j]*wc
				}
			}
		}
		for pos, k := range lay.cls {
			if k >= 0 {
				d[(pos/s*c+k)*s+pos%s] -= kt[pos]
			}
		}
		return []*tensor.Tensor{dx, nil}
	}, logits, target)
}

// NLLOptions are the options of NLLLoss; the zero value is PyTorch's
// default. The fields mean what they mean for CrossEntropy.
type NLLOptions struct {
	Weight      *tensor.Tensor // class weights [C], not differentiated; nil weighs all 1
	IgnoreIndex *int           // nil means −100
	Reduction   Reduction
}

// NLLLoss is the negative log-likelihood of the target class
// (torch.nn.functional.nll_loss): loss_i = −w[y_i]·logp_i[y_i], for logp the
// output of a LogSoftmax over the class axis. LogSoftmax followed by NLLLoss
// equals CrossEntropy, which is faster. The weighted mean divides by the sum
// of the weights of the non-ignored targets.
//
// # Shapes
//
// As CrossEntropy: logp [N, C] or [N, C, d1, ..., dk] or [C]; target [N] or
// [N, d1, ..., dk] or []; a scalar result, or the target's shape with
// ReduceNone.
func NLLLoss(logp, target *tensor.Tensor, opt NLLOptions) *tensor.Tensor {
	const op = "NLLLoss"
	red := opt.Reduction.check(op)
	lay := classLayout(op, logp, target, opt.Weight, opt.IgnoreIndex)
	n, c, s := lay.n, lay.c, lay.s
	weight := lay.weight
	lp := logp.Data()
	losses := make([]float64, n*s)
	var denom float64
	for i := range n {
		for j := range s {
			pos := i*s + j
			if k := lay.cls[pos]; k >= 0 {
				losses[pos] = -weight(k) * float64(lp[(i*c+k)*s+j])
				denom += weight(k)
			}
		}
	}
	out := reduceClassLoss(losses, denom, red, lay.lossShape)
	return tensor.Record(op, out, func(g *tensor.Tensor) []*tensor.Tensor {
		scale := upstream(g, red, denom)
		dx := tensor.ZerosLike(logp)
		d := dx.Data()
		for i := range n {
			for j := range s {
				pos := i*s + j
				if k := lay.cls[pos]; k >= 0 {
					d[(i*c+k)*s+j] = float32(-weight(k) * scale(pos))
				}
			}
		}
		return []*tensor.Tensor{dx, nil}
	}, logp, target)
}

// layout describes the input of a class loss: n samples of c classes at s
// positions each, the class of every position (−1 where ignored), the
// class weights, and the shape of the unreduced loss.
type layout struct {
	n, c, s   int
	axis      int // the class axis
	cls       []int
	w         []float32
	lossShape []int
}

// weight returns the weight of class k (1 without class weights).
func (l *layout) weight(k int) float64 {
	if l.w == nil {
		return 1
	}
	return float64(l.w[k])
}

func classLayout(op string, x, target, weight *tensor.Tensor, ignore *int) layout {
	xs, ts := x.Shape(), target.Shape()
	var l layout
	switch {
	case len(xs) == 1:
		if len(ts) != 0 {
			panic(fmt.Sprintf("deepgo: %s: input %v (one sample) needs a 0-dimensional target, got %v", op, xs, ts))
		}
		l = layout{n: 1, c: xs[0], s: 1, lossShape: []int{}}
	case len(xs) >= 2:
		l = layout{n: xs[0], c: xs[1], s: 1, axis: 1, lossShape: append([]int{xs[0]}, xs[2:]...)}
		for _, d := range xs[2:] {
			l.s *= d
		}
		if !tensor.SameShape(ts, l.lossShape) {
			panic(fmt.Sprintf("deepgo: %s: input %v needs target %v (the input's shape without the class axis 1), got %v", op, xs, l.lossShape, ts))
		}
	default:
		panic(fmt.Sprintf("deepgo: %s: input %v has no class axis", op, xs))
	}
	if weight != nil {
		if weight.Dim() != 1 || weight.Size(0) != l.c {
			panic(fmt.Sprintf("deepgo: %s: class weights %v do not match %d classes of input %v", op, weight.Shape(), l.c, xs))
		}
		l.w = weight.Data()
	}
	ig := -100
	if ignore != nil {
		ig = *ignore
	}
	l.cls = make([]int, target.Numel())
	for i, v := range target.Data() {
		k := int(v)
		switch {
		case float32(k) != v:
			panic(fmt.Sprintf("deepgo: %s: target %v at position %d is not a class index", op, v, i))
		case k == ig:
			k = -1
		case k < 0 || k >= l.c:
			panic(fmt.Sprintf("deepgo: %s: target %d at position %d is out of range for %d classes (input %v)", op, k, i, l.c, xs))
		}
		l.cls[i] = k
	}
	return l
}

// logSoftmaxClasses returns the log-softmax over the class axis, cut from
// the graph. For per-position classes ([N, C, d1, ...]) it works on whole
// planes of positions at a time: tensor.LogSoftmax on a middle axis goes
// line by line, a kernel call and a logarithm for every C values, which
// made a [8 2 128 128] mask batch several times slower than its size.
func logSoftmaxClasses(x *tensor.Tensor, lay layout) *tensor.Tensor {
	if lay.s == 1 {
		return x.Detach().LogSoftmax(lay.axis)
	}
	n, c, s := lay.n, lay.c, lay.s
	out := tensor.Zeros(x.Shape()...)
	xd, od := x.Data(), out.Data()
	mx, lse := make([]float32, s), make([]float32, s)
	for i := range n {
		xi, oi := xd[i*c*s:(i+1)*c*s], od[i*c*s:(i+1)*c*s]
		copy(mx, xi[:s])
		for cc := 1; cc < c; cc++ {
			for j, v := range xi[cc*s : (cc+1)*s] {
				mx[j] = max(mx[j], v)
			}
		}
		clear(lse)
		for cc := range c {
			o, xr := oi[cc*s:(cc+1)*s], xi[cc*s:(cc+1)*s]
			for j := range o {
				o[j] = xr[j] - mx[j]
			}
			kernels.Exp(o, o)
			for j, v := range o {
				lse[j] += v // Σ exp(x − max), at most c
			}
		}
		for j, v := range lse {
			lse[j] = float32(math.Log(float64(v)))
		}
		// (x − max) − log Σ, in that order, like kernels.LogSoftmaxRows.
		for cc := range c {
			o, xr := oi[cc*s:(cc+1)*s], xi[cc*s:(cc+1)*s]
			for j := range o {
				o[j] = (xr[j] - mx[j]) - lse[j]
			}
		}
	}
	return out
}

// reduceClassLoss turns per-position losses into the result: the sum, the
// sum over denom (the total weight) for the mean, or the losses as they are.
func reduceClassLoss(losses []float64, denom float64, red Reduction, shape []int) *tensor.Tensor {
	if red == ReduceNone {
		if len(shape) == 0 {
			return tensor.Scalar(float32(losses[0])) // FromFloat64 with no shape would be 1-D
		}
		return tensor.FromFloat64(losses, shape...)
	}
	var sum float64
	for _, v := range losses {
		sum += v
	}
	if red == ReduceMean {
		sum /= denom
	}
	return tensor.Scalar(float32(sum))
}

// upstream returns the gradient reaching each element's loss from g, the
// gradient of the reduced result: g itself per element for ReduceNone, g
// for the sum, and g/denom for the mean.
func upstream(g *tensor.Tensor, red Reduction, denom float64) func(pos int) float64 {
	gd := g.Data()
	switch red {
	case ReduceNone:
		return func(pos int) float64 { return float64(gd[pos]) }
	case ReduceSum:
		v := float64(gd[0])
		return func(int) float64 { return v }
	}
	v := float64(gd[0]) / denom
	return func(int) float64 { return v }
}

// Accuracy returns the fraction of positions where the largest logit along
// the class axis 1 (axis 0 for [C]) is the target class, with CrossEntropy's
// shapes; 0 for an empty batch. Ignored targets are not treated specially.
func Accuracy(logits, target *tensor.Tensor) float64 {
	if target.Numel() == 0 {
		return 0
	}
	return float64(Correct(logits, target)) / float64(target.Numel())
}

// Correct counts the positions where the largest logit is the target class,
// for accumulating the accuracy of an epoch batch by batch.
func Correct(logits, target *tensor.Tensor) int {
	axis := 1
	if logits.Dim() == 1 {
		axis = 0
	}
	pred := logits.Detach().Argmax(axis)
	if !tensor.SameShape(pred.Shape(), target.Shape()) {
		panic(fmt.Sprintf("deepgo: Accuracy: logits %v need target %v, got %v", logits.Shape(), pred.Shape(), target.Shape()))
	}
	n := 0
	for i, p := range pred.Data() {
		if p == target.Data()[i] {
			n++
		}
	}
	return n
}
