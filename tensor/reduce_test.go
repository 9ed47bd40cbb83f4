package tensor

import (
	"fmt"
	"math"
	"testing"
)

// reduceGradCases covers reduce.go and reduce_more.go on axis sets that take
// every path of the line layout: the last axes (contiguous rows), leading
// or middle axes (inner > 1), axes interleaved with kept ones (gathered),
// size-1 axes, and all axes. Max and Min get distinct values (ties have
// their own test).
func reduceGradCases() []opGradCase {
	type reduction struct {
		op string
		f  func(x *Tensor, axes ...int) *Tensor
		in func(shapes ...[]int) func(g *RNG) []*Tensor
		// spread: the op needs two elements per line (the sample variance
		// of one element is NaN).
		spread bool
	}
	reductions := []reduction{
		{"Sum", (*Tensor).Sum, randoms, false},
		{"SumKeep", (*Tensor).SumKeep, randoms, false},
		{"Mean", (*Tensor).Mean, randoms, false},
		{"MeanKeep", (*Tensor).MeanKeep, randoms, false},
		{"Var", (*Tensor).Var, randoms, true},
		{"VarKeep", (*Tensor).VarKeep, randoms, true},
		{"Std", (*Tensor).Std, randoms, true},
		{"StdKeep", (*Tensor).StdKeep, randoms, true},
		{"LogSumExp", (*Tensor).LogSumExp, randoms, false},
		{"LogSumExpKeep", (*Tensor).LogSumExpKeep, randoms, false},
		{"Max", (*Tensor).Max, distinct, false},
		{"MaxKeep", (*Tensor).MaxKeep, distinct, false},
		{"Min", (*Tensor).Min, distinct, false},
		{"MinKeep", (*Tensor).MinKeep, distinct, false},
	}
	axisSets := []struct {
		shape []int
		axes  []int
	}{
		{sh(2, 3, 4), nil},
		{sh(2, 3, 4), sh(-1)},
		{sh(2, 3, 4), sh(1, 2)},
		{sh(2, 3, 4), sh(0)},
		{sh(2, 3, 4), sh(1)},
		{sh(2, 3, 4), sh(0, 2)},
		{sh(2, 3, 4), sh(-1, 0)},
		{sh(2, 3, 2, 3), sh(0, 2)}, // gathered through a permutation that is not its own inverse
		{sh(2, 1, 3), sh(0, 2)},    // one block: the kept axis between has size 1
		{sh(3, 1, 4), sh(0, 1)},    // a size-1 axis among the reduced ones
		{sh(3, 1, 4), sh(1)},       // only a size-1 axis: lines of one element
		{sh(5), nil},
	}
	var cases []opGradCase
	for _, r := range reductions {
		for _, s := range axisSets {
			if r.spread && newLineLayout(s.shape, normAxes("", s.axes, len(s.shape))).n == 1 {
				continue
			}
			cases = append(cases, opGradCase{r.op, fmt.Sprintf("%v axes %v", s.shape, s.axes),
				func(x ...*Tensor) *Tensor { return r.f(x[0], s.axes...) }, r.in(s.shape)})
		}
	}
	for _, op := range []string{"Sum", "Mean", "LogSumExp", "Max"} {
		f := map[string]func(x *Tensor, axes ...int) *Tensor{
			"Sum": (*Tensor).Sum, "Mean": (*Tensor).Mean, "LogSumExp": (*Tensor).LogSumExp, "Max": (*Tensor).Max,
		}[op]
		cases = append(cases, opGradCase{op, "[] all axes", func(x ...*Tensor) *Tensor { return f(x[0]) }, randoms(sh())})
	}
	for _, c := range []struct {
		correction int
		keep       bool
		axes       []int
	}{{0, false, sh(1)}, {0, true, nil}, {2, true, sh(0, 2)}, {2, false, sh(-1)}} {
		shapes := fmt.Sprintf("[2 3 4] correction %d keep %v axes %v", c.correction, c.keep, c.axes)
		cases = append(cases,
			opGradCase{"VarCorrection", shapes,
				func(x ...*Tensor) *Tensor { return x[0].VarCorrection(c.correction, c.keep, c.axes...) }, randoms(sh(2, 3, 4))},
			opGradCase{"StdCorrection", shapes,
				func(x ...*Tensor) *Tensor { return x[0].StdCorrection(c.correction, c.keep, c.axes...) }, randoms(sh(2, 3, 4))})
	}
	return cases
}

