package tensor

import (
	"math"

	"github.com/deepgo/deepgo/internal/kernels"
)

// ReLU returns max(x, 0).
//
//	d/dx = 1 for x > 0, else 0
func (t *Tensor) ReLU() *Tensor {
	out := empty(t.shape)
	reluVec(out.data, t.data)
	return Record("ReLU", out, func(g *Tensor) []*Tensor {
		dx := empty(t.shape)
		reluBackwardVec(dx.data, t.data, g.data)
		return []*Tensor{dx}
	}, t)
}

// LeakyReLU returns x for x > 0 and slope·x otherwise (PyTorch's default
// slope is 0.01).
func (t *Tensor) LeakyReLU(slope float32) *Tensor {
	return unary("LeakyReLU", t,
		func(x float32) float32 {
			if x > 0 {
				return x
			}
			return slope * x
		},
		func(x, _ float32) float32 {
			if x > 0 {
				return 1
			}
			return slope
		})
}

// ELU returns x for x > 0 and alpha·(eˣ − 1) otherwise.
//
//	d/dx = 1 for x > 0, else y + alpha
func (t *Tensor) ELU(alpha float32) *Tensor {
	return unary("ELU", t,
		func(x float32) float32 {
			if x > 0 {
				return x
			}
			return alpha * float32(math.Expm1(float64(x)))
		},
		func(x, y float32) float32 {
			if x > 0 {
				return 1
			}
			return y + alpha
		})
}

// Sigmoid returns 1 / (1 + e⁻ˣ).
//
//	d/dx = y(1 − y)
func (t *Tensor) Sigmoid() *Tensor {
	return unary("Sigmoid", t, sigmoid, func(_, y float32) float32 { return y * (1 - y) })
}

