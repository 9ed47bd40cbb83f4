package train

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/deepgo/deepgo/checkpoint"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
)

// CheckpointFile is the name of the resumable checkpoint in a run folder.
const CheckpointFile = "checkpoint.safetensors"

// Tensor-name prefixes for the non-model parts of a checkpoint; model
// state-dict names never contain a slash.
const (
	bestPrefix  = "best/"
	schedPrefix = "sched/"
)

func (st *runState) path() string { return filepath.Join(st.cfg.RunDir, CheckpointFile) }

// save writes everything a resumed run needs into one safetensors file,
// atomically.
func (st *runState) save() error {
	c := st.cfg
	tensors := map[string]*tensor.Tensor{}
	for k, v := range nn.StateDict(c.Model) {
		tensors[k] = v
	}
	extra := map[string]string{"history": encodeHistory(st.history)}
	js, _ := json.Marshal(st.partial) // plain numbers: cannot fail
	extra["partial"] = string(js)
	if st.early != nil {
		js, _ := json.Marshal(st.early)
		extra["early_stopping"] = string(js)
		for k, v := range st.early.bestState {
			tensors[bestPrefix+k] = v
		}
	}
	if c.Scheduler != nil {
		s := c.Scheduler.StateDict()
		extra["scheduler"] = encodeScalars(s.Scalars)
		extra["scheduler_kind"] = s.Kind
		for k, v := range s.Tensors {
			tensors[schedPrefix+k] = v
		}
	}
	o := c.Optimizer.StateDict()
	ts := checkpoint.TrainState{
		Epoch: st.epoch, Step: st.step,
		Optimizer: checkpoint.OptimizerState{Kind: o.Kind, Tensors: o.Tensors, Scalars: o.Scalars},
		Extra:     extra,
	}
	if c.RNG != nil {
		ts.RNG = c.RNG.State()
	}
	return checkpoint.SaveTraining(st.path(), tensors, ts)
}

// resume loads the run folder's checkpoint if there is one.
func (st *runState) resume() error {
	c := st.cfg
	tensors, ts, err := checkpoint.LoadTraining(st.path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil // nothing to resume: a fresh run
	}
	if err != nil {
		return fmt.Errorf("train: cannot resume: %w", err)
	}
	model := map[string]*tensor.Tensor{}
	best := map[string]*tensor.Tensor{}
	sched := map[string]*tensor.Tensor{}
	for k, v := range tensors {
		switch {
		case strings.HasPrefix(k, bestPrefix):
			best[strings.TrimPrefix(k, bestPrefix)] = v
		case strings.HasPrefix(k, schedPrefix):
			sched[strings.TrimPrefix(k, schedPrefix)] = v
		default:
			model[k] = v
		}
	}
	if err := nn.LoadStateDict(c.Model, model, true); err != nil {
		return fmt.Errorf("train: cannot resume from %s: the model differs: %w", st.path(), err)
	}
	o := optim.State{Kind: ts.Optimizer.Kind, Tensors: ts.Optimizer.Tensors, Scalars: ts.Optimizer.Scalars}
	if err := c.Optimizer.LoadStateDict(o); err != nil {
		return fmt.Errorf("train: cannot resume from %s: the optimizer differs: %w", st.path(), err)
	}
	if c.RNG != nil && len(ts.RNG) > 0 {
		if err := c.RNG.SetState(ts.RNG); err != nil {
			return fmt.Errorf("train: cannot resume from %s: bad RNG state: %w", st.path(), err)
		}
	}
	if st.history, err = decodeHistory(ts.Extra["history"]); err != nil {
		return fmt.Errorf("train: cannot resume from %s: %w", st.path(), err)
	}
	if p := ts.Extra["partial"]; p != "" {
		if err := json.Unmarshal([]byte(p), &st.partial); err != nil {
			return fmt.Errorf("train: cannot resume from %s: partial epoch: %w", st.path(), err)
		}
	}
	if e := ts.Extra["early_stopping"]; e != "" && st.early != nil {
		if err := json.Unmarshal([]byte(e), st.early); err != nil {
			return fmt.Errorf("train: cannot resume from %s: early stopping: %w", st.path(), err)
		}
		if len(best) > 0 {
			st.early.bestState = best
		}
	}
	if s := ts.Extra["scheduler"]; s != "" && c.Scheduler != nil {
		scalars, err := decodeScalars(s)
		if err != nil {
			return fmt.Errorf("train: cannot resume from %s: scheduler: %w", st.path(), err)
		}
		if err := c.Scheduler.LoadStateDict(optim.State{Kind: ts.Extra["scheduler_kind"], Tensors: sched, Scalars: scalars}); err != nil {
			return fmt.Errorf("train: cannot resume from %s: the scheduler differs: %w", st.path(), err)
		}
	}
	st.epoch, st.step = ts.Epoch, ts.Step
	return nil
}

// encodeHistory stores epochs as rows of decimal strings (JSON has no NaN).
func encodeHistory(h History) string {
	rows := make([][]string, len(h))
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	for i, r := range h {
		rows[i] = []string{strconv.Itoa(r.Epoch), f(r.TrainLoss), f(r.TrainAcc), f(r.TestLoss), f(r.TestAcc), f(r.LR), f(r.Seconds)}
	}
	js, _ := json.Marshal(rows) // strings only: cannot fail
	return string(js)
}

func decodeHistory(s string) (History, error) {
	if s == "" {
		return nil, nil
	}
	var rows [][]string
	if err := json.Unmarshal([]byte(s), &rows); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	h := make(History, len(rows))
	for i, row := range rows {
		if len(row) != 7 {
			return nil, fmt.Errorf("history row %d has %d fields, want 7", i, len(row))
		}
		var v [6]float64
		for j := range v {
			x, err := strconv.ParseFloat(row[j+1], 64)
			if err != nil {
				return nil, fmt.Errorf("history row %d: %w", i, err)
			}
			v[j] = x
		}
		ep, err := strconv.Atoi(row[0])
		if err != nil {
			return nil, fmt.Errorf("history row %d: %w", i, err)
		}
		h[i] = EpochResult{Epoch: ep, TrainLoss: v[0], TrainAcc: v[1], TestLoss: v[2], TestAcc: v[3], LR: v[4], Seconds: v[5]}
	}
	return h, nil
}

// encodeScalars writes exact decimal strings: JSON numbers cannot hold the
// ±Inf that, e.g., ReduceLROnPlateau keeps as its initial best.
func encodeScalars(m map[string]float64) string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	js, _ := json.Marshal(out) // strings only: cannot fail
	return string(js)
}

func decodeScalars(s string) (map[string]float64, error) {
	var raw map[string]string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(raw))
	for k, v := range raw {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		out[k] = x
	}
	return out, nil
}
