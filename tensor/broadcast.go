package tensor

// binaryKernel computes one broadcast binary op on contiguous runs. vv
// combines two runs; vs combines a run with a scalar right operand; sv a
// scalar left operand with a run.
type binaryKernel struct {
	vv func(dst, a, b []float32)
	vs func(dst, a []float32, s float32)
	sv func(dst []float32, s float32, b []float32)
}

// elementKernel builds a binaryKernel from a scalar function; the loops are
// plain Go, fine for ops off the hot path.
func elementKernel(f func(x, y float32) float32) *binaryKernel {
	return &binaryKernel{
		vv: func(dst, a, b []float32) {
			b = b[:len(a)]
			for i, x := range a {
				dst[i] = f(x, b[i])
			}
		},
		vs: func(dst, a []float32, s float32) {
			for i, x := range a {
				dst[i] = f(x, s)
			}
		},
		sv: func(dst []float32, s float32, b []float32) {
			for i, y := range b {
				dst[i] = f(s, y)
			}
		},
	}
}

// broadcastBinary applies k to a and b broadcast together (no autograd).
func broadcastBinary(op string, a, b *Tensor, k *binaryKernel) *Tensor {
	if SameShape(a.shape, b.shape) {
		out := empty(a.shape)
		k.vv(out.data, a.data, b.data)
		return out
	}
	shape := broadcastShapes(op, a.shape, b.shape)
	out := empty(shape)
	if len(out.data) == 0 {
		return out
	}
	dims, sa, sb := coalesce(shape, broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape))
	last := len(dims) - 1
	run := dims[last]
	ia, ib := sa[last], sb[last]
	idx := make([]int, last)
	offA, offB := 0, 0
	for o := 0; o < len(out.data); o += run {
		dst := out.data[o : o+run]
		switch {
		case ia == 1 && ib == 1:
			k.vv(dst, a.data[offA:offA+run], b.data[offB:offB+run])
		case ia == 1:
			k.vs(dst, a.data[offA:offA+run], b.data[offB])
		case ib == 1:
			k.sv(dst, a.data[offA], b.data[offB:offB+run])
		default:
			k.vs(dst[:1], a.data[offA:offA+1], b.data[offB])
			for i := 1; i < run; i++ {
				dst[i] = dst[0]
			}
		}
		// Odometer over the outer dimensions.
		for d := last - 1; d >= 0; d-- {
			idx[d]++
			offA += sa[d]
			offB += sb[d]
			if idx[d] < dims[d] {
				break
			}
			offA -= sa[d] * dims[d]
			offB -= sb[d] * dims[d]
			idx[d] = 0
		}
	}
	return out
}

// coalesce merges adjacent dimensions that are contiguous for every stride
// set, so that the inner run is as long as possible. Broadcast (stride 0)
// dimensions merge with each other.
func coalesce(shape []int, strides ...[]int) ([]int, []int, []int) {
	dims := []int{}
	st := make([][]int, len(strides))
	for i := range shape {
		if shape[i] == 1 && len(shape) > 1 {
			continue // size-1 dims never move the offsets
		}
		if n := len(dims); n > 0 {
			merge := true
			for s := range strides {
				if st[s][n-1] != strides[s][i]*shape[i] {
					merge = false
					break
				}
			}
			if merge {
				dims[n-1] *= shape[i]
				for s := range strides {
					st[s][n-1] = strides[s][i]
				}
				continue
			}
		}
		dims = append(dims, shape[i])
		for s := range strides {
			st[s] = append(st[s], strides[s][i])
		}
	}
	if len(dims) == 0 {
		dims = []int{1}
		for s := range strides {
			st[s] = []int{0}
		}
	}
	return dims, st[0], st[1]
}

// sumTo reduces a broadcast gradient g back to shape (summing over the
// dimensions that broadcasting expanded).
func sumTo(g *Tensor, shape []int) *Tensor {
	if SameShape(g.shape, shape) {
		return g
	}
	lead := len(g.shape) - len(shape)
	var axes []int
	for i := range g.shape {
		j := i - lead
		if j < 0 || (shape[j] == 1 && g.shape[i] != 1) {
			axes = append(axes, i)
		}
	}
	r := sumAxes(g, axes, true)
	return &Tensor{data: r.data, shape: cloneInts(shape)}
}
