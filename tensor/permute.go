package tensor

import (
	"fmt"
	"slices"
)

// Transpose returns a copy of t with axes a and b swapped (negative axes
// count from the end), like torch.transpose followed by contiguous().
//
// Shapes: [..., n_a, ..., n_b, ...] -> [..., n_b, ..., n_a, ...].
// Gradient: the same swap applied to dL/dout.
func (t *Tensor) Transpose(a, b int) *Tensor {
	x, y := axisIn("Transpose", a, t.shape), axisIn("Transpose", b, t.shape)
	perm := make([]int, len(t.shape))
	for i := range perm {
		perm[i] = i
	}
	perm[x], perm[y] = perm[y], perm[x]
	return t.permute("Transpose", perm)
}

// T returns the transpose of a 2-D tensor and panics for any other rank.
//
// Shapes: [m, n] -> [n, m]. Gradient: dL/dout transposed.
func (t *Tensor) T() *Tensor {
	if len(t.shape) != 2 {
		panic(fmt.Sprintf("deepgo: T: tensor of shape %v is not 2-D; use Transpose or Permute", t.shape))
	}
	return t.permute("T", []int{1, 0})
}

// Permute returns a copy of t whose axis i is t's axis axes[i], like
// torch.permute followed by contiguous(). axes must name every axis once
// (negative axes count from the end).
//
// Shapes: out.Size(i) == t.Size(axes[i]).
// Gradient: dL/dout permuted by the inverse permutation.
func (t *Tensor) Permute(axes ...int) *Tensor {
	rank := len(t.shape)
	if len(axes) != rank {
		panic(fmt.Sprintf("deepgo: Permute: %d axes %v for shape %v of rank %d", len(axes), axes, t.shape, rank))
	}
	perm := make([]int, rank)
	seen := make([]bool, rank)
	for i, a := range axes {
		p := axisIn("Permute", a, t.shape)
		if seen[p] {
			panic(fmt.Sprintf("deepgo: Permute: axis %d repeated in %v for shape %v", p, axes, t.shape))
		}
		seen[p] = true
		perm[i] = p
	}
	return t.permute("Permute", perm)
}

// permute is the recorded op behind Transpose, T and Permute; perm is
// validated and normalised.
func (t *Tensor) permute(name string, perm []int) *Tensor {
	out := permuteValues(t, perm)
	return Record(name, out, func(g *Tensor) []*Tensor {
		inv := make([]int, len(perm))
		for i, p := range perm {
			inv[p] = i
		}
		return []*Tensor{permuteValues(g, inv)}
	}, t)
}

// permuteValues returns x's elements rearranged so that output axis i is
// input axis perm[i] (no autograd). It first simplifies the permutation
// (dropping size-1 axes and merging axes that stay neighbours), then takes
// one of three paths: a plain copy, a cache-blocked batched 2-D transpose
// (swapping the last two axes covers matrix transposes and NCHW <-> NHWC),
// or the general element-by-element walk.
func permuteValues(x *Tensor, perm []int) *Tensor {
	shape := make([]int, len(perm))
	for i, p := range perm {
		shape[i] = x.shape[p]
	}
	out := empty(shape)
	if len(out.data) == 0 {
		return out
	}
	dims, p := simplifyPerm(x.shape, perm)
	k := len(p) - 2
	switch {
	case isIdentityPerm(p):
		copy(out.data, x.data)
	case isIdentityPerm(p[:k]) && p[k] == k+1 && p[k+1] == k:
		rows, cols := dims[k], dims[k+1]
		batch := rows * cols
		for b := 0; b < len(x.data); b += batch {
			transposeBlocked(out.data[b:b+batch], x.data[b:b+batch], rows, cols)
		}
	default:
		permuteNaive(out.data, x.data, dims, p)
	}
	return out
}

