package tensor

import (
	"fmt"
	"slices"
)

// Pad pads t with value, following torch.nn.functional.pad: pads holds
// (before, after) pairs starting from the LAST axis, so (left, right) pads
// the last axis, (left, right, top, bottom) the last two, and so on; axes
// without a pair are unchanged. A negative amount crops that many entries
// instead.
//
// Shapes: [2 3 4].Pad([]int{1, 2, 0, -1}, 0) -> [2 2 7].
// Gradient: dL/dout cropped back to the input's positions (padding gets none).
func (t *Tensor) Pad(pads []int, value float32) *Tensor {
	if len(pads)%2 != 0 || len(pads)/2 > len(t.shape) {
		panic(fmt.Sprintf("deepgo: Pad: pads %v for shape %v: want (before, after) pairs for at most %d axes", pads, t.shape, len(t.shape)))
	}
	return t.pad("Pad", pads, "constant", value)
}

// PadMode pads the last one, two or three axes of t (len(pads) is 2, 4 or
// 6, in Pad's order) with one of torch.nn.functional.pad's modes:
//
//   - "constant": zeros, like Pad(pads, 0);
//   - "reflect": mirror without repeating the edge ([a b c] padded by 2 on
//     each side is [c b a b c b a]); each amount must be below the axis size;
//   - "replicate": repeat the edge value ([a a a b c c c]);
//   - "circular": wrap around ([b c a b c a b]); each amount must be at most
//     the axis size.
//
// Negative amounts crop, as in Pad. These are the padding modes of
// convolutions (padding_mode "zeros", "reflect", "replicate", "circular").
//
// Shapes: [N C H W].PadMode([]int{l, r, t, b}, mode) -> [N C H+t+b W+l+r].
// Gradient: each padded position adds its gradient into the input position
// it copies (the adjoint of the index map).
func (t *Tensor) PadMode(pads []int, mode string) *Tensor {
	switch mode {
	case "constant", "reflect", "replicate", "circular":
	default:
		panic(fmt.Sprintf("deepgo: PadMode: unknown mode %q for shape %v (want constant, reflect, replicate or circular)", mode, t.shape))
	}
	if k := len(pads) / 2; len(pads)%2 != 0 || k < 1 || k > 3 || k > len(t.shape) {
		panic(fmt.Sprintf("deepgo: PadMode: pads %v for shape %v: want 1 to 3 (before, after) pairs, at most one per axis", pads, t.shape))
	}
	return t.pad("PadMode", pads, mode, 0)
}

// pad is the recorded op behind Pad and PadMode. Each padded axis gets an
// index map from output coordinate to input coordinate (-1 for constant
// padding); the forward gathers through the maps, the backward scatters
// through them, adding where several outputs read one input.
func (t *Tensor) pad(name string, pads []int, mode string, value float32) *Tensor {
	k := len(pads) / 2
	if k == 0 {
		out := &Tensor{data: slices.Clone(t.data), shape: cloneInts(t.shape)}
		return Record(name, out, func(g *Tensor) []*Tensor { return []*Tensor{g} }, t)
	}
	lead := len(t.shape) - k
	in := t.shape[lead:]
	out := make([]int, k)
	maps := make([][]int, k)
	for i := 0; i < k; i++ {
		a := lead + i
		before, after := pads[2*(k-1-i)], pads[2*(k-1-i)+1]
		out[i] = in[i] + before + after
		maps[i] = padIndexMap(name, mode, t.shape, pads, a, in[i], before, after)
	}
	outer := prod(t.shape[:lead])
	shape := append(cloneInts(t.shape[:lead]), out...)
	res := empty(shape)
	last := maps[k-1]
	forEachPadRow(outer, in, out, maps, func(oOff, iOff int) {
		row := res.data[oOff : oOff+len(last)]
		if iOff < 0 {
			for j := range row {
				row[j] = value
			}
			return
		}
		for j, m := range last {
			if m < 0 {
				row[j] = value
			} else {
				row[j] = t.data[iOff+m]
			}
		}
	})
	return Record(name, res, func(g *Tensor) []*Tensor {
		gt := Zeros(t.shape...)
		forEachPadRow(outer, in, out, maps, func(oOff, iOff int) {
			if iOff < 0 {
				return
			}
			for j, m := range last {
				if m >= 0 {
					gt.data[iOff+m] += g.data[oOff+j]
				}
			}
		})
		return []*Tensor{gt}
	}, t)
}

// padIndexMap returns, for each output coordinate of axis a (size d padded
// by before and after), the input coordinate it copies, or -1 for constant
// padding. It panics when the amounts do not suit the mode.
func padIndexMap(op, mode string, shape, pads []int, a, d, before, after int) []int {
	n := d + before + after
	bad := func(why string) {
		panic(fmt.Sprintf("deepgo: %s: pads %v (%s) for shape %v: axis %d of size %d padded by (%d, %d) %s", op, pads, mode, shape, a, d, before, after, why))
	}
	switch {
	case n < 0:
		bad("would have negative size")
	case mode == "reflect" && (before >= d || after >= d) && n > 0:
		bad("needs each amount below the axis size")
	case mode == "replicate" && d == 0 && n > 0:
		bad("has no edge to replicate")
	case mode == "circular" && (before > d || after > d):
		bad("needs each amount at most the axis size")
	}
	m := make([]int, n)
	for j := range m {
		x := j - before
		switch mode {
		case "constant":
			if x < 0 || x >= d {
				x = -1
			}
		case "reflect":
			if x < 0 {
				x = -x
			} else if x >= d {
				x = 2*(d-1) - x
			}
		case "replicate":
			x = min(max(x, 0), d-1)
		case "circular":
			x = (x%d + d) % d
		}
		m[j] = x
	}
	return m
}

// forEachPadRow calls fn for every last-axis row of a padded tensor viewed
// as [outer, out...], with oOff the row's offset in the output and iOff the
// offset, in the input viewed as [outer, in...], of the input row it reads
// (last coordinate 0), or -1 when the row lies in constant padding.
func forEachPadRow(outer int, in, out []int, maps [][]int, fn func(oOff, iOff int)) {
	k := len(out)
	inSize, outSize, n := prod(in), prod(out), out[k-1]
	if outSize == 0 {
		return
	}
	inStride := contiguousStrides(in)
	rows := outSize / n
	coord := make([]int, k-1)
	for b := 0; b < outer; b++ {
		clear(coord)
		for r := 0; r < rows; r++ {
			iOff := b * inSize
			for a, c := range coord {
				m := maps[a][c]
				if m < 0 {
					iOff = -1
					break
				}
				iOff += m * inStride[a]
			}
			fn(b*outSize+r*n, iOff)
			for a := k - 2; a >= 0; a-- {
				coord[a]++
				if coord[a] < out[a] {
					break
				}
				coord[a] = 0
			}
		}
	}
}
