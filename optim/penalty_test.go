package optim

import (
	"math"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

func TestPenaltyValues(t *testing.T) {
	a := tensor.FromSlice([]float32{1, -2}).SetRequiresGrad(true)
	b := tensor.FromSlice([]float32{3, 0}, 1, 2).SetRequiresGrad(true)
	ps := []*tensor.Tensor{a, b}

	l1 := L1Penalty(ps, 0.5) // 0.5·(1+2+3+0) = 3
	l1.Backward()
	if l1.Item() != 3 {
		t.Errorf("L1Penalty = %v, want 3", l1.Item())
	}
	// d/dw 0.5|w| = 0.5·sign(w), and 0 at w = 0 like torch.abs.
	wantA, wantB := []float32{0.5, -0.5}, []float32{0.5, 0}
	for i := range wantA {
		if a.Grad.Data()[i] != wantA[i] || b.Grad.Data()[i] != wantB[i] {
			t.Fatalf("L1 grads %v %v, want %v %v", a.Grad.Data(), b.Grad.Data(), wantA, wantB)
		}
	}
	a.ZeroGrad()
	b.ZeroGrad()

	l2 := L2Penalty(ps, 0.5) // 0.5·(1+4+9+0) = 7
	l2.Backward()
	if l2.Item() != 7 {
		t.Errorf("L2Penalty = %v, want 7", l2.Item())
	}
	// d/dw 0.5·w² = w: no ½ in the penalty, so the gradient is 2λw.
	wantA, wantB = []float32{1, -2}, []float32{3, 0}
	for i := range wantA {
		if a.Grad.Data()[i] != wantA[i] || b.Grad.Data()[i] != wantB[i] {
			t.Fatalf("L2 grads %v %v, want %v %v", a.Grad.Data(), b.Grad.Data(), wantA, wantB)
		}
	}

	tensor.NoGrad(func() {
		if v := L2Penalty(ps, 1); v.RequiresGrad() || v.Item() != 14 {
			t.Errorf("under NoGrad: %v (requires grad %v), want 14 without a graph", v.Item(), v.RequiresGrad())
		}
	})
}

func TestPenaltyGradCheck(t *testing.T) {
	g := tensor.NewRNG(7)
	// Inputs away from 0, where |w| has its kink.
	away := func(shape ...int) *tensor.Tensor {
		x := tensor.Uniform(g, 0.2, 1.5, shape...)
		for i, v := range x.Data() {
			if i%2 == 1 {
				x.Data()[i] = -v
			}
		}
		return x.SetRequiresGrad(true)
	}
	for _, c := range []struct {
		name string
		f    func(...*tensor.Tensor) *tensor.Tensor
	}{
		{"L1Penalty", func(in ...*tensor.Tensor) *tensor.Tensor { return L1Penalty(in, 0.3) }},
		{"L2Penalty", func(in ...*tensor.Tensor) *tensor.Tensor { return L2Penalty(in, 0.3) }},
		// Composed with another op, so the incoming gradient is not 1.
		{"L2Penalty·3", func(in ...*tensor.Tensor) *tensor.Tensor { return L2Penalty(in, 0.3).MulScalar(3) }},
	} {
		if err := tensor.GradCheck(c.f, []*tensor.Tensor{away(3, 4), away(5)}, nil); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

// SGD with WeightDecay wd and plain SGD on loss + L2Penalty(λ = wd/2) take
// the same steps (up to float32 rounding): the ½ convention stated on
// L2Penalty.
func TestL2PenaltyMatchesWeightDecay(t *testing.T) {
	p, q := newProblem(t), newProblem(t)
	wd := NewSGD(p.params(), SGDConfig{LR: 0.1, Momentum: 0.5, WeightDecay: 0.2})
	pen := NewSGD(q.params(), SGDConfig{LR: 0.1, Momentum: 0.5})
	for range 10 {
		p.step(wd)
		pen.ZeroGrad()
		q.loss().Add(L2Penalty([]*tensor.Tensor{q.W, q.b}, 0.1)).Backward()
		pen.Step()
	}
	for i, v := range p.W.Data() {
		if d := math.Abs(float64(v - q.W.Data()[i])); d > 1e-6 {
			t.Fatalf("W[%d]: weight decay %v, L2 penalty %v", i, v, q.W.Data()[i])
		}
	}
}
