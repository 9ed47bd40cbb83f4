package kernels

import (
	"sync"
	"sync/atomic"
)

// Loop nest and parallel schedule.
//
// C is processed in phases: a phase is a (column panel of up to NC columns,
// k range) whose op(B) part is packed whole into one shared buffer (≤ a few
// MiB, L3-resident) before any of it is used. The k range of a phase is cut
// into KC slabs; packing work is a set of chunks (slab × group of
// micro-panels), compute work a set of units (MC row block × group of
// micro-panels). A unit packs its own A block per slab (private, L2) and
// runs the macro-kernel against the slab; because a unit covers every slab
// of its phase, one goroutine owns each C block within a phase and beta is
// applied on its first slab with no cross-thread ordering.
//
// Goroutines grab chunks, then units, from shared atomic counters, so the
// split adapts to whichever of them actually runs: a helper that starts late
// (waking an idle P costs tens of µs) or shares its core with another
// process simply takes fewer units, and the caller never waits for a helper
// that has nothing left to do. The only waits are for the last chunk of a
// phase to be packed and, before a phase re-fills the buffer, for the last
// unit of the previous one; both spin briefly, then park.
//
// Counters are global across phases (phase p owns chunk indices
// [p*chunksPer, (p+1)*chunksPer) and likewise for units), so a late
// goroutine can never mistake one phase's counters for another's.

// Parallel tuning, measured on Zen 4 (see gemm_bench_test.go).
var (
	// gemmParMinFlops: below this many flops (~20 µs on one core) one
	// goroutine does it all: handing out work costs a few µs, more if a
	// parked helper has to be woken. With warm helpers 96³ (1.8 Mflop)
	// already runs 1.35× faster on two threads, 64³ barely 1.05×.
	gemmParMinFlops = 2 << 20
	// gemmPanelFloats bounds a phase's packed B (4 MiB): it must stay in
	// L3 while every row block streams it.
	gemmPanelFloats = 1 << 20
)

type gemmJob struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	nt       int // goroutines
	kcStep   int // KC slab depth
	slabs    int // slabs per full phase (the k depth of a phase is slabs*kcStep)
	ncStep   int // columns per full phase, a multiple of NR
	npMax    int // micro-panels per full phase
	nphK     int // phases along k; phase p is column panel p/nphK, k range p%nphK
	nphases  int
	mcStep   int // most rows in a unit's row block
	mb       int // row blocks (block i: micro-panels [i*mp/mb, (i+1)*mp/mb))
	ugW, ugN int // micro-panels per unit column group, groups per phase
	cgW, cgN int // micro-panels per packing chunk, chunks per slab

	chunksPer, unitsPer int64

	bufB []float32 // the packed B of the current phase, in bmem
	bmem []float32 // kept when the job is recycled

	packNext, packDone atomic.Int64
	unitNext, unitDone atomic.Int64
	refs               atomic.Int32 // goroutines still holding the job
	want               int          // helper places left (under gemmHelpers.mu)

	sleepers atomic.Int32
	mu       sync.Mutex
	cond     sync.Cond
}

