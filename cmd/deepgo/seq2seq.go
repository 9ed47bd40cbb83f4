package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
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
	"github.com/spf13/cobra"
)

// seq2seqOptions are the flags; the ones that define the run are saved in
// the run folder (options.json) so that --resume needs no other flag.
type seq2seqOptions struct {
	Train          int     `json:"train"`
	Val            int     `json:"val"`
	Test           int     `json:"test"`
	DModel         int     `json:"d_model"`
	Heads          int     `json:"heads"`
	Layers         int     `json:"layers"`
	FF             int     `json:"dim_feedforward"`
	Dropout        float64 `json:"dropout"`
	LR             float64 `json:"lr"`
	Warmup         int     `json:"warmup"`
	Schedule       string  `json:"schedule"`
	LabelSmoothing float64 `json:"label_smoothing"`
	Clip           float64 `json:"clip"`
	Epochs         int     `json:"epochs"`
	Batch          int     `json:"batch_size"`
	Seed           uint64  `json:"seed"`

	out, resume string
	threads     int
	noProgress  bool
	stdout      io.Writer // os.Stdout unless a test captures it
}

func defaultSeq2SeqOptions() seq2seqOptions {
	return seq2seqOptions{Train: 40000, Val: 1000, Test: 2000, DModel: 64, Heads: 4, Layers: 2, FF: 256, Dropout: 0.1,
		LR: 1e-3, Warmup: 300, Schedule: "cosine", Clip: 1, Epochs: 8, Batch: 128, Seed: 1}
}

