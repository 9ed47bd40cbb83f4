package train

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// blobs is a 3-class problem: Gaussian clouds around three centres in 2-D.
func blobs(seed uint64, n int) *data.TensorDataset {
	g := tensor.NewRNG(seed)
	x, y := tensor.Zeros(n, 2), tensor.Zeros(n)
	centres := [][2]float64{{0, 2}, {-2, -1}, {2, -1}}
	for i := 0; i < n; i++ {
		c := i % 3
		x.Data()[2*i] = float32(centres[c][0] + 0.8*g.NormFloat64())
		x.Data()[2*i+1] = float32(centres[c][1] + 0.8*g.NormFloat64())
		y.Data()[i] = float32(c)
	}
	return data.NewTensorDataset(x, y)
}

type run struct {
	model *nn.Sequential
	cfg   Config
}

// newRun builds a fresh model, optimizer, scheduler and loaders; initSeed
// changes only the initial weights (a resumed run must not depend on it).
func newRun(dir string, initSeed uint64) *run {
	g := tensor.NewRNG(initSeed)
	model := nn.NewSequential(nn.NewLinear(2, 16, g), nn.NewTanh(), nn.NewLinear(16, 3, g))
	opt := optim.NewSGD(nn.Parameters(model), optim.SGDConfig{LR: 0.05, Momentum: 0.9})
	return &run{model: model, cfg: Config{
		Model:     model,
		Optimizer: opt,
		Scheduler: optim.NewStepLR(opt, 2, 0.5),
		Loss: func(out, y *tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(out, y, nn.CrossEntropyOptions{})
		},
		Train:    data.NewLoader(blobs(1, 300), data.LoaderConfig{BatchSize: 32, Shuffle: true, Seed: 7}),
		Test:     data.NewLoader(blobs(2, 150), data.LoaderConfig{BatchSize: 50}),
		Epochs:   6,
		Accuracy: true,
		RunDir:   dir,
		RNG:      tensor.NewRNG(99),
	}}
}

