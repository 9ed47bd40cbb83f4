package tensor

import (
	"fmt"
	"testing"
)

// BenchmarkOpOverhead is bench/compare's op-overhead case: 20 tiny
// elementwise ops with autograd, forward and backward, per iteration.
func BenchmarkOpOverhead(b *testing.B) {
	x := Randn(NewRNG(1), 16).SetRequiresGrad(true)
	c1, c2 := Full(0.9, 16), Full(0.1, 16)
	b.ReportAllocs()
	for b.Loop() {
		y := x
		for i := 0; i < 20; i++ {
			switch i % 4 {
			case 0:
				y = y.Mul(c1)
			case 1:
				y = y.Add(c2)
			case 2:
				y = y.Tanh()
			default:
				y = y.Sub(c2)
			}
		}
		y.Sum().Backward()
		x.ZeroGrad()
	}
	b.ReportMetric(20*float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}

// BenchmarkMLPStep is one training step of the lecture's MNIST network
// (784-64-32-10, ReLU, log-softmax NLL) at batch 64: the allocation count per
// step is what -benchmem reports.
func BenchmarkMLPStep(b *testing.B) {
	for _, batch := range []int{64, 256} {
		b.Run(fmt.Sprint("batch=", batch), func(b *testing.B) {
			g := NewRNG(1)
			x := Randn(g, batch, 784)
			target := oneHotRows(g, batch, 10)
			sizes := []int{784, 64, 32, 10}
			var params []*Tensor
			for i := 0; i+1 < len(sizes); i++ {
				params = append(params, Normal(g, 0, 0.05, sizes[i+1], sizes[i]).SetRequiresGrad(true),
					Zeros(sizes[i+1]).SetRequiresGrad(true))
			}
			b.ReportAllocs()
			for b.Loop() {
				h := Linear(x, params[0], params[1]).ReLU()
				h = Linear(h, params[2], params[3]).ReLU()
				loss := Linear(h, params[4], params[5]).LogSoftmax(1).Mul(target).Sum().MulScalar(-1 / float32(batch))
				loss.Backward()
				for _, p := range params {
					d, gr := p.Data(), p.Grad.Data()
					for i := range d {
						d[i] -= 0.01 * gr[i]
					}
					p.ZeroGrad()
				}
			}
			b.ReportMetric(float64(batch)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

// oneHotRows makes a [n, classes] one-hot target of random classes.
func oneHotRows(g *RNG, n, classes int) *Tensor {
	t := Zeros(n, classes)
	for i := 0; i < n; i++ {
		t.data[i*classes+g.IntN(classes)] = 1
	}
	return t
}

func BenchmarkElementwise(b *testing.B) {
	for _, n := range []int{1 << 10, 1 << 16, 1 << 20} {
		x, y := Randn(NewRNG(1), n), Randn(NewRNG(2), n)
		bias := Randn(NewRNG(3), 256)
		xm := x.Reshape(n/256, 256)
		for _, c := range []struct {
			name string
			fn   func() *Tensor
		}{
			{"add", func() *Tensor { return x.Add(y) }},
			{"mul", func() *Tensor { return x.Mul(y) }},
			{"bias-add", func() *Tensor { return xm.Add(bias) }},
			{"relu", func() *Tensor { return x.ReLU() }},
			{"exp", func() *Tensor { return x.Exp() }},
			{"softmax", func() *Tensor { return xm.Softmax(-1) }},
			{"sum", func() *Tensor { return x.Sum() }},
		} {
			b.Run(fmt.Sprintf("%s/%d", c.name, n), func(b *testing.B) {
				b.SetBytes(int64(4 * n))
				for b.Loop() {
					c.fn()
				}
			})
		}
	}
}
