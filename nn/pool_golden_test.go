package nn

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/deepgo/deepgo/tensor"
)

// layerRun is one forward/backward of a golden case: input, upstream
// weights u, output and the gradients of sum(out·u).
type layerRun struct {
	X          gArray  `json:"x"`
	U          gArray  `json:"u"`
	Out        gArray  `json:"out"`
	Grad       gArray  `json:"grad"`
	GradWeight *gArray `json:"grad_weight"`
	GradBias   *gArray `json:"grad_bias"`
}

// layerCase is a case of testdata/layers_golden.json, written by
// testdata/layers_golden.py with PyTorch in float64.
type layerCase struct {
	Name  string `json:"name"`
	Layer string `json:"layer"`
	Args  struct {
		Kernel          int     `json:"kernel"`
		Stride          int     `json:"stride"`
		Padding         int     `json:"padding"`
		CountIncludePad bool    `json:"count_include_pad"`
		Size            []int   `json:"size"`
		Factor          int     `json:"factor"`
		Mode            string  `json:"mode"`
		Scale           float64 `json:"scale"`
		AlignCorners    bool    `json:"align_corners"`
		C               int     `json:"c"`
		Momentum        float64 `json:"momentum"`
	} `json:"args"`
	layerRun // the stateless layers' run

	// Batch norm only: the affine parameters, the first training run, the
	// second training input, the buffers after both, and an eval run.
	Weight            *gArray   `json:"weight"`
	Bias              *gArray   `json:"bias"`
	Train             *layerRun `json:"train"`
	X2                *gArray   `json:"x2"`
	RunningMean       *gArray   `json:"running_mean"`
	RunningVar        *gArray   `json:"running_var"`
	NumBatchesTracked int       `json:"num_batches_tracked"`
	Eval              *layerRun `json:"eval"`
}

func (c *layerCase) build(t *testing.T) Module {
	a := c.Args
	switch c.Layer {
	case "MaxPool2d":
		return NewMaxPool2d(a.Kernel, a.Stride, a.Padding)
	case "AvgPool2d":
		p := NewAvgPool2d(a.Kernel, a.Stride, a.Padding)
		p.CountIncludePad = a.CountIncludePad
		return p
	case "AdaptiveAvgPool2d":
		return NewAdaptiveAvgPool2d(a.Size[0], a.Size[1])
	case "PixelUnshuffle":
		return NewPixelUnshuffle(a.Factor)
	case "PixelShuffle":
		return NewPixelShuffle(a.Factor)
	case "Upsample":
		if a.Scale != 0 {
			return NewUpsample(a.Scale, a.Mode, a.AlignCorners)
		}
		return NewUpsampleSize(a.Size[0], a.Size[1], a.Mode, a.AlignCorners)
	case "BatchNorm1d":
		return NewBatchNorm1d(a.C, BatchNormMomentum(a.Momentum))
	case "BatchNorm2d":
		return NewBatchNorm2d(a.C, BatchNormMomentum(a.Momentum))
	}
	t.Fatalf("unknown layer %q", c.Layer)
	return nil
}

// replay runs m on r.X and checks the output and the gradients of
// sum(out·u) to 1e-4 relative.
func replay(t *testing.T, name string, m Module, r *layerRun, params ...*tensor.Tensor) {
	t.Helper()
	x := r.X.tensor().SetRequiresGrad(true)
	out := m.Forward(x)
	assertClose(t, name+" output", out.Data(), r.Out.tensor().Data(), 1e-4)
	if !tensor.SameShape(out.Shape(), r.Out.Shape) {
		t.Fatalf("%s: output shape %v, want %v", name, out.Shape(), r.Out.Shape)
	}
	out.Mul(r.U.tensor()).Sum().Backward()
	assertClose(t, name+" grad x", x.Grad.Data(), r.Grad.tensor().Data(), 1e-4)
	for i, want := range []*gArray{r.GradWeight, r.GradBias} {
		if want != nil {
			assertClose(t, name+[]string{" grad weight", " grad bias"}[i], params[i].Grad.Data(), want.tensor().Data(), 1e-4)
			params[i].Grad = nil
		}
	}
}

func TestLayersGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/layers_golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []layerCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) < 25 {
		t.Fatalf("%d cases, want at least 25", len(g.Cases))
	}
	for i := range g.Cases {
		c := &g.Cases[i]
		t.Run(c.Name, func(t *testing.T) {
			m := c.build(t)
			if c.Train == nil {
				replay(t, c.Name, m, &c.layerRun)
				return
			}
			bn := batchNormOf(m)
			copy(bn.Weight.Data(), c.Weight.tensor().Data())
			copy(bn.Bias.Data(), c.Bias.tensor().Data())
			replay(t, "train", m, c.Train, bn.Weight, bn.Bias)
			m.Forward(c.X2.tensor())
			assertClose(t, "running_mean", bn.RunningMean.Data(), c.RunningMean.tensor().Data(), 1e-4)
			assertClose(t, "running_var", bn.RunningVar.Data(), c.RunningVar.tensor().Data(), 1e-4)
			if got := bn.NumBatchesTracked.Item(); got != float32(c.NumBatchesTracked) {
				t.Errorf("num_batches_tracked = %v, want %d", got, c.NumBatchesTracked)
			}
			m.SetTraining(false)
			replay(t, "eval", m, c.Eval, bn.Weight, bn.Bias)
		})
	}
}

func batchNormOf(m Module) *batchNorm {
	switch b := m.(type) {
	case *BatchNorm1d:
		return &b.batchNorm
	case *BatchNorm2d:
		return &b.batchNorm
	}
	panic("not a batch norm")
}
