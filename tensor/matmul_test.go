package tensor

import (
	"fmt"
	"testing"
)

// matmulGradCases covers MatMul on every path (plain 2-D, batched,
// broadcast batches, 1-D operands, and a batch times one matrix, which runs
// as one tall GEMM) and Linear with and without bias.
func matmulGradCases() []opGradCase {
	mm := func(x ...*Tensor) *Tensor { return MatMul(x[0], x[1]) }
	linear := func(x ...*Tensor) *Tensor { return Linear(x[0], x[1], x[2]) }
	noBias := func(x ...*Tensor) *Tensor { return Linear(x[0], x[1], nil) }
	cases := []opGradCase{}
	for _, s := range [][2][]int{
		{sh(3, 4), sh(4, 5)},
		{sh(1, 4), sh(4, 1)},
		{sh(2, 3, 4, 5), sh(2, 3, 5, 6)}, // batched
		{sh(4, 5), sh(2, 3, 5, 6)},       // a broadcast over b's batch
		{sh(2, 1, 4, 5), sh(3, 5, 6)},    // both batches broadcast to [2 3]
		{sh(2, 3, 4), sh(4, 5)},          // the fused tall-GEMM path
		{sh(5), sh(5)},                   // dot product
		{sh(5), sh(5, 3)},                // vector × matrix
		{sh(3, 5), sh(5)},                // matrix × vector
		{sh(5), sh(2, 5, 3)},             // vector × batch
		{sh(2, 3, 5), sh(5)},             // batch × vector
	} {
		cases = append(cases, opGradCase{"MatMul", fmt.Sprintf("%v x %v", s[0], s[1]), mm, randoms(s[0], s[1])})
	}
	return append(cases,
		opGradCase{"Linear", "x [3 4], w [5 4], bias [5]", linear, randoms(sh(3, 4), sh(5, 4), sh(5))},
		opGradCase{"Linear", "x [2 3 4], w [5 4], bias [5]", linear, randoms(sh(2, 3, 4), sh(5, 4), sh(5))},
		opGradCase{"Linear", "x [3 4], w [5 4], no bias", noBias, randoms(sh(3, 4), sh(5, 4))},
		opGradCase{"Linear", "x [2 3 4], w [5 4], no bias", noBias, randoms(sh(2, 3, 4), sh(5, 4))},
		opGradCase{"Linear", "x [4], w [2 4], bias [2]", linear, randoms(sh(4), sh(2, 4), sh(2))},
	)
}

func TestMatMulGradients(t *testing.T) { runOpGradCases(t, matmulGradCases()) }

func TestMatMulValues(t *testing.T) {
	a := FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	b := FromSlice([]float32{5, 6, 7, 8}, 2, 2)
	for _, c := range []struct {
		name  string
		got   *Tensor
		shape []int
		want  []float32
	}{
		{"[2 2] x [2 2]", MatMul(a, b), sh(2, 2), []float32{19, 22, 43, 50}},
		{"[2 3] x [3 1]", MatMul(FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3), FromSlice([]float32{1, 0, -1}, 3, 1)),
			sh(2, 1), []float32{-2, -2}},
		{"[3] . [3]", MatMul(FromSlice([]float32{1, 2, 3}), FromSlice([]float32{4, 5, 6})), sh(), []float32{32}},
		{"[2] x [2 2]", MatMul(FromSlice([]float32{1, 1}), a), sh(2), []float32{4, 6}},
		{"[2 2] x [2]", MatMul(a, FromSlice([]float32{1, 1})), sh(2), []float32{3, 7}},
		// A batch of two against one matrix: [2 2 2] x [2 2].
		{"[2 2 2] x [2 2]", MatMul(FromSlice([]float32{1, 2, 3, 4, 1, 0, 0, 1}, 2, 2, 2), b),
			sh(2, 2, 2), []float32{19, 22, 43, 50, 5, 6, 7, 8}},
		// One matrix against a batch of two: [2 2] x [2 2 2].
		{"[2 2] x [2 2 2]", MatMul(a, FromSlice([]float32{5, 6, 7, 8, 1, 0, 0, 1}, 2, 2, 2)),
			sh(2, 2, 2), []float32{19, 22, 43, 50, 1, 2, 3, 4}},
		{"Linear", Linear(a, b, FromSlice([]float32{10, 20})), sh(2, 2), []float32{27, 43, 49, 73}}, // a·bᵀ + bias
		{"Linear no bias", Linear(FromSlice([]float32{1, 2}), b, nil), sh(2), []float32{17, 23}},
	} {
		if !SameShape(c.got.Shape(), c.shape) {
			t.Errorf("%s: shape %v, want %v", c.name, c.got.Shape(), c.shape)
		}
		assertClose(t, c.name, c.got.Data(), c.want, 0)
	}
}

