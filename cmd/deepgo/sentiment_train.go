package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
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
	"github.com/deepgo/deepgo/text"
	"github.com/deepgo/deepgo/train"
	"github.com/spf13/cobra"
)

// sentimentTrainOptions are the flags of deepgo sentiment train; the
// exported ones define the run and are saved in its options.json, so that
// --resume needs no other flag.
type sentimentTrainOptions struct {
	Model       string  `json:"model"`
	Pretrained  string  `json:"pretrained,omitempty"`
	Epochs      int     `json:"epochs"`
	Batch       int     `json:"batch_size"`
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
	Warmup      float64 `json:"warmup"`
	Clip        float64 `json:"clip"`
	MaxLen      int     `json:"max_len"`
	Embed       int     `json:"embed"`
	Hidden      int     `json:"hidden"`
	Layers      int     `json:"layers"`
	Heads       int     `json:"heads"`
	FF          int     `json:"ff"`
	Dropout     float64 `json:"dropout"`
	MinFreq     int     `json:"min_freq"`
	Seed        uint64  `json:"seed"`
	Limit       int     `json:"limit,omitempty"`

	dataDir, out, resume string
	threads              int
	noProgress           bool
}

// modelDefaults are the flags whose default depends on --model.
var modelDefaults = map[string]map[string]float64{
	"gru":  {"epochs": 4, "lr": 2e-3, "dropout": 0.5, "layers": 1, "weight-decay": 0},
	"bert": {"epochs": 1, "lr": 2e-4, "dropout": 0.1, "layers": 2, "weight-decay": 0.01},
}

