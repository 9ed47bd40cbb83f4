package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
)

var threads atomic.Int32

func init() { threads.Store(int32(runtime.GOMAXPROCS(0))) }

// Threads reports how many goroutines the kernels use for one call.
func Threads() int { return int(threads.Load()) }

// SetThreads sets how many goroutines the kernels use for one call
// (at least 1) and returns the previous value.
func SetThreads(n int) int {
	if n < 1 {
		n = 1
	}
	return int(threads.Swap(int32(n)))
}

// ParallelFor splits [0, n) into at most Threads() contiguous chunks of at
// least grain items and calls fn on each chunk, the last one on the calling
// goroutine. It returns when every chunk is done. With one chunk it is a
// plain call, so it is cheap for small n.
func ParallelFor(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	chunks := Threads()
	if maxChunks := n / grain; maxChunks < chunks {
		chunks = maxChunks
	}
	if chunks <= 1 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	wg.Add(chunks - 1)
	for c := 0; c < chunks-1; c++ {
		lo, hi := c*n/chunks, (c+1)*n/chunks
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn((chunks-1)*n/chunks, n)
	wg.Wait()
}
