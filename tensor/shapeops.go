package tensor

import (
	"fmt"
	"slices"
)

// Expand returns t broadcast to shape, materialised (torch.expand followed
// by contiguous()). New axes may be added in front; an existing axis keeps
// its size or grows from 1. A -1 keeps the size of an existing axis.
//
// Shapes: [2 1 3].Expand(4, -1, 5, 3) -> [4 2 5 3].
// Gradient: dL/dout summed over the broadcast axes (sumTo).
func (t *Tensor) Expand(shape ...int) *Tensor {
	lead := len(shape) - len(t.shape)
	if lead < 0 {
		panic(fmt.Sprintf("deepgo: Expand: cannot expand shape %v to %v of lower rank", t.shape, shape))
	}
	target := make([]int, len(shape))
	for i, s := range shape {
		j := i - lead
		switch {
		case s == -1 && j >= 0:
			target[i] = t.shape[j]
		case s < 0:
			panic(fmt.Sprintf("deepgo: Expand: cannot expand shape %v to %v: bad size %d at axis %d", t.shape, shape, s, i))
		case j >= 0 && t.shape[j] != s && t.shape[j] != 1:
			panic(fmt.Sprintf("deepgo: Expand: cannot expand shape %v to %v: axis %d has size %d, not 1 or %d", t.shape, shape, i, t.shape[j], s))
		default:
			target[i] = s
		}
	}
	out := expandTo(t, target)
	if out == t {
		out = &Tensor{data: slices.Clone(t.data), shape: target}
	}
	return Record("Expand", out, func(g *Tensor) []*Tensor {
		if len(g.data) == 0 {
			return []*Tensor{Zeros(t.shape...)}
		}
		return []*Tensor{sumTo(g, t.shape)}
	}, t)
}

// Repeat tiles t reps[i] times along axis i, like torch.Tensor.repeat
// (numpy.tile). reps may be longer than t's rank: t is then viewed with
// leading size-1 axes. A repeat of 0 gives an empty axis.
//
// Shapes: [2 3].Repeat(4, 2, 1) -> [4 4 3].
// Gradient: dL/dout summed over the copies of each element.
func (t *Tensor) Repeat(reps ...int) *Tensor {
	rank := len(t.shape)
	if len(reps) < rank {
		panic(fmt.Sprintf("deepgo: Repeat: %d repeats %v for shape %v of rank %d", len(reps), reps, t.shape, rank))
	}
	lead := len(reps) - rank
	// View t as [1 s0 1 s1 ...] and broadcast to [r0 s0 r1 s1 ...].
	inter := make([]int, 2*len(reps))
	tiled := make([]int, 2*len(reps))
	shape := make([]int, len(reps))
	var sumAxesOf []int
	for i, r := range reps {
		if r < 0 {
			panic(fmt.Sprintf("deepgo: Repeat: negative repeat %d in %v for shape %v", r, reps, t.shape))
		}
		s := 1
		if i >= lead {
			s = t.shape[i-lead]
		}
		inter[2*i], inter[2*i+1] = 1, s
		tiled[2*i], tiled[2*i+1] = r, s
		shape[i] = r * s
		if r != 1 {
			sumAxesOf = append(sumAxesOf, 2*i)
		}
	}
	src := &Tensor{data: t.data, shape: inter}
	data := expandTo(src, tiled).data
	if len(sumAxesOf) == 0 {
		data = slices.Clone(t.data) // expandTo returned t's own storage
	}
	out := &Tensor{data: data, shape: shape}
	return Record("Repeat", out, func(g *Tensor) []*Tensor {
		if len(g.data) == 0 {
			return []*Tensor{Zeros(t.shape...)}
		}
		r := sumAxes(&Tensor{data: g.data, shape: tiled}, sumAxesOf, false)
		return []*Tensor{{data: r.data, shape: cloneInts(t.shape)}}
	}, t)
}

