package tensor

import "math"

// lineLayout views a tensor reduced over a set of axes as outer×inner lines
// of n elements each: element j of line (o, i) sits at (o·n + j)·inner + i,
// and the reduced value of that line at o·inner + i, which is also the
// row-major order of the result (with or without the kept size-1 axes).
//
// Reducing the last axes makes inner 1, so every line is a contiguous row.
// Reducing leading or middle axes makes inner > 1, and the kernels then
// sweep whole rows of inner values at a time, which keeps memory access
// sequential instead of striding through each line.
type lineLayout struct {
	outer, n, inner int
	shape           []int // the input's shape
	// perm is non-nil when the reduced axes are interleaved with kept
	// ones (say axes 0 and 2 of [2 3 4]). The input is then gathered
	// into this axis order, kept axes first, which makes every line a
	// contiguous row (inner == 1).
	perm []int
}

// newLineLayout builds the layout of shape reduced over axes (normalised
// and sorted, as normAxes returns them).
func newLineLayout(shape, axes []int) lineLayout {
	l := lineLayout{outer: 1, n: 1, inner: 1, shape: shape}
	reduced := make([]bool, len(shape))
	for _, a := range axes {
		reduced[a] = true
		l.n *= shape[a]
	}
	// Size-1 axes never move an offset, so only the others decide whether
	// the reduced axes form one block.
	first, last := -1, -1
	for i, s := range shape {
		if reduced[i] && s != 1 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		l.outer = prod(shape)
		return l
	}
	for i := first; i <= last; i++ {
		if !reduced[i] && shape[i] != 1 {
			for a, r := range reduced {
				if !r {
					l.perm = append(l.perm, a)
					l.outer *= shape[a]
				}
			}
			for a, r := range reduced {
				if r {
					l.perm = append(l.perm, a)
				}
			}
			return l
		}
	}
	l.outer, l.inner = prod(shape[:first]), prod(shape[last+1:])
	return l
}

// lines is the number of lines, which is the size of the result.
func (l lineLayout) lines() int { return l.outer * l.inner }

// gather returns the input's values in line order: data itself unless the
// layout needs a permuted copy.
func (l lineLayout) gather(data []float32) []float32 {
	if l.perm == nil {
		return data
	}
	return permutedValues(data, l.shape, l.perm)
}

// scatter is the inverse of gather: it puts values in line order back into
// the input's order.
func (l lineLayout) scatter(data []float32) []float32 {
	if l.perm == nil {
		return data
	}
	shape, inv := make([]int, len(l.perm)), make([]int, len(l.perm))
	for k, a := range l.perm {
		shape[k], inv[a] = l.shape[a], k
	}
	return permutedValues(data, shape, inv)
}

// permutedValues copies data, of the given shape, into the axis order perm:
// axis k of the result is axis perm[k] of the input.
func permutedValues(data []float32, shape, perm []int) []float32 {
	out := make([]float32, len(data))
	if len(out) == 0 {
		return out
	}
	st := contiguousStrides(shape)
	dims, strides := make([]int, len(perm)), make([]int, len(perm))
	for k, a := range perm {
		dims[k], strides[k] = shape[a], st[a]
	}
	last := len(dims) - 1
	run, step := dims[last], strides[last]
	idx := make([]int, last)
	off := 0
	for o := 0; o < len(out); o += run {
		dst := out[o : o+run]
		for i := range dst {
			dst[i] = data[off+i*step]
		}
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			off += strides[d]
			if idx[d] < dims[d] {
				break
			}
			off -= strides[d] * dims[d]
			idx[d] = 0
		}
	}
	return out
}

// extreme sets dst to the maximum (isMax) or minimum of every line of x.
// NaN propagates, as in torch.amax. Lines must not be empty.
func (l lineLayout) extreme(dst, x []float32, isMax bool) {
	n, inner := l.n, l.inner
	for o := 0; o < l.outer; o++ {
		src := x[o*n*inner : (o+1)*n*inner]
		if inner == 1 {
			if isMax {
				dst[o] = maxOfRow(src)
			} else {
				dst[o] = minOfRow(src)
			}
			continue
		}
		acc := dst[o*inner : (o+1)*inner]
		copy(acc, src[:inner])
		for j := 1; j < n; j++ {
			row := src[j*inner : (j+1)*inner]
			if isMax {
				for i, v := range row {
					acc[i] = max(acc[i], v)
				}
			} else {
				for i, v := range row {
					acc[i] = min(acc[i], v)
				}
			}
		}
	}
}