func sentimentTrainCommand() *cobra.Command {
	o := sentimentTrainOptions{}
	cmd := &cobra.Command{
		Use:   "train --model gru|bert [--pretrained run/encoder.safetensors]",
		Short: "train a sentiment classifier on SST-2 and evaluate it on SST-2 dev",
		Long: `train fits a two-class sentiment model on SST-2's 67,349 training phrases
and evaluates it on the 872 dev sentences after every epoch:

  --model gru   embeddings of the training set's words (text.BuildVocab), a
                bidirectional GRU over each sentence's tokens, the two final
                states to a linear classifier;
  --model bert  the mini-BERT on bert-base-uncased's WordPiece tokens, a
                classifier on [CLS]; --pretrained starts from the encoder of
                'deepgo sentiment pretrain' (its sizes then come from there).

AdamW with a linear warm-up over the first --warmup of the steps and a linear
decay after it, gradients clipped to --clip; batches hold sentences of about
the same length, padded to the longest. The run folder gets metrics.csv,
loss.png, accuracy.png, confusion.png, model.safetensors (with what predict
needs to rebuild the model and its tokenizer), checkpoint.safetensors and
report.md, which scores the lecture's five example sentences. Ctrl-C saves a
checkpoint; --resume <run folder> continues from it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.resume != "" {
				if err := loadRunOptions(o.resume, &o, cmd.Flags().Changed("epochs"), sentimentEpochs); err != nil {
					return err
				}
			} else if err := applyModelDefaults(&o, cmd.Flags().Changed); err != nil {
				return err
			}
			_, err := runSentimentTrain(o)
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Model, "model", "bert", "gru or bert")
	f.StringVar(&o.Pretrained, "pretrained", "", "encoder.safetensors of a 'deepgo sentiment pretrain' run (bert only)")
	f.IntVar(&o.Epochs, "epochs", 0, "passes over the training set (default 4 for gru, 1 for bert: the mini-BERT overfits SST-2's phrases after one)")
	f.IntVar(&o.Batch, "batch-size", 32, "sentences per batch")
	f.Float64Var(&o.LR, "lr", 0, "peak learning rate (default 2e-3 for gru, 2e-4 for bert)")
	f.Float64Var(&o.WeightDecay, "weight-decay", 0, "AdamW's decoupled weight decay (default 0 for gru, 0.01 for bert)")
	f.Float64Var(&o.Warmup, "warmup", 0.1, "fraction of the steps spent raising the learning rate from 0")
	f.Float64Var(&o.Clip, "clip", 1, "clip gradients to this global L2 norm (0: off)")
	f.IntVar(&o.MaxLen, "max-len", 64, "tokens kept per sentence ([CLS] and [SEP] included for bert)")
	f.IntVar(&o.Embed, "embed", 128, "gru: size of the word vectors")
	f.IntVar(&o.Hidden, "hidden", 128, "gru: state size per direction; bert: model width")
	f.IntVar(&o.Layers, "layers", 0, "GRU or encoder layers (default 1 for gru, 2 for bert)")
	f.IntVar(&o.Heads, "heads", 2, "bert: attention heads")
	f.IntVar(&o.FF, "ff", 0, "bert: feed-forward size (default 4·hidden)")
	f.Float64Var(&o.Dropout, "dropout", 0, "dropout probability (default 0.5 for gru, 0.1 for bert)")
	f.IntVar(&o.MinFreq, "min-freq", 1, "gru: keep the words seen at least this often in the training set")
	f.Uint64Var(&o.Seed, "seed", 1, "random seed (initialisation, batches, dropout)")
	f.IntVar(&o.threads, "threads", 0, "compute threads (0: all cores)")
	f.StringVar(&o.dataDir, "data-dir", "", "dataset folder (default $DEEPGO_DATA or the user cache)")
	f.StringVar(&o.out, "out", "", "run folder (default runs/sentiment-<model>-<time>)")
	f.StringVar(&o.resume, "resume", "", "resume the run in this folder from its checkpoint")
	f.BoolVar(&o.noProgress, "no-progress", false, "hide the progress bars")
	f.IntVar(&o.Limit, "limit", 0, "use only the first n training and dev sentences (0: all)")
	f.MarkHidden("limit")
	return cmd
}

// applyModelDefaults fills the flags left at their defaults with --model's
// own (changed reports the flags given on the command line).
func applyModelDefaults(o *sentimentTrainOptions, changed func(string) bool) error {
	d, ok := modelDefaults[o.Model]
	if !ok {
		return usageError{fmt.Errorf("--model %q: want gru or bert", o.Model)}
	}
	for name, v := range d {
		if changed(name) {
			continue
		}
		switch name {
		case "epochs":
			o.Epochs = int(v)
		case "lr":
			o.LR = v
		case "dropout":
			o.Dropout = v
		case "layers":
			o.Layers = int(v)
		case "weight-decay":
			o.WeightDecay = v
		}
	}
	return nil
}

func (o sentimentTrainOptions) check() error {
	switch {
	case o.Model != "gru" && o.Model != "bert":
		return usageError{fmt.Errorf("--model %q: want gru or bert", o.Model)}
	case o.Pretrained != "" && o.Model != "bert":
		return usageError{errors.New("--pretrained needs --model bert")}
	case o.Epochs < 1 || o.Batch < 1 || o.MaxLen < 3 || o.Embed < 1 || o.Hidden < 1 || o.Layers < 1 || o.Heads < 1 || o.FF < 0 || o.MinFreq < 0:
		return usageError{errors.New("--epochs, --batch-size, --embed, --hidden, --layers and --heads must be >= 1, --max-len >= 3, --ff and --min-freq >= 0")}
	case !(o.LR > 0) || !finite(o.LR) || !(o.WeightDecay >= 0) || !(o.Warmup >= 0 && o.Warmup < 1) || !(o.Clip >= 0) || !(o.Dropout >= 0 && o.Dropout < 1) || o.threads < 0:
		return usageError{errors.New("--lr must be > 0, --weight-decay and --clip >= 0, --warmup and --dropout in [0, 1), --threads >= 0")}
	case o.Model == "bert" && o.Hidden%o.Heads != 0:
		return usageError{fmt.Errorf("--heads %d must divide --hidden %d", o.Heads, o.Hidden)}
	}
	return nil
}

// sentimentSummary is what a finished training run reports.
type sentimentSummary struct {
	DevAcc  float64
	RunDir  string
	History train.History
	Model   *sentimentModel
}

func runSentimentTrain(o sentimentTrainOptions) (*sentimentSummary, error) {
	start := time.Now()
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
	dataDir := data.DataDir(o.dataDir)
	sst, err := loadSST2(dataDir, o.Limit)
	if err != nil {
		return nil, err
	}
	rng := tensor.NewRNG(o.Seed)
	m, pretrainNote, err := newSentimentModel(o, dataDir, sst, rng)
	if err != nil {
		return nil, err
	}
	if runDir, err = createRunFolder(runDir, "sentiment-"+o.Model, o); err != nil {
		return nil, err
	}

	trainSet := newBucketSet(newTextSet(sst.train, m.tok), o.Batch, mixSeed(o.Seed, 1))
	devSet := newBucketSet(newTextSet(sst.dev, m.tok), 128, mixSeed(o.Seed, 2))
	trainLoader := data.NewLoader(trainSet, data.LoaderConfig{BatchSize: 1, Shuffle: true, Seed: o.Seed})
	devLoader := data.NewLoader(devSet, data.LoaderConfig{BatchSize: 1})
	adam := optim.DefaultAdamWConfig()
	adam.LR, adam.WeightDecay = o.LR, o.WeightDecay
	steps := o.Epochs * trainLoader.Len()
	opt := newWarmupLinear(optim.NewAdamW(trainableParameters(m), adam), o.LR, int(o.Warmup*float64(steps)), steps)
	fmt.Printf("sentiment: %s (%d parameters)%s, AdamW lr=%g wd=%g warm-up %.0f%%, batch %d, %d epochs, %d train / %d dev sentences, run %s\n",
		describeModel(m), nn.NumParameters(m.net), pretrainNote, o.LR, o.WeightDecay, 100*o.Warmup, o.Batch, o.Epochs,
		len(sst.train), len(sst.dev), runDir)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := train.Config{
		Model: m.net, Optimizer: opt,
		Loss: func(out, y *tensor.Tensor) *tensor.Tensor {
			return nn.CrossEntropy(out, y, nn.CrossEntropyOptions{})
		},
		Train: trainLoader, Test: devLoader, Epochs: o.Epochs, Accuracy: true,
		RunDir: runDir, Resume: o.resume != "", RNG: rng, Context: ctx, Log: os.Stdout,
		ClipGradNorm: o.Clip,
	}
	if !o.noProgress {
		cfg.Progress = os.Stderr
	}
	hist, err := train.Fit(cfg)
	if errors.Is(err, train.ErrInterrupted) {
		return nil, fmt.Errorf("interrupted: checkpoint saved; continue with: deepgo sentiment train --resume %s", runDir)
	}
	if err != nil {
		return nil, err
	}
	arch := archGRU
	if m.kind == "bert" {
		arch = archBERT
	}
	last := hist[len(hist)-1]
	extra := map[string]string{"dev_accuracy": fmt.Sprintf("%.4f", last.TestAcc)}
	if o.Pretrained != "" {
		extra["pretrained"] = o.Pretrained
	}
	if err := m.save(filepath.Join(runDir, modelFileName), arch, o.MaxLen, extra); err != nil {
		return nil, err
	}
	if err := classifierPictures(runDir, m.net, hist, devLoader, models.SentimentClasses); err != nil {
		return nil, err
	}
	lecture, err := lectureTable(m)
	if err != nil {
		return nil, err
	}
	wall := time.Since(start)
	if err := writeSentimentReport(runDir, o, m, pretrainNote, hist, lecture, wall); err != nil {
		return nil, err
	}
	fmt.Print("\nThe lecture's sentences, positive probability:\n\n" + lecture + "\n")
	fmt.Printf("done: dev_acc=%.2f%% epochs=%d wall=%.1fs run=%s\n", 100*last.TestAcc, len(hist), wall.Seconds(), runDir)
	return &sentimentSummary{DevAcc: last.TestAcc, RunDir: runDir, History: hist, Model: m}, nil
}

// newSentimentModel builds the model and tokenizer o asks for: the GRU on
// the training set's words, or the mini-BERT on the BERT vocabulary,
// fresh or from a pre-trained encoder. The note describes the
// pre-training for the log and the report.
func newSentimentModel(o sentimentTrainOptions, dataDir string, sst *sentimentData, rng *tensor.RNG) (*sentimentModel, string, error) {
	if o.Model == "gru" {
		tok, err := newWordTokenizer(vocabWords(text.BuildVocab(text.Texts(sst.train), o.MinFreq, 0)), o.MaxLen)
		if err != nil {
			return nil, "", err
		}
		c := models.GRUClassifierConfig{VocabSize: len(tok.words), EmbedDim: o.Embed, Hidden: o.Hidden, Layers: o.Layers, Dropout: o.Dropout, PadID: tok.pad()}
		net := models.NewGRUClassifier(c, rng)
		return &sentimentModel{kind: "gru", net: net, tok: tok, config: net.Config}, "", nil
	}
	if o.Pretrained != "" {
		return pretrainedBERT(o, rng)
	}
	wp, err := loadWordPiece(dataDir)
	if err != nil {
		return nil, "", err
	}
	c := models.BERTConfig{VocabSize: wp.Size(), Hidden: o.Hidden, Layers: o.Layers, Heads: o.Heads, FF: o.FF,
		MaxLen: o.MaxLen, Dropout: o.Dropout, PadID: wp.PadID()}
	net := models.NewMiniBERT(c, rng)
	return &sentimentModel{kind: "bert", net: net, bert: net, tok: wordPieceTokenizer{wp, o.MaxLen}, config: net.Config}, ", no pre-training", nil
}

// pretrainedBERT builds the mini-BERT of a pre-trained encoder file, with
// its config and vocabulary, and loads its embeddings, encoder and MLM
// head; the pooler and classifier start fresh. The training dropout is
// o.Dropout.
func pretrainedBERT(o sentimentTrainOptions, rng *tensor.RNG) (*sentimentModel, string, error) {
	path := o.Pretrained
	weights, meta, err := checkpoint.Load(path)
	if err != nil {
		return nil, "", fmt.Errorf("--pretrained: %w", err)
	}
	if meta[metaArch] != archMLM {
		return nil, "", fmt.Errorf("--pretrained %s: not an encoder written by 'deepgo sentiment pretrain' (arch %q)", path, meta[metaArch])
	}
	m, err := modelFromMeta(path, meta)
	if err != nil {
		return nil, "", err
	}
	c := m.bert.Config
	c.Dropout = o.Dropout
	if o.MaxLen > c.MaxLen {
		return nil, "", usageError{fmt.Errorf("--max-len %d: the pre-trained encoder has %d positions", o.MaxLen, c.MaxLen)}
	}
	net := models.NewMiniBERT(c, rng)
	for _, name := range nn.StateDictNames(net) {
		if _, ok := weights[name]; !ok && (strings.HasPrefix(name, "embeddings.") || strings.HasPrefix(name, "encoder.")) {
			return nil, "", fmt.Errorf("--pretrained %s: no %q in the file", path, name)
		}
	}
	if err := nn.LoadStateDict(net, weights, false); err != nil {
		return nil, "", fmt.Errorf("--pretrained %s: %w", path, err)
	}
	wp := m.tok.(wordPieceTokenizer).wp
	note := fmt.Sprintf(", pre-trained (%s MLM steps, held-out MLM accuracy %s)", meta["steps"], meta["mlm_accuracy"])
	return &sentimentModel{kind: "bert", net: net, bert: net, tok: wordPieceTokenizer{wp, o.MaxLen}, config: net.Config}, note, nil
}

// trainableParameters leaves out the mini-BERT's MLM head, which
// classification does not use (its tied decoder weight is the word
// embeddings, which stay in).
func trainableParameters(m *sentimentModel) []*tensor.Tensor {
	if m.bert == nil {
		return nn.Parameters(m.net)
	}
	skip := map[*tensor.Tensor]bool{}
	for _, p := range nn.Prefixed("mlm", m.bert.MLM.NamedParameters()) {
		skip[p.Tensor] = true
	}
	var out []*tensor.Tensor
	for _, p := range nn.Parameters(m.net) {
		if !skip[p] {
			out = append(out, p)
		}
	}
	return out
}

func describeModel(m *sentimentModel) string {
	switch c := m.config.(type) {
	case models.GRUClassifierConfig:
		return fmt.Sprintf("GRU classifier: %d words × %d, %d-layer bidirectional GRU %d, dropout %g", c.VocabSize, c.EmbedDim, c.Layers, c.Hidden, c.Dropout)
	case models.BERTConfig:
		return fmt.Sprintf("mini-BERT: %d WordPiece tokens, %d layers, width %d, %d heads, ff %d, dropout %g", c.VocabSize, c.Layers, c.Hidden, c.Heads, c.FF, c.Dropout)
	}
	return m.kind
}

func writeSentimentReport(dir string, o sentimentTrainOptions, m *sentimentModel, pretrainNote string, hist train.History, lecture string, wall time.Duration) error {
	last, best := hist[len(hist)-1], hist[0]
	var trainSec float64
	for _, r := range hist {
		if r.TestAcc > best.TestAcc {
			best = r
		}
		trainSec += r.Seconds
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# SST-2 sentiment, %s\n\n", o.Model)
	fmt.Fprintf(&b, "- model: %s (%d parameters)%s\n", describeModel(m), nn.NumParameters(m.net), pretrainNote)
	fmt.Fprintf(&b, "- training: AdamW lr=%g weight decay=%g, linear warm-up %.0f%% then linear decay, clip %g, batch %d, max length %d, %d epochs, seed %d\n",
		o.LR, o.WeightDecay, 100*o.Warmup, o.Clip, o.Batch, o.MaxLen, len(hist), o.Seed)
	fmt.Fprintf(&b, "- SST-2 dev accuracy: **%.2f%%** (dev loss %.4f); best %.2f%% at epoch %d\n",
		100*last.TestAcc, last.TestLoss, 100*best.TestAcc, best.Epoch)
	fmt.Fprintf(&b, "- time: %.1f s training and evaluation, %.1f s for the whole command\n\n", trainSec, wall.Seconds())
	b.WriteString("| epoch | train loss | train acc | dev loss | dev acc | seconds |\n|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range hist {
		fmt.Fprintf(&b, "| %d | %.4f | %.2f%% | %.4f | %.2f%% | %.0f |\n", r.Epoch, r.TrainLoss, 100*r.TrainAcc, r.TestLoss, 100*r.TestAcc, r.Seconds)
	}
	b.WriteString("\n## The lecture's sentences\n\nPositive probability, `deepgo sentiment predict`:\n\n" + lecture)
	b.WriteString("\nPictures: loss.png, accuracy.png, confusion.png (dev). Weights: model.safetensors.\n")
	return os.WriteFile(filepath.Join(dir, "report.md"), []byte(b.String()), 0o644)
}

// warmupLinear is BERT's learning-rate schedule, applied at every
// optimizer step: the k-th update (k = 1, 2, ...) uses peak·k/warmup
// during the warm-up, then peak·(total−k+1)/(total−warmup), falling
// linearly to peak/(total−warmup) at the last step. It wraps the optimizer
// so that train.Fit, which steps its schedulers once per epoch, still
// schedules every batch; the step count travels in the optimizer's state,
// so a resumed run goes on with the schedule.
type warmupLinear struct {
	optim.Optimizer
	peak                float64
	warmup, total, step int
}

const scheduleStepKey = "schedule.step"

func newWarmupLinear(opt optim.Optimizer, peak float64, warmup, total int) *warmupLinear {
	w := &warmupLinear{Optimizer: opt, peak: peak, warmup: warmup, total: max(total, 1)}
	w.Optimizer.SetLR(w.at(1))
	return w
}

// at returns the learning rate of update k.
func (w *warmupLinear) at(k int) float64 {
	if k <= w.warmup {
		return w.peak * float64(k) / float64(w.warmup)
	}
	return w.peak * float64(max(w.total-k+1, 1)) / float64(max(w.total-w.warmup, 1))
}

// Step sets the scheduled learning rate and updates the parameters.
func (w *warmupLinear) Step() {
	w.step++
	w.Optimizer.SetLR(w.at(w.step))
	w.Optimizer.Step()
}

// StateDict adds the schedule's step count to the optimizer's state.
func (w *warmupLinear) StateDict() optim.State {
	s := w.Optimizer.StateDict()
	s.Scalars[scheduleStepKey] = float64(w.step)
	return s
}

// LoadStateDict restores the optimizer and the schedule's step count.
func (w *warmupLinear) LoadStateDict(s optim.State) error {
	step, ok := s.Scalars[scheduleStepKey]
	if !ok {
		return fmt.Errorf("optimizer state without the schedule's %q", scheduleStepKey)
	}
	inner := s
	inner.Scalars = maps.Clone(s.Scalars)
	delete(inner.Scalars, scheduleStepKey)
	if err := w.Optimizer.LoadStateDict(inner); err != nil {
		return err
	}
	w.step = int(step)
	return nil
}

func sentimentEpochs(o *sentimentTrainOptions) *int { return &o.Epochs }
