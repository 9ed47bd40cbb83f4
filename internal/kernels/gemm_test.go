package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// gemmCase is one product to check; the matrices are random with leading
// dimensions padded past the minimum so stride bugs cannot hide.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	pad            int // extra elements per row of A, B and C
}

func (tc gemmCase) String() string {
	l := map[bool]string{false: "N", true: "T"}
	return fmt.Sprintf("%s%s/m=%d,n=%d,k=%d/alpha=%g,beta=%g/pad=%d",
		l[tc.transA], l[tc.transB], tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad)
}

// gemmOperands builds A, B and C for tc. C starts as NaN when beta == 0, so
// a kernel that reads C it should only overwrite is caught.
func gemmOperands(tc gemmCase, rng *rand.Rand) (a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc := tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	lda, ldb, ldc = ac+tc.pad, bc+tc.pad, tc.n+tc.pad
	a = gemmRandSlice(rng, max(ar*lda, 1))
	b = gemmRandSlice(rng, max(br*ldb, 1))
	c = gemmRandSlice(rng, max(tc.m*ldc, 1))
	if tc.beta == 0 {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	return
}

func gemmRandSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

// gemmReference evaluates the definition in float64 from c0 (C before the
// product). Alongside each result it returns the magnitude of the terms
// summed (not of the result, which may cancel to near zero), which is what
// float32 rounding error scales with.
func gemmReference(tc gemmCase, a []float32, lda int, b []float32, ldb int, c0 []float32, ldc int) (want, mag []float64) {
	want = make([]float64, tc.m*tc.n)
	mag = make([]float64, tc.m*tc.n)
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			var sum, abs float64
			for p := 0; p < tc.k; p++ {
				var av, bv float32
				if tc.transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if tc.transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				sum += float64(av) * float64(bv)
				abs += math.Abs(float64(av) * float64(bv))
			}
			w := float64(tc.alpha) * sum
			abs *= math.Abs(float64(tc.alpha))
			if tc.beta != 0 {
				cv := float64(c0[i*ldc+j])
				w += float64(tc.beta) * cv
				abs += math.Abs(float64(tc.beta) * cv)
			}
			want[i*tc.n+j], mag[i*tc.n+j] = w, abs
		}
	}
	return want, mag
}

