package kernels

import (
	"math"
	"strconv"
)

// Elementwise and reduction kernels on flat []float32.
//
// Every exported function checks its slice lengths and panics with
// "kernels: <Func>: ..." on a mismatch, so that a shape bug in a caller
// fails loudly at the call instead of reading past or short of a buffer in
// assembly. dst may be the very same slice as an input (in-place updates);
// a dst that overlaps an input at a different offset is not supported.
//
// On amd64 with AVX2+FMA the work is done by the assembly in vec_*amd64.s;
// elsewhere, or under the purego tag, by the Go loops in vec_generic.go and
// vec_exp.go. The kernels are single-threaded except the row-wise softmax,
// so callers decide how to split large tensors.

var vecNegInf = float32(math.Inf(-1))

// vecLenPanic is kept out of line so the checks in the callers stay a
// compare and a not-taken branch.
//
//go:noinline
func vecLenPanic(fn, what string, got, want int) {
	panic("kernels: " + fn + ": len(" + what + ") = " + strconv.Itoa(got) +
		", want " + strconv.Itoa(want))
}

func vecCheck3(fn string, dst, a, b []float32) {
	if len(a) != len(dst) {
		vecLenPanic(fn, "a", len(a), len(dst))
	}
	if len(b) != len(dst) {
		vecLenPanic(fn, "b", len(b), len(dst))
	}
}

// Add sets dst[i] = a[i] + b[i].
func Add(dst, a, b []float32) {
	vecCheck3("Add", dst, a, b)
	vecAdd(dst, a, b)
}

// Sub sets dst[i] = a[i] - b[i].
func Sub(dst, a, b []float32) {
	vecCheck3("Sub", dst, a, b)
	vecSub(dst, a, b)
}

// Mul sets dst[i] = a[i] * b[i].
func Mul(dst, a, b []float32) {
	vecCheck3("Mul", dst, a, b)
	vecMul(dst, a, b)
}

// Div sets dst[i] = a[i] / b[i] (IEEE: x/0 is ±Inf or NaN, no panic).
func Div(dst, a, b []float32) {
	vecCheck3("Div", dst, a, b)
	vecDiv(dst, a, b)
}

// AddScalar sets dst[i] = a[i] + s.
func AddScalar(dst, a []float32, s float32) {
	if len(a) != len(dst) {
		vecLenPanic("AddScalar", "a", len(a), len(dst))
	}
	vecAddScalar(dst, a, s)
}

// Scale sets dst[i] = a[i] * s.
func Scale(dst, a []float32, s float32) {
	if len(a) != len(dst) {
		vecLenPanic("Scale", "a", len(a), len(dst))
	}
	vecScale(dst, a, s)
}

// Axpy sets y[i] += alpha*x[i]. The assembly uses a fused multiply-add, so
// results can differ from the Go path in the last bit.
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		vecLenPanic("Axpy", "x", len(x), len(y))
	}
	vecAxpy(alpha, x, y)
}

// AddTo sets dst[i] += x[i]; it is the gradient-accumulation step, and is
// Add with dst as the first input.
func AddTo(dst, x []float32) {
	if len(x) != len(dst) {
		vecLenPanic("AddTo", "x", len(x), len(dst))
	}
	vecAdd(dst, dst, x)
}

// MulAdd sets dst[i] += a[i]*b[i] (fused on the assembly path).
func MulAdd(dst, a, b []float32) {
	vecCheck3("MulAdd", dst, a, b)
	vecMulAdd(dst, a, b)
}

// Relu sets dst[i] = max(x[i], 0). NaN propagates (a diverged activation
// stays visible) and -0 stays -0.
func Relu(dst, x []float32) {
	if len(x) != len(dst) {
		vecLenPanic("Relu", "x", len(x), len(dst))
	}
	vecRelu(dst, x)
}

// ReluBackward sets dx[i] = dy[i] where x[i] > 0 and +0 elsewhere,
// including where x[i] is NaN.
func ReluBackward(dx, x, dy []float32) {
	if len(x) != len(dx) {
		vecLenPanic("ReluBackward", "x", len(x), len(dx))
	}
	if len(dy) != len(dx) {
		vecLenPanic("ReluBackward", "dy", len(dy), len(dx))
	}
	vecReluBackward(dx, x, dy)
}

func vecCheckMatrix(fn, what string, s []float32, rows, cols int) {
	if rows < 0 || cols < 0 {
		panic("kernels: " + fn + ": negative shape " + strconv.Itoa(rows) + "x" + strconv.Itoa(cols))
	}
	if len(s) != rows*cols {
		vecLenPanic(fn, what, len(s), rows*cols)
	}
}

