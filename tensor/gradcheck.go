package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// GradCheckOptions tunes GradCheck. The zero value picks defaults suited to
// float32 ops: Eps 1e-2 on inputs of order one, Atol 1e-3, Rtol 1e-2.
type GradCheckOptions struct {
	Eps  float64 // finite-difference step (default 1e-2)
	Atol float64 // absolute tolerance (default 1e-3)
	Rtol float64 // relative tolerance (default 1e-2)
	Seed uint64  // seeds the random projection of the output
}

// GradCheck verifies the analytic gradients of f against central finite
// differences, like torch.autograd.gradcheck. f must be deterministic and
// built from recorded ops; every input that requires a gradient is checked.
//
// The output is reduced to a scalar with fixed random weights w, L = Σ w·f,
// so that every output element is tested at once. For each input element
// the difference quotient (L(x+ε) − L(x−ε)) / 2ε is accumulated and compared
// in float64, against the gradient Backward produces. f itself runs in
// float32, so the default tolerances are float32's; keep inputs away from
// kinks (ReLU at 0, ties of Max).
//
// It returns nil on success or an error naming the first mismatching input
// element with both values.
func GradCheck(f func(inputs ...*Tensor) *Tensor, inputs []*Tensor, opts *GradCheckOptions) error {
	o := GradCheckOptions{Eps: 1e-2, Atol: 1e-3, Rtol: 1e-2}
	if opts != nil {
		if opts.Eps > 0 {
			o.Eps = opts.Eps
		}
		if opts.Atol > 0 {
			o.Atol = opts.Atol
		}
		if opts.Rtol > 0 {
			o.Rtol = opts.Rtol
		}
		o.Seed = opts.Seed
	}
	if !GradEnabled() {
		return fmt.Errorf("GradCheck: called inside NoGrad")
	}
	for _, in := range inputs {
		in.Grad = nil
	}
	out := f(inputs...)
	if !out.RequiresGrad() {
		return fmt.Errorf("GradCheck: output %v does not require grad (no input requires grad?)", out.shape)
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	w := make([]float64, len(out.data))
	wt := empty(out.shape)
	for i := range w {
		w[i] = rng.Float64()*2 - 1
		wt.data[i] = float32(w[i])
	}
	out.BackwardWith(wt)

	loss := func() float64 {
		var s float64
		NoGrad(func() {
			y := f(inputs...)
			for i, v := range y.data {
				s += w[i] * float64(v)
			}
		})
		return s
	}
	for k, in := range inputs {
		if !in.RequiresGrad() {
			continue
		}
		analytic := make([]float32, len(in.data))
		if in.Grad != nil {
			copy(analytic, in.Grad.data)
		}
		for i := range in.data {
			orig := in.data[i]
			in.data[i] = float32(float64(orig) + o.Eps)
			hi := float64(in.data[i]) - float64(orig) // the step actually taken in float32
			lp := loss()
			in.data[i] = float32(float64(orig) - o.Eps)
			lo := float64(orig) - float64(in.data[i])
			lm := loss()
			in.data[i] = orig
			numeric := (lp - lm) / (hi + lo)
			a := float64(analytic[i])
			if math.IsNaN(a) || math.Abs(a-numeric) > o.Atol+o.Rtol*math.Abs(numeric) {
				return fmt.Errorf("GradCheck: input %d %v, element %d: analytic %.6g, numeric %.6g (diff %.3g > atol %g + rtol %g·|numeric|)",
					k, in.shape, i, a, numeric, math.Abs(a-numeric), o.Atol, o.Rtol)
			}
		}
	}
	return nil
}
