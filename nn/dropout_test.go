package nn

import (
	"math"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// Training drops about a fraction p, scales the rest by 1/(1−p) and sends
// the gradient through the same mask; evaluation is the identity.
func TestDropoutTrainVersusEval(t *testing.T) {
	const p, n = 0.3, 20000
	d := NewDropout(p, tensor.NewRNG(1))
	x := tensor.Ones(n).SetRequiresGrad(true)
	y := d.Forward(x)
	zeros := 0
	for _, v := range y.Data() {
		switch {
		case v == 0:
			zeros++
		case math.Abs(float64(v)-1/(1-p)) > 1e-6:
			t.Fatalf("kept value %v, want 1/(1-p) = %v", v, 1/(1-p))
		}
	}
	// Binomial(20000, 0.3): standard deviation ≈ 65, so ±400 is > 6σ.
	if math.Abs(float64(zeros)-p*n) > 400 {
		t.Errorf("%d of %d dropped, want about %v", zeros, n, p*n)
	}
	y.Sum().Backward()
	assertClose(t, "grad = mask·scale", x.Grad.Data(), y.Data(), 0)

	d.SetTraining(false)
	if ye := d.Forward(x); ye != x {
		t.Errorf("eval mode changed the input")
	}
}

// The same seed drops the same elements; another seed other ones.
func TestDropoutSeeded(t *testing.T) {
	x := tensor.Ones(64)
	a := NewDropout(0.5, tensor.NewRNG(9)).Forward(x)
	b := NewDropout(0.5, tensor.NewRNG(9)).Forward(x)
	c := NewDropout(0.5, tensor.NewRNG(10)).Forward(x)
	assertClose(t, "same seed", a.Data(), b.Data(), 0)
	same := true
	for i := range a.Data() {
		same = same && a.Data()[i] == c.Data()[i]
	}
	if same {
		t.Errorf("seeds 9 and 10 gave the same mask")
	}
}

// Dropout2d drops whole [H, W] planes: every plane is all zeros or all
// 1/(1−p).
func TestDropout2dChannels(t *testing.T) {
	const p = 0.5
	d := NewDropout2d(p, tensor.NewRNG(2))
	y := d.Forward(tensor.Ones(8, 16, 3, 3))
	dropped := 0
	for pl := 0; pl < 8*16; pl++ {
		v := y.Data()[pl*9 : (pl+1)*9]
		for _, e := range v {
			if e != v[0] {
				t.Fatalf("plane %d mixes %v and %v", pl, v[0], e)
			}
		}
		switch v[0] {
		case 0:
			dropped++
		case 1 / (1 - p):
		default:
			t.Fatalf("plane %d holds %v", pl, v[0])
		}
	}
	if dropped < 30 || dropped > 98 { // Binomial(128, 0.5): mean 64, σ ≈ 5.7
		t.Errorf("%d of 128 planes dropped, want about 64", dropped)
	}
	d.SetTraining(false)
	x := tensor.Ones(2, 3, 4)
	if d.Forward(x) != x {
		t.Errorf("eval mode changed the input")
	}
	mustPanic(t, func() { d.Forward(tensor.Ones(2, 3)) }, "Dropout2d", "[2 3]")
	mustPanic(t, func() { NewDropout(1.5, nil) }, "NewDropout", "p=1.5")
}

// A network holding both is switched by one SetTraining call (STYLE lesson
// 6): in training the output changes from call to call, in evaluation it
// does not.
func TestTrainEvalSwitchesDropoutAndBatchNorm(t *testing.T) {
	net := NewSequential(NewBatchNorm1d(4), NewDropout(0.5, tensor.NewRNG(3)))
	x := tensor.Normal(tensor.NewRNG(4), 1, 2, 16, 4)
	a, b := net.Forward(x), net.Forward(x)
	if sameData(a, b) {
		t.Errorf("train mode: two forwards agree; dropout is not active")
	}
	net.SetTraining(false)
	a, b = net.Forward(x), net.Forward(x)
	if !sameData(a, b) {
		t.Errorf("eval mode: two forwards differ")
	}
}

func sameData(a, b *tensor.Tensor) bool {
	for i, v := range a.Data() {
		if b.Data()[i] != v {
			return false
		}
	}
	return true
}