// naiveMatMul is the float64 reference for broadcast batched products:
// a [..., m, k] and b [..., k, n] with batch shapes that broadcast.
func naiveMatMul(a, b *Tensor) []float64 {
	m, k := a.shape[a.Dim()-2], a.shape[a.Dim()-1]
	n := b.shape[b.Dim()-1]
	aBatch, bBatch := a.shape[:a.Dim()-2], b.shape[:b.Dim()-2]
	batch := broadcastShapes("naive", aBatch, bBatch)
	sa, sb := broadcastStrides(aBatch, batch), broadcastStrides(bBatch, batch)
	var out []float64
	idx := make([]int, len(batch))
	for range prod(batch) {
		offA, offB := 0, 0
		for d := range batch {
			offA += idx[d] * sa[d] * m * k
			offB += idx[d] * sb[d] * k * n
		}
		for i := 0; i < m; i++ {
			for j := 0; j < n; j++ {
				var s float64
				for p := 0; p < k; p++ {
					s += float64(a.data[offA+i*k+p]) * float64(b.data[offB+p*n+j])
				}
				out = append(out, s)
			}
		}
		for d := len(batch) - 1; d >= 0; d-- {
			if idx[d]++; idx[d] < batch[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

// MatMul agrees with the naive product on awkward sizes and broadcasts.
func TestMatMulMatchesNaive(t *testing.T) {
	g := NewRNG(5)
	for _, s := range [][2][]int{
		{sh(1, 1), sh(1, 1)},
		{sh(7, 31), sh(31, 3)},
		{sh(3, 7, 5), sh(5, 9)},
		{sh(2, 1, 7, 5), sh(3, 5, 2)},
		{sh(7, 5), sh(2, 2, 5, 31)},
		{sh(1, 3, 2), sh(4, 1, 2, 7)},
	} {
		a, b := Normal(g, 0, 1, s[0]...), Normal(g, 0, 1, s[1]...)
		got, want := MatMul(a, b).Float64s(), naiveMatMul(a, b)
		if len(got) != len(want) {
			t.Fatalf("%v x %v: %d values, want %d", s[0], s[1], len(got), len(want))
		}
		for i := range got {
			if d := got[i] - want[i]; d > 1e-4 || d < -1e-4 {
				t.Fatalf("%v x %v: element %d = %v, want %v", s[0], s[1], i, got[i], want[i])
			}
		}
	}
}

func TestMatMulShapePanics(t *testing.T) {
	mustPanic(t, func() { MatMul(Ones(64, 784), Ones(100, 10)) },
		"deepgo: MatMul:", "[64 784]", "[100 10]", "inner dimensions differ", "784 != 100")
	mustPanic(t, func() { MatMul(Ones(2, 3, 4), Ones(2, 5, 6)) }, "MatMul", "[2 3 4]", "[2 5 6]", "inner dimensions differ")
	mustPanic(t, func() { MatMul(Scalar(1), Ones(3)) }, "MatMul", "[]", "[3]")
	mustPanic(t, func() { Linear(Ones(3, 4), Ones(5, 3), nil) }, "deepgo: Linear:", "[3 4]", "[5 3]")
	mustPanic(t, func() { Linear(Ones(3, 4), Ones(4), nil) }, "deepgo: Linear:", "[3 4]", "[4]")
	mustPanic(t, func() { Linear(Ones(3, 4), Ones(5, 4), Ones(4)) }, "deepgo: Linear:", "[4]", "[5 4]")
}

// A mismatch must name the operands' shapes as the caller passed them: not
// only their batch parts, nor 1-D operands after their unsqueeze.
func TestMatMulPanicsNameCallerShapes(t *testing.T) {
	mustPanic(t, func() { MatMul(Ones(2, 3, 4), Ones(5, 4, 2)) }, "deepgo: MatMul:", "[2 3 4]", "[5 4 2]")
	mustPanic(t, func() { MatMul(Ones(3), Ones(4)) }, "deepgo: MatMul:", "[3] x [4]", "inner dimensions differ")
	mustPanic(t, func() { MatMul(Ones(2, 3), Ones(4)) }, "deepgo: MatMul:", "[2 3] x [4]", "inner dimensions differ")
}
