package kernels

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"testing"
)

// vecUlpErr is |got - exp(x)| in units of the float32 ulp at exp(x). The
// reference is float64 math.Exp, accurate to well under 0.01 float32 ulp.
func vecUlpErr(got float32, x float32) float64 {
	want := math.Exp(float64(x))
	_, e := math.Frexp(want) // want = f·2^e, f in [0.5, 1)
	return math.Abs(float64(got)-want) / math.Ldexp(1, e-24)
}

// vecExpSweep returns the max ulp error of Exp over xs (all in the normal
// output range) and the worst argument.
func vecExpSweep(xs []float32) (worst float64, at float32) {
	got := make([]float32, len(xs))
	Exp(got, xs)
	for i, x := range xs {
		if e := vecUlpErr(got[i], x); e > worst || e != e {
			worst, at = e, x
		}
	}
	return worst, at
}

func TestExpAccuracy(t *testing.T) {
	// Dense even sweep of [-87, 88], random points over the whole normal
	// range, and every rounding boundary of n = round(x/ln2), where r
	// reaches ±ln2/2 and the polynomial is at its worst.
	var xs []float32
	const steps = 1 << 20
	for i := 0; i <= steps; i++ {
		xs = append(xs, float32(-87+175*float64(i)/steps))
	}
	r := rand.New(rand.NewPCG(13, 14))
	for range 1 << 18 {
		xs = append(xs, float32(vecExpLo+(vecExpHi-vecExpLo)*r.Float64()))
	}
	for k := -252; k <= 256; k++ {
		b := float32((float64(k) + 0.5) * math.Ln2 / 2)
		for d := -3; d <= 3; d++ {
			x := b
			for range max(d, -d) {
				x = math.Nextafter32(x, float32(d))
			}
			if x >= vecExpLo && x <= vecExpHi {
				xs = append(xs, x)
			}
		}
	}
	xs = append(xs, vecExpLo, vecExpHi, 0, 1e-30, -1e-30, 1, -1)
	vecPaths(t, func(t *testing.T) {
		worst, at := vecExpSweep(xs)
		t.Logf("Exp: max error %.3f ulp (at x=%v) over %d arguments", worst, at, len(xs))
		if worst > 2 {
			t.Fatalf("Exp error %.3f ulp at x=%v, want <= 2", worst, at)
		}
	})
}

func TestExpSpecial(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	cases := []struct{ x, want float32 }{
		{0, 1}, {float32(math.Copysign(0, -1)), 1},
		{vecExpHi, 3.4027977e38}, {math.Nextafter32(vecExpHi, 100), inf},
		{89, inf}, {100, inf}, {1e30, inf}, {inf, inf},
		{math.Nextafter32(vecExpLo, -100), 0}, {-88, 0}, {-100, 0}, {-1e30, 0},
		{float32(math.Inf(-1)), 0}, {nan, nan},
	}
	vecPaths(t, func(t *testing.T) {
		for _, n := range []int{1, 8, 17} { // scalar tail, vector body, both
			for _, c := range cases {
				x, got := make([]float32, n), make([]float32, n)
				for i := range x {
					x[i] = c.x
				}
				Exp(got, x)
				for i, g := range got {
					if !vecSame(g, c.want) && !(c.want == 3.4027977e38 && vecUlpErr(g, c.x) <= 2) {
						t.Fatalf("Exp(%v) n=%d [%d] = %v, want %v", c.x, n, i, g, c.want)
					}
				}
			}
		}
		lo := []float32{vecExpLo}
		Exp(lo, lo)
		if lo[0] < math.SmallestNonzeroFloat32*(1<<23) || vecUlpErr(lo[0], vecExpLo) > 2 {
			t.Fatalf("Exp(expLo) = %v, want the smallest normal range", lo[0])
		}
	})
}

