package tensor

import "testing"

// A training step of the lecture's MNIST MLP must not allocate much beyond
// its tensors: about 3 allocations per tensor and 1-2 per recorded op. The
// bound guards against regressions (e.g. per-element closures or scratch
// buffers that escape).
func TestAllocsPerTrainingStep(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation count in -short")
	}
	g := NewRNG(1)
	x := Randn(g, 64, 784)
	target := oneHotRows(g, 64, 10)
	sizes := []int{784, 64, 32, 10}
	var params []*Tensor
	for i := 0; i+1 < len(sizes); i++ {
		params = append(params, Normal(g, 0, 0.05, sizes[i+1], sizes[i]).SetRequiresGrad(true),
			Zeros(sizes[i+1]).SetRequiresGrad(true))
	}
	step := func() {
		h := Linear(x, params[0], params[1]).ReLU()
		h = Linear(h, params[2], params[3]).ReLU()
		loss := Linear(h, params[4], params[5]).LogSoftmax(1).Mul(target).Sum().MulScalar(-1.0 / 64)
		loss.Backward()
		for _, p := range params {
			p.ZeroGrad()
		}
	}
	allocs := testing.AllocsPerRun(20, step)
	t.Logf("%.0f allocations per step", allocs)
	if allocs > 110 {
		t.Fatalf("%.0f allocations per training step, want <= 110", allocs)
	}
}
