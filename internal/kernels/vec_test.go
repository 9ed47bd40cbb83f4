package kernels

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// Lengths straddle the 8- and 32-element steps of the assembly loops.
var vecLens = []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 257, 1000}

// vecPaths runs f once on the assembly kernels (when the CPU has them) and
// once on the pure-Go kernels, so both are checked against the references
// on every platform.
func vecPaths(t *testing.T, f func(t *testing.T)) {
	for _, asm := range []bool{true, false} {
		name := "go"
		if asm {
			if !vecTestHaveAsm {
				continue
			}
			name = "asm"
		}
		t.Run(name, func(t *testing.T) {
			defer vecSetAsm(asm)()
			f(t)
		})
	}
}

const vecSentinel = 12345.5

// vecBuf returns an n-element window at offset off (so the data is not
// 32-byte aligned) of a buffer whose other cells hold vecSentinel, so that
// vecGuard can catch writes outside the window.
func vecBuf(n, off int) (win, buf []float32) {
	buf = make([]float32, off+n+9)
	for i := range buf {
		buf[i] = vecSentinel
	}
	return buf[off : off+n], buf
}

func vecGuard(t *testing.T, what string, buf []float32, off, n int) {
	t.Helper()
	for i, v := range buf {
		if (i < off || i >= off+n) && v != vecSentinel {
			t.Fatalf("%s: wrote outside the slice at buffer index %d (window [%d,%d))", what, i, off, off+n)
		}
	}
}

var vecSpecials = []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)),
	float32(math.Inf(-1)), float32(math.NaN()), 1e-40, -3e38, 3e38, 1}

// vecRand fills s with uniform values in [-2, 2); with specials, about one
// value in 16 is a zero, infinity, NaN, subnormal or huge value instead.
func vecRand(r *rand.Rand, s []float32, specials bool) {
	for i := range s {
		s[i] = float32(r.Float64()*4 - 2)
		if specials && r.IntN(16) == 0 {
			s[i] = vecSpecials[r.IntN(len(vecSpecials))]
		}
	}
}

func vecSame(a, b float32) bool {
	return math.Float32bits(a) == math.Float32bits(b) || (a != a && b != b)
}

type vecEwCase struct {
	name  string
	nIn   int
	run   func(dst []float32, in [][]float32)
	ref   func(d float64, in []float64) float64 // d is dst before the call
	exact bool                                  // else within 1 ulp of |d|+|terms|
}

var vecEwCases = []vecEwCase{
	{"Add", 2, func(d []float32, in [][]float32) { Add(d, in[0], in[1]) },
		func(_ float64, in []float64) float64 { return in[0] + in[1] }, true},
	{"Sub", 2, func(d []float32, in [][]float32) { Sub(d, in[0], in[1]) },
		func(_ float64, in []float64) float64 { return in[0] - in[1] }, true},
	{"Mul", 2, func(d []float32, in [][]float32) { Mul(d, in[0], in[1]) },
		func(_ float64, in []float64) float64 { return in[0] * in[1] }, true},
	{"Div", 2, func(d []float32, in [][]float32) { Div(d, in[0], in[1]) },
		func(_ float64, in []float64) float64 { return in[0] / in[1] }, true},
	{"AddScalar", 1, func(d []float32, in [][]float32) { AddScalar(d, in[0], 0.37) },
		func(_ float64, in []float64) float64 { return in[0] + float64(float32(0.37)) }, true},
	{"Scale", 1, func(d []float32, in [][]float32) { Scale(d, in[0], -1.7) },
		func(_ float64, in []float64) float64 { return in[0] * float64(float32(-1.7)) }, true},
	{"AddTo", 1, func(d []float32, in [][]float32) { AddTo(d, in[0]) },
		func(d float64, in []float64) float64 { return d + in[0] }, true},
	{"Relu", 1, func(d []float32, in [][]float32) { Relu(d, in[0]) },
		func(_ float64, in []float64) float64 {
			if in[0] < 0 {
				return 0
			}
			return in[0]
		}, true},
	{"ReluBackward", 2, func(d []float32, in [][]float32) { ReluBackward(d, in[0], in[1]) },
		func(_ float64, in []float64) float64 {
			if in[0] > 0 {
				return in[1]
			}
			return 0
		}, true},
	{"Axpy", 1, func(d []float32, in [][]float32) { Axpy(0.61, in[0], d) },
		func(d float64, in []float64) float64 { return d + float64(float32(0.61))*in[0] }, false},
	{"MulAdd", 2, func(d []float32, in [][]float32) { MulAdd(d, in[0], in[1]) },
		func(d float64, in []float64) float64 { return d + in[0]*in[1] }, false},
}