// TestExpExhaustive checks every float32 in [expLo, expHi] on both paths.
// It takes a minute, so it only runs with DEEPGO_EXP_EXHAUSTIVE=1.
func TestExpExhaustive(t *testing.T) {
	if os.Getenv("DEEPGO_EXP_EXHAUSTIVE") == "" {
		t.Skip("set DEEPGO_EXP_EXHAUSTIVE=1 to check every float32 argument")
	}
	ranges := [][2]uint32{{0, math.Float32bits(vecExpHi)}, {0x80000000, math.Float32bits(vecExpLo)}}
	vecPaths(t, func(t *testing.T) {
		var mu sync.Mutex
		var worst float64
		var at float32
		for _, rg := range ranges {
			const chunk = 1 << 16
			var wg sync.WaitGroup
			next := make(chan uint32)
			for range runtime.GOMAXPROCS(0) {
				wg.Go(func() {
					xs, got := make([]float32, chunk), make([]float32, chunk)
					for lo := range next {
						hi := min(uint64(lo)+chunk, uint64(rg[1])+1)
						xs = xs[:hi-uint64(lo)]
						for i := range xs {
							xs[i] = math.Float32frombits(lo + uint32(i))
						}
						Exp(got[:len(xs)], xs)
						w, a := 0.0, float32(0)
						for i, x := range xs {
							if e := vecUlpErr(got[i], x); e > w || e != e {
								w, a = e, x
							}
						}
						mu.Lock()
						if w > worst || w != w {
							worst, at = w, a
						}
						mu.Unlock()
					}
				})
			}
			for lo := uint64(rg[0]); lo <= uint64(rg[1]); lo += chunk {
				next <- uint32(lo)
			}
			close(next)
			wg.Wait()
		}
		t.Logf("Exp exhaustive: max error %.3f ulp at x=%v", worst, at)
		if worst > 2 {
			t.Fatalf("Exp error %.3f ulp at x=%v", worst, at)
		}
	})
}

func TestExpPathsAgree(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	x := make([]float32, 1<<16+5)
	for i := range x {
		x[i] = float32(r.Float64()*180 - 90)
	}
	a, g := make([]float32, len(x)), make([]float32, len(x))
	Exp(a, x)
	vecExpGo(g, x)
	for i := range x {
		if !vecSame(a[i], g[i]) && math.Abs(float64(a[i])-float64(g[i])) > 0x1p-23*math.Abs(float64(g[i])) {
			t.Fatalf("Exp(%v): public %v, Go %v differ by more than 1 ulp", x[i], a[i], g[i])
		}
	}
}

// TestVecSoftmaxParallel: rows are independent, so splitting them over
// goroutines must give bit-identical results.
func TestVecSoftmaxParallel(t *testing.T) {
	rows, cols := 2*vecSoftmaxParMin/1000+1, 1000
	x := make([]float32, rows*cols)
	r := rand.New(rand.NewPCG(19, 20))
	vecRand(r, x, false)
	one, par := make([]float32, len(x)), make([]float32, len(x))
	for _, f := range []func(dst, x []float32, rows, cols int){SoftmaxRows, LogSoftmaxRows} {
		old := SetThreads(1)
		f(one, x, rows, cols)
		SetThreads(2)
		f(par, x, rows, cols)
		SetThreads(old)
		for i := range one {
			if !vecSame(one[i], par[i]) {
				t.Fatalf("[%d]: %v with one thread, %v with two", i, one[i], par[i])
			}
		}
	}
}

// vecRefSoftmax computes softmax and log-softmax of one row in float64.
func vecRefSoftmax(x []float32) (sm, lsm []float64) {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - m)
	}
	for _, v := range x {
		sm = append(sm, math.Exp(float64(v)-m)/s)
		lsm = append(lsm, float64(v)-m-math.Log(s))
	}
	return sm, lsm
}

