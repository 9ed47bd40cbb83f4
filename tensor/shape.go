package tensor

import (
	"fmt"
	"slices"
)

func cloneInts(s []int) []int {
	if s == nil {
		return []int{}
	}
	return append(make([]int, 0, len(s)), s...)
}

// checkShape validates dimensions and returns the element count.
func checkShape(op string, shape []int) int {
	n := 1
	for _, s := range shape {
		if s < 0 {
			panic(fmt.Sprintf("deepgo: %s: negative dimension in shape %v", op, shape))
		}
		n *= s
	}
	return n
}

// normAxis maps a possibly negative axis into [0, rank).
func normAxis(op string, axis, rank int) int {
	a := axis
	if a < 0 {
		a += rank
	}
	if a < 0 || a >= rank {
		panic(fmt.Sprintf("deepgo: %s: axis %d out of range for rank %d", op, axis, rank))
	}
	return a
}

// axisOf is normAxis for an axis of a tensor of the given shape; its panic
// names the shape.
func axisOf(op string, axis int, shape []int) int {
	if axis < -len(shape) || axis >= len(shape) {
		panic(fmt.Sprintf("deepgo: %s: axis %d out of range for shape %v (rank %d)", op, axis, shape, len(shape)))
	}
	return normAxis(op, axis, len(shape))
}

// axesOf is normAxes for axes of a tensor of the given shape.
func axesOf(op string, axes []int, shape []int) []int {
	for _, a := range axes {
		axisOf(op, a, shape)
	}
	return normAxes(op, axes, len(shape))
}

// normAxes normalises, sorts and de-duplicates axes; no axes means all.
func normAxes(op string, axes []int, rank int) []int {
	if len(axes) == 0 {
		all := make([]int, rank)
		for i := range all {
			all[i] = i
		}
		return all
	}
	out := make([]int, len(axes))
	for i, a := range axes {
		out[i] = normAxis(op, a, rank)
	}
	slices.Sort(out)
	for i := 1; i < len(out); i++ {
		if out[i] == out[i-1] {
			panic(fmt.Sprintf("deepgo: %s: axis %d repeated in %v", op, out[i], axes))
		}
	}
	return out
}

// SameShape reports whether a and b have identical dimensions.
func SameShape(a, b []int) bool { return slices.Equal(a, b) }

// broadcastShapes returns the NumPy broadcast of a and b or panics naming op.
func broadcastShapes(op string, a, b []int) []int {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			panic(fmt.Sprintf("deepgo: %s: shapes %v and %v cannot be broadcast (dimension %d: %d vs %d)", op, a, b, i, da, db))
		}
	}
	return out
}

// broadcastStrides returns, for a tensor of shape s broadcast to out, the
// element stride of each output axis (0 on broadcast axes).
func broadcastStrides(s, out []int) []int {
	st := make([]int, len(out))
	stride := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(s) - len(out) + i
		if j >= 0 && s[j] != 1 {
			st[i] = stride
		}
		if j >= 0 {
			stride *= s[j]
		}
	}
	return st
}

// contiguousStrides returns the row-major strides of shape.
func contiguousStrides(shape []int) []int {
	st := make([]int, len(shape))
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

func prod(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}