func TestVecElementwise(t *testing.T) {
	vecPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, c := range vecEwCases {
			for _, n := range vecLens {
				for off := 0; off < 4; off++ {
					vecCheckEw(t, r, c, n, off, false)
				}
				vecCheckEw(t, r, c, n, 1, true)
			}
		}
	})
}

// vecCheckEw runs one case at length n with the windows at offsets off,
// off+1, ... (mod 4); with alias set, dst is the first input itself.
func vecCheckEw(t *testing.T, r *rand.Rand, c vecEwCase, n, off int, alias bool) {
	t.Helper()
	in := make([][]float32, c.nIn)
	for k := range in {
		in[k] = make([]float32, n+4)[(off+k+1)%4:][:n]
		vecRand(r, in[k], c.exact)
	}
	dst, buf := vecBuf(n, off)
	vecRand(r, dst, false)
	if alias {
		copy(dst, in[0])
		in[0] = dst
	}
	want := make([]float32, n)
	tol := make([]float64, n)
	args := make([]float64, c.nIn)
	for i := range want {
		for k := range args {
			args[k] = float64(in[k][i])
		}
		w := c.ref(float64(dst[i]), args)
		want[i] = float32(w)
		tol[i] = 0x1p-23 * (math.Abs(float64(dst[i])) + math.Abs(w-float64(dst[i])))
	}
	c.run(dst, in)
	vecGuard(t, c.name, buf, off, n)
	for i, got := range dst {
		ok := vecSame(got, want[i])
		if !c.exact {
			ok = math.Abs(float64(got)-float64(want[i])) <= tol[i]
		}
		if !ok {
			t.Fatalf("%s n=%d off=%d alias=%v: [%d] = %v, want %v", c.name, n, off, alias, i, got, want[i])
		}
	}
}

func TestVecRowBroadcast(t *testing.T) {
	// Rows 64, 65, 129 straddle the SumRows row groups; 1100 columns its blocks.
	shapes := [][2]int{{0, 5}, {3, 0}, {1, 1}, {3, 7}, {2, 8}, {5, 17}, {4, 33}, {7, 100}, {3, 257},
		{2, 1000}, {64, 9}, {65, 3}, {129, 5}, {150, 1100}}
	vecPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, sh := range shapes {
			rows, cols := sh[0], sh[1]
			for off := 0; off < 4; off += 3 {
				x := make([]float32, rows*cols+off)[off:]
				bias := make([]float32, cols+1)[1:]
				vecRand(r, x, true)
				vecRand(r, bias, true)
				dst, buf := vecBuf(rows*cols, off)
				AddRowBroadcast(dst, x, rows, cols, bias)
				vecGuard(t, "AddRowBroadcast", buf, off, rows*cols)
				for i, got := range dst {
					if want := x[i] + bias[i%cols]; !vecSame(got, want) {
						t.Fatalf("AddRowBroadcast %dx%d: [%d] = %v, want %v", rows, cols, i, got, want)
					}
				}

				vecRand(r, x, false)
				sums, buf := vecBuf(cols, off)
				SumRows(sums, x, rows, cols)
				vecGuard(t, "SumRows", buf, off, cols)
				for c := range cols {
					var want, abs float64
					for i := range rows {
						want += float64(x[i*cols+c])
						abs += math.Abs(float64(x[i*cols+c]))
					}
					if d := math.Abs(float64(sums[c]) - want); d > 1e-6*abs {
						t.Fatalf("SumRows %dx%d: [%d] = %v, want %v", rows, cols, c, sums[c], want)
					}
				}
			}
		}
	})
}

