package tensor

// Sum adds the elements over the given axes (all axes when none are given)
// and drops those axes. Negative axes count from the end.
//
//	d(Σx)/dx = 1, so the gradient is dL/dsum broadcast back to x's shape.
func (t *Tensor) Sum(axes ...int) *Tensor { return t.sum("Sum", axes, false) }

// SumKeep is Sum that keeps the reduced axes with size 1.
func (t *Tensor) SumKeep(axes ...int) *Tensor { return t.sum("SumKeep", axes, true) }

func (t *Tensor) sum(name string, axes []int, keep bool) *Tensor {
	ax := axesOf(name, axes, t.shape)
	out := sumAxes(t, ax, keep)
	return Record(name, out, func(g *Tensor) []*Tensor {
		kg := &Tensor{data: g.data, shape: keptShape(t.shape, ax)}
		return []*Tensor{expandTo(kg, t.shape)}
	}, t)
}

// Mean averages the elements over the given axes (all when none) and drops
// those axes.
func (t *Tensor) Mean(axes ...int) *Tensor { return t.mean("Mean", axes, false) }

// MeanKeep is Mean that keeps the reduced axes with size 1.
func (t *Tensor) MeanKeep(axes ...int) *Tensor { return t.mean("MeanKeep", axes, true) }

func (t *Tensor) mean(name string, axes []int, keep bool) *Tensor {
	ax := axesOf(name, axes, t.shape)
	n := 1
	for _, a := range ax {
		n *= t.shape[a]
	}
	out := sumAxes(t, ax, keep)
	scaleVec(out.data, out.data, 1/float32(n))
	return Record(name, out, func(g *Tensor) []*Tensor {
		kg := &Tensor{data: g.data, shape: keptShape(t.shape, ax)}
		dx := expandTo(kg, t.shape)
		if dx == kg {
			dx = &Tensor{data: make([]float32, len(kg.data)), shape: cloneInts(t.shape)}
			scaleVec(dx.data, kg.data, 1/float32(n))
		} else {
			scaleVec(dx.data, dx.data, 1/float32(n))
		}
		return []*Tensor{dx}
	}, t)
}
