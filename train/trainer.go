package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// Config describes one training run. Model, Optimizer, Loss, Train and
// Epochs are required; everything else is optional.
type Config struct {
	Model     nn.Module
	Optimizer optim.Optimizer
	// Scheduler, when set, steps once per epoch after evaluation. A
	// *optim.ReduceLROnPlateau is stepped with the monitored metric.
	Scheduler optim.Scheduler
	// Loss maps the model's output and the batch target to a scalar.
	Loss   func(output, target *tensor.Tensor) *tensor.Tensor
	Train  *data.Loader
	Test   *data.Loader // evaluated after each epoch when set
	Epochs int

	// Accuracy reports classification accuracy (argmax over axis 1).
	Accuracy bool
	// RunDir receives metrics.csv and checkpoint.safetensors ("" for none).
	RunDir string
	// Resume continues from RunDir's checkpoint when there is one.
	Resume bool
	// RNG is the run's generator for the model's randomness (dropout); its
	// state is saved in checkpoints so that a resumed run draws the same.
	RNG *tensor.RNG
	// ClipGradNorm, when positive, rescales the gradients before every step
	// so that their global L2 norm is at most this value.
	ClipGradNorm float64
	// Penalty, when set, is added to every batch's loss before Backward
	// (e.g. optim.L1Penalty or L2Penalty of the weights). The reported
	// losses are the data losses, without it.
	Penalty func() *tensor.Tensor
	// EarlyStopping stops when the monitored metric stops improving.
	EarlyStopping *EarlyStopping
	// Callbacks run after every epoch, in order.
	Callbacks []Callback
	// Progress receives a progress bar per epoch (nil for none).
	Progress io.Writer
	// Context cancels the run (e.g. on Ctrl-C): Fit saves a checkpoint at
	// the current batch and returns ErrInterrupted.
	Context context.Context
	// Log receives one line per epoch (nil for none).
	Log io.Writer
}

// EpochResult holds an epoch's figures. Accuracies are fractions in [0, 1]
// and NaN when not measured; TestLoss is NaN without a test loader.
type EpochResult struct {
	Epoch     int
	TrainLoss float64
	TrainAcc  float64
	TestLoss  float64
	TestAcc   float64
	LR        float64
	Seconds   float64
}

// Callback is told about every finished epoch; returning ErrStop ends the
// run after this epoch without an error.
type Callback interface {
	EpochEnd(r EpochResult, h History) error
}

// CallbackFunc adapts a function to Callback.
type CallbackFunc func(r EpochResult, h History) error

// EpochEnd calls f.
func (f CallbackFunc) EpochEnd(r EpochResult, h History) error { return f(r, h) }

// History is the list of finished epochs.
type History []EpochResult

var (
	// ErrStop, returned by a callback, ends training normally.
	ErrStop = errors.New("train: stop requested")
	// ErrInterrupted is returned when the context was cancelled; the
	// checkpoint holds the state at the interrupted batch.
	ErrInterrupted = errors.New("train: interrupted; the checkpoint was saved, resume to continue")
)

// Fit trains c.Model and returns the history of all epochs (including
// those done before a resume).
func Fit(c Config) (History, error) {
	if c.Model == nil || c.Optimizer == nil || c.Loss == nil || c.Train == nil || c.Epochs < 1 {
		return nil, errors.New("train: Fit needs Model, Optimizer, Loss, Train and Epochs >= 1")
	}
	ctx := c.Context
	if ctx == nil {
		ctx = context.Background()
	}
	st := &runState{cfg: &c, early: c.EarlyStopping}
	if c.Resume && c.RunDir != "" {
		if err := st.resume(); err != nil {
			return nil, err
		}
	}
	for epoch := st.epoch + 1; epoch <= c.Epochs; epoch++ {
		r, err := st.trainEpoch(ctx, epoch)
		if err != nil {
			return st.history, err
		}
		st.history = append(st.history, r)
		st.epoch, st.step, st.partial = epoch, 0, partialSums{}

		stop := false
		if st.early != nil && st.early.update(r, c.Model) {
			stop = true
		}
		if c.Scheduler != nil {
			if p, ok := c.Scheduler.(*optim.ReduceLROnPlateau); ok {
				p.StepMetric(monitorValue(r, "test_loss"))
			} else {
				c.Scheduler.Step()
			}
		}
		if c.Log != nil {
			fmt.Fprintln(c.Log, r.String())
		}
		if c.RunDir != "" {
			if err := writeMetricsCSV(c.RunDir, st.history); err != nil {
				return st.history, err
			}
			if err := st.save(); err != nil {
				return st.history, err
			}
		}
		for _, cb := range c.Callbacks {
			if err := cb.EpochEnd(r, st.history); errors.Is(err, ErrStop) {
				stop = true
			} else if err != nil {
				return st.history, err
			}
		}
		if stop {
			break
		}
	}
	if st.early != nil && st.early.RestoreBest {
		if err := st.early.restore(c.Model); err != nil {
			return st.history, err
		}
	}
	return st.history, nil
}

