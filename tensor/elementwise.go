package tensor

import "math"

var (
	addKernel = &binaryKernel{
		vv: addVec,
		vs: func(dst, a []float32, s float32) { addScalarVec(dst, a, s) },
		sv: func(dst []float32, s float32, b []float32) { addScalarVec(dst, b, s) },
	}
	subKernel = &binaryKernel{
		vv: subVec,
		vs: func(dst, a []float32, s float32) { addScalarVec(dst, a, -s) },
		sv: func(dst []float32, s float32, b []float32) {
			for i, y := range b {
				dst[i] = s - y
			}
		},
	}
	mulKernel = &binaryKernel{
		vv: mulVec,
		vs: func(dst, a []float32, s float32) { scaleVec(dst, a, s) },
		sv: func(dst []float32, s float32, b []float32) { scaleVec(dst, b, s) },
	}
	divKernel = &binaryKernel{
		vv: divVec,
		vs: func(dst, a []float32, s float32) { scaleVec(dst, a, 1/s) },
		sv: func(dst []float32, s float32, b []float32) {
			for i, y := range b {
				dst[i] = s / y
			}
		},
	}
)

// Add returns t + u with broadcasting.
//
//	d(t+u)/dt = 1, d(t+u)/du = 1 (summed over broadcast dimensions)
func (t *Tensor) Add(u *Tensor) *Tensor {
	out := broadcastBinary("Add", t, u, addKernel)
	return Record("Add", out, func(g *Tensor) []*Tensor {
		return []*Tensor{sumTo(g, t.shape), sumTo(g, u.shape)}
	}, t, u)
}

// Sub returns t - u with broadcasting.
func (t *Tensor) Sub(u *Tensor) *Tensor {
	out := broadcastBinary("Sub", t, u, subKernel)
	return Record("Sub", out, func(g *Tensor) []*Tensor {
		var gu *Tensor
		if u.RequiresGrad() {
			gu = sumTo(g, u.shape)
			n := empty(gu.shape)
			scaleVec(n.data, gu.data, -1)
			gu = n
		}
		return []*Tensor{sumTo(g, t.shape), gu}
	}, t, u)
}

// Mul returns the elementwise product t * u with broadcasting.
//
//	d(tu)/dt = u, d(tu)/du = t
func (t *Tensor) Mul(u *Tensor) *Tensor {
	out := broadcastBinary("Mul", t, u, mulKernel)
	return Record("Mul", out, func(g *Tensor) []*Tensor {
		var gt, gu *Tensor
		if t.RequiresGrad() {
			gt = sumTo(broadcastBinary("Mul", g, u, mulKernel), t.shape)
		}
		if u.RequiresGrad() {
			gu = sumTo(broadcastBinary("Mul", g, t, mulKernel), u.shape)
		}
		return []*Tensor{gt, gu}
	}, t, u)
}

// Div returns t / u with broadcasting.
//
//	d(t/u)/dt = 1/u, d(t/u)/du = -t/u²
func (t *Tensor) Div(u *Tensor) *Tensor {
	out := broadcastBinary("Div", t, u, divKernel)
	return Record("Div", out, func(g *Tensor) []*Tensor {
		var gt, gu *Tensor
		if t.RequiresGrad() {
			gt = sumTo(broadcastBinary("Div", g, u, divKernel), t.shape)
		}
		if u.RequiresGrad() {
			// -g * out / u
			q := broadcastBinary("Div", broadcastBinary("Mul", g, out, mulKernel), u, divKernel)
			scaleVec(q.data, q.data, -1)
			gu = sumTo(q, u.shape)
		}
		return []*Tensor{gt, gu}
	}, t, u)
}

var powKernel = elementKernel(func(x, y float32) float32 { return float32(math.Pow(float64(x), float64(y))) })

