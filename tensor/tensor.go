package tensor

import (
	"fmt"
	"math"
	"strings"
)

// Tensor is a dense, contiguous, row-major float32 array with an optional
// autograd history. The zero value is not usable; create tensors with New,
// Zeros, FromSlice and the other constructors.
type Tensor struct {
	data  []float32
	shape []int

	// Grad holds the gradient accumulated by Backward for a tensor that
	// requires gradients (a leaf, typically a parameter). It is nil until
	// the first Backward that reaches the tensor, and ZeroGrad resets it.
	Grad *Tensor

	requiresGrad bool  // set by the user on leaves
	node         *node // the op that produced this tensor; nil for leaves
	outIndex     int   // which output of node this tensor is

	dims [4]int // backs shape up to rank 4: one allocation less per tensor
}

// New wraps data (without copying) in a tensor of the given shape. It panics
// if len(data) is not the product of the shape.
func New(data []float32, shape ...int) *Tensor {
	n := checkShape("New", shape)
	if len(data) != n {
		panic(fmt.Sprintf("deepgo: New: %d values do not fill shape %v (%d elements)", len(data), shape, n))
	}
	return &Tensor{data: data, shape: cloneInts(shape)}
}

// FromSlice copies data into a new tensor of the given shape; with no shape
// it makes a 1-D tensor.
func FromSlice(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	d := make([]float32, len(data))
	copy(d, data)
	return New(d, shape...)
}

// FromFloat64 converts data to float32 and makes a tensor of the given shape.
func FromFloat64(data []float64, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	d := make([]float32, len(data))
	for i, v := range data {
		d[i] = float32(v)
	}
	return New(d, shape...)
}

// Scalar makes a 0-dimensional tensor holding v.
func Scalar(v float32) *Tensor { return &Tensor{data: []float32{v}, shape: []int{}} }

// Zeros makes a tensor of the given shape filled with 0.
func Zeros(shape ...int) *Tensor {
	n := checkShape("Zeros", shape)
	return &Tensor{data: make([]float32, n), shape: cloneInts(shape)}
}

// Ones makes a tensor of the given shape filled with 1.
func Ones(shape ...int) *Tensor { return Full(1, shape...) }

// Full makes a tensor of the given shape filled with v.
func Full(v float32, shape ...int) *Tensor {
	t := Zeros(shape...)
	if v != 0 {
		for i := range t.data {
			t.data[i] = v
		}
	}
	return t
}

// ZerosLike makes a zero tensor with the shape of t.
func ZerosLike(t *Tensor) *Tensor { return Zeros(t.shape...) }

// OnesLike makes a tensor of ones with the shape of t.
func OnesLike(t *Tensor) *Tensor { return Ones(t.shape...) }

// Arange makes the 1-D tensor [start, start+step, ...) up to but excluding end.
func Arange(start, end, step float32) *Tensor {
	if step == 0 || (end-start)/step < 0 {
		panic(fmt.Sprintf("deepgo: Arange: empty or infinite range start=%v end=%v step=%v", start, end, step))
	}
	n := int(math.Ceil(float64((end - start) / step)))
	d := make([]float32, n)
	for i := range d {
		d[i] = start + float32(i)*step
	}
	return New(d, n)
}

// Linspace makes n evenly spaced values from start to end inclusive.
func Linspace(start, end float32, n int) *Tensor {
	d := make([]float32, n)
	for i := range d {
		if n == 1 {
			d[i] = start
		} else {
			d[i] = start + (end-start)*float32(i)/float32(n-1)
		}
	}
	return New(d, n)
}

// Eye makes the n×n identity matrix.
func Eye(n int) *Tensor {
	t := Zeros(n, n)
	for i := 0; i < n; i++ {
		t.data[i*n+i] = 1
	}
	return t
}

// Shape returns the tensor's dimensions. The slice is the tensor's own: do
// not modify it.
func (t *Tensor) Shape() []int { return t.shape }

// Dim returns the number of dimensions (the rank).
func (t *Tensor) Dim() int { return len(t.shape) }

// Size returns the length of axis (negative axes count from the end).
func (t *Tensor) Size(axis int) int { return t.shape[axisOf("Size", axis, t.shape)] }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return len(t.data) }

// Data returns the underlying values in row-major order. The slice is the
// tensor's storage: writing to it changes the tensor (and any tensor that
// shares its storage through Reshape or Detach), and bypasses autograd.
func (t *Tensor) Data() []float32 { return t.data }

// Item returns the single value of a one-element tensor.
func (t *Tensor) Item() float32 {
	if len(t.data) != 1 {
		panic(fmt.Sprintf("deepgo: Item: tensor of shape %v has %d elements, want 1", t.shape, len(t.data)))
	}
	return t.data[0]
}

// At returns the element at the given multi-index.
func (t *Tensor) At(idx ...int) float32 { return t.data[t.offset("At", idx)] }

// Set writes the element at the given multi-index (outside autograd).
func (t *Tensor) Set(v float32, idx ...int) { t.data[t.offset("Set", idx)] = v }

func (t *Tensor) offset(op string, idx []int) int {
	if len(idx) != len(t.shape) {
		panic(fmt.Sprintf("deepgo: %s: %d indices for shape %v", op, len(idx), t.shape))
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= t.shape[i] {
			panic(fmt.Sprintf("deepgo: %s: index %v out of range for shape %v", op, idx, t.shape))
		}
		off = off*t.shape[i] + x
	}
	return off
}

// Clone returns a copy of t's values and shape that is part of the graph:
// gradients flow back to t.
func (t *Tensor) Clone() *Tensor {
	out := &Tensor{data: append([]float32(nil), t.data...), shape: cloneInts(t.shape)}
	return Record("Clone", out, func(g *Tensor) []*Tensor { return []*Tensor{g} }, t)
}

// Float64s returns a float64 copy of the values.
func (t *Tensor) Float64s() []float64 {
	d := make([]float64, len(t.data))
	for i, v := range t.data {
		d[i] = float64(v)
	}
	return d
}

// Ints returns the values converted to int (truncating); handy for index
// tensors such as the result of Argmax.
func (t *Tensor) Ints() []int {
	d := make([]int, len(t.data))
	for i, v := range t.data {
		d[i] = int(v)
	}
	return d
}

// String formats small tensors in full and large ones abbreviated.
func (t *Tensor) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Tensor%v", t.shape)
	if t.RequiresGrad() {
		b.WriteString("(grad)")
	}
	b.WriteString(" [")
	const show = 8
	for i, v := range t.data {
		if i == show && len(t.data) > show+2 {
			fmt.Fprintf(&b, " ... %g", t.data[len(t.data)-1])
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%g", v)
	}
	b.WriteByte(']')
	return b.String()
}

// empty makes a result tensor of the given shape (copied) over fresh,
// zeroed storage.
func empty(shape []int) *Tensor {
	n := 1
	for _, s := range shape {
		n *= s
	}
	t := &Tensor{data: make([]float32, n)}
	t.shape = append(t.dims[:0:len(t.dims)], shape...)
	return t
}
