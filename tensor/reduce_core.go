package tensor

import "fmt"

// splitAt views shape as [outer, n, inner] around axis.
func splitAt(shape []int, axis int) (outer, n, inner int) {
	outer, inner = 1, 1
	for i, s := range shape {
		switch {
		case i < axis:
			outer *= s
		case i > axis:
			inner *= s
		}
	}
	return outer, shape[axis], inner
}

// sumAxis sums x over one axis, keeping it as size 1 (no autograd).
func sumAxis(x *Tensor, axis int) *Tensor {
	outer, n, inner := splitAt(x.shape, axis)
	shape := cloneInts(x.shape)
	shape[axis] = 1
	out := empty(shape)
	if n == 0 {
		return out // the sum over nothing is zero
	}
	if inner == 1 {
		for o := 0; o < outer; o++ {
			out.data[o] = sumVec(x.data[o*n : o*n+n])
		}
		return out
	}
	for o := 0; o < outer; o++ {
		dst := out.data[o*inner : o*inner+inner]
		src := x.data[o*n*inner:]
		copy(dst, src[:inner])
		for j := 1; j < n; j++ {
			addInto(dst, src[j*inner:j*inner+inner])
		}
	}
	return out
}

// sumAxes sums x over the given (normalised, sorted) axes (no autograd).
func sumAxes(x *Tensor, axes []int, keep bool) *Tensor {
	out := x
	if len(axes) == len(x.shape) && len(axes) > 0 {
		shape := make([]int, len(x.shape))
		for i := range shape {
			shape[i] = 1
		}
		out = &Tensor{data: []float32{sumVec(x.data)}, shape: shape}
	} else {
		for i := len(axes) - 1; i >= 0; i-- {
			out = sumAxis(out, axes[i])
		}
		if out == x {
			out = &Tensor{data: append([]float32(nil), x.data...), shape: cloneInts(x.shape)}
		}
	}
	if !keep {
		out.shape = dropAxes(out.shape, axes)
	}
	return out
}

// dropAxes removes the given sorted axes from shape.
func dropAxes(shape []int, axes []int) []int {
	out := make([]int, 0, len(shape))
	j := 0
	for i, s := range shape {
		if j < len(axes) && axes[j] == i {
			j++
			continue
		}
		out = append(out, s)
	}
	return out
}

// keptShape is shape with the given axes set to 1.
func keptShape(shape []int, axes []int) []int {
	out := cloneInts(shape)
	for _, a := range axes {
		out[a] = 1
	}
	return out
}

// expandTo broadcasts x to shape, materialising the copy (no autograd).
func expandTo(x *Tensor, shape []int) *Tensor {
	if SameShape(x.shape, shape) {
		return x
	}
	if b := broadcastShapes("Expand", x.shape, shape); !SameShape(b, shape) {
		panic(fmt.Sprintf("deepgo: Expand: cannot expand shape %v to %v", x.shape, shape))
	}
	out := empty(shape)
	if len(out.data) == 0 {
		return out
	}
	dims, sx, _ := coalesce(shape, broadcastStrides(x.shape, shape), make([]int, len(shape)))
	last := len(dims) - 1
	run, inner := dims[last], sx[last]
	idx := make([]int, last)
	off := 0
	for o := 0; o < len(out.data); o += run {
		dst := out.data[o : o+run]
		if inner == 1 {
			copy(dst, x.data[off:off+run])
		} else {
			v := x.data[off]
			for i := range dst {
				dst[i] = v
			}
		}
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			off += sx[d]
			if idx[d] < dims[d] {
				break
			}
			off -= sx[d] * dims[d]
			idx[d] = 0
		}
	}
	return out
}