func TestReduceGradients(t *testing.T) { runOpGradCases(t, reduceGradCases()) }

func TestReduceValues(t *testing.T) {
	x := FromSlice([]float32{1, 2, 3, 4})
	assertClose(t, "Var [1 2 3 4]", x.Var().Data(), []float32{1.6666666}, 1e-6)
	assertClose(t, "Std [1 2 3 4]", x.Std().Data(), []float32{1.2909944}, 1e-6)
	assertClose(t, "VarCorrection 0", x.VarCorrection(0, false).Data(), []float32{1.25}, 1e-6)
	assertClose(t, "StdCorrection 0", x.StdCorrection(0, false).Data(), []float32{1.118034}, 1e-6)
	// A large mean must not swamp a small spread (the two-pass algorithm).
	off := FromSlice([]float32{10000001, 10000002, 10000003, 10000004})
	assertClose(t, "Var offset", off.Var().Data(), []float32{1.6666666}, 1e-6)

	m := FromSlice([]float32{1, 5, 5, 7, 2, 7}, 2, 3)
	for _, c := range []struct {
		name  string
		got   *Tensor
		shape []int
		want  []float32
	}{
		{"Var axis 1", m.Var(1), sh(2), []float32{16.0 / 3, 8.333333}},
		{"Var axis 0 keep", m.VarKeep(0), sh(1, 3), []float32{18, 4.5, 2}},
		{"Std axis -1 keep", m.StdKeep(-1), sh(2, 1), []float32{2.3094010, 2.8867513}},
		{"Max all", m.Max(), sh(), []float32{7}},
		{"Max axis 1", m.Max(1), sh(2), []float32{5, 7}},
		{"Max axis 0 keep", m.MaxKeep(0), sh(1, 3), []float32{7, 5, 7}},
		{"Min axis -1", m.Min(-1), sh(2), []float32{1, 2}},
		{"Min axes 0 1 keep", m.MinKeep(0, 1), sh(1, 1), []float32{1}},
		{"Argmax axis 1", m.Argmax(1), sh(2), []float32{1, 0}}, // the first of tied maxima
		{"Argmax axis 0", m.Argmax(0), sh(3), []float32{1, 0, 1}},
		{"Argmin axis -1", m.Argmin(-1), sh(2), []float32{0, 1}},
		{"Argmin axis 0", m.Argmin(0), sh(3), []float32{0, 1, 0}},
		{"LogSumExp [0 0 0]", Zeros(3).LogSumExp(), sh(), []float32{1.0986123}},
		{"LogSumExp axis 0", m.LogSumExp(0), sh(3), []float32{7.0024757, 5.0485873, 7.126928}},
		{"Max scalar", Scalar(3).Max(), sh(), []float32{3}},
		{"Argmax [1 3]", Ones(1, 3).Argmax(0), sh(3), []float32{0, 0, 0}},
		// First of tied extremes down columns (the inner > 1 path).
		{"Argmax ties axis 0", FromSlice([]float32{3, 1, 3, 2, 0, 2}, 3, 2).Argmax(0), sh(2), []float32{0, 1}},
		{"Argmin ties axis 0", FromSlice([]float32{3, 0, 3, 2, 0, 0}, 3, 2).Argmin(0), sh(2), []float32{2, 0}},
	} {
		if !SameShape(c.got.Shape(), c.shape) {
			t.Errorf("%s: shape %v, want %v", c.name, c.got.Shape(), c.shape)
		}
		assertClose(t, c.name, c.got.Data(), c.want, 1e-6)
	}
	if m.Clone().Detach().SetRequiresGrad(true).Argmax(0).RequiresGrad() {
		t.Error("Argmax requires grad")
	}
	if got := m.Argmax(1).Ints(); got[0] != 1 || got[1] != 0 {
		t.Errorf("Argmax(1).Ints() = %v, want [1 0]", got)
	}
}

