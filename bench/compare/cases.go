package main

import (
	"strconv"

	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/tensor"
)

// benchCase is one line of the comparison. deepgo builds the work once and
// returns the function to time; unitsPerSecond turns seconds per call into
// the reported figure. The PyTorch side is the case of the same name in
// bench/pytorch/cases.py. heavy marks cases whose single call takes about a
// second or more: TestCasesRun calls them once, and not at all with -short.
type benchCase struct {
	name           string
	unit           string
	heavy          bool
	deepgo         func() func()
	unitsPerSecond func(secPerCall float64) float64
}

var allCases = []*benchCase{
	gemmCase("nn", 1024),
	gemmCase("nt", 1024),
	gemmCase("tn", 1024),
	gemmCase("nn", 256),
	opOverheadCase(),
}

// gemmCase times C = op(A)·op(B) on n×n matrices into a preallocated C, as
// torch.mm(a, b, out=c) does (transposed operands are views there).
func gemmCase(layout string, n int) *benchCase {
	return &benchCase{
		name: "gemm-" + layout + "-" + strconv.Itoa(n),
		unit: "GFLOP/s",
		deepgo: func() func() {
			g := tensor.NewRNG(1)
			a, b := tensor.Randn(g, n, n).Data(), tensor.Randn(g, n, n).Data()
			c := make([]float32, n*n)
			ta, tb := layout == "tn", layout == "nt"
			return func() { kernels.Sgemm(ta, tb, n, n, n, 1, a, n, b, n, 0, c, n) }
		},
		unitsPerSecond: func(s float64) float64 { return 2 * float64(n) * float64(n) * float64(n) / s / 1e9 },
	}
}

const opChain = 20

// opOverheadCase is a chain of 20 tiny elementwise ops with autograd,
// forward and backward: it measures what one op costs beyond its arithmetic.
func opOverheadCase() *benchCase {
	return &benchCase{
		name: "op-overhead",
		unit: "ops/s",
		deepgo: func() func() {
			x := tensor.Randn(tensor.NewRNG(1), 16).SetRequiresGrad(true)
			a, b := tensor.Full(0.9, 16), tensor.Full(0.1, 16)
			return func() {
				y := x
				for i := 0; i < opChain; i++ {
					switch i % 4 {
					case 0:
						y = y.Mul(a)
					case 1:
						y = y.Add(b)
					case 2:
						y = y.Tanh()
					default:
						y = y.Sub(b)
					}
				}
				y.Sum().Backward()
				x.ZeroGrad()
			}
		},
		unitsPerSecond: func(s float64) float64 { return opChain / s },
	}
}