// PowTensor returns t raised elementwise to the power u, with broadcasting.
//
//	d(t^u)/dt = u t^(u-1), d(t^u)/du = t^u ln t
func (t *Tensor) PowTensor(u *Tensor) *Tensor {
	out := broadcastBinary("PowTensor", t, u, powKernel)
	return Record("PowTensor", out, func(g *Tensor) []*Tensor {
		var gt, gu *Tensor
		if t.RequiresGrad() {
			d := broadcastBinary("PowTensor", t, u, elementKernel(func(x, y float32) float32 {
				if y == 0 {
					return 0
				}
				return y * float32(math.Pow(float64(x), float64(y-1)))
			}))
			gt = sumTo(broadcastBinary("PowTensor", g, d, mulKernel), t.shape)
		}
		if u.RequiresGrad() {
			lt := unaryValues(t, func(x float32) float32 { return float32(math.Log(float64(x))) })
			d := broadcastBinary("PowTensor", out, lt, mulKernel)
			gu = sumTo(broadcastBinary("PowTensor", g, d, mulKernel), u.shape)
		}
		return []*Tensor{gt, gu}
	}, t, u)
}

// Maximum returns the elementwise larger of t and u (the gradient goes to
// the larger input; ties split it evenly), with broadcasting.
func (t *Tensor) Maximum(u *Tensor) *Tensor {
	return pick("Maximum", t, u, func(x, y float32) bool { return x > y })
}

// Minimum returns the elementwise smaller of t and u, with broadcasting.
func (t *Tensor) Minimum(u *Tensor) *Tensor {
	return pick("Minimum", t, u, func(x, y float32) bool { return x < y })
}

func pick(name string, t, u *Tensor, first func(x, y float32) bool) *Tensor {
	out := broadcastBinary(name, t, u, elementKernel(func(x, y float32) float32 {
		if first(x, y) || x != x {
			return x
		}
		return y
	}))
	return Record(name, out, func(g *Tensor) []*Tensor {
		share := func(me bool) *binaryKernel {
			return elementKernel(func(x, y float32) float32 {
				switch {
				case x == y:
					return 0.5
				case first(x, y) == me:
					return 1
				}
				return 0
			})
		}
		gt := sumTo(broadcastBinary(name, g, broadcastBinary(name, t, u, share(true)), mulKernel), t.shape)
		gu := sumTo(broadcastBinary(name, g, broadcastBinary(name, t, u, share(false)), mulKernel), u.shape)
		return []*Tensor{gt, gu}
	}, t, u)
}

// unaryValues applies f to each element (no autograd).
func unaryValues(x *Tensor, f func(float32) float32) *Tensor {
	out := empty(x.shape)
	for i, v := range x.data {
		out.data[i] = f(v)
	}
	return out
}

// unary builds a differentiable elementwise op from its forward function
// and its derivative, which sees the input x and the output y.
func unary(name string, x *Tensor, f func(x float32) float32, df func(x, y float32) float32) *Tensor {
	out := unaryValues(x, f)
	return Record(name, out, func(g *Tensor) []*Tensor {
		dx := empty(x.shape)
		for i, gv := range g.data {
			dx.data[i] = gv * df(x.data[i], out.data[i])
		}
		return []*Tensor{dx}
	}, x)
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor { return t.MulScalar(-1) }

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float32) *Tensor {
	out := empty(t.shape)
	addScalarVec(out.data, t.data, s)
	return Record("AddScalar", out, func(g *Tensor) []*Tensor { return []*Tensor{g} }, t)
}

// MulScalar returns t * s.
func (t *Tensor) MulScalar(s float32) *Tensor {
	out := empty(t.shape)
	scaleVec(out.data, t.data, s)
	return Record("MulScalar", out, func(g *Tensor) []*Tensor {
		dx := empty(t.shape)
		scaleVec(dx.data, g.data, s)
		return []*Tensor{dx}
	}, t)
}

// DivScalar returns t / s.
func (t *Tensor) DivScalar(s float32) *Tensor { return t.MulScalar(1 / s) }

// Pow returns t raised elementwise to the constant power p.
//
//	d(x^p)/dx = p x^(p-1)
func (t *Tensor) Pow(p float32) *Tensor {
	switch p {
	case 1:
		return t.Clone()
	case 2:
		return unary("Pow", t, func(x float32) float32 { return x * x }, func(x, _ float32) float32 { return 2 * x })
	}
	return unary("Pow", t,
		func(x float32) float32 { return float32(math.Pow(float64(x), float64(p))) },
		func(x, _ float32) float32 {
			if p == 0 {
				return 0
			}
			return p * float32(math.Pow(float64(x), float64(p-1)))
		})
}

// Square returns t².
func (t *Tensor) Square() *Tensor { return t.Pow(2) }