func TestFitLearnsAndWritesMetrics(t *testing.T) {
	dir := t.TempDir()
	r := newRun(dir, 1)
	h, err := Fit(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 6 || h[5].TestAcc < 0.9 || !(h[5].TrainLoss < h[0].TrainLoss) {
		t.Fatalf("history %+v: want 6 epochs, falling loss, test accuracy >= 90%%", h)
	}
	if h[5].LR != 0.05*0.5*0.5 {
		t.Fatalf("lr after 6 epochs of StepLR(2, 0.5) = %v, want 0.0125 (the LR used in epoch 6)", h[5].LR)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if len(lines) != 7 || !strings.HasPrefix(lines[0], "epoch,train_loss,train_acc,test_loss") || !strings.HasPrefix(lines[6], "6,") {
		t.Fatalf("metrics.csv:\n%s", csv)
	}
}

// An interrupted run, resumed from its checkpoint in a new process-like
// setting (fresh model with other initial weights), must end with exactly
// the numbers of an uninterrupted run.
func TestInterruptAndResumeMatchesUninterrupted(t *testing.T) {
	full := newRun(t.TempDir(), 1)
	want, err := Fit(full.cfg)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	first := newRun(dir, 1)
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	loss := first.cfg.Loss
	first.cfg.Loss = func(out, y *tensor.Tensor) *tensor.Tensor {
		calls++
		if calls == 2*10+4 { // in epoch 3 (10 batches per epoch)
			cancel()
		}
		return loss(out, y)
	}
	first.cfg.Context = ctx
	if _, err := Fit(first.cfg); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted Fit returned %v, want ErrInterrupted", err)
	}

	second := newRun(dir, 12345)
	second.cfg.Resume = true
	got, err := Fit(second.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("resumed history has %d epochs, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		w.Seconds, g.Seconds = 0, 0
		if w != g {
			t.Fatalf("epoch %d: resumed %+v, uninterrupted %+v", i+1, g, w)
		}
	}
	ws, gs := nn.StateDict(full.model), nn.StateDict(second.model)
	for k, v := range ws {
		for i, x := range v.Data() {
			if gs[k].Data()[i] != x {
				t.Fatalf("%s[%d]: resumed %v, uninterrupted %v", k, i, gs[k].Data()[i], x)
			}
		}
	}
}

func TestEarlyStoppingRestoresBest(t *testing.T) {
	r := newRun("", 1)
	r.cfg.Epochs = 30
	r.cfg.Optimizer.SetLR(0.5) // large steps: the test loss soon stops improving
	r.cfg.Scheduler = nil
	es := &EarlyStopping{Monitor: "test_loss", Patience: 2, MinDelta: 1e-3, RestoreBest: true}
	r.cfg.EarlyStopping = es
	h, err := Fit(r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) == 30 {
		t.Fatal("early stopping never stopped")
	}
	if len(h) != es.BestEpoch+2 {
		t.Fatalf("stopped after %d epochs, best was epoch %d with patience 2", len(h), es.BestEpoch)
	}
	loss, _ := Evaluate(r.model, r.cfg.Test, r.cfg.Loss, false)
	if math.Abs(loss-h[es.BestEpoch-1].TestLoss) > 1e-6 {
		t.Fatalf("after restoring, test loss %v; best epoch had %v", loss, h[es.BestEpoch-1].TestLoss)
	}
}

func TestCallbackStopAndNaNLoss(t *testing.T) {
	r := newRun("", 1)
	n := 0
	r.cfg.Callbacks = []Callback{CallbackFunc(func(EpochResult, History) error {
		n++
		if n == 2 {
			return ErrStop
		}
		return nil
	})}
	h, err := Fit(r.cfg)
	if err != nil || len(h) != 2 {
		t.Fatalf("ErrStop: %d epochs, err %v; want 2, nil", len(h), err)
	}
	r = newRun("", 1)
	r.cfg.Loss = func(out, y *tensor.Tensor) *tensor.Tensor { return out.Sum().MulScalar(float32(math.NaN())) }
	if _, err := Fit(r.cfg); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Fatalf("NaN loss: err = %v", err)
	}
}

// normProbe wraps an optimizer and records the largest global gradient
// norm it was asked to step with.
type normProbe struct {
	optim.Optimizer
	params []*tensor.Tensor
	max    float64
}

func (p *normProbe) Step() {
	var s float64
	for _, q := range p.params {
		if q.Grad != nil {
			for _, v := range q.Grad.Data() {
				s += float64(v) * float64(v)
			}
		}
	}
	p.max = math.Max(p.max, math.Sqrt(s))
	p.Optimizer.Step()
}

func TestClipGradNormAndPenalty(t *testing.T) {
	r := newRun("", 1)
	probe := &normProbe{Optimizer: r.cfg.Optimizer, params: nn.Parameters(r.model)}
	r.cfg.Optimizer, r.cfg.Scheduler, r.cfg.Epochs = probe, nil, 1
	if _, err := Fit(r.cfg); err != nil {
		t.Fatal(err)
	}
	if probe.max < 0.2 {
		t.Fatalf("unclipped gradients too small (%v) for the test to mean anything", probe.max)
	}
	r = newRun("", 1)
	probe = &normProbe{Optimizer: r.cfg.Optimizer, params: nn.Parameters(r.model)}
	r.cfg.Optimizer, r.cfg.Scheduler, r.cfg.Epochs, r.cfg.ClipGradNorm = probe, nil, 1, 0.1
	if _, err := Fit(r.cfg); err != nil {
		t.Fatal(err)
	}
	if probe.max > 0.1+1e-5 {
		t.Fatalf("clipped gradient norm reached %v, want <= 0.1", probe.max)
	}

	// A strong L2 penalty keeps the weights smaller than without it.
	sq := func(m *nn.Sequential) (s float64) {
		for _, p := range nn.Parameters(m) {
			for _, v := range p.Data() {
				s += float64(v) * float64(v)
			}
		}
		return s
	}
	plain := newRun("", 1)
	plain.cfg.Epochs = 2
	hp, err := Fit(plain.cfg)
	if err != nil {
		t.Fatal(err)
	}
	pen := newRun("", 1)
	pen.cfg.Epochs = 2
	pen.cfg.Penalty = func() *tensor.Tensor { return optim.L2Penalty(nn.Parameters(pen.model), 0.05) }
	hq, err := Fit(pen.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !(sq(pen.model) < 0.8*sq(plain.model)) {
		t.Fatalf("L2 penalty: Σw² %v vs %v without", sq(pen.model), sq(plain.model))
	}
	if hq[0].TrainLoss > 5*hp[0].TrainLoss {
		t.Fatalf("reported loss %v includes the penalty? (plain %v)", hq[0].TrainLoss, hp[0].TrainLoss)
	}
}

func TestReadMetricsRoundTrip(t *testing.T) {
	dir := t.TempDir()
	h := History{{Epoch: 1, TrainLoss: 0.5, TrainAcc: 0.8, TestLoss: math.NaN(), TestAcc: math.NaN(), LR: 0.01, Seconds: 1.5},
		{Epoch: 2, TrainLoss: 0.25, TrainAcc: 0.9, TestLoss: 0.3, TestAcc: 0.875, LR: 0.001, Seconds: 1.25}}
	if err := writeMetricsCSV(dir, h); err != nil {
		t.Fatal(err)
	}
	got, err := ReadMetrics(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1] != h[1] || !math.IsNaN(got[0].TestLoss) || got[0].TrainAcc != 0.8 {
		t.Fatalf("ReadMetrics = %+v, want %+v", got, h)
	}
	os.WriteFile(filepath.Join(dir, "metrics.csv"), []byte("epoch,x\n1,2\n"), 0o644)
	if _, err := ReadMetrics(dir); err == nil || !strings.Contains(err.Error(), "not a metrics file") {
		t.Errorf("bad header: error %v", err)
	}
}