func TestVecSumDot(t *testing.T) {
	vecPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, n := range append(vecLens, 255, 256, 257, 511, 4099) {
			for off := 0; off < 4; off++ {
				x := make([]float32, n+off)[off:]
				y := make([]float32, n+3)[3-off:][:n]
				vecRand(r, x, false)
				vecRand(r, y, false)
				var s, sa, d, da float64
				for i := range x {
					s += float64(x[i])
					sa += math.Abs(float64(x[i]))
					d += float64(x[i]) * float64(y[i])
					da += math.Abs(float64(x[i]) * float64(y[i]))
				}
				if got := Sum(x); math.Abs(float64(got)-s) > 1e-6*sa+1e-30 {
					t.Fatalf("Sum n=%d off=%d = %v, want %v", n, off, got, s)
				}
				if got := Dot(x, y); math.Abs(float64(got)-d) > 1e-6*da+1e-30 {
					t.Fatalf("Dot n=%d off=%d = %v, want %v", n, off, got, d)
				}
			}
		}
		if got := Sum([]float32{1, float32(math.NaN())}); got == got {
			t.Fatalf("Sum with NaN = %v", got)
		}
	})
}

// TestVecSumAccuracy: a million positive values, where plain float32
// accumulation in 32 lanes would be off by ~1e-6, must sum to within 2e-7
// (about 3 float32 ulps; the float64 folds give ~1e-8).
func TestVecSumAccuracy(t *testing.T) {
	x := make([]float32, 1_000_000+5)
	r := rand.New(rand.NewPCG(7, 8))
	var want float64
	for i := range x {
		x[i] = float32(r.Float64())
		want += float64(x[i])
	}
	vecPaths(t, func(t *testing.T) {
		got := Sum(x)
		rel := math.Abs(float64(got)-want) / want
		t.Logf("Sum of %d values: relative error %.2g", len(x), rel)
		if rel > 2e-7 {
			t.Fatalf("Sum = %v, want %v (relative error %g)", got, want, rel)
		}
		got = Dot(x, x)
		var dw float64
		for _, v := range x {
			dw += float64(v) * float64(v)
		}
		if rel := math.Abs(float64(got)-dw) / dw; rel > 2e-7 {
			t.Fatalf("Dot = %v, want %v (relative error %g)", got, dw, rel)
		}
	})
}

func vecRefMax(x []float32) (float32, int) {
	if len(x) == 0 {
		return float32(math.Inf(-1)), -1
	}
	best, idx := x[0], 0
	for i, v := range x {
		if v != v {
			return v, i
		}
		if v > best {
			best, idx = v, i
		}
	}
	return best, idx
}

func TestVecMax(t *testing.T) {
	vecPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(9, 10))
		negz := float32(math.Copysign(0, -1))
		for _, n := range append(vecLens, 2000) {
			for trial := 0; trial < 12; trial++ {
				x := make([]float32, n+trial%4)[trial%4:]
				for i := range x {
					switch trial % 4 {
					case 0: // distinct values
						x[i] = float32(r.Float64()*4 - 2)
					case 1: // many ties
						x[i] = float32(r.IntN(5))
					default: // ties plus signed zeros
						x[i] = []float32{negz, 0, -1, -3}[r.IntN(4)]
					}
				}
				if n > 0 && trial >= 8 { // one or two NaNs
					x[r.IntN(n)] = float32(math.NaN())
					if trial%2 == 1 {
						x[r.IntN(n)] = float32(math.NaN())
					}
				}
				m, i := Max(x)
				wm, wi := vecRefMax(x)
				if i != wi || !vecSame(m, wm) {
					t.Fatalf("Max n=%d trial=%d = (%v, %d), want (%v, %d)", n, trial, m, i, wm, wi)
				}
			}
		}
		inf := float32(math.Inf(-1))
		for _, x := range [][]float32{
			{inf, inf, inf, inf, inf, inf, inf, inf, inf},
			{negz, 0, 0, 0, 0, 0, 0, 0, 0, 0},
			{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36},
		} {
			m, i := Max(x)
			if wm, wi := vecRefMax(x); i != wi || !vecSame(m, wm) {
				t.Fatalf("Max(%v) = (%v, %d), want (%v, %d)", x, m, i, wm, wi)
			}
		}
	})
}

