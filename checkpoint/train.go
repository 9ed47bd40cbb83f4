package checkpoint

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/deepgo/deepgo/tensor"
)

// OptimizerState is an optimizer's resumable state, shaped like optim.State
// (which this package does not import, since optim depends on nothing here):
// Kind names the optimizer ("sgd", "adam", ...), Tensors holds per-parameter
// buffers such as momentum, and Scalars holds counters and hyper-parameters.
type OptimizerState struct {
	Kind    string
	Tensors map[string]*tensor.Tensor
	Scalars map[string]float64
}

// TrainState is everything besides the model's weights that a training run
// needs to resume where it stopped.
type TrainState struct {
	Epoch, Step int
	// RNG is the random generator's state (tensor.RNG.State).
	RNG       []byte
	Optimizer OptimizerState
	// Extra holds free-form strings: the best metric so far, early-stopping
	// counters, the metrics history as JSON, and so on.
	Extra map[string]string
}

// How SaveTraining lays a TrainState into one safetensors file. Model tensors
// keep their own names so that the file still loads into PyTorch once the
// optim. tensors are dropped.
const (
	optimTensorPrefix = "optim."        // optimizer tensors
	keyFormat         = "train.format"  // marks a training checkpoint
	formatVersion     = "1"             // of this layout
	keyEpoch          = "train.epoch"   // decimal
	keyStep           = "train.step"    // decimal
	keyRNG            = "train.rng"     // standard base64
	keyOptimKind      = "optim.kind"    // string
	scalarPrefix      = "optim.scalar." // + name: float64 in Go's shortest 'g' form
	extraPrefix       = "extra."        // + key: the value as is
)

// SaveTraining writes model and st to path as one safetensors file,
// atomically (see Save). Model tensors are stored under their own names and
// optimizer tensors under "optim."+name; epoch, step, the RNG state
// (base64), the optimizer's kind and scalars (exact decimal, NaN and ±Inf
// included) and Extra go into the metadata. A model tensor whose name starts
// with "optim." is an error, since it would collide with the optimizer's.
func SaveTraining(path string, model map[string]*tensor.Tensor, st TrainState) error {
	all := make(map[string]*tensor.Tensor, len(model)+len(st.Optimizer.Tensors))
	for name, t := range model {
		if strings.HasPrefix(name, optimTensorPrefix) {
			return fmt.Errorf("checkpoint: save %s: model tensor %q: the prefix %q is reserved for the optimizer's tensors", path, name, optimTensorPrefix)
		}
		all[name] = t
	}
	for name, t := range st.Optimizer.Tensors {
		all[optimTensorPrefix+name] = t
	}
	meta := map[string]string{
		keyFormat: formatVersion,
		keyEpoch:  strconv.Itoa(st.Epoch),
		keyStep:   strconv.Itoa(st.Step),
	}
	if len(st.RNG) > 0 {
		meta[keyRNG] = base64.StdEncoding.EncodeToString(st.RNG)
	}
	if st.Optimizer.Kind != "" {
		meta[keyOptimKind] = st.Optimizer.Kind
	}
	for k, v := range st.Optimizer.Scalars {
		meta[scalarPrefix+k] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	for k, v := range st.Extra {
		meta[extraPrefix+k] = v
	}
	return Save(path, all, meta)
}

// LoadTraining reads a file written by SaveTraining. The returned maps
// (model, st.Optimizer.Tensors, st.Optimizer.Scalars, st.Extra) are never
// nil; st.RNG is nil when none was saved. A plain weights file (one without
// the training metadata) is an error that says so; metadata keys it does not
// know are ignored, so that other tools may add their own.
func LoadTraining(path string) (model map[string]*tensor.Tensor, st TrainState, err error) {
	tensors, meta, err := Load(path)
	if err != nil {
		return nil, TrainState{}, err
	}
	fail := func(format string, args ...any) (map[string]*tensor.Tensor, TrainState, error) {
		return nil, TrainState{}, fmt.Errorf("checkpoint: load %s: %w: "+format, append([]any{path, ErrFormat}, args...)...)
	}
	if v, ok := meta[keyFormat]; !ok {
		return fail("it holds no training state (no %q in its metadata); it is a weights file for Load", keyFormat)
	} else if v != formatVersion {
		return fail("training-state layout %q is not one this version reads (%q)", v, formatVersion)
	}
	st.Optimizer = OptimizerState{Tensors: map[string]*tensor.Tensor{}, Scalars: map[string]float64{}}
	st.Extra = map[string]string{}
	model = map[string]*tensor.Tensor{}
	for name, t := range tensors {
		if k, ok := strings.CutPrefix(name, optimTensorPrefix); ok {
			st.Optimizer.Tensors[k] = t
		} else {
			model[name] = t
		}
	}
	for _, f := range []struct {
		key string
		dst *int
	}{{keyEpoch, &st.Epoch}, {keyStep, &st.Step}} {
		v, ok := meta[f.key]
		if !ok {
			return fail("metadata has no %q", f.key)
		}
		if *f.dst, err = strconv.Atoi(v); err != nil {
			return fail("metadata %q = %q is not an integer", f.key, v)
		}
	}
	if v, ok := meta[keyRNG]; ok {
		if st.RNG, err = base64.StdEncoding.DecodeString(v); err != nil {
			return fail("metadata %q is not base64: %v", keyRNG, err)
		}
	}
	st.Optimizer.Kind = meta[keyOptimKind]
	for k, v := range meta {
		if name, ok := strings.CutPrefix(k, scalarPrefix); ok {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return fail("metadata %q = %q is not a number", k, v)
			}
			st.Optimizer.Scalars[name] = x
		} else if name, ok := strings.CutPrefix(k, extraPrefix); ok {
			st.Extra[name] = v
		}
	}
	return model, st, nil
}
