package data

import (
	"fmt"
	"iter"

	"github.com/deepgo/deepgo/tensor"
)

// LoaderConfig configures a Loader. The zero value gives batches of one
// sample in dataset order, prepared two batches ahead.
type LoaderConfig struct {
	// BatchSize is the number of samples per batch (default 1).
	BatchSize int
	// Shuffle visits the samples in a new random order every epoch.
	Shuffle bool
	// Seed seeds the shuffle and the per-sample generators of Transform.
	// The order of epoch e depends only on (Seed, e).
	Seed uint64
	// DropLast drops the last batch when it has fewer than BatchSize samples.
	DropLast bool
	// Prefetch is the number of batches prepared ahead of the consumer on a
	// background goroutine (default 2). A negative value turns the goroutine
	// off: each batch is then built on the caller's goroutine when it is
	// needed.
	Prefetch int
	// Transform, when set, is applied to every sample's x (not y). A
	// BatchTransform (Normalize, Compose) is applied to the whole batch at
	// once; any other Transform to each sample before stacking.
	Transform Transform
}

// Loader iterates over a Dataset in batches, like torch.utils.data.DataLoader.
//
//	loader := data.NewLoader(ds, data.LoaderConfig{BatchSize: 64, Shuffle: true, Seed: 1})
//	for epoch := range epochs {
//		for x, y := range loader.Epoch(epoch) {
//			// x [64, ...], y [64, ...]
//		}
//	}
//
// Every batch is a pair of new tensors that the consumer may keep. Batches
// are deterministic: they depend only on the dataset, the configuration and
// the epoch number, never on timing or on Prefetch, so a run resumed at epoch
// k sees exactly the batches an uninterrupted run would have seen.
//
// A Loader holds no state between epochs and may run several epochs at once,
// provided that the Dataset's Get and Batch are safe for concurrent use
// (TensorDataset's are).
type Loader struct {
	ds Dataset
	c  LoaderConfig
}

// NewLoader returns a loader over ds. It panics if BatchSize is negative.
func NewLoader(ds Dataset, c LoaderConfig) *Loader {
	if ds == nil {
		panic("deepgo: NewLoader: nil dataset")
	}
	if c.BatchSize < 0 {
		panic(fmt.Sprintf("deepgo: NewLoader: BatchSize %d is negative", c.BatchSize))
	}
	if c.BatchSize == 0 {
		c.BatchSize = 1
	}
	if c.Prefetch == 0 {
		c.Prefetch = 2
	}
	return &Loader{ds: ds, c: c}
}

// Config returns the configuration with defaults filled in.
func (l *Loader) Config() LoaderConfig { return l.c }

// Dataset returns the dataset the loader reads.
func (l *Loader) Dataset() Dataset { return l.ds }

// Len returns the number of batches per epoch.
func (l *Loader) Len() int {
	n, b := l.ds.Len(), l.c.BatchSize
	if l.c.DropLast {
		return n / b
	}
	return (n + b - 1) / b
}

// Order returns the order in which epoch visits the samples: a permutation
// drawn from (Seed, epoch) when Shuffle is set, else 0, 1, 2, ...
func (l *Loader) Order(epoch int) []int {
	n := l.ds.Len()
	if l.c.Shuffle {
		return tensor.NewRNG(mix(l.c.Seed, streamShuffle, uint64(epoch))).Perm(n)
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	return order
}

// Epoch returns the batches of one epoch, x [B, ...] and y [B, ...], for use
// in a range loop. Unless Prefetch is negative, a goroutine prepares the next
// batches while the loop body runs; leaving the loop early (break, return,
// panic) stops it before Epoch's iteration returns, so nothing leaks. A panic
// while building a batch (a bad index, a transform's shape check) is raised
// again in the consumer's goroutine.
func (l *Loader) Epoch(epoch int) iter.Seq2[*tensor.Tensor, *tensor.Tensor] {
	return func(yield func(x, y *tensor.Tensor) bool) {
		order := l.Order(epoch)
		nb := l.Len()
		if l.c.Prefetch < 0 {
			for b := range nb {
				if !yield(l.batch(epoch, order, b)) {
					return
				}
			}
			return
		}

		type item struct {
			x, y     *tensor.Tensor
			panicked bool
			value    any
		}
		// The channel holds Prefetch-1 batches, and the producer holds one
		// more, built and waiting to be sent: Prefetch batches ahead.
		ch := make(chan item, l.c.Prefetch-1)
		done := make(chan struct{})     // closed when the consumer stops
		finished := make(chan struct{}) // closed when the producer returns
		go func() {
			defer close(finished)
			defer close(ch)
			for b := range nb {
				var it item
				func() {
					defer func() {
						if r := recover(); r != nil {
							it = item{panicked: true, value: r}
						}
					}()
					it.x, it.y = l.batch(epoch, order, b)
				}()
				select {
				case ch <- it:
				case <-done:
					return
				}
				if it.panicked {
					return
				}
			}
		}()
		defer func() {
			close(done)
			<-finished
		}()
		for it := range ch {
			if it.panicked {
				panic(it.value)
			}
			if !yield(it.x, it.y) {
				return
			}
		}
	}
}

// batch builds batch b of an epoch whose sample order is order.
func (l *Loader) batch(epoch int, order []int, b int) (x, y *tensor.Tensor) {
	lo := b * l.c.BatchSize
	idx := order[lo:min(lo+l.c.BatchSize, len(order))]
	t := l.c.Transform
	if t == nil {
		if bd, ok := l.ds.(Batcher); ok {
			return bd.Batch(idx)
		}
		return getBatch(l.ds, idx, nil, nil)
	}
	rngs := sampleRNGs(l.c.Seed, epoch, idx)
	bt, ok := t.(BatchTransform)
	if !ok {
		return getBatch(l.ds, idx, t, rngs)
	}
	if bd, ok := l.ds.(Batcher); ok {
		x, y = bd.Batch(idx)
	} else {
		x, y = getBatch(l.ds, idx, nil, nil)
	}
	return bt.ApplyBatch(x, rngs), y
}

// getBatch stacks ds.Get(i) for i in idx, transforming each x with t (if not
// nil) and generator rngs[j].
func getBatch(ds Dataset, idx []int, t Transform, rngs []*tensor.RNG) (x, y *tensor.Tensor) {
	xs := make([]*tensor.Tensor, len(idx))
	ys := make([]*tensor.Tensor, len(idx))
	for j, i := range idx {
		xs[j], ys[j] = ds.Get(i)
		if t != nil {
			xs[j] = t.Apply(xs[j], rngs[j])
		}
	}
	return stackSamples("Loader", xs), stackSamples("Loader", ys)
}

// sampleRNGs gives each sample of a batch its own generator, seeded from
// (seed, epoch, sample index): a random transform draws the same numbers for
// a sample whatever the batch size, the shuffle or the prefetching.
func sampleRNGs(seed uint64, epoch int, idx []int) []*tensor.RNG {
	rngs := make([]*tensor.RNG, len(idx))
	for j, i := range idx {
		rngs[j] = tensor.NewRNG(mix(seed, streamSample, uint64(epoch), uint64(i)))
	}
	return rngs
}
