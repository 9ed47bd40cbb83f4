package data

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// Transform changes one sample's input, like a torchvision transform.
//
// Apply receives a sample x and the sample's own generator rng, and returns
// the transformed sample. A random transform (an augmentation) must draw all
// its randomness from rng: the Loader seeds rng from (Seed, epoch, sample
// index), so every run draws the same numbers. A deterministic transform
// ignores rng, which may then be nil. Apply may return x itself, modified in
// place: the Loader always passes a tensor it owns.
//
// There is no ToTensor: the dataset readers already return float32 tensors
// scaled to [0, 1] (LoadMNIST divides each byte by 255).
type Transform interface {
	Apply(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor
}

// BatchTransform is a Transform that can also process a whole batch
// x [B, ...] at once, with rngs[i] the generator of sample i. ApplyBatch
// must give the same result as Apply on each sample followed by stacking;
// the Loader uses it when present.
type BatchTransform interface {
	Transform
	ApplyBatch(x *tensor.Tensor, rngs []*tensor.RNG) *tensor.Tensor
}

// TransformFunc adapts a function to the Transform interface.
type TransformFunc func(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor

// Apply calls f(x, rng).
func (f TransformFunc) Apply(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor { return f(x, rng) }

// Compose applies transforms in order (torchvision.transforms.Compose). Every
// member receives the same per-sample generator and continues its stream.
type Compose []Transform

// Apply runs each transform on x in turn.
func (c Compose) Apply(x *tensor.Tensor, rng *tensor.RNG) *tensor.Tensor {
	for _, t := range c {
		x = t.Apply(x, rng)
	}
	return x
}

// ApplyBatch runs each transform on the batch in turn: whole-batch for
// members that are BatchTransforms, sample by sample for the others.
func (c Compose) ApplyBatch(x *tensor.Tensor, rngs []*tensor.RNG) *tensor.Tensor {
	for _, t := range c {
		x = applyBatch(t, x, rngs)
	}
	return x
}

// applyBatch applies t to the batch x [B, ...], as a whole when t is a
// BatchTransform, else to each sample (views of x's rows) before stacking.
func applyBatch(t Transform, x *tensor.Tensor, rngs []*tensor.RNG) *tensor.Tensor {
	if bt, ok := t.(BatchTransform); ok {
		return bt.ApplyBatch(x, rngs)
	}
	b := x.Size(0)
	if len(rngs) != b {
		panic(fmt.Sprintf("deepgo: Compose: batch %v with %d generators", x.Shape(), len(rngs)))
	}
	if b == 0 {
		return x
	}
	row, shape, d := x.Numel()/b, x.Shape()[1:], x.Data()
	xs := make([]*tensor.Tensor, b)
	for i := range xs {
		xs[i] = t.Apply(tensor.New(d[i*row:(i+1)*row:(i+1)*row], shape...), rngs[i])
	}
	return stackSamples("Compose", xs)
}

// Normalize standardizes each channel, out[c] = (x[c] - Mean[c]) / Std[c],
// like torchvision.transforms.Normalize. Mean and Std hold one value per
// channel, or a single value used for every channel.
//
// # Shapes
//
// A sample is [C, ...] (channels first, e.g. [1, 28, 28]); a batch is
// [B, C, ...]. The result is a new tensor of the same shape.
//
// For MNIST use Normalize{Mean: []float32{MNISTMean}, Std: []float32{MNISTStd}}.
type Normalize struct {
	Mean, Std []float32
}

// Apply normalizes a sample [C, ...].
func (n Normalize) Apply(x *tensor.Tensor, _ *tensor.RNG) *tensor.Tensor {
	return n.normalize(x, 0)
}

// ApplyBatch normalizes a batch [B, C, ...].
func (n Normalize) ApplyBatch(x *tensor.Tensor, _ []*tensor.RNG) *tensor.Tensor {
	return n.normalize(x, 1)
}

// normalize works on the raw values: it runs on the loader's goroutine and
// must not touch autograd, and one pass is faster than Sub then Div.
func (n Normalize) normalize(x *tensor.Tensor, axis int) *tensor.Tensor {
	if len(n.Mean) == 0 || len(n.Mean) != len(n.Std) {
		panic(fmt.Sprintf("deepgo: Normalize: %d means and %d stds: need the same number, at least one", len(n.Mean), len(n.Std)))
	}
	for _, s := range n.Std {
		if s == 0 {
			panic(fmt.Sprintf("deepgo: Normalize: Std %v contains 0", n.Std))
		}
	}
	if x.Dim() <= axis {
		panic(fmt.Sprintf("deepgo: Normalize: input %v has no channel axis %d", x.Shape(), axis))
	}
	shape := x.Shape()
	c := shape[axis]
	if len(n.Mean) != 1 && len(n.Mean) != c {
		panic(fmt.Sprintf("deepgo: Normalize: input %v has %d channels on axis %d, but Mean and Std have %d values", shape, c, axis, len(n.Mean)))
	}
	outer, inner := prod(shape[:axis]), prod(shape[axis+1:])
	src := x.Data()
	dst := make([]float32, len(src))
	k := 0
	for range outer {
		for ch := range c {
			m, s := n.Mean[0], n.Std[0]
			if len(n.Mean) > 1 {
				m, s = n.Mean[ch], n.Std[ch]
			}
			for i := k; i < k+inner; i++ {
				dst[i] = (src[i] - m) / s
			}
			k += inner
		}
	}
	return tensor.New(dst, shape...)
}