func sigmoid(x float32) float32 {
	if x >= 0 {
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	e := math.Exp(float64(x))
	return float32(e / (1 + e))
}

// Tanh returns the hyperbolic tangent.
//
//	d/dx = 1 − y²
func (t *Tensor) Tanh() *Tensor {
	return unary("Tanh", t, func(x float32) float32 { return float32(math.Tanh(float64(x))) },
		func(_, y float32) float32 { return 1 - y*y })
}

// SiLU (Swish) returns x·σ(x).
//
//	d/dx = σ(x)(1 + x(1 − σ(x)))
func (t *Tensor) SiLU() *Tensor {
	return unary("SiLU", t, func(x float32) float32 { return x * sigmoid(x) },
		func(x, _ float32) float32 {
			s := sigmoid(x)
			return s * (1 + x*(1-s))
		})
}

// Softplus returns ln(1 + eˣ), computed stably.
//
//	d/dx = σ(x)
func (t *Tensor) Softplus() *Tensor {
	return unary("Softplus", t, func(x float32) float32 {
		v := float64(x)
		return float32(math.Max(v, 0) + math.Log1p(math.Exp(-math.Abs(v))))
	}, func(x, _ float32) float32 { return sigmoid(x) })
}

// GELU returns x·Φ(x) with Φ the standard normal CDF (the exact form,
// PyTorch's default).
//
//	d/dx = Φ(x) + x·φ(x)
func (t *Tensor) GELU() *Tensor {
	return unary("GELU", t, func(x float32) float32 {
		v := float64(x)
		return float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
	}, func(x, _ float32) float32 {
		v := float64(x)
		cdf := 0.5 * (1 + math.Erf(v/math.Sqrt2))
		pdf := math.Exp(-0.5*v*v) / math.Sqrt(2*math.Pi)
		return float32(cdf + v*pdf)
	})
}

// GELUTanh is GELU with the tanh approximation used by the original BERT
// (PyTorch's approximate="tanh").
func (t *Tensor) GELUTanh() *Tensor {
	const c = 0.7978845608028654 // √(2/π)
	return unary("GELUTanh", t, func(x float32) float32 {
		v := float64(x)
		return float32(0.5 * v * (1 + math.Tanh(c*(v+0.044715*v*v*v))))
	}, func(x, _ float32) float32 {
		v := float64(x)
		u := c * (v + 0.044715*v*v*v)
		th := math.Tanh(u)
		return float32(0.5*(1+th) + 0.5*v*(1-th*th)*c*(1+3*0.044715*v*v))
	})
}

// Softmax normalises exp(x) along axis so that it sums to 1.
//
//	dx = y ⊙ (dy − Σ dy⊙y)
func (t *Tensor) Softmax(axis int) *Tensor {
	ax := axisOf("Softmax", axis, t.shape)
	out := empty(t.shape)
	alongAxis(t.data, out.data, t.shape, ax, kernels.SoftmaxRows)
	return Record("Softmax", out, func(g *Tensor) []*Tensor {
		dx := empty(t.shape)
		outer, n, inner := splitAt(t.shape, ax)
		if inner == 1 { // contiguous rows: the common case of a last-axis softmax
			for o := 0; o < outer; o++ {
				y, gy, d := out.data[o*n:o*n+n], g.data[o*n:o*n+n], dx.data[o*n:o*n+n]
				var dot float64
				for j, v := range y {
					dot += float64(gy[j] * v)
				}
				for j, v := range y {
					d[j] = v * (gy[j] - float32(dot))
				}
			}
			return []*Tensor{dx}
		}
		forEachLine(outer, n, inner, func(idx func(j int) int) {
			var dot float64
			for j := 0; j < n; j++ {
				dot += float64(g.data[idx(j)] * out.data[idx(j)])
			}
			for j := 0; j < n; j++ {
				i := idx(j)
				dx.data[i] = out.data[i] * (g.data[i] - float32(dot))
			}
		})
		return []*Tensor{dx}
	}, t)
}

// LogSoftmax returns log(softmax(x)) along axis, computed stably.
//
//	dx = dy − softmax(x)·Σ dy
func (t *Tensor) LogSoftmax(axis int) *Tensor {
	ax := axisOf("LogSoftmax", axis, t.shape)
	out := empty(t.shape)
	alongAxis(t.data, out.data, t.shape, ax, kernels.LogSoftmaxRows)
	return Record("LogSoftmax", out, func(g *Tensor) []*Tensor {
		dx := empty(t.shape)
		outer, n, inner := splitAt(t.shape, ax)
		if inner == 1 {
			for o := 0; o < outer; o++ {
				y, gy, d := out.data[o*n:o*n+n], g.data[o*n:o*n+n], dx.data[o*n:o*n+n]
				expVec(d, y) // softmax from the log-softmax output
				s := sumVec(gy)
				for j := range d {
					d[j] = gy[j] - d[j]*s
				}
			}
			return []*Tensor{dx}
		}
		forEachLine(outer, n, inner, func(idx func(j int) int) {
			var s float64
			for j := 0; j < n; j++ {
				s += float64(g.data[idx(j)])
			}
			for j := 0; j < n; j++ {
				i := idx(j)
				dx.data[i] = g.data[i] - float32(math.Exp(float64(out.data[i])))*float32(s)
			}
		})
		return []*Tensor{dx}
	}, t)
}

// forEachLine calls fn for every line along the middle axis of an
// [outer, n, inner] layout; idx maps a position on the line to an offset.
func forEachLine(outer, n, inner int, fn func(idx func(j int) int)) {
	for o := 0; o < outer; o++ {
		for in := 0; in < inner; in++ {
			base := o*n*inner + in
			fn(func(j int) int { return base + j*inner })
		}
	}
}

// alongAxis applies a row kernel (rows × cols, contiguous) to every line
// along axis, gathering strided lines into a scratch row when axis is not
// the last.
func alongAxis(src, dst []float32, shape []int, axis int, rows func(dst, src []float32, rows, cols int)) {
	outer, n, inner := splitAt(shape, axis)
	if inner == 1 {
		rows(dst, src, outer, n)
		return
	}
	in, out := make([]float32, n), make([]float32, n)
	forEachLine(outer, n, inner, func(idx func(j int) int) {
		for j := range in {
			in[j] = src[idx(j)]
		}
		rows(out, in, 1, n)
		for j, v := range out {
			dst[idx(j)] = v
		}
	})
}