// LogSumExp subtracts the maximum, so huge and tiny values neither overflow
// nor underflow, and rows of -Inf give -Inf rather than NaN.
func TestLogSumExpStable(t *testing.T) {
	ln2 := float32(math.Ln2)
	for _, c := range []struct {
		name string
		x    *Tensor
		want []float32
	}{
		{"[1000 1000]", FromSlice([]float32{1000, 1000}), []float32{1000 + ln2}},
		{"[-1000 -1000]", FromSlice([]float32{-1000, -1000}), []float32{-1000 + ln2}},
		{"[1000 0]", FromSlice([]float32{1000, 0}), []float32{1000}},
	} {
		assertClose(t, "LogSumExp "+c.name, c.x.LogSumExp().Data(), c.want, 1e-6)
	}
	// Along axis 0, through the inner > 1 path.
	cols := FromSlice([]float32{1000, -1000, 1000, -1000}, 2, 2)
	assertClose(t, "LogSumExp cols", cols.LogSumExp(0).Data(), []float32{1000 + ln2, -1000 + ln2}, 1e-6)

	inf := float32(math.Inf(1))
	for _, x := range []*Tensor{FromSlice([]float32{-inf, -inf}), FromSlice([]float32{-inf, -inf}, 2, 1)} {
		if v := x.LogSumExp(0).Data()[0]; !math.IsInf(float64(v), -1) {
			t.Errorf("LogSumExp of -Inf along axis 0 of %v = %v, want -Inf", x.Shape(), v)
		}
	}
	if v := FromSlice([]float32{1, inf}).LogSumExp().Item(); !math.IsInf(float64(v), 1) {
		t.Errorf("LogSumExp [1 +Inf] = %v, want +Inf", v)
	}

	// The gradient is the softmax, also for large values (to float32's
	// precision at 1000: exp(x − lse) sees lse's rounding of 6e-5).
	x := FromSlice([]float32{1000, 1001, 1002}).SetRequiresGrad(true)
	x.LogSumExp().Backward()
	assertClose(t, "dLogSumExp/dx", x.Grad.Data(), []float32{0.09003057, 0.24472847, 0.66524096}, 1e-4)
}