// Exp returns e^t elementwise.
//
//	d(e^x)/dx = e^x
func (t *Tensor) Exp() *Tensor {
	out := empty(t.shape)
	expVec(out.data, t.data)
	return Record("Exp", out, func(g *Tensor) []*Tensor {
		dx := empty(t.shape)
		mulVec(dx.data, g.data, out.data)
		return []*Tensor{dx}
	}, t)
}

// Log returns the natural logarithm elementwise.
//
//	d(ln x)/dx = 1/x
func (t *Tensor) Log() *Tensor {
	return unary("Log", t, func(x float32) float32 { return float32(math.Log(float64(x))) },
		func(x, _ float32) float32 { return 1 / x })
}

// Sqrt returns the square root elementwise.
//
//	d(√x)/dx = 1/(2√x)
func (t *Tensor) Sqrt() *Tensor {
	return unary("Sqrt", t, func(x float32) float32 { return float32(math.Sqrt(float64(x))) },
		func(_, y float32) float32 { return 0.5 / y })
}

// Abs returns |t| elementwise (gradient sign(x), 0 at 0).
func (t *Tensor) Abs() *Tensor {
	return unary("Abs", t, func(x float32) float32 { return float32(math.Abs(float64(x))) },
		func(x, _ float32) float32 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return 0
		})
}

// Clamp limits t to [lo, hi] elementwise; the gradient passes where
// lo <= x <= hi. Use ±Inf (float32(math.Inf(1))) for a one-sided clamp.
func (t *Tensor) Clamp(lo, hi float32) *Tensor {
	return unary("Clamp", t, func(x float32) float32 { return min(max(x, lo), hi) },
		func(x, _ float32) float32 {
			if x >= lo && x <= hi {
				return 1
			}
			return 0
		})
}

// Comparisons return masks of 0 and 1, broadcast, and never carry gradients.

func compare(name string, t, u *Tensor, f func(x, y float32) bool) *Tensor {
	return broadcastBinary(name, t, u, elementKernel(func(x, y float32) float32 {
		if f(x, y) {
			return 1
		}
		return 0
	}))
}

// Eq returns 1 where t == u, else 0.
func (t *Tensor) Eq(u *Tensor) *Tensor {
	return compare("Eq", t, u, func(x, y float32) bool { return x == y })
}

// Ne returns 1 where t != u, else 0.
func (t *Tensor) Ne(u *Tensor) *Tensor {
	return compare("Ne", t, u, func(x, y float32) bool { return x != y })
}

// Lt returns 1 where t < u, else 0.
func (t *Tensor) Lt(u *Tensor) *Tensor {
	return compare("Lt", t, u, func(x, y float32) bool { return x < y })
}

// Le returns 1 where t <= u, else 0.
func (t *Tensor) Le(u *Tensor) *Tensor {
	return compare("Le", t, u, func(x, y float32) bool { return x <= y })
}

// Gt returns 1 where t > u, else 0.
func (t *Tensor) Gt(u *Tensor) *Tensor {
	return compare("Gt", t, u, func(x, y float32) bool { return x > y })
}

// Ge returns 1 where t >= u, else 0.
func (t *Tensor) Ge(u *Tensor) *Tensor {
	return compare("Ge", t, u, func(x, y float32) bool { return x >= y })
}

// Where picks a where cond is non-zero and b elsewhere, broadcasting all
// three. Gradients flow to a and b through the picked positions only.
func Where(cond, a, b *Tensor) *Tensor {
	shape := broadcastShapes("Where", broadcastShapes("Where", cond.shape, a.shape), b.shape)
	c, x, y := expandTo(cond, shape), expandTo(a, shape), expandTo(b, shape)
	out := empty(shape)
	for i, m := range c.data {
		if m != 0 {
			out.data[i] = x.data[i]
		} else {
			out.data[i] = y.data[i]
		}
	}
	return Record("Where", out, func(g *Tensor) []*Tensor {
		ga, gb := empty(shape), empty(shape)
		for i, m := range c.data {
			if m != 0 {
				ga.data[i] = g.data[i]
			} else {
				gb.data[i] = g.data[i]
			}
		}
		return []*Tensor{nil, sumTo(ga, a.shape), sumTo(gb, b.shape)}
	}, cond, a, b)
}