// Concat joins tensors along axis (torch.cat). They must have the same rank
// and the same sizes on every other axis; there must be at least one.
//
// Shapes: [2 3] and [2 4] along axis 1 -> [2 7].
// Gradient: each input receives its slice of dL/dout.
func Concat(tensors []*Tensor, axis int) *Tensor {
	shapes := shapesOf("Concat", tensors)
	first := shapes[0]
	if len(first) == 0 {
		panic(fmt.Sprintf("deepgo: Concat: cannot concatenate 0-dimensional tensors %v", shapes))
	}
	a := axisIn("Concat", axis, first)
	for _, s := range shapes[1:] {
		if len(s) != len(first) || !SameShape(s[:a], first[:a]) || !SameShape(s[a+1:], first[a+1:]) {
			panic(fmt.Sprintf("deepgo: Concat: shapes %v and %v differ outside axis %d (all shapes %v)", first, s, a, shapes))
		}
	}
	outer, _, inner := splitAt(first, a)
	ins := slices.Clone(tensors)
	widths := make([]int, len(ins))
	parts := make([][]float32, len(ins))
	shape := cloneInts(first)
	shape[a] = 0
	for i, x := range ins {
		widths[i] = x.shape[a] * inner
		parts[i] = x.data
		shape[a] += x.shape[a]
	}
	out := empty(shape)
	concatRows(out.data, parts, widths, outer)
	return Record("Concat", out, func(g *Tensor) []*Tensor {
		return splitGrad(g, ins, widths, outer)
	}, ins...)
}

// Stack joins tensors of one shape along a new axis (torch.stack); axis
// may be anything from -(rank+1) to rank.
//
// Shapes: n tensors of [2 3] along axis 1 -> [2 n 3].
// Gradient: each input receives its slice of dL/dout.
func Stack(tensors []*Tensor, axis int) *Tensor {
	shapes := shapesOf("Stack", tensors)
	first := shapes[0]
	for _, s := range shapes[1:] {
		if !SameShape(s, first) {
			panic(fmt.Sprintf("deepgo: Stack: shapes %v and %v differ (all shapes %v)", first, s, shapes))
		}
	}
	a := axis
	if a < 0 {
		a += len(first) + 1
	}
	if a < 0 || a > len(first) {
		panic(fmt.Sprintf("deepgo: Stack: axis %d out of range for stacking shape %v (rank %d result)", axis, first, len(first)+1))
	}
	ins := slices.Clone(tensors)
	outer, inner := prod(first[:a]), prod(first[a:])
	widths := make([]int, len(ins))
	parts := make([][]float32, len(ins))
	for i, x := range ins {
		widths[i], parts[i] = inner, x.data
	}
	shape := append(cloneInts(first[:a]), len(ins))
	shape = append(shape, first[a:]...)
	out := empty(shape)
	concatRows(out.data, parts, widths, outer)
	return Record("Stack", out, func(g *Tensor) []*Tensor {
		return splitGrad(g, ins, widths, outer)
	}, ins...)
}

// Split cuts t along axis into pieces of the given sizes, which must sum to
// the size of the axis (torch.split with a list of sizes).
//
// Shapes: [5 4].Split([]int{2, 3}, 0) -> [2 4], [3 4].
// Gradient: the pieces' gradients concatenated (zeros for unused pieces).
func (t *Tensor) Split(sizes []int, axis int) []*Tensor {
	a := axisIn("Split", axis, t.shape)
	total := 0
	for _, s := range sizes {
		if s < 0 {
			panic(fmt.Sprintf("deepgo: Split: negative size in %v for shape %v", sizes, t.shape))
		}
		total += s
	}
	if total != t.shape[a] {
		panic(fmt.Sprintf("deepgo: Split: sizes %v sum to %d, but axis %d of shape %v has size %d", sizes, total, a, t.shape, t.shape[a]))
	}
	return t.split("Split", slices.Clone(sizes), a)
}

