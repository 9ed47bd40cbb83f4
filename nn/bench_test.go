package nn

import (
	"fmt"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// BenchmarkCrossEntropy times forward + backward of the fused op against
// the same loss composed from tensor ops, for the MNIST batch and a U-Net
// mask batch:
//
//	go test -bench CrossEntropy -run '^$' ./nn
func BenchmarkCrossEntropy(b *testing.B) {
	for _, shape := range [][]int{{64, 10}, {8, 2, 128, 128}} {
		rng := tensor.NewRNG(1)
		x := randInput(rng, -2, 2, shape...)
		yShape := append([]int{shape[0]}, shape[2:]...)
		y := randClasses(rng, shape[1], 0, nil, yShape...)
		for _, impl := range []struct {
			name string
			f    func(x, y *tensor.Tensor, opt CrossEntropyOptions) *tensor.Tensor
		}{{"fused", CrossEntropy}, {"composed", composedCrossEntropy}} {
			b.Run(fmt.Sprintf("%s-%v", impl.name, shape), func(b *testing.B) {
				for b.Loop() {
					x.ZeroGrad()
					impl.f(x, y, CrossEntropyOptions{}).Backward()
				}
			})
		}
	}
}