// maxOfRow returns the largest value of a non-empty x (NaN if x holds one).
func maxOfRow(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	return m
}

// minOfRow returns the smallest value of a non-empty x (NaN if x holds one).
func minOfRow(x []float32) float32 {
	m := x[0]
	for _, v := range x[1:] {
		m = min(m, v)
	}
	return m
}

// spreadTies is the backward of extreme: dx gets g/count at the positions
// of each line equal to its extreme m (count of them), 0 elsewhere. dx must
// be zeroed.
func (l lineLayout) spreadTies(dx, x, m, g []float32) {
	n, inner := l.n, l.inner
	if inner == 1 {
		for o := 0; o < l.outer; o++ {
			row, d, mv := x[o*n:(o+1)*n], dx[o*n:(o+1)*n], m[o]
			count := 0
			for _, v := range row {
				if v == mv {
					count++
				}
			}
			share := g[o] / float32(count)
			for j, v := range row {
				if v == mv {
					d[j] = share
				}
			}
		}
		return
	}
	share := make([]float32, inner)
	for o := 0; o < l.outer; o++ {
		mv, gv := m[o*inner:(o+1)*inner], g[o*inner:(o+1)*inner]
		base := o * n * inner
		clear(share)
		for j := 0; j < n; j++ {
			row := x[base+j*inner : base+(j+1)*inner]
			for i, v := range row {
				if v == mv[i] {
					share[i]++
				}
			}
		}
		for i, c := range share {
			share[i] = gv[i] / c
		}
		for j := 0; j < n; j++ {
			row, d := x[base+j*inner:base+(j+1)*inner], dx[base+j*inner:base+(j+1)*inner]
			for i, v := range row {
				if v == mv[i] {
					d[i] = share[i]
				}
			}
		}
	}
}

// argExtreme sets dst to the index (as a float32) of the first maximum
// (isMax) or minimum of every line; a NaN counts as the extreme, as in
// torch.argmax. Lines must not be empty.
func (l lineLayout) argExtreme(dst, x []float32, isMax bool) {
	n, inner := l.n, l.inner
	if inner == 1 {
		for o := 0; o < l.outer; o++ {
			dst[o] = float32(argExtremeOfRow(x[o*n:(o+1)*n], isMax))
		}
		return
	}
	best := make([]float32, inner)
	for o := 0; o < l.outer; o++ {
		src, idx := x[o*n*inner:(o+1)*n*inner], dst[o*inner:(o+1)*inner]
		copy(best, src[:inner])
		clear(idx)
		for j := 1; j < n; j++ {
			row, fj := src[j*inner:(j+1)*inner], float32(j)
			for i, v := range row {
				// A first NaN wins and stays (NaN compares false).
				if (isMax && v > best[i]) || (!isMax && v < best[i]) || (v != v && best[i] == best[i]) {
					best[i], idx[i] = v, fj
				}
			}
		}
	}
}

// argExtremeOfRow returns the index of the first maximum (isMax) or minimum
// of a non-empty x, or of its first NaN.
func argExtremeOfRow(x []float32, isMax bool) int {
	best, k := x[0], 0
	if best != best {
		return 0
	}
	for j, v := range x {
		if v != v {
			return j
		}
		if (isMax && v > best) || (!isMax && v < best) {
			best, k = v, j
		}
	}
	return k
}