func seq2seqCommand() *cobra.Command {
	o := defaultSeq2SeqOptions()
	cmd := &cobra.Command{
		Use:   "seq2seq",
		Short: "train an encoder-decoder transformer to translate dates to ISO 8601",
		Long: `seq2seq trains the encoder-decoder transformer of "Attention Is All You Need"
(the lecture's seq2seq mechanism) on a generated translation task: dates as
people write them ("tuesday, march 5 1996", "5/3/96", "the 5th of march
1996", eight styles) to ISO dates ("1996-03-05"), character by character.

The training, validation and test sets come from disjoint seeds and are
deduplicated by source string, so that no held-out source was seen in
training. Training uses teacher forcing (the decoder reads the true previous
characters under a causal mask) with Adam, a linear warm-up and a cosine
decay per step. Every epoch reports the validation loss, the token accuracy
(teacher forced) and the exact-match accuracy of greedy decoding; the end
reports the test exact match.

The run folder gets metrics.csv (train and validation loss per epoch; the
validation loss is in the test_loss column), validation.csv (token and
exact-match accuracy per epoch), loss.png, accuracy.png, attention.png (the
decoder's cross-attention for one test date, averaged over heads) and
attention-heads.png (every layer and head), model.safetensors, report.md
with example translations, and checkpoint.safetensors: Ctrl-C saves it and
--resume <run folder> continues.

Translate with: deepgo seq2seq translate --model <run>/model.safetensors "march 5, 1996"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.resume != "" {
				if err := loadRunOptions(o.resume, &o, cmd.Flags().Changed("epochs"), seq2seqEpochs); err != nil {
					return err
				}
			}
			_, err := runSeq2Seq(o)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Train, "train", o.Train, "training pairs")
	f.IntVar(&o.Val, "val", o.Val, "validation pairs (evaluated every epoch)")
	f.IntVar(&o.Test, "test", o.Test, "held-out test pairs (evaluated at the end)")
	f.IntVar(&o.DModel, "d-model", o.DModel, "transformer width")
	f.IntVar(&o.Heads, "heads", o.Heads, "attention heads")
	f.IntVar(&o.Layers, "layers", o.Layers, "encoder layers, and as many decoder layers")
	f.IntVar(&o.FF, "ff", o.FF, "feed-forward hidden size")
	f.Float64Var(&o.Dropout, "dropout", o.Dropout, "dropout in the positional encoding and the transformer layers")
	f.Float64Var(&o.LR, "lr", o.LR, "Adam's peak learning rate")
	f.IntVar(&o.Warmup, "warmup", o.Warmup, "steps of linear learning-rate warm-up from 0 (at most a quarter of the run)")
	f.StringVar(&o.Schedule, "schedule", o.Schedule, "after the warm-up: cosine (decay to 0 at the last step) or constant")
	f.Float64Var(&o.LabelSmoothing, "label-smoothing", o.LabelSmoothing, "label smoothing of the cross-entropy")
	f.Float64Var(&o.Clip, "clip", o.Clip, "clip gradients to this global L2 norm (0: off)")
	f.IntVar(&o.Epochs, "epochs", o.Epochs, "passes over the training set")
	f.IntVar(&o.Batch, "batch-size", o.Batch, "mini-batch size")
	f.Uint64Var(&o.Seed, "seed", o.Seed, "random seed (data, initialization, shuffling, dropout)")
	f.IntVar(&o.threads, "threads", 0, "compute threads (0: all cores)")
	f.StringVar(&o.out, "out", "", "run folder (default runs/seq2seq-<time>)")
	f.StringVar(&o.resume, "resume", "", "resume the run in this folder from its checkpoint")
	f.BoolVar(&o.noProgress, "no-progress", false, "hide the progress bars")
	cmd.AddCommand(translateCommand())
	return cmd
}

func (o seq2seqOptions) check() error {
	switch {
	case o.Train < 1 || o.Val < 1 || o.Test < 1:
		return usageError{errors.New("--train, --val and --test must be >= 1")}
	case o.DModel < 1 || o.Heads < 1 || o.DModel%o.Heads != 0:
		return usageError{fmt.Errorf("--d-model %d must be a positive multiple of --heads %d", o.DModel, o.Heads)}
	case o.Layers < 1 || o.FF < 1:
		return usageError{errors.New("--layers and --ff must be >= 1")}
	case !(o.Dropout >= 0 && o.Dropout < 1) || !(o.LabelSmoothing >= 0 && o.LabelSmoothing < 1):
		return usageError{errors.New("--dropout and --label-smoothing must be in [0, 1)")}
	case !(o.LR > 0) || o.Warmup < 0 || o.Clip < 0:
		return usageError{errors.New("--lr must be > 0, --warmup and --clip >= 0")}
	case o.Schedule != "cosine" && o.Schedule != "constant":
		return usageError{fmt.Errorf("--schedule %q: want cosine or constant", o.Schedule)}
	case o.Epochs < 1 || o.Batch < 1 || o.threads < 0:
		return usageError{errors.New("--epochs and --batch-size must be >= 1, --threads >= 0")}
	}
	return nil
}

// modelOptions are the model's sizes for vocabularies of srcV and tgtV
// characters.
func (o seq2seqOptions) modelOptions(srcV, tgtV int) models.Seq2SeqOptions {
	return models.Seq2SeqOptions{SrcVocab: srcV, TgtVocab: tgtV, DModel: o.DModel, NHead: o.Heads,
		NumEncoderLayers: o.Layers, NumDecoderLayers: o.Layers, DimFeedforward: o.FF, Dropout: new(o.Dropout)}
}

// seq2seqSummary is what a finished run reports.
type seq2seqSummary struct {
	RunDir    string
	TestExact float64
	TestToken float64
	Epochs    int
	Wall      time.Duration
}

func runSeq2Seq(o seq2seqOptions) (*seq2seqSummary, error) {
	start := time.Now()
	if o.stdout == nil {
		o.stdout = os.Stdout
	}
	if err := o.check(); err != nil {
		return nil, err
	}
	if o.threads > 0 {
		kernels.SetThreads(o.threads)
	}
	runDir, err := resumeFolder(o.out, o.resume, train.CheckpointFile)
	if err != nil {
		return nil, err
	}
	if runDir, err = createRunFolder(runDir, "seq2seq", o); err != nil {
		return nil, err
	}

	sets, err := splitDates(o.Train, o.Val, o.Test, o.Seed)
	if err != nil {
		return nil, err
	}
	srcV, tgtV := data.NewCharVocab(dateSrcChars), data.NewCharVocab(dateTgtChars)
	srcLen := maxSrcLen(sets.train, sets.val, sets.test) + 2
	trainSet, err := encodeDates(sets.train, srcV, tgtV, srcLen)
	if err != nil {
		return nil, err
	}
	valSet, err := encodeDates(sets.val, srcV, tgtV, srcLen)
	if err != nil {
		return nil, err
	}
	testSet, err := encodeDates(sets.test, srcV, tgtV, srcLen)
	if err != nil {
		return nil, err
	}

	rng := tensor.NewRNG(o.Seed)
	model := models.NewSeq2SeqTransformer(o.modelOptions(srcV.Size(), tgtV.Size()), rng)
	steps := o.Epochs * ((o.Train + o.Batch - 1) / o.Batch)
	warmup := min(o.Warmup, steps/4)
	opt := newWarmupAdam(nn.Parameters(model), o.LR, warmup, steps, o.Schedule == "cosine")
	fmt.Fprintf(o.stdout, "seq2seq: %v, %d parameters; Adam lr=%g (warm-up %d steps, %s), batch %d, %d epochs; %d train / %d validation / %d test pairs; run %s\n",
		model, nn.NumParameters(model), o.LR, warmup, o.Schedule, o.Batch, o.Epochs, len(sets.train), len(sets.val), len(sets.test), runDir)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	valLog, err := newValidationLog(runDir, o.resume != "")
	if err != nil {
		return nil, err
	}
	smoothing := float32(o.LabelSmoothing)
	cfg := train.Config{
		Model:     teacherForced{model, srcLen},
		Optimizer: opt,
		Loss: func(out, y *tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(out, y.Reshape(y.Numel()), nn.CrossEntropyOptions{IgnoreIndex: new(data.CharPad), LabelSmoothing: smoothing})
		},
		Train:        data.NewLoader(trainSet.teacherForcing(), data.LoaderConfig{BatchSize: o.Batch, Shuffle: true, Seed: o.Seed}),
		Test:         data.NewLoader(valSet.teacherForcing(), data.LoaderConfig{BatchSize: evalBatch}),
		Epochs:       o.Epochs,
		RunDir:       runDir,
		Resume:       o.resume != "",
		RNG:          rng,
		Context:      ctx,
		Log:          o.stdout,
		ClipGradNorm: o.Clip,
		Callbacks: []train.Callback{train.CallbackFunc(func(r train.EpochResult, _ train.History) error {
			s := scoreDates(model, valSet, tgtV)
			fmt.Fprintf(o.stdout, "epoch %3d  validation: token accuracy %.2f%%  exact match %.2f%%  (greedy, %d dates)\n",
				r.Epoch, 100*s.token, 100*s.exact, len(valSet.pairs))
			return valLog.add(validationRow{Epoch: r.Epoch, Loss: r.TestLoss, Token: s.token, Exact: s.exact})
		})},
	}
	if !o.noProgress {
		cfg.Progress = os.Stderr
	}
	hist, err := train.Fit(cfg)
	if errors.Is(err, train.ErrInterrupted) {
		return nil, fmt.Errorf("interrupted: checkpoint saved; continue with: deepgo seq2seq --resume %s", runDir)
	}
	if err != nil {
		return nil, err
	}

	meta := map[string]string{
		"arch": seq2seqArch, "src_chars": srcV.Chars(), "tgt_chars": tgtV.Chars(),
		"d_model": strconv.Itoa(o.DModel), "heads": strconv.Itoa(o.Heads), "layers": strconv.Itoa(o.Layers),
		"dim_feedforward": strconv.Itoa(o.FF), "src_len": strconv.Itoa(srcLen), "max_output": strconv.Itoa(isoLen),
	}
	if err := checkpoint.Save(filepath.Join(runDir, "model.safetensors"), nn.StateDict(model), meta); err != nil {
		return nil, err
	}
	test := scoreDates(model, testSet, tgtV)
	fmt.Fprintf(o.stdout, "test: exact match %.2f%% (%d of %d held-out dates), token accuracy %.2f%%\n",
		100*test.exact, int(math.Round(test.exact*float64(len(testSet.pairs)))), len(testSet.pairs), 100*test.token)
	if err := seq2seqPictures(runDir, model, hist, valLog.rows, testSet, srcV, tgtV); err != nil {
		return nil, err
	}
	wall := time.Since(start)
	if err := writeSeq2SeqReport(runDir, o, model, sets, hist, valLog.rows, testSet, test, wall); err != nil {
		return nil, err
	}
	fmt.Fprintf(o.stdout, "done: test exact match %.2f%% epochs=%d wall=%.1fs run=%s\n", 100*test.exact, len(hist), wall.Seconds(), runDir)
	return &seq2seqSummary{RunDir: runDir, TestExact: test.exact, TestToken: test.token, Epochs: len(hist), Wall: wall}, nil
}

// seq2seqArch names the model in model.safetensors' metadata.
const seq2seqArch = "seq2seq-transformer-dates"

// evalBatch is the batch size of evaluation and decoding.
const evalBatch = 500

// teacherForced adapts the model to the trainer's one-input Forward: x
// [N, S+T] holds the source and the decoder input side by side, and the
// output is the logits flattened to [N·T, vocabulary] for the
// cross-entropy. It has the model's parameters under the model's names.
type teacherForced struct {
	*models.Seq2SeqTransformer
	srcLen int
}

// Forward splits x and runs the teacher-forced model.
func (t teacherForced) Forward(x *tensor.Tensor) *tensor.Tensor {
	n, tl := x.Size(0), x.Size(1)-t.srcLen
	logits := t.Logits(x.Narrow(1, 0, t.srcLen), x.Narrow(1, t.srcLen, tl))
	return logits.Reshape(n*tl, logits.Size(2))
}

// warmupAdam is Adam whose learning rate follows a per-step schedule: a
// linear warm-up from 0 to the peak over the first warmup steps, then
// constant or a cosine decay to 0 at the last step. The trainer steps its
// schedulers once per epoch; a warm-up needs every step. The schedule is
// a function of Adam's own step count, so that a resumed run, which
// restores that count, continues on the same curve.
type warmupAdam struct {
	*optim.Adam
	peak          float64
	warmup, total int
	cosine        bool
	step          int
}

func newWarmupAdam(params []*tensor.Tensor, peak float64, warmup, total int, cosine bool) *warmupAdam {
	w := &warmupAdam{Adam: optim.NewAdam(params, optim.AdamConfig{LR: peak}), peak: peak, warmup: warmup, total: total, cosine: cosine}
	w.SetLR(w.lrAt(1))
	return w
}

// lrAt is the learning rate of step s, counted from 1.
func (w *warmupAdam) lrAt(s int) float64 {
	if s <= w.warmup {
		return w.peak * float64(s) / float64(w.warmup)
	}
	if !w.cosine || w.total <= w.warmup {
		return w.peak
	}
	p := math.Min(1, float64(s-w.warmup)/float64(w.total-w.warmup))
	return w.peak * 0.5 * (1 + math.Cos(math.Pi*p))
}

// Step sets the step's learning rate and updates the parameters.
func (w *warmupAdam) Step() {
	w.step++
	w.SetLR(w.lrAt(w.step))
	w.Adam.Step()
}

// LoadStateDict restores Adam's state and the schedule's position.
func (w *warmupAdam) LoadStateDict(s optim.State) error {
	if err := w.Adam.LoadStateDict(s); err != nil {
		return err
	}
	w.step = int(s.Scalars["state.0.step"])
	return nil
}

func seq2seqEpochs(o *seq2seqOptions) *int { return &o.Epochs }
