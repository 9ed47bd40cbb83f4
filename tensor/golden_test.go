package tensor

import (
	"encoding/json"
	"math"
	"os"
	"testing"
)

// goldenOps are deepgo's versions of the cases in testdata/golden.py.
var goldenOps = map[string]func(in ...*Tensor) *Tensor{
	"add_broadcast":     func(in ...*Tensor) *Tensor { return in[0].Add(in[1]) },
	"sub_broadcast":     func(in ...*Tensor) *Tensor { return in[0].Sub(in[1]) },
	"mul_broadcast":     func(in ...*Tensor) *Tensor { return in[0].Mul(in[1]) },
	"div_broadcast":     func(in ...*Tensor) *Tensor { return in[0].Div(in[1]) },
	"pow_tensor":        func(in ...*Tensor) *Tensor { return in[0].PowTensor(in[1]) },
	"maximum":           func(in ...*Tensor) *Tensor { return in[0].Maximum(in[1]) },
	"minimum":           func(in ...*Tensor) *Tensor { return in[0].Minimum(in[1]) },
	"pow_scalar":        func(in ...*Tensor) *Tensor { return in[0].Pow(2.5) },
	"exp":               func(in ...*Tensor) *Tensor { return in[0].Exp() },
	"log":               func(in ...*Tensor) *Tensor { return in[0].Log() },
	"sqrt":              func(in ...*Tensor) *Tensor { return in[0].Sqrt() },
	"abs":               func(in ...*Tensor) *Tensor { return in[0].Abs() },
	"clamp":             func(in ...*Tensor) *Tensor { return in[0].Clamp(-0.5, 0.5) },
	"relu":              func(in ...*Tensor) *Tensor { return in[0].ReLU() },
	"leaky_relu":        func(in ...*Tensor) *Tensor { return in[0].LeakyReLU(0.1) },
	"elu":               func(in ...*Tensor) *Tensor { return in[0].ELU(1) },
	"sigmoid":           func(in ...*Tensor) *Tensor { return in[0].Sigmoid() },
	"tanh":              func(in ...*Tensor) *Tensor { return in[0].Tanh() },
	"silu":              func(in ...*Tensor) *Tensor { return in[0].SiLU() },
	"softplus":          func(in ...*Tensor) *Tensor { return in[0].Softplus() },
	"gelu":              func(in ...*Tensor) *Tensor { return in[0].GELU() },
	"gelu_tanh":         func(in ...*Tensor) *Tensor { return in[0].GELUTanh() },
	"softmax_last":      func(in ...*Tensor) *Tensor { return in[0].Softmax(-1) },
	"softmax_mid":       func(in ...*Tensor) *Tensor { return in[0].Softmax(1) },
	"log_softmax_first": func(in ...*Tensor) *Tensor { return in[0].LogSoftmax(0) },
	"sum_axes":          func(in ...*Tensor) *Tensor { return in[0].Sum(0, 2) },
	"mean_keep":         func(in ...*Tensor) *Tensor { return in[0].MeanKeep(1) },
	"var":               func(in ...*Tensor) *Tensor { return in[0].Var(-1) },
	"std_keep":          func(in ...*Tensor) *Tensor { return in[0].StdKeep(0, 1) },
	"logsumexp":         func(in ...*Tensor) *Tensor { return in[0].LogSumExp(1) },
	"amax":              func(in ...*Tensor) *Tensor { return in[0].Max(2) },
	"amin_keep":         func(in ...*Tensor) *Tensor { return in[0].MinKeep(0) },
	"matmul_2d":         func(in ...*Tensor) *Tensor { return in[0].MatMul(in[1]) },
	"matmul_batched":    func(in ...*Tensor) *Tensor { return in[0].MatMul(in[1]) },
	"matmul_broadcast":  func(in ...*Tensor) *Tensor { return in[0].MatMul(in[1]) },
	"matmul_3d_2d":      func(in ...*Tensor) *Tensor { return in[0].MatMul(in[1]) },
	"matmul_vec":        func(in ...*Tensor) *Tensor { return in[0].MatMul(in[1]) },
	"linear":            func(in ...*Tensor) *Tensor { return Linear(in[0], in[1], in[2]) },
	"transpose":         func(in ...*Tensor) *Tensor { return in[0].Transpose(0, 2) },
	"permute":           func(in ...*Tensor) *Tensor { return in[0].Permute(1, 2, 0) },
	"expand":            func(in ...*Tensor) *Tensor { return in[0].Expand(2, 3, 4) },
	"concat":            func(in ...*Tensor) *Tensor { return Concat([]*Tensor{in[0], in[1]}, 1) },
	"stack":             func(in ...*Tensor) *Tensor { return Stack([]*Tensor{in[0], in[1]}, 1) },
	"narrow":            func(in ...*Tensor) *Tensor { return in[0].Narrow(1, 1, 3) },
	"pad_constant":      func(in ...*Tensor) *Tensor { return in[0].Pad([]int{1, 2, 0, 1}, 0.5) },
	"pad_reflect":       func(in ...*Tensor) *Tensor { return in[0].PadMode([]int{2, 1}, "reflect") },
	"pad_replicate":     func(in ...*Tensor) *Tensor { return in[0].PadMode([]int{1, 2, 2, 1}, "replicate") },
	"pad_circular":      func(in ...*Tensor) *Tensor { return in[0].PadMode([]int{2, 3}, "circular") },
	"index_select":      func(in ...*Tensor) *Tensor { return in[0].IndexSelect(0, []int{2, 0, 2}) },
	"gather": func(in ...*Tensor) *Tensor {
		return in[0].Gather(1, FromSlice([]float32{0, 3, 1, 1, 2, 0}, 3, 2))
	},
	"scatter_add": func(in ...*Tensor) *Tensor {
		return in[0].ScatterAdd(1, FromSlice([]float32{0, 0, 1, 3, 2, 2}, 3, 2), in[1])
	},
	"repeat": func(in ...*Tensor) *Tensor { return in[0].Repeat(2, 1, 2) },
}

