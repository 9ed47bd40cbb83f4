package data

import (
	"fmt"

	"github.com/deepgo/deepgo/tensor"
)

// Dataset is an indexed collection of samples, like torch.utils.data.Dataset.
//
// Get returns sample i (0 <= i < Len()) as an input x and a target y. For
// classification y is the class index as a 0-d float32 tensor; any other
// tensor (a mask, a sequence, a regression target) works too. Get must return
// tensors the caller owns: the Loader stacks them and transforms may modify
// them. Get is called from the Loader's background goroutine, one call at a
// time, so it needs no locking against itself.
type Dataset interface {
	Len() int
	Get(i int) (x, y *tensor.Tensor)
}

// Batcher is an optional fast path: datasets held in memory gather a whole
// batch at once. Batch returns x [B, ...] and y [B, ...] for the samples
// indices (B = len(indices)), in that order, as new tensors the caller owns;
// the result must equal stacking Get(i) for every i.
type Batcher interface {
	Batch(indices []int) (x, y *tensor.Tensor)
}

// TensorDataset serves the rows of two tensors as samples, like
// torch.utils.data.TensorDataset: sample i is (x[i], y[i]).
//
// # Shapes
//
// x is [N, ...] and y is [N, ...] with the same N. Get(i) returns x[i] with
// shape x.Shape()[1:] and y[i] with shape y.Shape()[1:] (0-d when y is [N],
// the usual vector of class indices). Batch returns [B, ...] for both.
//
// The dataset keeps x and y (no copy) and reads them on every call; do not
// write to them while a Loader iterates.
type TensorDataset struct {
	x, y       *tensor.Tensor
	n          int
	xRow, yRow int // elements per sample
}

// NewTensorDataset wraps x [N, ...] and y [N, ...]. It panics if either is
// 0-d or their first dimensions differ.
func NewTensorDataset(x, y *tensor.Tensor) *TensorDataset {
	if x == nil || y == nil {
		panic("deepgo: NewTensorDataset: x and y must not be nil")
	}
	if x.Dim() == 0 || y.Dim() == 0 {
		panic(fmt.Sprintf("deepgo: NewTensorDataset: x %v and y %v: both need a sample axis first", x.Shape(), y.Shape()))
	}
	n := x.Size(0)
	if y.Size(0) != n {
		panic(fmt.Sprintf("deepgo: NewTensorDataset: x %v and y %v: sample counts differ (%d != %d)", x.Shape(), y.Shape(), n, y.Size(0)))
	}
	d := &TensorDataset{x: x, y: y, n: n}
	if n > 0 {
		d.xRow, d.yRow = x.Numel()/n, y.Numel()/n
	} else {
		d.xRow, d.yRow = prod(x.Shape()[1:]), prod(y.Shape()[1:])
	}
	return d
}

// Len returns N.
func (d *TensorDataset) Len() int { return d.n }

// Tensors returns the wrapped x and y.
func (d *TensorDataset) Tensors() (x, y *tensor.Tensor) { return d.x, d.y }

// Get returns copies of x[i] and y[i].
func (d *TensorDataset) Get(i int) (x, y *tensor.Tensor) {
	d.check("Get", i)
	return rowCopy(d.x, d.xRow, i), rowCopy(d.y, d.yRow, i)
}

// Batch gathers the rows indices of x and y into new tensors [B, ...].
func (d *TensorDataset) Batch(indices []int) (x, y *tensor.Tensor) {
	for _, i := range indices {
		d.check("Batch", i)
	}
	return gatherRows(d.x, d.xRow, indices), gatherRows(d.y, d.yRow, indices)
}

func (d *TensorDataset) check(op string, i int) {
	if i < 0 || i >= d.n {
		panic(fmt.Sprintf("deepgo: TensorDataset.%s: index %d out of range [0, %d)", op, i, d.n))
	}
}

func rowCopy(t *tensor.Tensor, row, i int) *tensor.Tensor {
	v := make([]float32, row)
	copy(v, t.Data()[i*row:(i+1)*row])
	return tensor.New(v, t.Shape()[1:]...)
}

func gatherRows(t *tensor.Tensor, row int, indices []int) *tensor.Tensor {
	src := t.Data()
	v := make([]float32, len(indices)*row)
	for j, i := range indices {
		copy(v[j*row:(j+1)*row], src[i*row:(i+1)*row])
	}
	return tensor.New(v, batchShape(len(indices), t.Shape()[1:])...)
}