// TestVecGoKernelsDirect calls the pure-Go kernels by name (not through the
// dispatch) and compares them with the public functions, which run the
// assembly where there is one.
func TestVecGoKernelsDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, n := range vecLens {
		a, b := make([]float32, n), make([]float32, n)
		vecRand(r, a, true)
		vecRand(r, b, true)
		d1, d2 := make([]float32, n), make([]float32, n)
		pairs := []struct {
			name     string
			pub, gen func()
		}{
			{"Add", func() { Add(d1, a, b) }, func() { vecAddGo(d2, a, b) }},
			{"Sub", func() { Sub(d1, a, b) }, func() { vecSubGo(d2, a, b) }},
			{"Mul", func() { Mul(d1, a, b) }, func() { vecMulGo(d2, a, b) }},
			{"Div", func() { Div(d1, a, b) }, func() { vecDivGo(d2, a, b) }},
			{"Scale", func() { Scale(d1, a, 3) }, func() { vecScaleGo(d2, a, 3) }},
			{"AddScalar", func() { AddScalar(d1, a, 3) }, func() { vecAddScalarGo(d2, a, 3) }},
			{"Relu", func() { Relu(d1, a) }, func() { vecReluGo(d2, a) }},
			{"ReluBackward", func() { ReluBackward(d1, a, b) }, func() { vecReluBackwardGo(d2, a, b) }},
		}
		for _, p := range pairs {
			p.pub()
			p.gen()
			for i := range d1 {
				if !vecSame(d1[i], d2[i]) {
					t.Fatalf("%s n=%d: [%d] public %v, Go %v", p.name, n, i, d1[i], d2[i])
				}
			}
		}
		if n > 0 {
			m1, i1 := Max(a)
			m2, i2 := vecMaxGo(a)
			if i1 != i2 || !vecSame(m1, m2) {
				t.Fatalf("Max n=%d: public (%v,%d), Go (%v,%d)", n, m1, i1, m2, i2)
			}
		}
	}
}

func TestVecPanics(t *testing.T) {
	s3, s4 := make([]float32, 3), make([]float32, 4)
	cases := map[string]func(){
		"Add":             func() { Add(s3, s3, s4) },
		"Sub":             func() { Sub(s3, s4, s3) },
		"Mul":             func() { Mul(s4, s3, s3) },
		"Div":             func() { Div(s3, s3, s4) },
		"AddScalar":       func() { AddScalar(s3, s4, 1) },
		"Scale":           func() { Scale(s3, s4, 1) },
		"Axpy":            func() { Axpy(1, s3, s4) },
		"AddTo":           func() { AddTo(s3, s4) },
		"MulAdd":          func() { MulAdd(s3, s3, s4) },
		"Relu":            func() { Relu(s3, s4) },
		"ReluBackward":    func() { ReluBackward(s3, s3, s4) },
		"AddRowBroadcast": func() { AddRowBroadcast(s4, s4, 2, 2, s3) },
		"SumRows":         func() { SumRows(s3, s4, 2, 2) },
		"Exp":             func() { Exp(s3, s4) },
		"Dot":             func() { Dot(s3, s4) },
		"SoftmaxRows":     func() { SoftmaxRows(s3, s4, 2, 2) },
		"LogSoftmaxRows":  func() { LogSoftmaxRows(s4, s3, 2, 2) },
	}
	for name, f := range cases {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.HasPrefix(msg, "kernels: "+name+": ") {
					t.Errorf("%s: panic %q, want prefix %q", name, msg, "kernels: "+name+": ")
				}
			}()
			f()
		}()
	}
}