// Chunk cuts t along axis into n pieces of ceil(size/n) elements, the last
// one smaller when the size does not divide (torch.chunk). Like PyTorch it
// may return fewer than n pieces: a size of 5 in 4 chunks gives 2, 2, 1.
//
// Shapes: [5 4].Chunk(2, 0) -> [3 4], [2 4].
// Gradient: the pieces' gradients concatenated (zeros for unused pieces).
func (t *Tensor) Chunk(n, axis int) []*Tensor {
	a := axisIn("Chunk", axis, t.shape)
	if n <= 0 {
		panic(fmt.Sprintf("deepgo: Chunk: %d chunks of shape %v; want at least 1", n, t.shape))
	}
	d := t.shape[a]
	var sizes []int
	if d == 0 {
		sizes = make([]int, n) // PyTorch keeps n empty chunks
	} else {
		size := (d + n - 1) / n
		for left := d; left > 0; left -= size {
			sizes = append(sizes, min(size, left))
		}
	}
	return t.split("Chunk", sizes, a)
}

// split is the recorded op behind Split and Chunk: one node with an output
// per piece, whose backward concatenates the pieces' gradients.
func (t *Tensor) split(name string, sizes []int, a int) []*Tensor {
	outer, _, inner := splitAt(t.shape, a)
	outs := make([]*Tensor, len(sizes))
	widths := make([]int, len(sizes))
	parts := make([][]float32, len(sizes))
	for i, s := range sizes {
		shape := cloneInts(t.shape)
		shape[a] = s
		outs[i] = empty(shape)
		widths[i], parts[i] = s*inner, outs[i].data
	}
	splitRows(parts, t.data, widths, outer)
	return RecordMulti(name, outs, func(gs []*Tensor) []*Tensor {
		g := empty(t.shape)
		gparts := make([][]float32, len(gs))
		for i, gi := range gs {
			gparts[i] = gi.data
		}
		concatRows(g.data, gparts, widths, outer)
		return []*Tensor{g}
	}, t)
}

// shapesOf returns the shapes of a non-empty list of tensors.
func shapesOf(op string, tensors []*Tensor) [][]int {
	if len(tensors) == 0 {
		panic(fmt.Sprintf("deepgo: %s: no tensors", op))
	}
	shapes := make([][]int, len(tensors))
	for i, x := range tensors {
		shapes[i] = x.shape
	}
	return shapes
}

// axisIn normalises axis for shape, panicking with a message naming op and
// the shape (normAxis only knows the rank).
func axisIn(op string, axis int, shape []int) int {
	a := axis
	if a < 0 {
		a += len(shape)
	}
	if a < 0 || a >= len(shape) {
		panic(fmt.Sprintf("deepgo: %s: axis %d out of range for shape %v", op, axis, shape))
	}
	return a
}

// concatRows views every part as [outer, width_i] and writes, row by row,
// part 0's row, part 1's row, ... into dst. Concat, Stack and the backward
// of Split all reduce to it.
func concatRows(dst []float32, parts [][]float32, widths []int, outer int) {
	off := 0
	for o := 0; o < outer; o++ {
		for i, p := range parts {
			w := widths[i]
			copy(dst[off:off+w], p[o*w:o*w+w])
			off += w
		}
	}
}

// splitRows is the inverse of concatRows; parts that are nil are skipped.
func splitRows(parts [][]float32, src []float32, widths []int, outer int) {
	off := 0
	for o := 0; o < outer; o++ {
		for i, p := range parts {
			w := widths[i]
			if p != nil {
				copy(p[o*w:o*w+w], src[off:off+w])
			}
			off += w
		}
	}
}

// splitGrad cuts g, the gradient of a Concat or Stack, into one fresh
// gradient per input (nil for inputs that need none).
func splitGrad(g *Tensor, ins []*Tensor, widths []int, outer int) []*Tensor {
	grads := make([]*Tensor, len(ins))
	parts := make([][]float32, len(ins))
	for i, x := range ins {
		if x.RequiresGrad() {
			grads[i] = empty(x.shape)
			parts[i] = grads[i].data
		}
	}
	splitRows(parts, g.data, widths, outer)
	return grads
}