// checkGemm compares got (C after the product) with the reference, within
// sqrt(k)-scaled float32 epsilon of the magnitudes. Elements of C outside
// the m×n block (the row padding) must be untouched.
func checkGemm(t *testing.T, what string, tc gemmCase, want, mag []float64, c0, got []float32, ldc int) {
	t.Helper()
	const eps = 1.0 / (1 << 23)
	tol := 4 * eps * (math.Sqrt(float64(tc.k)) + 2)
	bad := 0
	for i := 0; i < tc.m; i++ {
		for j := 0; j < tc.n; j++ {
			g, w, m := float64(got[i*ldc+j]), want[i*tc.n+j], mag[i*tc.n+j]
			if !(math.Abs(g-w) <= tol*(m+1e-30)) {
				if bad++; bad <= 3 {
					t.Errorf("%s %v: C[%d,%d] = %v, want %v (tol %.3g)", what, tc, i, j, g, w, tol*m)
				}
			}
		}
		for j := tc.n; j < ldc && i*ldc+j < len(got); j++ {
			if g, w := got[i*ldc+j], c0[i*ldc+j]; g != w && !(g != g && w != w) {
				if bad++; bad <= 3 {
					t.Errorf("%s %v: padding C[%d,%d] changed to %v", what, tc, i, j, g)
				}
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s %v: %d bad elements in all", what, tc, bad)
	}
}

type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

// runGemmCases runs every case through the naive reference, Sgemm and
// SgemmSerial and checks each against float64.
func runGemmCases(t *testing.T, cases []gemmCase) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	fns := []struct {
		name string
		fn   gemmFunc
	}{{"SgemmNaive", SgemmNaive}, {"Sgemm", Sgemm}, {"SgemmSerial", SgemmSerial}}
	for _, tc := range cases {
		a, lda, b, ldb, c0, ldc := gemmOperands(tc, rng)
		want, mag := gemmReference(tc, a, lda, b, ldb, c0, ldc)
		c := make([]float32, len(c0))
		for _, f := range fns {
			copy(c, c0)
			f.fn(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
			checkGemm(t, f.name, tc, want, mag, c0, c, ldc)
		}
		if t.Failed() {
			return
		}
	}
}

var gemmAlphaBeta = [][2]float32{{1, 0}, {1, 1}, {-0.5, 0.3}, {2, 0}, {0.7, -1}}

// gemmSizeCases is the cross product of sizes over the four layouts, with
// alpha/beta and padding cycled through so each combination is hit often.
func gemmSizeCases(sizes []int) []gemmCase {
	var cases []gemmCase
	idx := 0
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		for _, m := range sizes {
			for _, n := range sizes {
				for _, k := range sizes {
					ab := gemmAlphaBeta[idx%len(gemmAlphaBeta)]
					cases = append(cases, gemmCase{tr[0], tr[1], m, n, k, ab[0], ab[1], (idx % 3) * 3})
					idx++
				}
			}
		}
	}
	return cases
}

// withGemmConfig runs f with the asm switch, block sizes, parallel threshold
// and thread count overridden, restoring them afterwards. The panel budget
// follows the blocks: two KC×NC slabs per phase, so that long k ranges take
// several phases too.
func withGemmConfig(asm bool, kc, mc, nc, parMin, threads int, f func()) {
	oAsm, oKC, oMC, oNC, oPar, oPanel := gemmAsm, gemmKC, gemmMC, gemmNC, gemmParMinFlops, gemmPanelFloats
	oT := SetThreads(threads)
	gemmAsm = asm && useAVX2
	gemmKC, gemmMC, gemmNC, gemmParMinFlops = kc, mc, nc, parMin
	if kc != oKC || nc != oNC {
		gemmPanelFloats = 2 * kc * nc
	}
	defer func() {
		gemmAsm, gemmKC, gemmMC, gemmNC, gemmParMinFlops, gemmPanelFloats = oAsm, oKC, oMC, oNC, oPar, oPanel
		SetThreads(oT)
	}()
	f()
}

func gemmSizes() []int {
	if testing.Short() || gemmRaceEnabled {
		return []int{1, 2, 7, 16, 33}
	}
	return []int{1, 2, 7, 16, 31, 33, 65, 257}
}

// gemmKernels lists the micro-kernels to exercise: the pure-Go one always, the
// assembly one where the CPU has it.
func gemmKernels() []bool {
	if useAVX2 {
		return []bool{true, false}
	}
	return []bool{false}
}

func kernelName(asm bool) string {
	if asm {
		return "asm"
	}
	return "go"
}

func TestGemmSizes(t *testing.T) {
	cases := gemmSizeCases(gemmSizes())
	for _, asm := range gemmKernels() {
		t.Run(kernelName(asm), func(t *testing.T) {
			// Default blocking, two threads at the default threshold.
			withGemmConfig(asm, gemmKC, gemmMC, gemmNC, gemmParMinFlops, 2, func() {
				runGemmCases(t, cases)
			})
		})
	}
}

// TestGemmBlocks shrinks the cache blocks so modest sizes cross many KC, MC
// and NC boundaries and take several phases along both n and k (beta must
// apply on the first slab only; a phase must not re-fill the B buffer under
// a unit still reading it), and forces the parallel paths on small sizes,
// including more goroutines than cores and waits that always park.
func TestGemmBlocks(t *testing.T) {
	sizes := []int{1, 7, 16, 33, 65}
	if testing.Short() || gemmRaceEnabled {
		sizes = []int{1, 7, 33}
	}
	cases := gemmSizeCases(sizes)
	if testing.Short() || gemmRaceEnabled {
		cases = append(cases,
			gemmCase{false, true, 70, 90, 50, -0.5, 0.3, 1},
			gemmCase{true, false, 41, 130, 37, 1, 1, 0},
		)
	} else {
		cases = append(cases,
			gemmCase{false, false, 300, 517, 129, 1, 0, 1},
			gemmCase{false, true, 129, 300, 517, -0.5, 0.3, 0},
			gemmCase{true, false, 517, 129, 300, 1, 1, 2},
			gemmCase{true, true, 97, 211, 301, 2, 0, 5},
		)
	}
	for _, asm := range gemmKernels() {
		for _, cfg := range []struct {
			kc, mc, nc, threads int
			spin                int64 // ns; 0: always park
		}{
			{16, 12, 32, 1, int64(time.Millisecond)}, {24, 18, 48, 2, int64(time.Millisecond)}, {8, 6, 16, 3, 0},
		} {
			name := fmt.Sprintf("%s/kc=%d,mc=%d,nc=%d,threads=%d,spin=%dns", kernelName(asm), cfg.kc, cfg.mc, cfg.nc, cfg.threads, cfg.spin)
			t.Run(name, func(t *testing.T) {
				oWait, oIdle := gemmWaitSpin.Swap(cfg.spin), gemmIdleSpin.Swap(cfg.spin)
				defer func() { gemmWaitSpin.Store(oWait); gemmIdleSpin.Store(oIdle) }()
				withGemmConfig(asm, cfg.kc, cfg.mc, cfg.nc, 0, cfg.threads, func() {
					runGemmCases(t, cases)
				})
			})
		}
	}
}

// TestGemmLarge crosses the default block boundaries (k > KC, m > MC) on
// both parallel splits.
func TestGemmLarge(t *testing.T) {
	if testing.Short() || gemmRaceEnabled {
		t.Skip("large sizes skipped in -short and -race runs")
	}
	cases := []gemmCase{
		{false, false, 300, 517, 129, 1, 0, 3},
		{false, true, 301, 260, 600, -0.5, 0.3, 0},
		{true, false, 40, 700, 530, 1, 1, 1},
		{false, false, 520, 37, 1030, 2, 0, 0},
	}
	for _, asm := range gemmKernels() {
		t.Run(kernelName(asm), func(t *testing.T) {
			withGemmConfig(asm, gemmKC, gemmMC, gemmNC, gemmParMinFlops, 2, func() {
				runGemmCases(t, cases)
			})
		})
	}
}

// TestGemmConcurrent: independent callers share the helper goroutines and
// the recycled jobs and scratch; none may see another's data.
func TestGemmConcurrent(t *testing.T) {
	cases := []gemmCase{
		{false, false, 100, 120, 90, 1, 0, 1},
		{false, true, 77, 130, 64, -0.5, 0.3, 0},
		{true, false, 64, 150, 100, 1, 1, 2},
		{true, true, 90, 91, 92, 2, 0, 0},
	}
	rounds := 20
	if testing.Short() || gemmRaceEnabled {
		rounds = 4
	}
	withGemmConfig(true, gemmKC, gemmMC, gemmNC, 0, 2, func() {
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 9))
				for r := 0; r < rounds; r++ {
					tc := cases[(w+r)%len(cases)]
					a, lda, b, ldb, c0, ldc := gemmOperands(tc, rng)
					want, mag := gemmReference(tc, a, lda, b, ldb, c0, ldc)
					c := append([]float32(nil), c0...)
					Sgemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
					checkGemm(t, "Sgemm (concurrent)", tc, want, mag, c0, c, ldc)
				}
			}()
		}
		wg.Wait()
	})
}

