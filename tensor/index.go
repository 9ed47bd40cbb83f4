package tensor

import (
	"fmt"
	"slices"
)

// Narrow returns a copy of length consecutive entries of axis starting at
// start (torch.narrow); a negative start counts from the end. The range must
// lie inside the axis.
//
// Shapes: [4 5].Narrow(1, 1, 3) -> [4 3].
// Gradient: dL/dout written into the narrowed range of a zero tensor.
func (t *Tensor) Narrow(axis, start, length int) *Tensor {
	a := axisIn("Narrow", axis, t.shape)
	d := t.shape[a]
	s := start
	if s < 0 {
		s += d
	}
	if s < 0 || length < 0 || s+length > d {
		panic(fmt.Sprintf("deepgo: Narrow: start %d length %d out of range for axis %d of shape %v", start, length, a, t.shape))
	}
	return t.sliceAxis("Narrow", a, s, length, 1)
}

// Slice returns t[..., start:end:step, ...] along axis, with Python's
// slicing rules: negative start and end count from the end, both are then
// clamped to the axis, and an empty range gives an empty axis. step must be
// at least 1.
//
// Shapes: [4 10].Slice(1, 1, -1, 3) -> [4 3] (columns 1, 4, 7).
// Gradient: dL/dout written into the sliced positions of a zero tensor.
func (t *Tensor) Slice(axis, start, end, step int) *Tensor {
	a := axisIn("Slice", axis, t.shape)
	if step < 1 {
		panic(fmt.Sprintf("deepgo: Slice: step %d for axis %d of shape %v; want at least 1", step, a, t.shape))
	}
	d := t.shape[a]
	clamp := func(i int) int {
		if i < 0 {
			i += d
		}
		return min(max(i, 0), d)
	}
	s, e := clamp(start), clamp(end)
	n := 0
	if e > s {
		n = (e - s + step - 1) / step
	}
	return t.sliceAxis("Slice", a, s, n, step)
}

// sliceAxis is the recorded op behind Narrow and Slice: entries start,
// start+step, ... (n of them) of axis a, all known to be in range.
func (t *Tensor) sliceAxis(name string, a, start, n, step int) *Tensor {
	outer, d, inner := splitAt(t.shape, a)
	shape := cloneInts(t.shape)
	shape[a] = n
	out := empty(shape)
	takeStrided(out.data, t.data, outer, d, inner, start, n, step)
	return Record(name, out, func(g *Tensor) []*Tensor {
		gt := Zeros(t.shape...)
		putStrided(gt.data, g.data, outer, d, inner, start, n, step)
		return []*Tensor{gt}
	}, t)
}

// takeStrided views src as [outer, d, inner] and copies entries start,
// start+step, ... (n of them) of the middle axis into dst [outer, n, inner].
func takeStrided(dst, src []float32, outer, d, inner, start, n, step int) {
	if step == 1 {
		w := n * inner
		for o := 0; o < outer; o++ {
			copy(dst[o*w:o*w+w], src[(o*d+start)*inner:])
		}
		return
	}
	for o := 0; o < outer; o++ {
		for k := 0; k < n; k++ {
			s := (o*d + start + k*step) * inner
			copy(dst[(o*n+k)*inner:(o*n+k+1)*inner], src[s:s+inner])
		}
	}
}

// putStrided is the adjoint of takeStrided: it writes src [outer, n, inner]
// back into the selected entries of dst [outer, d, inner].
func putStrided(dst, src []float32, outer, d, inner, start, n, step int) {
	if step == 1 {
		w := n * inner
		for o := 0; o < outer; o++ {
			copy(dst[(o*d+start)*inner:(o*d+start)*inner+w], src[o*w:o*w+w])
		}
		return
	}
	for o := 0; o < outer; o++ {
		for k := 0; k < n; k++ {
			s := (o*d + start + k*step) * inner
			copy(dst[s:s+inner], src[(o*n+k)*inner:(o*n+k+1)*inner])
		}
	}
}

// IndexSelect picks the entries indices of axis, in that order
// (torch.index_select). Indices may repeat; each must lie in
// [0, t.Size(axis)).
//
// Shapes: [4 5].IndexSelect(0, []int{3, 0, 3}) -> [3 5].
// Gradient: dL/dout rows added back into the rows they came from (repeats
// accumulate).
func (t *Tensor) IndexSelect(axis int, indices []int) *Tensor {
	a := axisIn("IndexSelect", axis, t.shape)
	outer, d, inner := splitAt(t.shape, a)
	for _, i := range indices {
		if i < 0 || i >= d {
			panic(fmt.Sprintf("deepgo: IndexSelect: index %d out of range for axis %d of shape %v", i, a, t.shape))
		}
	}
	idx := slices.Clone(indices)
	shape := cloneInts(t.shape)
	shape[a] = len(idx)
	out := empty(shape)
	n := len(idx)
	for o := 0; o < outer; o++ {
		for k, i := range idx {
			copy(out.data[(o*n+k)*inner:(o*n+k+1)*inner], t.data[(o*d+i)*inner:])
		}
	}
	return Record("IndexSelect", out, func(g *Tensor) []*Tensor {
		gt := Zeros(t.shape...)
		for o := 0; o < outer; o++ {
			for k, i := range idx {
				addInto(gt.data[(o*d+i)*inner:(o*d+i+1)*inner], g.data[(o*n+k)*inner:(o*n+k+1)*inner])
			}
		}
		return []*Tensor{gt}
	}, t)
}

