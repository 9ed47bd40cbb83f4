package tensor

import (
	"fmt"
	"math"
)

// The reductions beyond Sum and Mean. Each takes axes like Sum (negative
// ones count from the end, none means all) and drops them, or keeps them
// with size 1 in its Keep form. The kernels live in reduce_lines.go.

// Var returns the unbiased variance over the given axes, torch.var's
// default: Σ(x − mean)² / (N − 1), where N is the number of reduced
// elements.
//
//	d var/dx = 2(x − mean) / (N − 1)
func (t *Tensor) Var(axes ...int) *Tensor { return t.moment("Var", 1, false, false, axes) }

// VarKeep is Var that keeps the reduced axes with size 1.
func (t *Tensor) VarKeep(axes ...int) *Tensor { return t.moment("VarKeep", 1, false, true, axes) }

// VarCorrection is the general variance Σ(x − mean)² / max(N − correction, 0):
// correction 0 is the population (biased) variance, 1 the sample variance
// of Var. keep keeps the reduced axes with size 1. Like torch.var, it is
// NaN or ±Inf when N ≤ correction, for example Var of a single element.
//
//	d var/dx = 2(x − mean) / (N − correction)
func (t *Tensor) VarCorrection(correction int, keep bool, axes ...int) *Tensor {
	return t.moment("VarCorrection", correction, false, keep, axes)
}

// Std returns the unbiased standard deviation over the given axes, the
// square root of Var.
//
//	d std/dx = (x − mean) / ((N − 1)·std), taken as 0 where std is 0
func (t *Tensor) Std(axes ...int) *Tensor { return t.moment("Std", 1, true, false, axes) }

// StdKeep is Std that keeps the reduced axes with size 1.
func (t *Tensor) StdKeep(axes ...int) *Tensor { return t.moment("StdKeep", 1, true, true, axes) }

// StdCorrection is the square root of VarCorrection.
func (t *Tensor) StdCorrection(correction int, keep bool, axes ...int) *Tensor {
	return t.moment("StdCorrection", correction, true, keep, axes)
}

// moment computes the variance, or the standard deviation when wantStd.
func (t *Tensor) moment(name string, correction int, wantStd, keep bool, axes []int) *Tensor {
	ax := axesOf(name, axes, t.shape)
	l := newLineLayout(t.shape, ax)
	out := empty(reducedShape(t.shape, ax, keep))
	mean := make([]float64, l.lines())
	div := float64(max(l.n-correction, 0))
	if l.n == 0 {
		for i := range out.data {
			out.data[i] = float32(math.NaN())
		}
	} else {
		l.centeredSquares(out.data, mean, l.gather(t.data))
		for i, s := range out.data {
			v := float64(s) / div
			if wantStd {
				v = math.Sqrt(v)
			}
			out.data[i] = float32(v)
		}
	}
	return Record(name, out, func(g *Tensor) []*Tensor {
		coef := make([]float32, len(g.data))
		for i, gv := range g.data {
			switch {
			case !wantStd:
				coef[i] = float32(float64(gv) * 2 / div)
			case out.data[i] != 0: // torch masks the gradient where std is 0
				coef[i] = float32(float64(gv) / (div * float64(out.data[i])))
			}
		}
		dx := make([]float32, len(t.data))
		l.centeredScale(dx, l.gather(t.data), mean, coef)
		return []*Tensor{{data: l.scatter(dx), shape: cloneInts(t.shape)}}
	}, t)
}

// LogSumExp returns log Σ exp(x) over the given axes, computed stably by
// subtracting the maximum first, so that LogSumExp of [1000 1000] is
// 1000 + ln 2 rather than +Inf. An empty reduction gives −Inf.
//
//	d lse/dx = exp(x − lse) = softmax(x)
func (t *Tensor) LogSumExp(axes ...int) *Tensor { return t.logSumExp("LogSumExp", false, axes) }

// LogSumExpKeep is LogSumExp that keeps the reduced axes with size 1.
func (t *Tensor) LogSumExpKeep(axes ...int) *Tensor { return t.logSumExp("LogSumExpKeep", true, axes) }

func (t *Tensor) logSumExp(name string, keep bool, axes []int) *Tensor {
	ax := axesOf(name, axes, t.shape)
	l := newLineLayout(t.shape, ax)
	out := empty(reducedShape(t.shape, ax, keep))
	l.logSumExp(out.data, l.gather(t.data))
	return Record(name, out, func(g *Tensor) []*Tensor {
		dx := make([]float32, len(t.data))
		l.softmaxScale(dx, l.gather(t.data), out.data, g.data)
		return []*Tensor{{data: l.scatter(dx), shape: cloneInts(t.shape)}}
	}, t)
}

// Max returns the largest element over the given axes (torch.amax). The
// gradient goes to the maximal elements, split evenly among ties. NaN
// propagates. Reducing an empty axis panics.
func (t *Tensor) Max(axes ...int) *Tensor { return t.extreme("Max", true, false, axes) }

// MaxKeep is Max that keeps the reduced axes with size 1.
func (t *Tensor) MaxKeep(axes ...int) *Tensor { return t.extreme("MaxKeep", true, true, axes) }

// Min returns the smallest element over the given axes (torch.amin), with
// the gradient split evenly among tied minima.
func (t *Tensor) Min(axes ...int) *Tensor { return t.extreme("Min", false, false, axes) }

// MinKeep is Min that keeps the reduced axes with size 1.
func (t *Tensor) MinKeep(axes ...int) *Tensor { return t.extreme("MinKeep", false, true, axes) }

func (t *Tensor) extreme(name string, isMax, keep bool, axes []int) *Tensor {
	ax := axesOf(name, axes, t.shape)
	l := newLineLayout(t.shape, ax)
	checkNotEmpty(name, t.shape, ax, l)
	out := empty(reducedShape(t.shape, ax, keep))
	l.extreme(out.data, l.gather(t.data), isMax)
	return Record(name, out, func(g *Tensor) []*Tensor {
		dx := make([]float32, len(t.data))
		l.spreadTies(dx, l.gather(t.data), out.data, g.data)
		return []*Tensor{{data: l.scatter(dx), shape: cloneInts(t.shape)}}
	}, t)
}

// Argmax returns the index of the first maximum along axis, as integral
// float32 values (read them with Ints), with axis dropped. A NaN counts as
// the maximum. It is not differentiable: the result never requires grad.
func (t *Tensor) Argmax(axis int) *Tensor { return t.argExtreme("Argmax", axis, true) }

// Argmin returns the index of the first minimum along axis, like Argmax.
func (t *Tensor) Argmin(axis int) *Tensor { return t.argExtreme("Argmin", axis, false) }

func (t *Tensor) argExtreme(name string, axis int, isMax bool) *Tensor {
	ax := []int{axisOf(name, axis, t.shape)}
	l := newLineLayout(t.shape, ax)
	checkNotEmpty(name, t.shape, ax, l)
	out := empty(dropAxes(t.shape, ax))
	l.argExtreme(out.data, l.gather(t.data), isMax)
	return out
}

// checkNotEmpty panics when a Max-like reduction has lines to fill but no
// elements in them.
func checkNotEmpty(name string, shape, axes []int, l lineLayout) {
	if l.n == 0 && l.lines() > 0 {
		panic(fmt.Sprintf("deepgo: %s: shape %v: cannot reduce over empty axes %v", name, shape, axes))
	}
}

// reducedShape is shape after reducing axes: dropped, or kept as size 1.
func reducedShape(shape, axes []int, keep bool) []int {
	if keep {
		return keptShape(shape, axes)
	}
	return dropAxes(shape, axes)
}