// AddRowBroadcast sets dst[r*cols+c] = x[r*cols+c] + bias[c]: the bias add
// of a dense layer over a row-major batch.
func AddRowBroadcast(dst, x []float32, rows, cols int, bias []float32) {
	vecCheckMatrix("AddRowBroadcast", "x", x, rows, cols)
	vecCheckMatrix("AddRowBroadcast", "dst", dst, rows, cols)
	if len(bias) != cols {
		vecLenPanic("AddRowBroadcast", "bias", len(bias), cols)
	}
	if rows == 0 || cols == 0 {
		return
	}
	vecAddRowBroadcast(dst, x, rows, cols, bias)
}

// SumRows sets dst[c] = sum over r of x[r*cols+c], overwriting dst: the
// bias gradient, summed over the batch.
//
// It walks x row by row (never down a column, which would stride through
// memory) over column blocks small enough that the running sums stay in L1.
// Rows are summed in float32 in groups of 64 whose partial sums are then
// added, which bounds the rounding error by about (64 + rows/64) ulps
// instead of rows ulps for a large batch.
func SumRows(dst []float32, x []float32, rows, cols int) {
	vecCheckMatrix("SumRows", "x", x, rows, cols)
	if len(dst) != cols {
		vecLenPanic("SumRows", "dst", len(dst), cols)
	}
	if rows == 0 {
		clear(dst)
		return
	}
	for c0 := 0; c0 < cols; c0 += vecSumRowsBlock {
		c1 := min(c0+vecSumRowsBlock, cols)
		d := dst[c0:c1]
		vecSumRowGroup(d, x, 0, min(rows, vecSumRowsGroup), cols, c0)
		if rows > vecSumRowsGroup {
			vecSumRowGroups(d, x, rows, cols, c0)
		}
	}
}

const vecSumRowsBlock, vecSumRowsGroup = 1024, 64

// vecSumRowGroup sets acc to the sum of rows [r0, r1) of x in columns
// [c0, c0+len(acc)).
func vecSumRowGroup(acc, x []float32, r0, r1, cols, c0 int) {
	w := len(acc)
	copy(acc, x[r0*cols+c0:r0*cols+c0+w])
	for r := r0 + 1; r < r1; r++ {
		vecAdd(acc, acc, x[r*cols+c0:r*cols+c0+w])
	}
}

// vecSumRowGroups adds the row groups after the first to d. It is split out
// so that only large batches pay for zeroing the 4 KB scratch array.
func vecSumRowGroups(d, x []float32, rows, cols, c0 int) {
	var tmp [vecSumRowsBlock]float32
	acc := tmp[:len(d)]
	for r0 := vecSumRowsGroup; r0 < rows; r0 += vecSumRowsGroup {
		vecSumRowGroup(acc, x, r0, min(r0+vecSumRowsGroup, rows), cols, c0)
		vecAdd(d, d, acc)
	}
}

// Exp sets dst[i] = exp(x[i]) with a vectorised polynomial (see vec_exp.go):
// at most 1.01 ulp from exp (measured over every float32), +Inf above
// ln(MaxFloat32), NaN for NaN, and 0 wherever the result would be subnormal
// (x below about -87.34).
func Exp(dst, x []float32) {
	if len(x) != len(dst) {
		vecLenPanic("Exp", "x", len(x), len(dst))
	}
	vecExp(dst, x)
}

// Sum returns the sum of x. Partial sums are carried in float64 (see
// vec_reduce_amd64.s), so the error stays within a few float32 ulps of
// sum |x[i]| however long x is: 7e-9 relative measured on 10^6 uniform
// values, where a float32 accumulator would be off by 1e-6 or worse.
func Sum(x []float32) float32 { return vecSum(x) }

// Dot returns sum x[i]*y[i], accumulated like Sum.
func Dot(x, y []float32) float32 {
	if len(y) != len(x) {
		vecLenPanic("Dot", "y", len(y), len(x))
	}
	return vecDot(x, y)
}

// Max returns the largest value of x and the index of its first occurrence.
// If x holds a NaN it returns the first NaN and its index instead, so a NaN
// is never hidden by an argmax. Equal zeros of either sign count as the
// same value. For an empty x it returns (-Inf, -1).
func Max(x []float32) (float32, int) {
	if len(x) == 0 {
		return vecNegInf, -1
	}
	return vecMax(x)
}
