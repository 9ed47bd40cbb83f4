package nn

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// BatchNorm1d normalizes each feature over the batch (torch.nn.BatchNorm1d):
// y = (x − mean) / √(var + Eps) · weight + bias.
//
// In training mode mean and var are the statistics of the batch (over N,
// and L for 3-D inputs), var the biased one, and the running statistics are
// updated as running = (1 − Momentum)·running + Momentum·batch, with the
// unbiased variance for running_var, as PyTorch does. In evaluation mode
// the running statistics are used instead, so the output of one sample no
// longer depends on the rest of the batch.
//
// Options (BatchNormEps, BatchNormMomentum, BatchNormAffine): Eps 1e-5,
// Momentum 0.1, Affine true (learned weight and bias).
//
// Parameters: "weight" [C] (ones) and "bias" [C] (zeros) when affine.
// Buffers: "running_mean" [C] (zeros), "running_var" [C] (ones),
// "num_batches_tracked" (a float32 scalar counting training forwards).
// They are the fields Weight, Bias, RunningMean, RunningVar and
// NumBatchesTracked, beside NumFeatures, Eps and Momentum (all shared with
// BatchNorm2d through an embedded struct).
//
// # Shapes
//
//   - input: [N, C] or [N, C, L];
//   - output: the input's shape.
type BatchNorm1d struct{ batchNorm }

// BatchNorm2d is BatchNorm1d for images (torch.nn.BatchNorm2d): each
// channel is normalized over N, H and W. Options, parameters, buffers and
// the training/evaluation behaviour are BatchNorm1d's.
//
// # Shapes
//
//   - input: [N, C, H, W];
//   - output: [N, C, H, W].
type BatchNorm2d struct{ batchNorm }

// BatchNormOption changes a default of NewBatchNorm1d or NewBatchNorm2d.
type BatchNormOption func(*batchNorm)

// BatchNormEps sets the constant added to the variance (default 1e-5).
func BatchNormEps(eps float64) BatchNormOption { return func(b *batchNorm) { b.Eps = eps } }

// BatchNormMomentum sets the weight of the batch in the running statistics
// (default 0.1; PyTorch's momentum=None, a cumulative average, is not
// supported).
func BatchNormMomentum(m float64) BatchNormOption { return func(b *batchNorm) { b.Momentum = m } }

// BatchNormAffine chooses whether the layer learns weight and bias (default
// true).
func BatchNormAffine(on bool) BatchNormOption { return func(b *batchNorm) { b.affine = on } }

// NewBatchNorm1d makes a BatchNorm1d over c features.
func NewBatchNorm1d(c int, opts ...BatchNormOption) *BatchNorm1d {
	return &BatchNorm1d{newBatchNorm("NewBatchNorm1d", c, opts)}
}

// NewBatchNorm2d makes a BatchNorm2d over c channels.
func NewBatchNorm2d(c int, opts ...BatchNormOption) *BatchNorm2d {
	return &BatchNorm2d{newBatchNorm("NewBatchNorm2d", c, opts)}
}

// Forward normalizes x, with batch statistics in training mode.
func (b *BatchNorm1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if r := x.Dim(); r != 2 && r != 3 {
		panic(fmt.Sprintf("deepgo: BatchNorm1d: input %v: want [N C] or [N C L]", x.Shape()))
	}
	return b.forward("BatchNorm1d", x)
}

// Forward normalizes x, with batch statistics in training mode.
func (b *BatchNorm2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if x.Dim() != 4 {
		panic(fmt.Sprintf("deepgo: BatchNorm2d: input %v: want [N C H W]", x.Shape()))
	}
	return b.forward("BatchNorm2d", x)
}

func (b *BatchNorm1d) String() string { return b.describe("BatchNorm1d") }
func (b *BatchNorm2d) String() string { return b.describe("BatchNorm2d") }

// batchNorm is the state and the arithmetic BatchNorm1d and BatchNorm2d
// share; they differ only in the ranks they accept.
type batchNorm struct {
	Base
	NumFeatures   int
	Eps, Momentum float64
	Weight, Bias  *tensor.Tensor // [C], nil without affine
	// RunningMean and RunningVar [C], NumBatchesTracked a scalar: the
	// buffers, updated in place by training forwards.
	RunningMean, RunningVar, NumBatchesTracked *tensor.Tensor
	affine                                     bool
}

func newBatchNorm(op string, c int, opts []BatchNormOption) batchNorm {
	if c <= 0 {
		panic(fmt.Sprintf("deepgo: %s: num_features=%d must be positive", op, c))
	}
	b := batchNorm{NumFeatures: c, Eps: 1e-5, Momentum: 0.1, affine: true}
	for _, o := range opts {
		o(&b)
	}
	if b.affine {
		b.Weight, b.Bias = tensor.Ones(c), tensor.Zeros(c)
		b.RegisterParameter("weight", b.Weight)
		b.RegisterParameter("bias", b.Bias)
	}
	b.RunningMean, b.RunningVar, b.NumBatchesTracked = tensor.Zeros(c), tensor.Ones(c), tensor.Scalar(0)
	b.RegisterBuffer("running_mean", b.RunningMean)
	b.RegisterBuffer("running_var", b.RunningVar)
	b.RegisterBuffer("num_batches_tracked", b.NumBatchesTracked)
	return b
}