func TestVecSoftmax(t *testing.T) {
	shapes := [][2]int{{0, 4}, {1, 1}, {3, 7}, {2, 8}, {5, 17}, {4, 33}, {7, 100}, {3, 257}, {2, 1000}, {70, 1024}}
	vecPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(17, 18))
		for _, sh := range shapes {
			rows, cols := sh[0], sh[1]
			for _, scale := range []float64{1, 30} {
				x := make([]float32, rows*cols+1)[1:]
				for i := range x {
					x[i] = float32((r.Float64()*2 - 1) * scale)
				}
				sm, buf := vecBuf(rows*cols, 3)
				lsm := make([]float32, rows*cols)
				SoftmaxRows(sm, x, rows, cols)
				vecGuard(t, "SoftmaxRows", buf, 3, rows*cols)
				LogSoftmaxRows(lsm, x, rows, cols)
				inplace := append([]float32(nil), x...)
				LogSoftmaxRows(inplace, inplace, rows, cols)
				for row := range rows {
					ws, wl := vecRefSoftmax(x[row*cols : (row+1)*cols])
					m, _ := vecRefMax(x[row*cols : (row+1)*cols])
					for c := range cols {
						i := row*cols + c
						// float32 x-max is rounded before exp: a relative
						// error of up to |x-max|·2^-24 is inherent.
						tol := ws[c] * (1e-6 + 0x1p-24*math.Abs(float64(x[i]-m)))
						if d := math.Abs(float64(sm[i]) - ws[c]); d > tol+1e-37 {
							t.Fatalf("SoftmaxRows %dx%d scale %v [%d,%d] = %v, want %v", rows, cols, scale, row, c, sm[i], ws[c])
						}
						// Rounding of x-max, of log(sum) and of the result.
						tol = 0x1p-23*(math.Abs(float64(x[i]-m))+math.Abs(wl[c])+math.Abs(float64(x[i]-m)-wl[c])) + 1e-7
						if d := math.Abs(float64(lsm[i]) - wl[c]); d > tol {
							t.Fatalf("LogSoftmaxRows %dx%d [%d,%d] = %v, want %v", rows, cols, row, c, lsm[i], wl[c])
						}
						if !vecSame(inplace[i], lsm[i]) {
							t.Fatalf("LogSoftmaxRows in place [%d] = %v, want %v", i, inplace[i], lsm[i])
						}
					}
				}
				SoftmaxRows(x, x, rows, cols) // in place gives the same bits
				for i := range x {
					if !vecSame(x[i], sm[i]) {
						t.Fatalf("SoftmaxRows in place [%d] = %v, want %v", i, x[i], sm[i])
					}
				}
			}
		}
		// Huge logits: the shift by the max must keep exp from overflowing;
		// -Inf logits get probability 0; a NaN poisons its row only.
		ninf, nan := float32(math.Inf(-1)), float32(math.NaN())
		x := []float32{1000, 999, ninf, 998, 1, 2, 3, nan, -5, 0}
		d := make([]float32, len(x))
		SoftmaxRows(d, x, 2, 5)
		ws, _ := vecRefSoftmax(x[:5])
		for c := range 5 {
			if math.Abs(float64(d[c])-ws[c]) > 1e-6*ws[c] {
				t.Fatalf("SoftmaxRows huge logits [%d] = %v, want %v", c, d[c], ws[c])
			}
			if d[5+c] == d[5+c] {
				t.Fatalf("SoftmaxRows row with NaN [%d] = %v, want NaN", c, d[5+c])
			}
		}
		LogSoftmaxRows(d, x, 2, 5)
		if d[0] > 0 || d[0] < -1 || !math.IsInf(float64(d[2]), -1) || d[7] == d[7] {
			t.Fatalf("LogSoftmaxRows special row = %v", d)
		}
		x = []float32{1, float32(math.Inf(1)), 2} // +Inf: all NaN, as documented
		SoftmaxRows(x, x, 1, 3)
		if x[0] == x[0] || x[1] == x[1] || x[2] == x[2] {
			t.Fatalf("SoftmaxRows row with +Inf = %v, want all NaN", x)
		}
	})
}