// Gather picks, along axis, the entries named by index (torch.gather):
// for a 3-D t and axis 1,
//
//	out[i][j][k] = t[i][index[i][j][k]][k]
//
// index holds integral values in [0, t.Size(axis)), has t's rank, and is no
// larger than t on the other axes. index is not differentiated.
//
// Shapes: out has index's shape.
// Gradient: dL/dout added into the gathered positions (collisions accumulate).
func (t *Tensor) Gather(axis int, index *Tensor) *Tensor {
	a := axisIn("Gather", axis, t.shape)
	offs, _ := indexOffsets("Gather", a, index, t.shape, nil)
	out := empty(index.shape)
	for k, off := range offs {
		out.data[k] = t.data[off]
	}
	return Record("Gather", out, func(g *Tensor) []*Tensor {
		gt := Zeros(t.shape...)
		for k, off := range offs {
			gt.data[off] += g.data[k]
		}
		return []*Tensor{gt}
	}, t)
}

// ScatterAdd returns a copy of t with src's values added at the positions
// named by index along axis (out-of-place torch.scatter_add): for a 3-D t
// and axis 1,
//
//	out[i][index[i][j][k]][k] += src[i][j][k]
//
// index holds integral values in [0, t.Size(axis)), has t's rank, and is no
// larger than src on any axis nor than t on the other axes; entries of src
// beyond index's shape are ignored. index is not differentiated.
//
// Shapes: out has t's shape.
// Gradient: dL/dt = dL/dout; dL/dsrc = dL/dout gathered through index
// (zero where index does not reach).
func (t *Tensor) ScatterAdd(axis int, index, src *Tensor) *Tensor {
	a := axisIn("ScatterAdd", axis, t.shape)
	if len(src.shape) != len(t.shape) {
		panic(fmt.Sprintf("deepgo: ScatterAdd: src shape %v and input shape %v differ in rank (index shape %v)", src.shape, t.shape, index.shape))
	}
	at, from := indexOffsets("ScatterAdd", a, index, t.shape, src.shape)
	out := &Tensor{data: slices.Clone(t.data), shape: cloneInts(t.shape)}
	for k, off := range at {
		out.data[off] += src.data[from[k]]
	}
	return Record("ScatterAdd", out, func(g *Tensor) []*Tensor {
		var gs *Tensor
		if src.RequiresGrad() {
			gs = Zeros(src.shape...)
			for k, off := range at {
				gs.data[from[k]] = g.data[off]
			}
		}
		return []*Tensor{g, gs}
	}, t, src)
}

// indexOffsets walks index (row-major) for Gather and ScatterAdd. For each
// of its elements it returns at, the offset into a tensor of shape target
// of the same coordinates with the axis coordinate replaced by the index
// value, and, when other is not nil, from, the offset of the unchanged
// coordinates into a tensor of shape other. It validates ranks, sizes and
// values, panicking with messages that name op and every shape.
func indexOffsets(op string, axis int, index *Tensor, target, other []int) (at, from []int) {
	shapes := func() string {
		if other != nil {
			return fmt.Sprintf("index shape %v, input shape %v, src shape %v", index.shape, target, other)
		}
		return fmt.Sprintf("index shape %v, input shape %v", index.shape, target)
	}
	if len(index.shape) != len(target) {
		panic(fmt.Sprintf("deepgo: %s: index and input differ in rank (%s)", op, shapes()))
	}
	for d, n := range index.shape {
		if d != axis && n > target[d] {
			panic(fmt.Sprintf("deepgo: %s: index is larger than the input on axis %d (%s)", op, d, shapes()))
		}
		if other != nil && n > other[d] {
			panic(fmt.Sprintf("deepgo: %s: index is larger than src on axis %d (%s)", op, d, shapes()))
		}
	}
	at = make([]int, len(index.data))
	if other != nil {
		from = make([]int, len(index.data))
	}
	if len(index.data) == 0 {
		return at, from
	}
	rank := len(target)
	tStride := contiguousStrides(target)
	var oStride []int
	if other != nil {
		oStride = contiguousStrides(other)
	}
	coord := make([]int, rank)
	base, oBase := 0, 0 // offsets of coord with the axis coordinate at 0 / unchanged
	n := target[axis]
	for k, v := range index.data {
		i := int(v)
		if float32(i) != v { // also catches NaN and infinities
			panic(fmt.Sprintf("deepgo: %s: index value %v at position %d is not an integer (%s)", op, v, k, shapes()))
		}
		if i < 0 || i >= n {
			panic(fmt.Sprintf("deepgo: %s: index %d out of range for axis %d of size %d (%s)", op, i, axis, n, shapes()))
		}
		at[k] = base + i*tStride[axis]
		if other != nil {
			from[k] = oBase
		}
		// Odometer over index's coordinates.
		for d := rank - 1; d >= 0; d-- {
			coord[d]++
			if d != axis {
				base += tStride[d]
			}
			if other != nil {
				oBase += oStride[d]
			}
			if coord[d] < index.shape[d] {
				break
			}
			if d != axis {
				base -= tStride[d] * coord[d]
			}
			if other != nil {
				oBase -= oStride[d] * coord[d]
			}
			coord[d] = 0
		}
	}
	return at, from
}

// OneHot encodes class labels as rows of a [len(labels), classes] matrix
// with a 1 in column labels[i] and 0 elsewhere (torch.nn.functional.one_hot,
// as float32). It is not differentiable. Each label must lie in
// [0, classes).
func OneHot(labels []int, classes int) *Tensor {
	if classes < 1 {
		panic(fmt.Sprintf("deepgo: OneHot: %d classes for %d labels; want at least 1", classes, len(labels)))
	}
	out := Zeros(len(labels), classes)
	for i, l := range labels {
		if l < 0 || l >= classes {
			panic(fmt.Sprintf("deepgo: OneHot: label %d at position %d out of range for %d classes (shape [%d %d])", l, i, classes, len(labels), classes))
		}
		out.data[i*classes+l] = 1
	}
	return out
}