// simplifyPerm reduces (shape, perm) to an equivalent permutation of fewer
// axes: size-1 axes are dropped, and runs of input axes that appear in the
// same order side by side in the output are merged into one axis. It
// returns the reduced input dimensions and permutation (at least one axis).
func simplifyPerm(shape, perm []int) (dims, p []int) {
	// Renumber the axes that are kept.
	renum := make([]int, len(shape))
	n := 0
	for i, s := range shape {
		renum[i] = n
		if s != 1 {
			n++
		}
	}
	var kept []int // output order, in reduced input numbering
	for _, q := range perm {
		if shape[q] != 1 {
			kept = append(kept, renum[q])
		}
	}
	if len(kept) == 0 {
		return []int{1}, []int{0}
	}
	inDims := make([]int, 0, n)
	for _, s := range shape {
		if s != 1 {
			inDims = append(inDims, s)
		}
	}
	// Group consecutive runs in output order; each group is a range of input axes.
	type group struct{ first, last int }
	var groups []group
	for _, q := range kept {
		if g := len(groups) - 1; g >= 0 && groups[g].last+1 == q {
			groups[g].last = q
			continue
		}
		groups = append(groups, group{q, q})
	}
	// Number the groups in input order.
	byInput := make([]int, len(groups))
	for i := range byInput {
		byInput[i] = i
	}
	slices.SortFunc(byInput, func(a, b int) int { return groups[a].first - groups[b].first })
	dims = make([]int, len(groups))
	p = make([]int, len(groups)) // output group i is reduced input axis p[i]
	for j, gi := range byInput {
		p[gi] = j
		dims[j] = prod(inDims[groups[gi].first : groups[gi].last+1])
	}
	return dims, p
}

func isIdentityPerm(p []int) bool {
	for i, q := range p {
		if i != q {
			return false
		}
	}
	return true
}

// transposeTile is the side of the square blocks transposeBlocked moves at
// a time: a 32×32 float32 tile is 4 KiB, so the source rows it reads stay
// in L1 while the tile is written out.
const transposeTile = 32

// transposeBlocked writes the transpose of the rows×cols matrix src into dst
// (cols×rows). It goes tile by tile, and inside a tile takes eight source
// rows at once so that each write to dst is a run of eight consecutive
// values rather than a single strided store; that is several times faster
// than permuteNaive on large matrices (see BenchmarkTranspose).
func transposeBlocked(dst, src []float32, rows, cols int) {
	for i0 := 0; i0 < rows; i0 += transposeTile {
		i1 := min(i0+transposeTile, rows)
		for j0 := 0; j0 < cols; j0 += transposeTile {
			j1 := min(j0+transposeTile, cols)
			i := i0
			for ; i+8 <= i1; i += 8 {
				s0 := src[i*cols : i*cols+cols]
				s1 := src[(i+1)*cols : (i+1)*cols+cols]
				s2 := src[(i+2)*cols : (i+2)*cols+cols]
				s3 := src[(i+3)*cols : (i+3)*cols+cols]
				s4 := src[(i+4)*cols : (i+4)*cols+cols]
				s5 := src[(i+5)*cols : (i+5)*cols+cols]
				s6 := src[(i+6)*cols : (i+6)*cols+cols]
				s7 := src[(i+7)*cols : (i+7)*cols+cols]
				for j := j0; j < j1; j++ {
					d := dst[j*rows+i : j*rows+i+8]
					d[0], d[1], d[2], d[3] = s0[j], s1[j], s2[j], s3[j]
					d[4], d[5], d[6], d[7] = s4[j], s5[j], s6[j], s7[j]
				}
			}
			for ; i < i1; i++ {
				row := src[i*cols+j0 : i*cols+j1]
				for j, v := range row {
					dst[(j0+j)*rows+i] = v
				}
			}
		}
	}
}

// permuteNaive is the reference permutation: it walks the output in
// row-major order with an odometer and reads each element through the
// permuted input strides. It is the fallback for permutations that are not
// a batched transpose, and the oracle the tests compare the fast path with.
func permuteNaive(dst, src []float32, dims, perm []int) {
	rank := len(perm)
	if rank == 0 {
		copy(dst, src)
		return
	}
	inStride := contiguousStrides(dims)
	size := make([]int, rank)   // output dimensions
	stride := make([]int, rank) // input stride of each output axis
	for i, p := range perm {
		size[i], stride[i] = dims[p], inStride[p]
	}
	last := rank - 1
	n, s := size[last], stride[last]
	idx := make([]int, last)
	off := 0
	for o := 0; o < len(dst); o += n {
		row := dst[o : o+n]
		if s == 1 {
			copy(row, src[off:off+n])
		} else {
			for j := range row {
				row[j] = src[off+j*s]
			}
		}
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			off += stride[d]
			if idx[d] < size[d] {
				break
			}
			off -= stride[d] * size[d]
			idx[d] = 0
		}
	}
}
