package tensor

import "fmt"

// view returns a tensor sharing t's storage with another shape, recorded so
// that gradients are reshaped back.
func (t *Tensor) view(name string, shape []int) *Tensor {
	out := &Tensor{data: t.data, shape: shape}
	return Record(name, out, func(g *Tensor) []*Tensor {
		return []*Tensor{{data: g.data, shape: cloneInts(t.shape)}}
	}, t)
}

// Reshape returns t with a new shape and the same elements in the same
// order, sharing storage. One dimension may be -1 and is then inferred.
// With no arguments it makes a 0-dimensional tensor of a single element.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	s := cloneInts(shape)
	infer, known := -1, 1
	for i, d := range s {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(fmt.Sprintf("deepgo: Reshape: %v to %v: bad dimension %d", t.shape, shape, d))
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(t.data)%known != 0 {
			panic(fmt.Sprintf("deepgo: Reshape: %v to %v: cannot infer -1 for %d elements", t.shape, shape, len(t.data)))
		}
		s[infer] = len(t.data) / known
	} else if known != len(t.data) {
		panic(fmt.Sprintf("deepgo: Reshape: %v (%d elements) to %v (%d elements)", t.shape, len(t.data), shape, known))
	}
	return t.view("Reshape", s)
}

// Flatten merges axes start..end (inclusive, negative from the end) into one.
func (t *Tensor) Flatten(start, end int) *Tensor {
	if len(t.shape) == 0 {
		return t.Reshape(1)
	}
	s, e := axisOf("Flatten", start, t.shape), axisOf("Flatten", end, t.shape)
	if s > e {
		panic(fmt.Sprintf("deepgo: Flatten: start axis %d after end axis %d for shape %v", start, end, t.shape))
	}
	shape := append(cloneInts(t.shape[:s]), prod(t.shape[s:e+1]))
	shape = append(shape, t.shape[e+1:]...)
	return t.view("Flatten", shape)
}

// Squeeze removes the given size-1 axes, or every size-1 axis when none are
// given. Squeezing an axis whose size is not 1 panics.
func (t *Tensor) Squeeze(axes ...int) *Tensor {
	var shape []int
	if len(axes) == 0 {
		shape = []int{}
		for _, d := range t.shape {
			if d != 1 {
				shape = append(shape, d)
			}
		}
	} else {
		ax := axesOf("Squeeze", axes, t.shape)
		for _, a := range ax {
			if t.shape[a] != 1 {
				panic(fmt.Sprintf("deepgo: Squeeze: axis %d of shape %v has size %d, not 1", a, t.shape, t.shape[a]))
			}
		}
		shape = dropAxes(t.shape, ax)
	}
	return t.view("Squeeze", shape)
}

// Unsqueeze inserts a size-1 axis at position axis (negative counts from
// the end of the result, as in PyTorch).
func (t *Tensor) Unsqueeze(axis int) *Tensor {
	a := normAxis("Unsqueeze", axis, len(t.shape)+1)
	shape := append(cloneInts(t.shape[:a]), 1)
	shape = append(shape, t.shape[a:]...)
	return t.view("Unsqueeze", shape)
}