// TestGemmZeroDims: no work but beta scaling, and nothing read from A or B
// (nil slices are fine when k == 0).
func TestGemmZeroDims(t *testing.T) {
	for _, fn := range []gemmFunc{Sgemm, SgemmSerial, SgemmNaive} {
		c := []float32{1, 2, 3, 4, 5, 6}
		fn(false, false, 2, 3, 0, 1, nil, 0, nil, 3, 0.5, c, 3)
		for i, v := range c {
			if want := float32(i+1) * 0.5; v != want {
				t.Fatalf("k=0: c[%d] = %v, want %v", i, v, want)
			}
		}
		nan := float32(math.NaN())
		c = []float32{nan, nan}
		fn(true, true, 1, 2, 0, 1, nil, 1, nil, 0, 0, c, 2)
		if c[0] != 0 || c[1] != 0 {
			t.Fatalf("k=0, beta=0: c = %v, want zeros", c)
		}
		fn(false, false, 0, 5, 7, 1, nil, 7, nil, 5, 1, nil, 5)
		fn(false, false, 5, 0, 7, 1, make([]float32, 35), 7, nil, 0, 1, nil, 0)
	}
}

func TestGemmPanics(t *testing.T) {
	a := make([]float32, 6)
	b := make([]float32, 6)
	c := make([]float32, 9)
	cases := []struct {
		name string
		call func(fn gemmFunc)
		want string
	}{
		{"short a", func(fn gemmFunc) { fn(false, false, 2, 2, 4, 1, a, 4, b, 2, 0, c, 2) }, "len(a)"},
		{"short aT", func(fn gemmFunc) { fn(true, false, 2, 2, 4, 1, a, 2, make([]float32, 8), 2, 0, c, 2) }, "len(a)"},
		{"short b", func(fn gemmFunc) { fn(false, false, 2, 2, 3, 1, a, 3, b, 3, 0, c, 2) }, "len(b)"},
		{"short bT", func(fn gemmFunc) { fn(false, true, 2, 3, 3, 1, a, 3, b, 3, 0, c, 3) }, "len(b)"},
		{"short c", func(fn gemmFunc) { fn(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c[:3], 2) }, "len(c)"},
		{"small lda", func(fn gemmFunc) { fn(false, false, 2, 2, 3, 1, a, 2, b, 2, 0, c, 2) }, "lda"},
		{"small ldc", func(fn gemmFunc) { fn(false, false, 2, 2, 3, 1, a, 3, b, 2, 0, c, 1) }, "ldc"},
		{"negative", func(fn gemmFunc) { fn(false, false, -1, 2, 3, 1, a, 3, b, 2, 0, c, 2) }, "negative"},
	}
	for _, f := range []struct {
		name string
		fn   gemmFunc
	}{{"Sgemm", Sgemm}, {"SgemmSerial", SgemmSerial}, {"SgemmNaive", SgemmNaive}} {
		for _, tc := range cases {
			t.Run(f.name+"/"+tc.name, func(t *testing.T) {
				defer func() {
					r := recover()
					msg, _ := r.(string)
					if r == nil || !strings.HasPrefix(msg, "kernels: "+f.name+": ") || !strings.Contains(msg, tc.want) {
						t.Fatalf("panic = %v, want a message starting %q and naming %q", r, "kernels: "+f.name+": ", tc.want)
					}
				}()
				tc.call(f.fn)
			})
		}
	}
}