// stackSamples stacks same-shaped samples along a new first axis into a new
// tensor. It copies from Data directly rather than calling tensor.Stack,
// because it runs on the prefetch goroutine and the batch must not join any
// autograd graph.
func stackSamples(op string, ts []*tensor.Tensor) *tensor.Tensor {
	if len(ts) == 0 {
		panic(fmt.Sprintf("deepgo: %s: no samples to stack", op))
	}
	shape := ts[0].Shape()
	row := ts[0].Numel()
	v := make([]float32, len(ts)*row)
	for j, t := range ts {
		if !tensor.SameShape(t.Shape(), shape) {
			panic(fmt.Sprintf("deepgo: %s: sample %d of the batch has shape %v but sample 0 has %v: a batch needs one shape", op, j, t.Shape(), shape))
		}
		copy(v[j*row:], t.Data())
	}
	return tensor.New(v, batchShape(len(ts), shape)...)
}

func batchShape(b int, sample []int) []int {
	s := make([]int, 1+len(sample))
	s[0] = b
	copy(s[1:], sample)
	return s
}

func prod(s []int) int {
	p := 1
	for _, v := range s {
		p *= v
	}
	return p
}

// Subset is the part of a dataset named by Indices, in that order
// (torch.utils.data.Subset): sample i is Dataset's sample Indices[i].
type Subset struct {
	Dataset Dataset
	Indices []int
}

// NewSubset returns the samples indices of ds. It panics if an index is out
// of range.
func NewSubset(ds Dataset, indices []int) *Subset {
	n := ds.Len()
	for _, i := range indices {
		if i < 0 || i >= n {
			panic(fmt.Sprintf("deepgo: NewSubset: index %d out of range [0, %d)", i, n))
		}
	}
	return &Subset{Dataset: ds, Indices: indices}
}

// Len returns len(Indices).
func (s *Subset) Len() int { return len(s.Indices) }

// Get returns the parent's sample Indices[i].
func (s *Subset) Get(i int) (x, y *tensor.Tensor) {
	if i < 0 || i >= len(s.Indices) {
		panic(fmt.Sprintf("deepgo: Subset.Get: index %d out of range [0, %d)", i, len(s.Indices)))
	}
	return s.Dataset.Get(s.Indices[i])
}

// Batch gathers samples through the parent's Batch when it has one, else by
// stacking Get.
func (s *Subset) Batch(indices []int) (x, y *tensor.Tensor) {
	parent := make([]int, len(indices))
	for j, i := range indices {
		if i < 0 || i >= len(s.Indices) {
			panic(fmt.Sprintf("deepgo: Subset.Batch: index %d out of range [0, %d)", i, len(s.Indices)))
		}
		parent[j] = s.Indices[i]
	}
	if b, ok := s.Dataset.(Batcher); ok {
		return b.Batch(parent)
	}
	return getBatch(s.Dataset, parent, nil, nil)
}

// RandomSplit splits ds into non-overlapping subsets of the given sizes
// (torch.utils.data.random_split), which must add up to ds.Len(). The split
// depends only on seed: the same seed gives the same subsets on every run and
// every machine.
func RandomSplit(ds Dataset, sizes []int, seed uint64) []*Subset {
	n, total := ds.Len(), 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("deepgo: RandomSplit: negative size in %v", sizes))
		}
		total += s
	}
	if total != n {
		panic(fmt.Sprintf("deepgo: RandomSplit: sizes %v add up to %d, but the dataset has %d samples", sizes, total, n))
	}
	perm := tensor.NewRNG(mix(seed, streamSplit)).Perm(n)
	out := make([]*Subset, len(sizes))
	start := 0
	for k, s := range sizes {
		out[k] = &Subset{Dataset: ds, Indices: perm[start : start+s : start+s]}
		start += s
	}
	return out
}

// Streams keep the generators derived from one user seed independent.
const (
	streamSplit uint64 = iota + 1
	streamShuffle
	streamSample
)

// mix derives a 64-bit seed from a seed and further values with SplitMix64's
// finalizer, so that nearby inputs (epoch 3 and 4) give unrelated generators.
func mix(seed uint64, vals ...uint64) uint64 {
	h := splitmix(seed)
	for _, v := range vals {
		h = splitmix(h ^ v)
	}
	return h
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
