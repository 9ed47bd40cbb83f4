package kernels

import "math"

// vecSoftmaxParMin is the fewest elements per ParallelFor chunk. Softmax
// runs at ~0.45 ns per element on one core, so a chunk is >= 100 µs of
// work. Measured on a 2-core Zen 4 shared with other jobs: 1024x1024 rows
// took 0.74x the one-thread time with two threads, but 256x1024 and below
// got slower, the second core being busy, so only large batches split.
const vecSoftmaxParMin = 1 << 18

// SoftmaxRows sets each row of dst (rows x cols, row-major) to the softmax
// of the same row of x. Each row is shifted by its max before exp so that
// no term overflows; the denominator is accumulated in float64. A row with a
// NaN, or with +Inf, comes out all NaN. dst may be x.
func SoftmaxRows(dst, x []float32, rows, cols int) {
	vecCheckMatrix("SoftmaxRows", "x", x, rows, cols)
	vecCheckMatrix("SoftmaxRows", "dst", dst, rows, cols)
	if rows == 0 || cols == 0 {
		return
	}
	vecRowsParallel(dst, x, rows, cols, vecSoftmaxRange)
}

// LogSoftmaxRows sets each row of dst to the log-softmax of the row of x:
// x - max - log(sum exp(x - max)). The two subtractions are done in that
// order, not as x - (max + log(sum)): x - max is exact near the max, so
// the outputs near 0 (probabilities near 1, where NLL losses look) keep
// full relative precision. dst may be x.
func LogSoftmaxRows(dst, x []float32, rows, cols int) {
	vecCheckMatrix("LogSoftmaxRows", "x", x, rows, cols)
	vecCheckMatrix("LogSoftmaxRows", "dst", dst, rows, cols)
	if rows == 0 || cols == 0 {
		return
	}
	vecRowsParallel(dst, x, rows, cols, vecLogSoftmaxRange)
}

func vecRowsParallel(dst, x []float32, rows, cols int, fn func(dst, x []float32, lo, hi, cols int)) {
	if rows < 2 || rows*cols < 2*vecSoftmaxParMin || Threads() < 2 {
		fn(dst, x, 0, rows, cols)
		return
	}
	grain := max(1, vecSoftmaxParMin/cols)
	ParallelFor(rows, grain, func(lo, hi int) { fn(dst, x, lo, hi, cols) })
}

func vecSoftmaxRange(dst, x []float32, lo, hi, cols int) {
	for r := lo; r < hi; r++ {
		d, s := dst[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols]
		m := vecMaxVal(s)
		sum := vecExpShiftSum(d, s, m)
		vecScale(d, d, float32(1/sum))
	}
}

func vecLogSoftmaxRange(dst, x []float32, lo, hi, cols int) {
	for r := lo; r < hi; r++ {
		d, s := dst[r*cols:(r+1)*cols], x[r*cols:(r+1)*cols]
		m := vecMaxVal(s)
		var sum float64
		if &d[0] != &s[0] {
			sum = vecExpShiftSum(d, s, m) // d is scratch until overwritten below
		} else {
			sum = vecSumExpShift(s, m)
		}
		lse := float32(math.Log(sum))
		vecAddScalar(d, s, -m)
		vecAddScalar(d, d, -lse)
	}
}

// vecSumExpShift returns sum exp(x[i]-shift) without writing to the
// caller's memory, for LogSoftmaxRows in place, by running the exp kernel
// into a stack buffer a chunk at a time.
func vecSumExpShift(x []float32, shift float32) float64 {
	var buf [512]float32
	var s float64
	for len(x) > 0 {
		n := min(len(x), len(buf))
		s += vecExpShiftSum(buf[:n], x[:n], shift)
		x = x[n:]
	}
	return s
}
