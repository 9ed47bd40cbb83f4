package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
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

type cifarOptions struct {
	model                                   int
	optimizer, schedule, init, dataDir, out string
	lr, momentum, weightDecay, clip, l1, l2 float64
	epochs, batch, threads, patience, limit int
	seed                                    uint64
	augment, noProgress, compare            bool
}

func cifarCommand() *cobra.Command {
	o := cifarOptions{}
	cmd := &cobra.Command{
		Use:   "cifar",
		Short: "train one of the lecture's three CIFAR-10 models",
		Long: `cifar trains the lecture's CIFAR-10 models: --model 1 (fully connected
3072-1024-256-64-10), 2 (two convolutions with max pooling, 62k parameters) or
3 (six convolutions with batch norm, max pooling and dropout, 5.8M). The run
folder gets metrics.csv, loss.png, accuracy.png, confusion.png, filters.png
(first-layer kernels), feature-maps.png (each convolution's channels for one
test image), channels.png (the lecture's "intuition behind channels": for one
test image and a few channels of a middle convolution, the test images whose
output on that channel is most similar), model.safetensors and report.md.

--compare trains the three models one after the other with the same flags,
each in its own sub-folder, and writes compare.png (test accuracy per epoch of
all three, as the lecture shows) and compare.md.

The data comes from --data-dir or $DEEPGO_DATA (the original binary batches,
or the JPEG-derived cifar10-jpeg files of the shared datasets), or a verified
download of the official archive.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if o.compare {
				return compareCIFAR(o)
			}
			_, err := runCIFAR(o)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.model, "model", 2, "the lecture's model: 1, 2 or 3")
	f.StringVar(&o.optimizer, "optimizer", "sgd", "sgd, adam, adamw or rmsprop")
	f.Float64Var(&o.lr, "lr", 0.01, "learning rate")
	f.Float64Var(&o.momentum, "momentum", 0.9, "momentum of sgd and rmsprop")
	f.Float64Var(&o.weightDecay, "weight-decay", 0, "L2 weight decay in the optimizer")
	f.StringVar(&o.init, "init", "default", "weight initialization: default (PyTorch's), xavier (Glorot) or kaiming (He); biases start at zero with the last two")
	f.BoolVar(&o.compare, "compare", false, "train models 1, 2 and 3 with the same flags and plot their test accuracy together (--model is ignored)")
	f.StringVar(&o.schedule, "schedule", "none", "learning-rate schedule per epoch: none, step (×0.1 every third of the run) or cosine")
	f.BoolVar(&o.augment, "augment", false, "random crop (padding 4) and horizontal flip")
	f.IntVar(&o.patience, "early-stopping", 0, "stop after this many epochs without test-loss improvement, keeping the best weights (0: off)")
	f.Float64Var(&o.clip, "clip", 0, "clip gradients to this global L2 norm (0: off)")
	f.Float64Var(&o.l1, "l1", 0, "L1 penalty λ·Σ|w| added to the loss")
	f.Float64Var(&o.l2, "l2", 0, "L2 penalty λ·Σw² added to the loss")
	f.IntVar(&o.epochs, "epochs", 10, "passes over the training set")
	f.IntVar(&o.batch, "batch-size", 64, "mini-batch size")
	f.Uint64Var(&o.seed, "seed", 1, "random seed")
	f.IntVar(&o.threads, "threads", 0, "compute threads (0: all cores)")
	f.StringVar(&o.dataDir, "data-dir", "", "dataset folder (default $DEEPGO_DATA or the user cache)")
	f.StringVar(&o.out, "out", "", "run folder (default runs/cifar-model<N>-<time>)")
	f.BoolVar(&o.noProgress, "no-progress", false, "hide the progress bars")
	f.IntVar(&o.limit, "limit", 0, "use only the first n training and test images (0: all)")
	return cmd
}

func cifarModel(n int, seed uint64) (*nn.Sequential, error) {
	g := tensor.NewRNG(seed)
	switch n {
	case 1:
		return models.CIFARModel1(g), nil
	case 2:
		return models.CIFARModel2(g), nil
	case 3:
		return models.CIFARModel3(g, tensor.NewRNG(seed+1)), nil
	}
	return nil, usageError{fmt.Errorf("--model %d: want 1, 2 or 3", n)}
}

// loadCIFAR finds CIFAR-10 locally or downloads it.
func loadCIFAR(dir string) (trainSet, testSet *data.TensorDataset, source string, err error) {
	trainSet, source, err = data.LoadCIFAR10(dir, true)
	if err != nil {
		var e2 error
		if dir, e2 = data.EnsureCIFAR10(dir, os.Stderr); e2 != nil {
			return nil, nil, "", fmt.Errorf("%v; and the download failed: %w", err, e2)
		}
		if trainSet, source, err = data.LoadCIFAR10(dir, true); err != nil {
			return nil, nil, "", err
		}
	}
	testSet, _, err = data.LoadCIFAR10(dir, false)
	return trainSet, testSet, source, err
}

// epochSchedule is the --schedule flag's scheduler, stepped once per epoch:
// nil for none, ×0.1 every third of the run for step, cosine annealing to 0.
func epochSchedule(name string, opt optim.Optimizer, epochs int) optim.Scheduler {
	switch name {
	case "step":
		return optim.NewStepLR(opt, max(epochs/3, 1), 0.1)
	case "cosine":
		return optim.NewCosineAnnealingLR(opt, epochs, 0)
	}
	return nil
}

// runKey lists the options that define a CIFAR run's results, as saved in
// its folder's options.json; --compare reuses a finished run whose key
// matches.
func (o cifarOptions) runKey() map[string]any {
	return map[string]any{"model": o.model, "optimizer": o.optimizer, "lr": o.lr, "momentum": o.momentum,
		"weight_decay": o.weightDecay, "schedule": o.schedule, "init": o.init, "augment": o.augment,
		"epochs": o.epochs, "batch_size": o.batch, "seed": o.seed, "clip": o.clip, "l1": o.l1, "l2": o.l2,
		"early_stopping": o.patience, "limit": o.limit}
}

func firstN(ds data.Dataset, n int) data.Dataset {
	if n <= 0 || n >= ds.Len() {
		return ds
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return data.NewSubset(ds, idx)
}

func runCIFAR(o cifarOptions) (train.History, error) {
	start := time.Now()
	model, err := cifarModel(o.model, o.seed)
	if err != nil {
		return nil, err
	}
	if err := nn.InitWeights(model, o.init, tensor.NewRNG(o.seed+3)); err != nil {
		return nil, usageError{fmt.Errorf("--init: %w", err)}
	}
	if o.epochs < 1 || o.batch < 1 || !(o.lr > 0) || o.threads < 0 || o.clip < 0 || o.l1 < 0 || o.l2 < 0 || o.patience < 0 {
		return nil, usageError{errors.New("--epochs and --batch-size must be >= 1, --lr > 0, and --threads, --clip, --l1, --l2, --early-stopping >= 0")}
	}
	if o.schedule != "none" && o.schedule != "step" && o.schedule != "cosine" {
		return nil, usageError{fmt.Errorf("--schedule %q: want none, step or cosine", o.schedule)}
	}
	opt, err := newOptimizer(o.optimizer, nn.Parameters(model), o.lr, o.momentum, o.weightDecay)
	if err != nil {
		return nil, err
	}
	if o.threads > 0 {
		kernels.SetThreads(o.threads)
	}
	runDir, err := createRunFolder(o.out, fmt.Sprintf("cifar-model%d", o.model), o.runKey())
	if err != nil {
		return nil, err
	}
	trainSet, testSet, source, err := loadCIFAR(data.DataDir(o.dataDir))
	if err != nil {
		return nil, err
	}
	fmt.Println(source)
	norm := data.Normalize{Mean: data.CIFAR10Mean[:], Std: data.CIFAR10Std[:]}
	var trainTf data.Transform = norm
	if o.augment {
		trainTf = data.Compose{data.RandomCrop{Size: 32, Padding: 4}, data.RandomHorizontalFlip{P: 0.5}, norm}
	}
	trainDS, testDS := firstN(trainSet, o.limit), firstN(testSet, o.limit)
	fmt.Printf("cifar: model %d (%d parameters), %s lr=%g, batch %d, %d epochs, %d train / %d test images, run %s\n",
		o.model, nn.NumParameters(model), o.optimizer, o.lr, o.batch, o.epochs, trainDS.Len(), testDS.Len(), runDir)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := train.Config{
		Model: model, Optimizer: opt,
		Loss: func(out, y *tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(out, y, nn.CrossEntropyOptions{})
		},
		Train:        data.NewLoader(trainDS, data.LoaderConfig{BatchSize: o.batch, Shuffle: true, Seed: o.seed, Transform: trainTf}),
		Test:         data.NewLoader(testDS, data.LoaderConfig{BatchSize: 500, Transform: norm}),
		Epochs:       o.epochs,
		Accuracy:     true,
		RunDir:       runDir,
		RNG:          tensor.NewRNG(o.seed + 2),
		Context:      ctx,
		Log:          os.Stdout,
		ClipGradNorm: o.clip,
	}
	cfg.Scheduler = epochSchedule(o.schedule, opt, o.epochs)
	if o.l1 > 0 || o.l2 > 0 {
		params := nn.Parameters(model)
		cfg.Penalty = func() *tensor.Tensor {
			p := optim.L1Penalty(params, float32(o.l1))
			return p.Add(optim.L2Penalty(params, float32(o.l2)))
		}
	}
	if o.patience > 0 {
		cfg.EarlyStopping = &train.EarlyStopping{Patience: o.patience, RestoreBest: true}
	}
	if !o.noProgress {
		cfg.Progress = os.Stderr
	}
	hist, err := train.Fit(cfg)
	if errors.Is(err, train.ErrInterrupted) {
		return nil, fmt.Errorf("interrupted: the checkpoint is in %s", runDir)
	}
	if err != nil {
		return nil, err
	}
	meta := map[string]string{"arch": fmt.Sprintf("cifar-model%d", o.model), "classes": strings.Join(data.CIFAR10Classes, ",")}
	if err := checkpoint.Save(filepath.Join(runDir, "model.safetensors"), nn.StateDict(model), meta); err != nil {
		return nil, err
	}
	pictureSet := testSet
	if o.limit > 0 && o.limit < testSet.Len() { // the pictures evaluate the test images the run used
		x, y := testSet.Tensors()
		pictureSet = data.NewTensorDataset(x.Narrow(0, 0, o.limit), y.Narrow(0, 0, o.limit))
	}
	if err := cifarPictures(runDir, model, hist, pictureSet, norm); err != nil {
		return nil, err
	}
	last := hist[len(hist)-1]
	var b strings.Builder
	fmt.Fprintf(&b, "# CIFAR-10, model %d\n\n- %d parameters; %s lr=%g momentum=%g, batch %d, augment=%v, schedule %s, init %s\n- data: %s\n- final test accuracy **%.2f%%** after %d epochs; wall %.0f s\n\n",
		o.model, nn.NumParameters(model), o.optimizer, o.lr, o.momentum, o.batch, o.augment, o.schedule, o.init, source, 100*last.TestAcc, len(hist), time.Since(start).Seconds())
	b.WriteString("| epoch | train loss | train acc | test loss | test acc |\n|---:|---:|---:|---:|---:|\n")
	for _, r := range hist {
		fmt.Fprintf(&b, "| %d | %.4f | %.2f%% | %.4f | %.2f%% |\n", r.Epoch, r.TrainLoss, 100*r.TrainAcc, r.TestLoss, 100*r.TestAcc)
	}
	if err := os.WriteFile(filepath.Join(runDir, "report.md"), []byte(b.String()), 0o644); err != nil {
		return nil, err
	}
	fmt.Printf("done: test_acc=%.2f%% epochs=%d wall=%.1fs run=%s\n", 100*last.TestAcc, len(hist), time.Since(start).Seconds(), runDir)
	return hist, nil
}

// cifarPictures draws the curves, the confusion matrix, the first layer's
// filters, the feature maps of one test image and the channel similarities.
func cifarPictures(dir string, model *nn.Sequential, hist train.History, test *data.TensorDataset, norm data.Normalize) error {
	if err := classifierPictures(dir, model, hist, data.NewLoader(test, data.LoaderConfig{BatchSize: 500, Transform: norm}), data.CIFAR10Classes); err != nil {
		return err
	}
	// First-layer filters: conv kernels as small RGB images, or the first
	// linear layer's units as 32×32 RGB images for the fully connected model.
	for i := 0; i < model.Len(); i++ {
		switch l := model.At(i).(type) {
		case *nn.Conv2d:
			w := l.Weight
			if err := viz.ImageGridWith(filepath.Join(dir, "filters.png"), w.Detach(),
				viz.GridOptions{Cols: 8, Scale: 12, Normalize: viz.NormalizePerImage}); err != nil {
				return err
			}
		case *nn.Linear:
			n := min(l.Out, 64)
			w := l.Weight.Detach().Narrow(0, 0, n).Reshape(n, 3, 32, 32)
			if err := viz.ImageGridWith(filepath.Join(dir, "filters.png"), w,
				viz.GridOptions{Cols: 8, Scale: 3, Normalize: viz.NormalizePerImage}); err != nil {
				return err
			}
		default:
			continue
		}
		break
	}
	if err := featureMaps(filepath.Join(dir, "feature-maps.png"), model, test, norm); err != nil {
		return err
	}
	_, err := channelPictures(filepath.Join(dir, "channels.png"), model, test, norm)
	return err
}

// featureMaps shows, for the first test image, up to 8 channels of every
// convolution block's output, each row one layer, upsampled to the image
// size; norm prepares the image for the model.
func featureMaps(path string, model *nn.Sequential, test *data.TensorDataset, norm data.Transform) error {
	x, _ := test.Get(0)
	var tiles []*tensor.Tensor
	var labels []string
	var side int
	tensor.NoGrad(func() {
		side = x.Size(1)
		h := norm.Apply(x, nil).Unsqueeze(0)
		for i := 0; i < model.Len(); i++ {
			h = model.At(i).Forward(h)
			if _, ok := model.At(i).(*nn.Conv2d); !ok || h.Dim() != 4 {
				continue
			}
			// show the map after the block's activation when one follows
			shown := h
			for j := i + 1; j < model.Len() && j <= i+2; j++ {
				if _, ok := model.At(j).(*nn.ReLU); ok {
					shown = h.ReLU()
				}
			}
			c, hh := shown.Size(1), shown.Size(2)
			up := nn.NewUpsample(float64(side)/float64(hh), "nearest", false).Forward(shown)
			for ch := 0; ch < min(c, 8); ch++ {
				tiles = append(tiles, up.Narrow(1, ch, 1).Reshape(1, side, side))
				labels = append(labels, fmt.Sprintf("conv%d c%d", i, ch))
			}
		}
	})
	if len(tiles) == 0 {
		return nil // the fully connected model has no feature maps
	}
	return viz.ImageGridWith(path, tensor.Stack(tiles, 0),
		viz.GridOptions{Cols: 8, Scale: 3, Labels: labels, Normalize: viz.NormalizePerImage})
}