type goldenArray struct {
	Shape []int     `json:"shape"`
	Data  []float64 `json:"data"`
}

// TestGoldenPyTorch replays testdata/golden.json (made by golden.py with
// PyTorch in float64): every op's output and input gradients must match to
// float32 precision.
func TestGoldenPyTorch(t *testing.T) {
	raw, err := os.ReadFile("testdata/golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Name   string        `json:"name"`
			Inputs []goldenArray `json:"inputs"`
			Output goldenArray   `json:"output"`
			Weight []float64     `json:"weight"`
			Grads  [][]float64   `json:"grads"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) != len(goldenOps) {
		t.Errorf("golden.json has %d cases, goldenOps %d", len(file.Cases), len(goldenOps))
	}
	for _, c := range file.Cases {
		op, ok := goldenOps[c.Name]
		if !ok {
			t.Errorf("%s: no deepgo op for this golden case", c.Name)
			continue
		}
		ins := make([]*Tensor, len(c.Inputs))
		for i, in := range c.Inputs {
			ins[i] = FromFloat64(in.Data, in.Shape...).SetRequiresGrad(true)
		}
		y := op(ins...)
		if !SameShape(y.Shape(), c.Output.Shape) {
			t.Errorf("%s: output shape %v, PyTorch %v", c.Name, y.Shape(), c.Output.Shape)
			continue
		}
		checkGolden(t, c.Name+" output", y.Data(), c.Output.Data)
		y.BackwardWith(FromFloat64(c.Weight, c.Output.Shape...))
		for i, in := range ins {
			if in.Grad == nil {
				t.Errorf("%s: no gradient for input %d", c.Name, i)
				continue
			}
			checkGolden(t, c.Name+" grad", in.Grad.Data(), c.Grads[i])
		}
	}
}

func checkGolden(t *testing.T, what string, got []float32, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d values, PyTorch %d", what, len(got), len(want))
		return
	}
	for i := range got {
		if d := math.Abs(float64(got[i]) - want[i]); d > 1e-5*(1+math.Abs(want[i])) {
			t.Errorf("%s: element %d = %.7g, PyTorch %.7g", what, i, got[i], want[i])
			return
		}
	}
}