func (b *batchNorm) describe(name string) string {
	return fmt.Sprintf("%s(%d, eps=%g, momentum=%g, affine=%t, track_running_stats=True)", name, b.NumFeatures, b.Eps, b.Momentum, b.affine)
}

// forward views x as [N, C, S] (S the product of the trailing axes) and
// normalizes each channel. The backward is the fused batch-norm gradient:
// with x̂ the normalized input, M = N·S values per channel and dx̂ = g·w,
//
//	dx = invstd/M · (M·dx̂ − Σdx̂ − x̂·Σ(dx̂·x̂))   (training: mean, var depend on x)
//	dx = invstd · dx̂                            (evaluation: running statistics)
//	dw = Σ g·x̂,  db = Σ g.
func (b *batchNorm) forward(op string, x *tensor.Tensor) *tensor.Tensor {
	sh := x.Shape()
	n, c := sh[0], sh[1]
	if c != b.NumFeatures {
		panic(fmt.Sprintf("deepgo: %s: input %v: want %d channels on axis 1, got %d", op, sh, b.NumFeatures, c))
	}
	s := x.Numel() / max(n*c, 1)
	m := n * s
	train := b.Training()
	if train && m <= 1 {
		panic(fmt.Sprintf("deepgo: %s: input %v: training needs more than 1 value per channel", op, sh))
	}
	xd := x.Data()
	mean, invstd := make([]float32, c), make([]float32, c)
	// each visits channel ch's rows: the S values of every sample.
	each := func(ch int, fn func(row []float32, off int)) {
		for i := 0; i < n; i++ {
			off := (i*c + ch) * s
			fn(xd[off:off+s], off)
		}
	}
	if train {
		rm, rv := b.RunningMean.Data(), b.RunningVar.Data()
		mom := b.Momentum
		kernels.ParallelFor(c, 1, func(lo, hi int) {
			tmp := make([]float32, s)
			for ch := lo; ch < hi; ch++ {
				var sum, sq float64
				each(ch, func(row []float32, _ int) { sum += float64(kernels.Sum(row)) })
				mu := sum / float64(m)
				each(ch, func(row []float32, _ int) {
					kernels.AddScalar(tmp, row, float32(-mu))
					sq += float64(kernels.Dot(tmp, tmp))
				})
				mean[ch], invstd[ch] = float32(mu), float32(1/math.Sqrt(sq/float64(m)+b.Eps))
				rm[ch] = float32((1-mom)*float64(rm[ch]) + mom*mu)
				rv[ch] = float32((1-mom)*float64(rv[ch]) + mom*sq/float64(m-1))
			}
		})
		b.NumBatchesTracked.Data()[0]++
	} else {
		copy(mean, b.RunningMean.Data())
		for ch, v := range b.RunningVar.Data() {
			invstd[ch] = float32(1 / math.Sqrt(float64(v)+b.Eps))
		}
	}
	weight := func(ch int) (float32, float32) {
		if b.Weight == nil {
			return 1, 0
		}
		return b.Weight.Data()[ch], b.Bias.Data()[ch]
	}
	out := tensor.ZerosLike(x)
	od := out.Data()
	kernels.ParallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			w, bias := weight(ch)
			scale, shift := invstd[ch]*w, bias-mean[ch]*invstd[ch]*w
			each(ch, func(row []float32, off int) {
				kernels.Scale(od[off:off+s], row, scale)
				kernels.AddScalar(od[off:off+s], od[off:off+s], shift)
			})
		}
	})
	inputs := []*tensor.Tensor{x}
	if b.Weight != nil {
		inputs = append(inputs, b.Weight, b.Bias)
	}
	return tensor.Record(op, out, func(g *tensor.Tensor) []*tensor.Tensor {
		gd := g.Data()
		dx := tensor.ZerosLike(x)
		dxd := dx.Data()
		dw, db := make([]float32, c), make([]float32, c)
		kernels.ParallelFor(c, 1, func(lo, hi int) {
			tmp := make([]float32, s)
			for ch := lo; ch < hi; ch++ {
				mu, is := mean[ch], invstd[ch]
				var sg, sgx float64 // Σg and Σg·x̂
				each(ch, func(row []float32, off int) {
					g := gd[off : off+s]
					kernels.AddScalar(tmp, row, -mu)
					sg += float64(kernels.Sum(g))
					sgx += float64(kernels.Dot(g, tmp))
				})
				sgx *= float64(is)
				dw[ch], db[ch] = float32(sgx), float32(sg)
				w, _ := weight(ch)
				k := w * is
				if !train {
					each(ch, func(row []float32, off int) { kernels.Scale(dxd[off:off+s], gd[off:off+s], k) })
					continue
				}
				// dx = k·(g − mean(g) − x̂·mean(g·x̂)), with x̂ = (x − μ)·is
				mg, mgx := float32(sg/float64(m)), float32(sgx/float64(m))
				each(ch, func(row []float32, off int) {
					dst := dxd[off : off+s]
					kernels.AddScalar(tmp, row, -mu)
					kernels.Scale(dst, gd[off:off+s], k)
					kernels.Axpy(-k*is*mgx, tmp, dst)
					kernels.AddScalar(dst, dst, -k*mg)
				})
			}
		})
		if b.Weight == nil {
			return []*tensor.Tensor{dx}
		}
		return []*tensor.Tensor{dx, tensor.New(dw, c), tensor.New(db, c)}
	}, inputs...)
}