// centeredSquares sets mean to the mean of every line and sq to the sum of
// squared deviations from it. Two passes in float64 keep the result
// accurate when the mean is large compared with the spread (the mean of
// [10000001 10000002] is not even a float32). mean and sq must be zeroed;
// lines must not be empty.
func (l lineLayout) centeredSquares(sq []float32, mean []float64, x []float32) {
	n, inner := l.n, l.inner
	if inner == 1 {
		for o := 0; o < l.outer; o++ {
			row := x[o*n : (o+1)*n]
			var mu, s float64
			for _, v := range row {
				mu += float64(v)
			}
			mu /= float64(n)
			for _, v := range row {
				d := float64(v) - mu
				s += d * d
			}
			mean[o], sq[o] = mu, float32(s)
		}
		return
	}
	s := make([]float64, inner)
	for o := 0; o < l.outer; o++ {
		mu := mean[o*inner : (o+1)*inner]
		base := o * n * inner
		for j := 0; j < n; j++ {
			for i, v := range x[base+j*inner : base+(j+1)*inner] {
				mu[i] += float64(v)
			}
		}
		for i := range mu {
			mu[i] /= float64(n)
		}
		clear(s)
		for j := 0; j < n; j++ {
			for i, v := range x[base+j*inner : base+(j+1)*inner] {
				d := float64(v) - mu[i]
				s[i] += d * d
			}
		}
		for i, v := range s {
			sq[o*inner+i] = float32(v)
		}
	}
}

// centeredScale is the backward of centeredSquares, up to a per-line
// factor: dx = (x − mean) · coef, with mean and coef given per line.
func (l lineLayout) centeredScale(dx, x []float32, mean []float64, coef []float32) {
	n, inner := l.n, l.inner
	for o := 0; o < l.outer; o++ {
		if inner == 1 {
			mu, c := mean[o], float64(coef[o])
			for j, v := range x[o*n : (o+1)*n] {
				dx[o*n+j] = float32((float64(v) - mu) * c)
			}
			continue
		}
		mu, c := mean[o*inner:(o+1)*inner], coef[o*inner:(o+1)*inner]
		for j := 0; j < n; j++ {
			off := (o*n + j) * inner
			d := dx[off : off+inner]
			for i, v := range x[off : off+inner] {
				d[i] = float32((float64(v) - mu[i]) * float64(c[i]))
			}
		}
	}
}

// logSumExp sets dst to log Σ exp(x) over every line, shifting by the
// line's maximum so that nothing overflows. An empty line gives −Inf.
func (l lineLayout) logSumExp(dst, x []float32) {
	n, inner := l.n, l.inner
	if n == 0 {
		for i := range dst {
			dst[i] = float32(math.Inf(-1))
		}
		return
	}
	tmp := make([]float32, max(n, inner))
	if inner == 1 {
		tmp = tmp[:n]
		for o := 0; o < l.outer; o++ {
			row := x[o*n : (o+1)*n]
			m := lseShift(maxOfRow(row))
			addScalarVec(tmp, row, -m)
			expVec(tmp, tmp)
			dst[o] = m + float32(math.Log(float64(sumVec(tmp))))
		}
		return
	}
	tmp = tmp[:inner]
	sum := make([]float32, inner)
	l.extreme(dst, x, true)
	for o := 0; o < l.outer; o++ {
		m := dst[o*inner : (o+1)*inner]
		for i, v := range m {
			m[i] = lseShift(v)
		}
		clear(sum)
		base := o * n * inner
		for j := 0; j < n; j++ {
			subVec(tmp, x[base+j*inner:base+(j+1)*inner], m)
			expVec(tmp, tmp)
			addInto(sum, tmp)
		}
		for i, s := range sum {
			m[i] += float32(math.Log(float64(s)))
		}
	}
}

// lseShift is the shift logSumExp subtracts: the line's maximum, or 0 when
// that is infinite (all −Inf, or a +Inf), where subtracting it would make
// NaN out of −Inf − −Inf or +Inf − +Inf.
func lseShift(m float32) float32 {
	if math.IsInf(float64(m), 0) {
		return 0
	}
	return m
}

// softmaxScale is the backward of logSumExp: dx = g · exp(x − lse), the
// softmax of each line scaled by its incoming gradient.
func (l lineLayout) softmaxScale(dx, x, lse, g []float32) {
	n, inner := l.n, l.inner
	for o := 0; o < l.outer; o++ {
		if inner == 1 {
			d := dx[o*n : (o+1)*n]
			addScalarVec(d, x[o*n:(o+1)*n], -lse[o])
			expVec(d, d)
			scaleVec(d, d, g[o])
			continue
		}
		s, gv := lse[o*inner:(o+1)*inner], g[o*inner:(o+1)*inner]
		for j := 0; j < n; j++ {
			off := (o*n + j) * inner
			d := dx[off : off+inner]
			subVec(d, x[off:off+inner], s)
			expVec(d, d)
			mulVec(d, d, gv)
		}
	}
}