// torch.amax splits the gradient evenly among tied extremes; the three
// layouts (rows, inner > 1, gathered) must agree.
func TestMaxMinTies(t *testing.T) {
	x := FromSlice([]float32{
		1, 3, 3, 2,
		4, 4, 4, 0,
	}, 2, 4)
	for _, c := range []struct {
		name string
		f    func(x *Tensor) *Tensor
		want []float32
	}{
		{"Max axis 1", func(x *Tensor) *Tensor { return x.Max(1) }, []float32{
			0, 0.5, 0.5, 0,
			1.0 / 3, 1.0 / 3, 1.0 / 3, 0}},
		{"Max all", func(x *Tensor) *Tensor { return x.Max() }, []float32{
			0, 0, 0, 0,
			1.0 / 3, 1.0 / 3, 1.0 / 3, 0}},
		{"MaxKeep axis 0", func(x *Tensor) *Tensor { return x.MaxKeep(0) }, []float32{
			0, 0, 0, 1,
			1, 1, 1, 0}},
		{"Min axis 0", func(x *Tensor) *Tensor { return x.Min(0) }, []float32{
			1, 1, 1, 0,
			0, 0, 0, 1}},
		{"Min axis 1", func(x *Tensor) *Tensor { return x.Min(-1) }, []float32{
			1, 0, 0, 0,
			0, 0, 0, 1}},
	} {
		in := x.Clone().Detach().SetRequiresGrad(true)
		c.f(in).Sum().Backward()
		assertClose(t, c.name, in.Grad.Data(), c.want, 1e-6)
	}

	// Ties in the inner > 1 layout (axis 0 of [2 2 2], columns [5 5] [1 5]
	// [2 4] [3 0]) and in the gathered one (axes 0 and 2, lines
	// [5 1 5 5] and [2 3 4 0]).
	y := FromSlice([]float32{5, 1, 2, 3, 5, 5, 4, 0}, 2, 2, 2)
	for _, c := range []struct {
		axes []int
		want []float32
	}{
		{[]int{0}, []float32{0.5, 0, 0, 1, 0.5, 1, 1, 0}},
		{[]int{0, 2}, []float32{1.0 / 3, 0, 0, 0, 1.0 / 3, 1.0 / 3, 1, 0}},
	} {
		in := y.Clone().Detach().SetRequiresGrad(true)
		in.Max(c.axes...).Sum().Backward()
		assertClose(t, fmt.Sprintf("Max ties axes %v", c.axes), in.Grad.Data(), c.want, 1e-6)
	}
}

func TestReduceNaN(t *testing.T) {
	nan := float32(math.NaN())
	x := FromSlice([]float32{1, nan, 3, 4, 5, 6}, 2, 3)
	if v := x.Max(1).Data(); !math.IsNaN(float64(v[0])) || v[1] != 6 {
		t.Errorf("Max(1) with a NaN = %v, want [NaN 6]", v)
	}
	if v := x.Min(0).Data(); !math.IsNaN(float64(v[1])) || v[0] != 1 || v[2] != 3 {
		t.Errorf("Min(0) with a NaN = %v, want [1 NaN 3]", v)
	}
	assertClose(t, "Argmax(1) with a NaN", x.Argmax(1).Data(), []float32{1, 2}, 0)
	assertClose(t, "Argmin(0) with a NaN", x.Argmin(0).Data(), []float32{0, 0, 0}, 0)
	assertClose(t, "Argmax(0) with a NaN", x.Argmax(0).Data(), []float32{1, 0, 1}, 0)
	if v := Scalar(2).Var().Item(); !math.IsNaN(float64(v)) {
		t.Errorf("Var of one element = %v, want NaN (N - correction = 0)", v)
	}
	if v := Zeros(2, 0).Var(1).Data(); !math.IsNaN(float64(v[0])) {
		t.Errorf("Var over an empty axis = %v, want NaN", v)
	}
	if v := Zeros(2, 0).LogSumExp(1).Data(); !math.IsInf(float64(v[0]), -1) {
		t.Errorf("LogSumExp over an empty axis = %v, want -Inf", v)
	}
	// Std's gradient is masked where std is 0, as in PyTorch.
	c := Full(3, 4).SetRequiresGrad(true)
	c.Std().Backward()
	assertClose(t, "dStd/dx of a constant", c.Grad.Data(), []float32{0, 0, 0, 0}, 0)
}

func TestReduceShapePanics(t *testing.T) {
	x := Ones(2, 3, 4)
	mustPanic(t, func() { x.Max(3) }, "deepgo: Max:", "axis 3")
	mustPanic(t, func() { x.VarKeep(1, -2) }, "deepgo: VarKeep:", "repeated")
	mustPanic(t, func() { x.Argmin(-4) }, "deepgo: Argmin:", "axis -4")
	mustPanic(t, func() { Zeros(2, 0).Max(1) }, "deepgo: Max:", "[2 0]", "empty")
	mustPanic(t, func() { Zeros(0, 3).Argmax(0) }, "deepgo: Argmax:", "[0 3]", "empty")
	// An empty result is fine: there is nothing to fill.
	if r := Zeros(0, 3).Max(1); !SameShape(r.Shape(), []int{0}) {
		t.Errorf("Max(1) of [0 3] has shape %v, want [0]", r.Shape())
	}
}