// plan picks the thread count and the blocking.
func (j *gemmJob) plan(nt int) {
	m, n, k := j.m, j.n, j.k
	if flops := 2 * m * n * k; flops < gemmParMinFlops {
		nt = 1
	} else if maxT := flops / max(gemmParMinFlops/2, 1); nt > maxT {
		nt = maxT
	}
	j.nt = nt

	j.kcStep = blockStep(k, gemmKC, 1)
	nslabs := (k + j.kcStep - 1) / j.kcStep
	j.ncStep = blockStep(n, gemmNC, gemmNR)
	j.npMax = j.ncStep / gemmNR
	// As many slabs per phase as the panel budget allows, spread evenly.
	per := max(1, gemmPanelFloats/(j.kcStep*j.ncStep))
	j.nphK = (nslabs + per - 1) / per
	j.slabs = (nslabs + j.nphK - 1) / j.nphK
	j.nphases = (n + j.ncStep - 1) / j.ncStep * j.nphK

	// Enough units per phase that grabbing them balances the goroutines.
	// First more, smaller row blocks (down to 3 micro-panels: block size
	// barely matters on Zen 4, the B slab is packed once whatever it is),
	// a multiple of the goroutine count; then column groups of at least
	// 4 micro-panels, which cost each extra group a re-pack of A. Blocks
	// are whole micro-panels spread evenly (sizes differ by at most one).
	mp := (m + gemmMR - 1) / gemmMR
	mb := (m + gemmMC - 1) / gemmMC
	want := 1
	if nt > 1 {
		want = 4 * nt
		mb = max(mb, min(want, mp/3))
		mb = min((mb+nt-1)/nt*nt, mp)
	}
	j.mb = mb
	j.mcStep = (mp + mb - 1) / mb * gemmMR
	ug := max(1, min((want+mb-1)/mb, j.npMax/4))
	j.ugW = (j.npMax + ug - 1) / ug
	j.ugN = (j.npMax + j.ugW - 1) / j.ugW
	// Packing chunks: about two per goroutine per slab.
	cg := 1
	if nt > 1 {
		cg = min(2*nt, j.npMax)
	}
	j.cgW = (j.npMax + cg - 1) / cg
	j.cgN = (j.npMax + j.cgW - 1) / j.cgW

	j.chunksPer = int64(j.slabs * j.cgN)
	j.unitsPer = int64(j.mb * j.ugN)
}

// execute runs the job on this goroutine and up to j.nt-1 helpers, and
// returns once every unit is done. The job and its buffer go back to the
// free list when the last goroutine lets go (a late helper may still be
// finding out that there is nothing left).
func (j *gemmJob) execute() {
	j.bufB = aligned(&j.bmem, j.slabs*j.kcStep*j.ncStep)
	j.cond.L = &j.mu
	j.refs.Store(1)
	if j.nt > 1 {
		j.want = j.nt - 1
		postJob(j)
	}
	j.run()
	if j.nt > 1 {
		withdrawJob(j)
	}
	total := int64(j.nphases) * j.unitsPer
	j.waitFor(func() bool { return j.unitDone.Load() >= total })
	j.release()
}

// release drops one goroutine's hold on the job; the last one recycles it.
func (j *gemmJob) release() {
	if j.refs.Add(-1) != 0 {
		return
	}
	bmem := j.bmem
	*j = gemmJob{}
	j.bmem = bmem
	putJob(j)
}

// run takes chunks and units until none are left.
func (j *gemmJob) run() {
	var sc *gemmScratch // taken with the first unit: a late helper may get none
	var ap []float32
	defer func() {
		if sc != nil {
			putScratch(sc)
		}
	}()
	lastA := -1 // (phase, row block) whose A is in ap, when a phase is one slab
	for p := 0; p < j.nphases; p++ {
		cEnd, uEnd := int64(p+1)*j.chunksPer, int64(p+1)*j.unitsPer
		if j.unitNext.Load() >= uEnd {
			continue // all taken: nothing to help with here
		}
		for {
			c, ok := grab(&j.packNext, cEnd)
			if !ok {
				break
			}
			if p > 0 {
				// The buffer still holds the previous phase until its
				// last unit is done.
				prev := int64(p) * j.unitsPer
				j.waitFor(func() bool { return j.unitDone.Load() >= prev })
			}
			j.packChunk(p, int(c-cEnd+j.chunksPer))
			j.packDone.Add(1)
			j.notify()
		}
		j.waitFor(func() bool { return j.packDone.Load() >= cEnd })
		for {
			u, ok := grab(&j.unitNext, uEnd)
			if !ok {
				break
			}
			if sc == nil {
				sc = getScratch()
				ap = aligned(&sc.a, j.mcStep*j.kcStep)
			}
			j.computeUnit(p, int(u-uEnd+j.unitsPer), ap, &lastA)
			j.unitDone.Add(1)
			j.notify()
		}
	}
}

// grab takes the next index of ctr below end, if any.
func grab(ctr *atomic.Int64, end int64) (int64, bool) {
	for {
		v := ctr.Load()
		if v >= end {
			return 0, false
		}
		if ctr.CompareAndSwap(v, v+1) {
			return v, true
		}
	}
}

