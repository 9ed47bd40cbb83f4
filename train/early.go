package train

import (
	"fmt"
	"math"

	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/tensor"
)

// EarlyStopping ends training when the monitored metric has not improved by
// more than MinDelta for Patience epochs, and can put back the weights of
// the best epoch when training ends.
type EarlyStopping struct {
	// Monitor is "test_loss" (default), "test_acc", "train_loss" or "train_acc".
	Monitor     string
	Patience    int     // epochs without improvement before stopping (default 5)
	MinDelta    float64 // smallest change that counts as an improvement
	RestoreBest bool    // load the best epoch's weights at the end

	Best      float64 `json:"best"`
	BestEpoch int     `json:"best_epoch"`
	Bad       int     `json:"bad"` // epochs since the best one
	bestState map[string]*tensor.Tensor
}

func (e *EarlyStopping) monitor() string {
	if e.Monitor == "" {
		return "test_loss"
	}
	return e.Monitor
}

func (e *EarlyStopping) maximise() bool {
	m := e.monitor()
	return m == "test_acc" || m == "train_acc"
}

// update records an epoch and reports whether training should stop.
func (e *EarlyStopping) update(r EpochResult, model nn.Module) bool {
	v := monitorValue(r, e.monitor())
	if math.IsNaN(v) {
		return false
	}
	improved := e.BestEpoch == 0 ||
		(e.maximise() && v > e.Best+e.MinDelta) ||
		(!e.maximise() && v < e.Best-e.MinDelta)
	if improved {
		e.Best, e.BestEpoch, e.Bad = v, r.Epoch, 0
		if e.RestoreBest {
			e.bestState = copyState(nn.StateDict(model))
		}
		return false
	}
	e.Bad++
	patience := e.Patience
	if patience <= 0 {
		patience = 5
	}
	return e.Bad >= patience
}

func (e *EarlyStopping) restore(model nn.Module) error {
	if e.bestState == nil {
		return nil
	}
	if err := nn.LoadStateDict(model, e.bestState, true); err != nil {
		return fmt.Errorf("train: restoring the best weights: %w", err)
	}
	return nil
}

func copyState(sd map[string]*tensor.Tensor) map[string]*tensor.Tensor {
	out := make(map[string]*tensor.Tensor, len(sd))
	for k, v := range sd {
		out[k] = tensor.FromSlice(v.Data(), v.Shape()...)
	}
	return out
}

// monitorValue picks a named metric of an epoch.
func monitorValue(r EpochResult, name string) float64 {
	switch name {
	case "test_acc":
		return r.TestAcc
	case "train_loss":
		return r.TrainLoss
	case "train_acc":
		return r.TrainAcc
	case "test_loss":
		if math.IsNaN(r.TestLoss) {
			return r.TrainLoss
		}
		return r.TestLoss
	}
	return math.NaN()
}