// naiveReduce reduces x over axes in float64 by walking every element's
// multi-index: the reference for the fast line kernels. f gets each line's
// values in order and returns its result.
func naiveReduce(x *Tensor, axes []int, f func(line []float64) float64) []float64 {
	ax := normAxes("naive", axes, x.Dim())
	l := newLineLayout(x.shape, ax)
	reduced := make([]bool, x.Dim())
	for _, a := range ax {
		reduced[a] = true
	}
	lines := make([][]float64, l.lines())
	idx := make([]int, x.Dim())
	for _, v := range x.data {
		// Row-major index of the kept axes gives the result position.
		pos := 0
		for d, s := range x.shape {
			if !reduced[d] {
				pos = pos*s + idx[d]
			}
		}
		lines[pos] = append(lines[pos], float64(v))
		for d := x.Dim() - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < x.shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	out := make([]float64, len(lines))
	for i, line := range lines {
		out[i] = f(line)
	}
	return out
}

// The fast kernels agree with naiveReduce on awkward shapes and every
// subset of axes.
func TestReduceMatchesNaive(t *testing.T) {
	mean := func(v []float64) float64 {
		s := 0.0
		for _, x := range v {
			s += x
		}
		return s / float64(len(v))
	}
	variance := func(v []float64) float64 {
		m, s := mean(v), 0.0
		for _, x := range v {
			s += (x - m) * (x - m)
		}
		return s / float64(len(v)-1)
	}
	ops := []struct {
		name  string
		fast  func(x *Tensor, axes ...int) *Tensor
		naive func(v []float64) float64
	}{
		{"Var", (*Tensor).Var, variance},
		{"Std", (*Tensor).Std, func(v []float64) float64 { return math.Sqrt(variance(v)) }},
		{"LogSumExp", (*Tensor).LogSumExp, func(v []float64) float64 {
			s := 0.0
			for _, x := range v {
				s += math.Exp(x)
			}
			return math.Log(s)
		}},
		{"Max", (*Tensor).Max, func(v []float64) float64 {
			m := math.Inf(-1)
			for _, x := range v {
				m = max(m, x)
			}
			return m
		}},
		{"Min", (*Tensor).Min, func(v []float64) float64 {
			m := math.Inf(1)
			for _, x := range v {
				m = min(m, x)
			}
			return m
		}},
	}
	g := NewRNG(11)
	for _, shape := range [][]int{{7}, {257}, {2, 31}, {31, 2}, {7, 1, 31}, {3, 5, 2, 4}, {1, 7, 1, 3}} {
		x := Normal(g, 0, 2, shape...)
		for mask := 0; mask < 1<<len(shape); mask++ {
			var axes []int
			for a := range shape {
				if mask&(1<<a) != 0 {
					axes = append(axes, a)
				}
			}
			if mask == 0 {
				continue // no axes means all axes, which the full mask covers
			}
			for _, op := range ops {
				got := op.fast(x, axes...).Float64s()
				want := naiveReduce(x, axes, op.naive)
				name := fmt.Sprintf("%s %v axes %v", op.name, shape, axes)
				if len(got) != len(want) {
					t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
				}
				for i := range got {
					if math.IsNaN(want[i]) != math.IsNaN(got[i]) ||
						(!math.IsNaN(want[i]) && math.Abs(got[i]-want[i]) > 1e-5*(1+math.Abs(want[i]))) {
						t.Fatalf("%s: element %d = %v, want %v", name, i, got[i], want[i])
					}
				}
			}
			if len(axes) == 1 {
				for _, isMax := range []bool{true, false} {
					var got []int
					if isMax {
						got = x.Argmax(axes[0]).Ints()
					} else {
						got = x.Argmin(axes[0]).Ints()
					}
					want := naiveReduce(x, axes, func(v []float64) float64 {
						k := 0
						for j, x := range v {
							if (isMax && x > v[k]) || (!isMax && x < v[k]) {
								k = j
							}
						}
						return float64(k)
					})
					for i := range got {
						if float64(got[i]) != want[i] {
							t.Fatalf("Arg(max=%v) %v axis %d: element %d = %d, want %v", isMax, shape, axes[0], i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

// The gathered layout's permutation round-trips.
func TestLineLayoutGatherScatter(t *testing.T) {
	x := Arange(0, 24, 1).Reshape(2, 3, 4)
	l := newLineLayout(x.shape, []int{0, 2})
	if l.perm == nil || l.outer != 3 || l.n != 8 || l.inner != 1 {
		t.Fatalf("layout of [2 3 4] over axes [0 2] = %+v, want a gather into [3] lines of 8", l)
	}
	got := l.gather(x.data)
	// Line k holds x[:, k, :] in order.
	assertClose(t, "gather line 1", got[8:16], []float32{4, 5, 6, 7, 16, 17, 18, 19}, 0)
	assertClose(t, "scatter", l.scatter(got), x.data, 0)

	// Axes 0 and 2 of [2 3 2 3] gather with perm [1 3 0 2], whose inverse
	// differs from it.
	y := Arange(0, 36, 1).Reshape(2, 3, 2, 3)
	l = newLineLayout(y.shape, []int{0, 2})
	got = l.gather(y.data)
	// Line (1, 2) holds y[:, 1, :, 2]; y's strides are [18 6 3 1].
	assertClose(t, "gather line (1, 2)", got[(1*3+2)*4:(1*3+3)*4], []float32{8, 11, 26, 29}, 0)
	assertClose(t, "scatter 4-D", l.scatter(got), y.data, 0)
}

// BenchmarkReductions times forward and backward of each reduction over
// the last axis (contiguous rows), the first axis (inner > 1) and two
// interleaved axes (gathered), on a [64 32 64] input; Sum is the yardstick.
func BenchmarkReductions(b *testing.B) {
	x := Randn(NewRNG(1), 64, 32, 64).SetRequiresGrad(true)
	for _, op := range []struct {
		name string
		f    func(x *Tensor, axes ...int) *Tensor
	}{
		{"Sum", (*Tensor).Sum}, {"Var", (*Tensor).Var}, {"LogSumExp", (*Tensor).LogSumExp}, {"Max", (*Tensor).Max},
	} {
		for _, axes := range [][]int{{-1}, {0}, {0, 2}} {
			b.Run(fmt.Sprintf("%s/axes%v", op.name, axes), func(b *testing.B) {
				b.SetBytes(int64(4 * x.Numel()))
				for b.Loop() {
					x.Grad = nil
					op.f(x, axes...).Sum().Backward()
				}
			})
		}
	}
}

func ExampleTensor_LogSumExp() {
	x := FromSlice([]float32{1000, 1000})
	fmt.Printf("%.3f\n", x.LogSumExp().Item()) // 1000 + ln 2, no overflow
	// Output: 1000.693
}

func ExampleTensor_Max() {
	x := FromSlice([]float32{1, 5, 5, 7, 2, 7}, 2, 3).SetRequiresGrad(true)
	m := x.Max(1)
	m.Sum().Backward()
	fmt.Println(m.Data(), x.Argmax(1).Ints())
	fmt.Println(x.Grad.Data()) // tied maxima share the gradient
	// Output:
	// [5 7] [1 0]
	// [0 0.5 0.5 0.5 0 0.5]
}

func ExampleTensor_Var() {
	x := FromSlice([]float32{1, 2, 3, 4})
	fmt.Printf("%.4f %.4f %.4f\n", x.Var().Item(), x.VarCorrection(0, false).Item(), x.Std().Item())
	// Output: 1.6667 1.2500 1.2910
}