// partialSums carries an interrupted epoch's running figures into the
// resumed run, so that its train loss is the same as without interruption.
type partialSums struct {
	LossSum float64 `json:"loss_sum"`
	Correct int     `json:"correct"`
	Count   int     `json:"count"`
	Seconds float64 `json:"seconds"`
}

// runState is what a checkpoint must restore.
type runState struct {
	cfg     *Config
	epoch   int // last finished epoch
	step    int // batches done in epoch+1 (non-zero after an interrupt)
	partial partialSums
	history History
	early   *EarlyStopping
}

func (st *runState) trainEpoch(ctx context.Context, epoch int) (EpochResult, error) {
	c := st.cfg
	start := time.Now()
	nn.Train(c.Model)
	sums := st.partial
	skip := st.step
	bar := newBar(c.Progress, c.Train.Len(), fmt.Sprintf("epoch %d/%d", epoch, c.Epochs))
	bar.advance(skip)
	var params []*tensor.Tensor
	if c.ClipGradNorm > 0 {
		params = nn.Parameters(c.Model)
	}
	batch := 0
	for x, y := range c.Train.Epoch(epoch) {
		if batch < skip {
			batch++
			continue
		}
		if ctx.Err() != nil {
			st.step, st.partial = batch, sums
			st.partial.Seconds += time.Since(start).Seconds()
			bar.finish()
			if c.RunDir != "" {
				if err := st.save(); err != nil {
					return EpochResult{}, fmt.Errorf("%w (and saving the checkpoint failed: %v)", ErrInterrupted, err)
				}
			}
			return EpochResult{}, ErrInterrupted
		}
		out := c.Model.Forward(x)
		loss := c.Loss(out, y)
		total := loss
		if c.Penalty != nil {
			total = loss.Add(c.Penalty())
		}
		c.Optimizer.ZeroGrad()
		total.Backward()
		if c.ClipGradNorm > 0 {
			optim.ClipGradNorm(params, c.ClipGradNorm)
		}
		c.Optimizer.Step()

		n := x.Size(0)
		lv := float64(loss.Item())
		if math.IsNaN(lv) || math.IsInf(lv, 0) {
			bar.finish()
			return EpochResult{}, fmt.Errorf("train: epoch %d batch %d: loss is %v; lower the learning rate or clip gradients", epoch, batch+1, lv)
		}
		sums.LossSum += lv * float64(n)
		sums.Count += n
		if c.Accuracy {
			sums.Correct += countCorrect(out, y)
		}
		batch++
		bar.update(batch, sums.LossSum/float64(sums.Count))
	}
	bar.finish()
	r := EpochResult{Epoch: epoch, TrainLoss: sums.LossSum / float64(max(sums.Count, 1)),
		TrainAcc: math.NaN(), TestLoss: math.NaN(), TestAcc: math.NaN(), LR: c.Optimizer.LR()}
	if c.Accuracy {
		r.TrainAcc = float64(sums.Correct) / float64(max(sums.Count, 1))
	}
	if c.Test != nil {
		r.TestLoss, r.TestAcc = Evaluate(c.Model, c.Test, c.Loss, c.Accuracy)
	}
	r.Seconds = sums.Seconds + time.Since(start).Seconds()
	return r, nil
}

// Evaluate runs model over every batch of loader in eval mode without
// recording gradients, and returns the mean loss and (when accuracy is
// asked for) the accuracy, NaN otherwise.
func Evaluate(model nn.Module, loader *data.Loader, loss func(out, y *tensor.Tensor) *tensor.Tensor, accuracy bool) (meanLoss, acc float64) {
	wasTraining := model.Training()
	nn.Eval(model)
	defer model.SetTraining(wasTraining)
	var sum float64
	correct, count := 0, 0
	tensor.NoGrad(func() {
		for x, y := range loader.Epoch(0) {
			out := model.Forward(x)
			n := x.Size(0)
			sum += float64(loss(out, y).Item()) * float64(n)
			if accuracy {
				correct += countCorrect(out, y)
			}
			count += n
		}
	})
	acc = math.NaN()
	if accuracy {
		acc = float64(correct) / float64(max(count, 1))
	}
	return sum / float64(max(count, 1)), acc
}

// countCorrect counts rows whose argmax over axis 1 equals the target.
func countCorrect(out, y *tensor.Tensor) int {
	pred := out.Detach().Argmax(1).Data()
	target := y.Data()
	n := 0
	for i, p := range pred {
		if p == target[i] {
			n++
		}
	}
	return n
}

// String formats an epoch for the log.
func (r EpochResult) String() string {
	s := fmt.Sprintf("epoch %3d  train loss %.4f", r.Epoch, r.TrainLoss)
	if !math.IsNaN(r.TrainAcc) {
		s += fmt.Sprintf("  acc %.2f%%", 100*r.TrainAcc)
	}
	if !math.IsNaN(r.TestLoss) {
		s += fmt.Sprintf("  test loss %.4f", r.TestLoss)
	}
	if !math.IsNaN(r.TestAcc) {
		s += fmt.Sprintf("  acc %.2f%%", 100*r.TestAcc)
	}
	return s + fmt.Sprintf("  lr %.3g  %.1fs", r.LR, r.Seconds)
}
