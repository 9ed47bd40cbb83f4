package nn

import (
	"sync"

	"github.com/deepgo/deepgo/tensor"
)

// A transformer layer's training step allocates about 80 MB per layer at
// batch 64 × 64 tokens, and Go zeroes every allocation and collects it:
// with the default GOGC the collector ran three times per step and cost a
// tenth of it (zeroing, page faults, preemption). The biggest buffers never
// leave the layer: the attention probabilities, the packed q/k/v
// projection, the feed-forward hidden activations. Those are taken from
// this pool and given back at the one point where they are known to be
// dead: at the end of the backward of the last op that reads them, or
// right after the forward when no graph was recorded. A buffer whose
// backward never runs is simply collected.
//
// Buffers come back dirty: only ops that overwrite every element take them.

var floatPools sync.Map // length → *sync.Pool of *[]float32

// getFloats returns a slice of n floats with arbitrary contents.
func getFloats(n int) []float32 {
	if p, ok := floatPools.Load(n); ok {
		if s, ok := p.(*sync.Pool).Get().(*[]float32); ok {
			return *s
		}
	}
	return make([]float32, n)
}

// putFloats gives s back for reuse; the caller must hold no other
// reference to it.
func putFloats(s []float32) {
	if len(s) < 1<<14 {
		return // small buffers are cheap to allocate
	}
	p, _ := floatPools.LoadOrStore(len(s), &sync.Pool{})
	p.(*sync.Pool).Put(&s)
}

// recyclePooled gives back the storage of tensors that the caller owns alone and
// no longer needs.
func recyclePooled(ts ...*tensor.Tensor) {
	for _, t := range ts {
		if t != nil {
			putFloats(t.Data())
		}
	}
}