// phaseDims returns phase p's first column, width, first k and depth.
func (j *gemmJob) phaseDims(p int) (jc, nc, k0, kk int) {
	jc = p / j.nphK * j.ncStep
	k0 = p % j.nphK * j.slabs * j.kcStep
	return jc, min(j.ncStep, j.n-jc), k0, min(j.slabs*j.kcStep, j.k-k0)
}

// packChunk packs chunk c of phase p: micro-panels [q0, q1) of one slab.
// Micro-panel q of slab s sits at (s*npMax+q)*kcStep*NR in the buffer.
func (j *gemmJob) packChunk(p, c int) {
	jc, nc, k0, kk := j.phaseDims(p)
	s, g := c/j.cgN, c%j.cgN
	np := (nc + gemmNR - 1) / gemmNR
	q0, q1 := g*j.cgW, min((g+1)*j.cgW, np)
	pc := s * j.kcStep
	if pc >= kk || q0 >= q1 {
		return // past the edge of a narrower or shallower last phase
	}
	kc := min(j.kcStep, kk-pc)
	stride := j.kcStep * gemmNR
	dst := j.bufB[(s*j.npMax+q0)*stride:]
	packB(dst, stride, j.b, j.ldb, j.transB, k0+pc, kc, jc+q0*gemmNR, jc+min(q1*gemmNR, nc))
}

// computeUnit computes unit u of phase p: one row block of C against one
// group of micro-panels, over every slab of the phase.
func (j *gemmJob) computeUnit(p, u int, ap []float32, lastA *int) {
	jc, nc, k0, kk := j.phaseDims(p)
	ib, g := u/j.ugN, u%j.ugN
	np := (nc + gemmNR - 1) / gemmNR
	q0, q1 := g*j.ugW, min((g+1)*j.ugW, np)
	mp := (j.m + gemmMR - 1) / gemmMR
	ic := ib * mp / j.mb * gemmMR
	mc := min((ib+1)*mp/j.mb*gemmMR, j.m) - ic
	if mc <= 0 || q0 >= q1 {
		return
	}
	c := j.c[ic*j.ldc+jc:]
	stride := j.kcStep * gemmNR
	for s, pc := 0, 0; pc < kk; s, pc = s+1, pc+j.kcStep {
		kc := min(j.kcStep, kk-pc)
		// Consecutive units of one row block share A when a phase is a
		// single slab: skip the re-pack.
		single, key := kk <= j.kcStep, p*j.mb+ib
		if !single || key != *lastA {
			packA(ap, j.a, j.lda, j.transA, ic, mc, k0+pc, kc)
		}
		*lastA = -1
		if single {
			*lastA = key
		}
		beta := j.beta
		if k0+pc > 0 {
			beta = 1
		}
		j.macro(mc, nc, kc, ap, j.bufB[s*j.npMax*stride:], stride, q0, q1, c, beta)
	}
}

// macro multiplies a packed mc×kc A block by micro-panels [q0, q1) of a
// packed slab (micro-panel q at q*stride) into C (c starts at the block's
// top-left element). The B micro-panel is the outer loop so it stays in L1
// while the A micro-panels stream from L2.
func (j *gemmJob) macro(mc, nc, kc int, ap, bp []float32, stride, q0, q1 int, c []float32, beta float32) {
	ldc, alpha := j.ldc, j.alpha
	for q := q0; q < q1; q++ {
		jr := q * gemmNR
		nr := min(gemmNR, nc-jr)
		bq := bp[q*stride:]
		for ir := 0; ir < mc; ir += gemmMR {
			mr := min(gemmMR, mc-ir)
			aq := ap[ir*kc:]
			if mr == gemmMR && nr == gemmNR {
				microTile(kc, aq, bq, gemmNR, c[ir*ldc+jr:], ldc, alpha, beta)
			} else {
				edgeTile(mr, nr, kc, aq, bq, gemmNR, c[ir*ldc+jr:], ldc, alpha, beta)
			}
		}
	}
}
