package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Helper goroutines and recycled memory for the parallel GEMM.
//
// Starting a goroutine is cheap, but getting it onto a CPU is not: the
// runtime has to wake a sleeping OS thread for the idle P, and on the
// target VM that takes ~100 µs (often ms) — as long as a whole 256³
// product. So helpers are long-lived: after a job they spin on the queue
// for gemmIdleSpin before parking, which keeps back-to-back GEMMs (a
// training step) at sub-µs hand-off. Jobs are scheduled dynamically (see
// gemm_driver.go), so a helper that arrives late only helps less: the
// caller never waits for it to start.
//
// The price: after each parallel GEMM a helper keeps a core busy for up to
// gemmIdleSpin, and Threads()-1 helper goroutines, once started, live for
// the rest of the process (parked when idle).

// gemmIdleSpin is how long (ns) an idle helper polls for new work before
// it parks, and gemmWaitSpin how long a goroutine waiting on another inside
// a job (for the last chunk or unit) polls before parking. Atomics only
// because tests change them while helpers run.
var gemmIdleSpin, gemmWaitSpin atomic.Int64

func init() {
	gemmIdleSpin.Store(int64(500 * time.Microsecond))
	gemmWaitSpin.Store(int64(2 * time.Millisecond))
}

// gemmHelpers is the queue that callers post jobs to and helpers take
// them from.
var gemmHelpers struct {
	mu      sync.Mutex
	cond    sync.Cond // idle helpers park here
	queue   []*gemmJob
	npend   atomic.Int32 // len(queue), readable without mu while spinning
	started int          // helper goroutines running or parked
	parked  int
}

// postJob offers j to helpers; j.want of them may join.
func postJob(j *gemmJob) {
	h := &gemmHelpers
	h.mu.Lock()
	if h.cond.L == nil {
		h.cond.L = &h.mu
	}
	h.queue = append(h.queue, j)
	h.npend.Store(int32(len(h.queue)))
	// Enough helpers for this job's width must exist; they are never
	// stopped, as SetThreads rarely shrinks.
	for ; h.started < j.nt-1; h.started++ {
		go gemmHelper()
	}
	if h.parked > 0 {
		h.cond.Broadcast()
	}
	h.mu.Unlock()
}

// withdrawJob takes j off the queue (if helpers have not already taken all
// the places). After it returns no new helper can join j.
func withdrawJob(j *gemmJob) {
	h := &gemmHelpers
	h.mu.Lock()
	removeJob(j)
	h.mu.Unlock()
}

func removeJob(j *gemmJob) {
	h := &gemmHelpers
	for i, q := range h.queue {
		if q == j {
			n := len(h.queue) - 1
			copy(h.queue[i:], h.queue[i+1:])
			h.queue[n] = nil
			h.queue = h.queue[:n]
			break
		}
	}
	h.npend.Store(int32(len(h.queue)))
}

// takeJob returns the oldest queued job with a place left, registering the
// caller as one of its goroutines, or nil if there is none.
func takeJob() *gemmJob {
	h := &gemmHelpers
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.queue) == 0 {
		return nil
	}
	j := h.queue[0]
	j.refs.Add(1)
	if j.want--; j.want <= 0 {
		removeJob(j)
	}
	return j
}

// gemmHelper runs jobs forever: poll, then park.
func gemmHelper() {
	h := &gemmHelpers
	for {
		if !spinUntil(func() bool { return h.npend.Load() > 0 }, gemmIdleSpin.Load()) {
			h.mu.Lock()
			h.parked++
			for len(h.queue) == 0 {
				h.cond.Wait()
			}
			h.parked--
			h.mu.Unlock()
		}
		if j := takeJob(); j != nil {
			j.run()
			j.release()
		}
	}
}

// spinUntil polls done for up to limit ns and reports whether it came
// true. It does not yield between polls: runtime.Gosched moves the caller
// to the global run queue without waking an idle P, so two goroutines
// that yield to each other can end up sharing one P (measured: slower
// than one thread). The things polled for are done by goroutines that are
// running, hence on other Ps; an occasional yield (every 50 µs) only
// keeps things live when Ps are oversubscribed.
func spinUntil(done func() bool, limit int64) bool {
	start := time.Now()
	var yielded int64
	for i := 1; ; i++ {
		if done() {
			return true
		}
		if i&255 == 0 {
			el := int64(time.Since(start))
			if el > limit {
				return false
			}
			if el-yielded > int64(50*time.Microsecond) {
				runtime.Gosched()
				yielded = el
			}
		}
	}
}

// waitFor blocks until done() holds: polling for up to gemmWaitSpin, then
// parking on the job's cond. Progress counters are bumped before notify
// reads sleepers, and a waiter registers before its final check (all
// seq-cst), so either the waiter sees the progress or notify sees the
// waiter and broadcasts under mu: no lost wake-ups.
func (j *gemmJob) waitFor(done func() bool) {
	if done() || spinUntil(done, gemmWaitSpin.Load()) {
		return
	}
	j.mu.Lock()
	j.sleepers.Add(1)
	for !done() {
		j.cond.Wait()
	}
	j.sleepers.Add(-1)
	j.mu.Unlock()
}

// notify wakes parked waiters after a progress counter moved.
func (j *gemmJob) notify() {
	if j.sleepers.Load() > 0 {
		j.mu.Lock()
		j.cond.Broadcast()
		j.mu.Unlock()
	}
}

// gemmScratch is one goroutine's memory for packed A blocks.
type gemmScratch struct {
	a []float32
}

// gemmFree keeps jobs (each with its packed-B buffer) and A scratch for
// reuse, so steady-state calls do not allocate. A mutex-guarded free list
// rather than a sync.Pool: a job is released by whichever goroutine
// finishes last (often a helper on another P, where a Pool would strand
// it), and a Pool is emptied by every GC, which would turn each GC into
// megabytes of fresh, page-faulting buffers. What it holds is bounded: a
// job's buffer is at most gemmPanelFloats (or one KC×NC slab) and an A
// scratch MC×KC floats, times the peak number of GEMMs and goroutines in
// flight at once.
var gemmFree struct {
	mu      sync.Mutex
	jobs    []*gemmJob
	scratch []*gemmScratch
}

func getJob() *gemmJob {
	gemmFree.mu.Lock()
	defer gemmFree.mu.Unlock()
	if n := len(gemmFree.jobs); n > 0 {
		j := gemmFree.jobs[n-1]
		gemmFree.jobs = gemmFree.jobs[:n-1]
		return j
	}
	return new(gemmJob)
}

func putJob(j *gemmJob) {
	gemmFree.mu.Lock()
	gemmFree.jobs = append(gemmFree.jobs, j)
	gemmFree.mu.Unlock()
}

func getScratch() *gemmScratch {
	gemmFree.mu.Lock()
	defer gemmFree.mu.Unlock()
	if n := len(gemmFree.scratch); n > 0 {
		sc := gemmFree.scratch[n-1]
		gemmFree.scratch = gemmFree.scratch[:n-1]
		return sc
	}
	return new(gemmScratch)
}

func putScratch(sc *gemmScratch) {
	gemmFree.mu.Lock()
	gemmFree.scratch = append(gemmFree.scratch, sc)
	gemmFree.mu.Unlock()
}