// TestGemmAllocs: steady-state calls reuse pooled scratch. Serial calls must
// not allocate; parallel ones only pay for starting the helper goroutine.
func TestGemmAllocs(t *testing.T) {
	if gemmRaceEnabled {
		t.Skip("the race detector allocates")
	}
	const s = 256
	a, b, c := make([]float32, s*s), make([]float32, s*s), make([]float32, s*s)
	// Warm up: the free lists fill and their buffers grow to size.
	withGemmConfig(true, gemmKC, gemmMC, gemmNC, gemmParMinFlops, 2, func() {
		for i := 0; i < 5; i++ {
			Sgemm(false, false, s, s, s, 1, a, s, b, s, 0, c, s)
		}
	})
	for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}} {
		serial := testing.AllocsPerRun(20, func() {
			SgemmSerial(tr[0], tr[1], s, s, s, 1, a, s, b, s, 0, c, s)
		})
		if serial > 0 {
			t.Errorf("SgemmSerial %v: %v allocs per call, want 0", tr, serial)
		}
		var par float64
		withGemmConfig(true, gemmKC, gemmMC, gemmNC, gemmParMinFlops, 2, func() {
			par = testing.AllocsPerRun(20, func() {
				Sgemm(tr[0], tr[1], s, s, s, 1, a, s, b, s, 0, c, s)
			})
		})
		if par > 2 {
			t.Errorf("Sgemm %v on 2 threads: %v allocs per call, want <= 2", tr, par)
		}
		t.Logf("%v: serial %v allocs, 2 threads %v allocs", tr, serial, par)
	}
}
