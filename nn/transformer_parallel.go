package nn

import (
	"sync/atomic"

	"github.com/deepgo/deepgo/internal/kernels"
)

// dynamicFor calls fn(w, i) for every i in [0, n), pulling the indices from
// a shared counter: the calling goroutine and up to Threads()−1 helpers
// take the next index as soon as they are free, so that a core that the
// operating system lends elsewhere for a while delays only the item it
// holds. The call returns when all n items are done, without waiting for a
// helper that starts after the work is gone (waking a thread for a new
// goroutine can take a millisecond on a busy machine). w (in [0, workers))
// identifies the goroutine, for per-worker scratch and partial sums.
//
// kernels.ParallelFor splits work statically into one part per core, which
// is right for an idle machine; the transformer's many short parallel
// sections per step are where a busy one hurt.
func dynamicFor(n int, fn func(w, i int)) (workers int) {
	workers = min(kernels.Threads(), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(0, i)
		}
		return max(workers, 1)
	}
	var next, done atomic.Int64
	finished := make(chan struct{})
	work := func(w int) {
		for {
			i := next.Add(1) - 1
			if i >= int64(n) {
				return
			}
			fn(w, int(i))
			if done.Add(1) == int64(n) {
				close(finished)
			}
		}
	}
	for w := 1; w < workers; w++ {
		go work(w)
	}
	work(0)
	<-finished
	return workers
}

// forChunks splits [0, n) into chunks of size chunk and runs fn on each with
// dynamicFor; it returns the number of workers (for per-worker scratch
// allocated beforehand, size with kernels.Threads()).
func forChunks(n, chunk int, fn func(w, lo, hi int)) {
	chunk = max(chunk, 1)
	dynamicFor((n+chunk-1)/chunk, func(w, c int) { fn(w, c*chunk, min((c+1)*chunk, n)) })
}