// TestExpConstBits pins the Go constants to the bit patterns that
// vec_exp_amd64.s hard-codes, so the two paths cannot drift apart.
func TestExpConstBits(t *testing.T) {
	for _, c := range []struct {
		v    float32
		bits uint32
	}{
		{vecExpLog2e, 0x3fb8aa3b}, {vecExpC1, 0x3f318000}, {vecExpC2, 0xb95e8083},
		{vecExpP0, 0x3ab5122a}, {vecExpP1, 0x3c091cef}, {vecExpP2, 0x3d2aac79},
		{vecExpP3, 0x3e2aaa49}, {vecExpP4, 0x3efffffe}, {vecExpRound, 0x4b400000},
		{vecExpHi, 0x42b17217}, {vecExpLo, 0xc2aeac4f}, {-vecExpLo, 0x42aeac50 - 1},
	} {
		if b := math.Float32bits(c.v); b != c.bits {
			t.Errorf("constant %v has bits %#08x, assembly uses %#08x", c.v, b, c.bits)
		}
	}
}

// TestExpFitPolynomial re-derives vecExpP0..P4: the minimax fit of
// (e^r - 1 - r)/r² by a degree-4 polynomial on |r| <= ln2/2 + 1e-5,
// weighted so that the error is relative to e^r, by Lawson's iteration
// (reweighted least squares) on a grid. Run with DEEPGO_EXP_FIT=1. It
// reproduces the constants except the last bit of P0 (0x3ab51229 here,
// 0x3ab5122a from the first fit, which used another linear solver): a
// 1e-10 relative change in the r^6 term, far below float32 resolution.
func TestExpFitPolynomial(t *testing.T) {
	if os.Getenv("DEEPGO_EXP_FIT") == "" {
		t.Skip("set DEEPGO_EXP_FIT=1 to re-run the polynomial fit")
	}
	const deg, pts = 4, 4001
	a := math.Ln2/2 + 1e-5
	g := func(r float64) float64 { // (e^r-1-r)/r² by its series, no cancellation
		s, term := 0.0, 0.5
		for k := range 25 {
			s, term = s+term, term*r/float64(k+3)
		}
		return s
	}
	poly := func(c []float64, x float64) (s float64) {
		for k := len(c) - 1; k >= 0; k-- {
			s = s*x + c[k]
		}
		return s
	}
	w := make([]float64, pts)
	for i := range w {
		w[i] = 1
	}
	c := make([]float64, deg+1) // in the variable r/a, for conditioning
	for range 300 {
		var m [deg + 1][deg + 2]float64 // normal equations, augmented
		for i := range pts {
			r := -a + 2*a*float64(i)/(pts-1)
			om := r * r / math.Exp(r)
			for j := range deg + 1 {
				for k := range deg + 1 {
					m[j][k] += w[i] * om * om * math.Pow(r/a, float64(j+k))
				}
				m[j][deg+1] += w[i] * om * om * math.Pow(r/a, float64(j)) * g(r)
			}
		}
		for j := range deg + 1 { // Gauss-Jordan; the matrix is SPD
			for k := range deg + 1 {
				if k != j {
					f := m[k][j] / m[j][j]
					for l := range deg + 2 {
						m[k][l] -= f * m[j][l]
					}
				}
			}
		}
		var sum float64
		for j := range c {
			c[j] = m[j][deg+1] / m[j][j]
		}
		for i := range pts {
			r := -a + 2*a*float64(i)/(pts-1)
			w[i] *= math.Abs(r * r / math.Exp(r) * (poly(c, r/a) - g(r)))
			sum += w[i]
		}
		for i := range w {
			w[i] /= sum
		}
	}
	var worst float64
	for i := range 100001 {
		r := -a + 2*a*float64(i)/100000
		worst = max(worst, math.Abs(r*r/math.Exp(r)*(poly(c, r/a)-g(r))))
	}
	t.Logf("max relative approximation error %.3g", worst)
	for k := deg; k >= 0; k-- {
		q := float32(c[k] / math.Pow(a, float64(k)))
		t.Logf("vecExpP%d = %.10e // %#08x", deg-k, c[k]/math.Pow(a, float64(k)), math.Float32bits(q))
	}
}
